"""Merge layers: combine a list of same-shape tensors elementwise."""

from functools import reduce

from rkeras import ops
from rkeras.layers.layer import Layer


class Merge(Layer):
    """Base class: `_merge(inputs)` combines the broadcast inputs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or not input_shape
            or not isinstance(input_shape[0], (list, tuple))
        ):
            raise ValueError(
                "A merge layer should be called on a list of inputs. "
                f"Received: input_shape={input_shape} (not a list of shapes)"
            )
        if len(input_shape) < 1:
            raise ValueError(
                "A merge layer should be called on a list of at least 1 input. "
                f"Got {len(input_shape)} inputs. Full input_shape received: {input_shape}"
            )
        self.built = True

    def call(self, inputs):
        return self._merge(list(inputs))

    def _merge(self, inputs):
        raise NotImplementedError

    def compute_mask(self, inputs, previous_mask):
        """A position is kept when every masked input keeps it."""
        if previous_mask is None:
            return None
        masks = [m for m in previous_mask if m is not None]
        if not masks:
            return None
        return reduce(ops.logical_and, masks)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape[0])
        for other in input_shape[1:]:
            for i in range(1, len(shape) + 1):
                a, b = shape[-i], other[-i]
                if a is None or a == 1:
                    shape[-i] = b
                elif b not in (None, 1, a):
                    raise ValueError(
                        "Inputs have incompatible shapes. Received shapes "
                        f"{tuple(input_shape[0])} and {tuple(other)}"
                    )
        return tuple(shape)


class Add(Merge):
    """Sums a list of inputs."""

    def _merge(self, inputs):
        return reduce(ops.add, inputs)


class Subtract(Merge):
    """Subtracts the second input from the first (exactly two inputs)."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                "A `Subtract` layer should be called on exactly 2 inputs. "
                f"Received: input_shape={input_shape}"
            )

    def _merge(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """Multiplies a list of inputs elementwise."""

    def _merge(self, inputs):
        return reduce(ops.multiply, inputs)


class Average(Merge):
    """Averages a list of inputs."""

    def _merge(self, inputs):
        return reduce(ops.add, inputs) / len(inputs)


class Maximum(Merge):
    """Elementwise maximum of a list of inputs."""

    def _merge(self, inputs):
        return reduce(ops.maximum, inputs)


class Minimum(Merge):
    """Elementwise minimum of a list of inputs."""

    def _merge(self, inputs):
        return reduce(ops.minimum, inputs)


class Concatenate(Layer):
    """Concatenates a list of inputs along `axis` (default -1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, previous_mask):
        """Inputs without a mask count as all-kept; the masks are
        concatenated along `axis` and a position is kept when any of its
        features is (as Keras does)."""
        if previous_mask is None or all(m is None for m in previous_mask):
            return None
        masks = []
        for x, mask in zip(inputs, previous_mask, strict=True):
            if mask is None:
                mask = ops.ones(tuple(x.shape), "bool")
            elif mask.ndim < x.ndim:
                mask = ops.broadcast_to(ops.expand_dims(mask, -1), tuple(x.shape))
            masks.append(mask)
        return ops.any(ops.concatenate(masks, axis=self.axis), axis=-1)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape[0])
        axis = self.axis % len(shape)
        for other in input_shape[1:]:
            if len(other) != len(shape) or any(
                i != axis and a is not None and b is not None and a != b
                for i, (a, b) in enumerate(zip(shape, other, strict=True))
            ):
                raise ValueError(
                    "A `Concatenate` layer requires inputs with matching shapes except for "
                    f"the concatenation axis. Received: input_shape={input_shape}"
                )
            shape[axis] = (
                None if shape[axis] is None or other[axis] is None else (shape[axis] + other[axis])
            )
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """Dot product of two inputs along `axes` (samples stay separate).

    Args:
        axes: an int or a pair of ints (axes of the first and second input).
        normalize: whether to L2-normalize along `axes` first (cosine).
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize
        self.built = True

    def call(self, inputs):
        a, b = inputs
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        ax_a, ax_b = axes[0] % a.ndim, axes[1] % b.ndim
        if self.normalize:
            a = a / ops.sqrt(ops.maximum(ops.sum(ops.square(a), axis=ax_a, keepdims=True), 1e-12))
            b = b / ops.sqrt(ops.maximum(ops.sum(ops.square(b), axis=ax_b, keepdims=True), 1e-12))
        # Move the contracted axes last (a) and first-after-batch (b), then matmul.
        perm_a = [i for i in range(a.ndim) if i != ax_a] + [ax_a]
        perm_b = [0, ax_b] + [i for i in range(1, b.ndim) if i != ax_b]
        a = ops.transpose(a, perm_a)
        b = ops.transpose(b, perm_b)
        batch = a.shape[0]
        a2 = ops.reshape(a, (batch, -1, a.shape[-1]))
        b2 = ops.reshape(b, (batch, b.shape[1], -1))
        out = ops.matmul(a2, b2)
        shape = (batch,) + tuple(a.shape[1:-1]) + tuple(b.shape[2:])
        if len(shape) == 1:
            shape = (batch, 1)
        return ops.reshape(out, shape)

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}

"""`Rescaling` and `Normalization` preprocessing layers."""

import numpy as np

from rkeras import ops
from rkeras.layers.layer import Layer


class Rescaling(Layer):
    """`inputs * scale + offset` (e.g. `scale=1/255` for pixels)."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.built = True

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        return x * self.scale + self.offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1 per feature.

    Statistics come from `mean`/`variance` or from `adapt(data)`.

    Args:
        axis: the feature axis or axes kept (default -1).
        mean, variance: fixed statistics (instead of `adapt`).
        invert: apply the inverse transformation.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = (axis,) if isinstance(axis, int) else tuple(axis or ())
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self._adapted = mean is not None

    def build(self, input_shape):
        ndim = len(input_shape)
        self._keep = tuple(a % ndim for a in self.axis)
        shape = [input_shape[a] if a in self._keep else 1 for a in range(ndim)]
        shape[0] = 1
        self._stat_shape = tuple(shape)
        if self.input_mean is not None:
            mean = np.broadcast_to(np.asarray(self.input_mean, "float32"), self._stat_shape)
            var = np.broadcast_to(np.asarray(self.input_variance, "float32"), self._stat_shape)
        else:
            mean = np.zeros(self._stat_shape, "float32")
            var = np.ones(self._stat_shape, "float32")
        self.mean = self.add_weight(
            name="mean",
            shape=self._stat_shape,
            trainable=False,
            initializer=lambda s, dtype=None: mean,
        )
        self.variance = self.add_weight(
            name="variance",
            shape=self._stat_shape,
            trainable=False,
            initializer=lambda s, dtype=None: var,
        )
        self.built = True

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the mean and variance of `data` (an array)."""
        data = np.asarray(data, dtype="float64")
        if not self.built:
            self.build(data.shape)
        reduce_axes = tuple(a for a in range(data.ndim) if a not in self._keep)
        self.mean.assign(data.mean(axis=reduce_axes).reshape(self._stat_shape).astype("float32"))
        self.variance.assign(data.var(axis=reduce_axes).reshape(self._stat_shape).astype("float32"))
        self._adapted = True

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        std = ops.sqrt(ops.maximum(self.variance, 1e-7))
        if self.invert:
            return x * std + self.mean
        return (x - self.mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": _listify(self.input_mean),
            "variance": _listify(self.input_variance),
        }


def _listify(value):
    return value.tolist() if isinstance(value, np.ndarray) else value

"""`ZeroPadding`, `Cropping` and `UpSampling` over 1, 2 or 3 spatial dims."""

from rkeras import ops
from rkeras.layers.convolutional import conv_utils
from rkeras.layers.layer import Layer


def _pairs(value, rank, name):
    """An int, `rank` ints, or `rank` (before, after) pairs, as pairs."""
    if isinstance(value, int):
        return ((value, value),) * rank
    value = tuple(value)
    if len(value) != rank:
        raise ValueError(
            f"`{name}` should have {rank} elements (one per spatial dim). Received: {name}={value}"
        )
    pairs = []
    for v in value:
        pair = (v, v) if isinstance(v, int) else tuple(v)
        if len(pair) != 2 or any(not isinstance(p, int) or p < 0 for p in pair):
            raise ValueError(
                f"`{name}` entries must be non-negative ints or (before, after) pairs of them. "
                f"Received: {name}={value}"
            )
        pairs.append(pair)
    return tuple(pairs)


class _SpatialLayer(Layer):
    def __init__(self, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.built = True

    def _spatial_axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return range(start, start + self.rank)

    def _check(self, shape):
        conv_utils.check_input_rank(self, shape, self.rank)


class _ZeroPadding(_SpatialLayer):
    """Pads the spatial dims with zeros.

    Args:
        padding: an int, one int per spatial dim, or one (before, after)
            pair per spatial dim.
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    def __init__(self, rank, padding, data_format=None, **kwargs):
        super().__init__(rank, data_format, **kwargs)
        self.padding = _pairs(padding, rank, "padding")

    def call(self, inputs):
        self._check(inputs.shape)
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._spatial_axes(), self.padding, strict=True):
            widths[axis] = pair
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        shape = list(input_shape)
        for axis, (a, b) in zip(self._spatial_axes(), self.padding, strict=True):
            shape[axis] = None if shape[axis] is None else shape[axis] + a + b
        return tuple(shape)

    def get_config(self):
        padding = self.padding[0] if self.rank == 1 else self.padding
        return {**super().get_config(), "padding": padding, "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    __doc__ = _ZeroPadding.__doc__

    def __init__(self, padding=1, **kwargs):
        pair = (padding, padding) if isinstance(padding, int) else tuple(padding)
        super().__init__(1, (pair,), **kwargs)


class ZeroPadding2D(_ZeroPadding):
    __doc__ = _ZeroPadding.__doc__

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(2, padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    __doc__ = _ZeroPadding.__doc__

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, padding, data_format, **kwargs)


class _Cropping(_SpatialLayer):
    """Removes (before, after) elements from each spatial dim.

    Args:
        cropping: an int, one int per spatial dim, or one (before, after)
            pair per spatial dim.
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    def __init__(self, rank, cropping, data_format=None, **kwargs):
        super().__init__(rank, data_format, **kwargs)
        self.cropping = _pairs(cropping, rank, "cropping")

    def call(self, inputs):
        self.compute_output_shape(tuple(inputs.shape))
        index = [slice(None)] * inputs.ndim
        for axis, (a, b) in zip(self._spatial_axes(), self.cropping, strict=True):
            index[axis] = slice(a, inputs.shape[axis] - b)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        shape = list(input_shape)
        for axis, (a, b) in zip(self._spatial_axes(), self.cropping, strict=True):
            if shape[axis] is not None:
                if a + b >= shape[axis]:
                    raise ValueError(
                        f"Layer '{self.name}': cropping {self.cropping} leaves nothing of an "
                        f"input of shape {tuple(input_shape)}"
                    )
                shape[axis] -= a + b
        return tuple(shape)

    def get_config(self):
        cropping = self.cropping[0] if self.rank == 1 else self.cropping
        return {**super().get_config(), "cropping": cropping, "data_format": self.data_format}


class Cropping1D(_Cropping):
    __doc__ = _Cropping.__doc__

    def __init__(self, cropping=(1, 1), **kwargs):
        pair = (cropping, cropping) if isinstance(cropping, int) else tuple(cropping)
        super().__init__(1, (pair,), **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        return config


class Cropping2D(_Cropping):
    __doc__ = _Cropping.__doc__

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(2, cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    __doc__ = _Cropping.__doc__

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, cropping, data_format, **kwargs)


def _bilinear_axis(x, axis, factor):
    """Resizes `axis` by an integer `factor` with half-pixel-centred linear
    interpolation, clamped at the edges (as `jax.image.resize`)."""
    import numpy as np

    n = x.shape[axis]
    position = (np.arange(n * factor) + 0.5) / factor - 0.5
    low = np.floor(position)
    frac = (position - low).astype("float32")
    lo = np.clip(low, 0, n - 1).astype("int32")
    hi = np.clip(low + 1, 0, n - 1).astype("int32")
    shape = [1] * x.ndim
    shape[axis] = n * factor
    frac = ops.reshape(ops.convert_to_tensor(frac), shape)
    a, b = ops.take(x, lo, axis=axis), ops.take(x, hi, axis=axis)
    return a + (b - a) * frac


class _UpSampling(_SpatialLayer):
    """Repeats (or, for 2-D `"bilinear"`, interpolates) the spatial dims
    `size` times.

    Args:
        size: an int or one int per spatial dim, the upsampling factors.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        interpolation: `"nearest"` (default) or, for `UpSampling2D`,
            `"bilinear"`.
    """

    def __init__(self, rank, size, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(rank, data_format, **kwargs)
        self.size = conv_utils.normalize_tuple(size, rank, "size")
        interpolation = str(interpolation).lower()
        if interpolation in ("bicubic", "lanczos3", "lanczos5", "area"):
            raise NotImplementedError(
                f"UpSampling2D(interpolation={interpolation!r}) is not built yet in rkeras; "
                "use 'nearest' or 'bilinear'."
            )
        if interpolation not in ("nearest", "bilinear") or (
            interpolation == "bilinear" and rank != 2
        ):
            raise ValueError(
                f"`interpolation` argument should be 'nearest' (or 'bilinear' for "
                f"UpSampling2D). Received: interpolation={interpolation}"
            )
        self.interpolation = interpolation

    def call(self, inputs):
        self._check(inputs.shape)
        x = inputs
        for axis, factor in zip(self._spatial_axes(), self.size, strict=True):
            if factor == 1:
                continue
            if self.interpolation == "bilinear":
                x = _bilinear_axis(x, axis, factor)
            else:
                x = ops.repeat(x, factor, axis=axis)
        return x

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        shape = list(input_shape)
        for axis, factor in zip(self._spatial_axes(), self.size, strict=True):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)


class UpSampling1D(_UpSampling):
    __doc__ = _UpSampling.__doc__

    def __init__(self, size=2, **kwargs):
        super().__init__(1, size, **kwargs)

    def get_config(self):
        return {**Layer.get_config(self), "size": self.size[0]}


class UpSampling2D(_UpSampling):
    __doc__ = _UpSampling.__doc__

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(2, size, data_format, interpolation, **kwargs)

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }


class UpSampling3D(_UpSampling):
    __doc__ = _UpSampling.__doc__

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(3, size, data_format, **kwargs)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}

"""Argument checks and shape arithmetic shared by the convolution and
pooling layers."""

from rkeras import config


def normalize_tuple(value, n, name, allow_zero=False):
    """An int or a sequence of `n` ints, as a tuple of `n` ints."""
    if isinstance(value, int):
        values = (value,) * n
    else:
        try:
            values = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            values = ()
        if len(values) != n:
            raise ValueError(
                f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
            )
    if any(v < 0 or (v == 0 and not allow_zero) for v in values):
        kind = "non-negative" if allow_zero else "strictly positive"
        raise ValueError(
            f"The `{name}` argument must be a tuple of {kind} integers. Received {name}={value}"
        )
    return values


def normalize_padding(value, allowed=("valid", "same")):
    padding = str(value).lower()
    if padding not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {list(allowed)}. Received: padding={value}"
        )
    return padding


def normalize_data_format(value):
    data_format = config.image_data_format() if value is None else str(value).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={value}"
        )
    return data_format


def output_length(length, kernel, padding, stride, dilation=1):
    """Positions a window takes along one dim (`None` stays unknown)."""
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    span = dilation * (kernel - 1) + 1
    if padding == "causal":
        length += span - 1
    return (length - span) // stride + 1 if length >= span else -1


def check_input_rank(layer, shape, rank):
    if len(shape) != rank + 2:
        raise ValueError(
            f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected '
            f"ndim={rank + 2}, found ndim={len(shape)}. Full shape received: {tuple(shape)}"
        )


def spatial_output_shape(layer, input_shape, kernel_size, strides, padding, dilation_rate):
    """The spatial dims after a window sweep; a clear error when the window
    does not fit."""
    channels_last = layer.data_format == "channels_last"
    spatial = input_shape[1:-1] if channels_last else input_shape[2:]
    out = [
        output_length(n, k, padding, s, d)
        for n, k, s, d in zip(spatial, kernel_size, strides, dilation_rate, strict=True)
    ]
    if any(o is not None and o <= 0 for o in out):
        raise ValueError(
            f"Computed output size would be negative in layer '{layer.name}': the window "
            f"(kernel_size={tuple(kernel_size)}, dilation_rate={tuple(dilation_rate)}) is larger "
            f"than the input. Received input shape {tuple(input_shape)}, padding='{padding}'."
        )
    return out


def with_channels(layer, batch, spatial, channels):
    if layer.data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)

"""Global settings: the default device, float type and epsilon."""

import contextlib

from rkeras import _core

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def set_device(name):
    """Sets the device new tensors are created on.

    Args:
        name: ``"cpu"``, ``"gpu"`` or ``"gpu:N"``. The environment variable
            ``RKERAS_DEVICE`` sets the initial default; without it, rkeras
            uses a hardware GPU when one exists and the CPU otherwise.

    Raises:
        RuntimeError: if the device is not available (for example no GPU
            adapter), naming the reason.
    """
    _core.set_device(name)


def get_device():
    """Returns the name of the current default device, e.g. ``"cpu"``."""
    return _core.get_device()


@contextlib.contextmanager
def device(name):
    """A scope in which new tensors are created on `name`.

    Example:

    >>> with rkeras.device("cpu"):
    ...     x = rkeras.ops.ones((2, 2))
    """
    _core.push_device_scope(name)
    try:
        yield
    finally:
        _core.pop_device_scope()


def backend():
    """The name of the backend: ``"rkeras"``."""
    return "rkeras"


def floatx():
    """The default float type, ``"float32"``."""
    return _FLOATX


def set_floatx(value):
    """Sets the default float type; rkeras computes in float32 only."""
    if value != "float32":
        raise ValueError(
            f"Unsupported floatx: {value!r}. rkeras computes in float32; expected 'float32'."
        )


def epsilon():
    """The fuzz factor used in numeric expressions, ``1e-7`` by default."""
    return _EPSILON


def set_epsilon(value):
    """Sets the fuzz factor used in numeric expressions."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """The default image layout, ``"channels_last"``."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Sets the default image layout."""
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of 'channels_first', "
            f"'channels_last'. Received: data_format={data_format!r}"
        )
    _IMAGE_DATA_FORMAT = data_format

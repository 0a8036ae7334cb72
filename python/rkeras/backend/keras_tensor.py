"""Symbolic tensors for the Functional API.

A `KerasTensor` is a shape (batch dims may be `None`) and a dtype, plus the
layer call that produced it. Layers compute output specs by running their
`call` on the engine's shape-only `meta` device.
"""

from rkeras import _core

# Stands in for unknown (None) dimensions while running on the meta device.
UNKNOWN_DIM = 4217


class KerasTensor:
    """A placeholder for a tensor in a graph of layers."""

    def __init__(self, shape, dtype="float32", name=None, keras_history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        # (layer, node_index, tensor_index) of the call that made it.
        self._keras_history = keras_history

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def to_meta(self):
        """An engine tensor on the meta device with this shape."""
        dims = [UNKNOWN_DIM if d is None else d for d in self.shape]
        with _meta():
            return _core.zeros(dims, self.dtype)

    # Operators build op layers so `x + y` works in functional models.
    def _op(self, fn, *args):
        from rkeras.layers.core.op_layer import OpLayer

        return OpLayer(fn)(self, *args)

    def __add__(self, other):
        return self._op(lambda a, b: a + b, other)

    def __radd__(self, other):
        return self._op(lambda a, b: b + a, other)

    def __sub__(self, other):
        return self._op(lambda a, b: a - b, other)

    def __rsub__(self, other):
        return self._op(lambda a, b: b - a, other)

    def __mul__(self, other):
        return self._op(lambda a, b: a * b, other)

    def __rmul__(self, other):
        return self._op(lambda a, b: b * a, other)

    def __truediv__(self, other):
        return self._op(lambda a, b: a / b, other)

    def __rtruediv__(self, other):
        return self._op(lambda a, b: b / a, other)

    def __pow__(self, other):
        return self._op(lambda a, b: a**b, other)

    def __matmul__(self, other):
        return self._op(lambda a, b: a @ b, other)

    def __neg__(self):
        return self._op(lambda a: -a)

    def __getitem__(self, key):
        return self._op(lambda a: a[key])


def from_meta(tensor, name=None):
    """The KerasTensor for a meta-device result (placeholder dims -> None)."""
    shape = tuple(None if d == UNKNOWN_DIM else d for d in tensor.shape)
    return KerasTensor(shape, tensor.dtype, name=name)


# The devices that were current when each enclosing meta scope opened.
_outer_devices = []


class _meta:
    def __enter__(self):
        _outer_devices.append(_core.get_device())
        _core.push_device_scope("meta")

    def __exit__(self, *exc):
        _core.pop_device_scope()
        _outer_devices.pop()
        return False


class data_scope:
    """Leaves any meta scope for the device that held data before it: a
    layer built during a symbolic call still creates real weights."""

    def __enter__(self):
        self._pushed = bool(_outer_devices)
        if self._pushed:
            _core.push_device_scope(_outer_devices[0])

    def __exit__(self, *exc):
        if self._pushed:
            _core.pop_device_scope()
        return False


meta_scope = _meta


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)

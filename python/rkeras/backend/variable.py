"""`rkeras.Variable`: the engine's variable plus Keras's attributes."""

from rkeras import _core


class Variable(_core.Variable):
    """A mutable tensor: model weights and optimizer state.

    Args:
        initializer: initial value (array, tensor or number), or a callable
            `initializer(shape, dtype)` such as a Keras initializer.
        shape: the shape; required when `initializer` is a callable.
        dtype: the dtype (default: that of the value; float32 for floats).
        trainable: whether optimizers update it and tapes watch it.
        autocast, aggregation, synchronization: accepted for Keras
            compatibility.
        name: the variable's name.

    Usable anywhere a tensor is; `assign`, `assign_add` and `assign_sub`
    update it in place.
    """

    def __init__(
        self,
        initializer,
        shape=None,
        dtype=None,
        trainable=True,
        autocast=True,
        aggregation="none",
        synchronization="auto",
        name=None,
        regularizer=None,
        constraint=None,
        path=None,
    ):
        self.regularizer = regularizer
        self.constraint = constraint
        self._path = path

    @property
    def path(self):
        """`layer_name/variable_name` for layer weights, else the name."""
        return self._path or self.name

    def __hash__(self):
        return id(self)

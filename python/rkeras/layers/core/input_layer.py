"""`InputLayer` and `Input`: the entry points of functional models."""

from rkeras.backend.keras_tensor import KerasTensor
from rkeras.layers.layer import Layer, Node


class InputLayer(Layer):
    """The layer behind `keras.Input`: it has no weights and one output.

    Args:
        shape: the shape of one sample (no batch dimension).
        batch_size: an optional fixed batch size.
        dtype: the input dtype (float32).
        batch_shape: the full shape with the batch dimension, instead of
            `shape` and `batch_size`.
        name: the layer name.
    """

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        batch_shape=None,
        input_tensor=None,
        optional=False,
        name=None,
        **kwargs,
    ):
        kwargs.pop("input_shape", None)
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise NotImplementedError("Sparse inputs are not supported")
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument.")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self._batch_shape = tuple(batch_shape)
        self.optional = optional
        self.built = True
        self.output = KerasTensor(self._batch_shape, self.dtype, name=self.name)
        Node(self, (), {}, self.output)

    @property
    def batch_shape(self):
        return self._batch_shape

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {
            "batch_shape": self._batch_shape,
            "dtype": self.dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("ragged", None)
        return super().from_config(config)


def Input(
    shape=None,
    batch_size=None,
    dtype=None,
    sparse=None,
    batch_shape=None,
    name=None,
    tensor=None,
    optional=False,
):
    """A symbolic input for a functional model.

    Args:
        shape: the shape of one sample, e.g. `(32,)`; `None` for unknown sizes.
        batch_size: an optional fixed batch size.
        dtype: the input dtype (float32).
        batch_shape: the full shape with the batch dimension.
        name: a name for the input.

    Returns:
        A `KerasTensor`.
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        batch_shape=batch_shape,
        name=name,
        optional=optional,
    )
    return layer.output

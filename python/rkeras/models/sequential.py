"""`Sequential`: a plain stack of layers."""

from rkeras.backend.keras_tensor import KerasTensor
from rkeras.layers.core.input_layer import InputLayer
from rkeras.layers.layer import Layer
from rkeras.models.functional import Functional
from rkeras.models.model import Model


class Sequential(Model):
    """A linear stack of layers, each called on the previous one's output.

    Args:
        layers: the layers, in order (an `Input` may come first).
        trainable: whether the model's weights are trainable.
        name: the model name.

    Example:

    >>> model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(8)])
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._stack = []
        self._graph = None
        self._input_layer = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Appends a layer (or an `Input` tensor) to the stack."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._stack:
                raise ValueError(
                    "Sequential model "
                    f"'{self.name}' has already been configured to use an input; an Input "
                    "can only be its first layer."
                )
            self._input_layer = layer
        elif isinstance(layer, Layer):
            if any(layer is existing for existing in self._stack):
                raise ValueError(f"Layer {layer.name} is already in the model")
            self._stack.append(layer)
            self._track(layer)
        else:
            raise ValueError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer} (of type {type(layer)})"
            )
        self.built = False
        self._graph = None
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self._layers = [sub for sub in self._layers if sub is not layer]
        self.built = False
        self._graph = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _input_batch_shape(self):
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._stack and self._stack[0]._batch_input_shape is not None:
            return self._stack[0]._batch_input_shape
        return None

    def _maybe_rebuild(self):
        shape = self._input_batch_shape()
        if shape is not None and self._stack:
            self.build(shape)

    def build(self, input_shape=None):
        if input_shape is None:
            input_shape = self._input_batch_shape()
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        if self._input_layer is None:
            self._input_layer = InputLayer(batch_shape=tuple(input_shape))
        inputs = self._input_layer.output
        x = inputs
        for layer in self._stack:
            x = layer(x)
        self._graph = Functional(inputs, x, name=f"{self.name}_graph")
        self.built = True

    @property
    def layers(self):
        """The layers, without the input layer (as in Keras)."""
        return list(self._stack)

    @property
    def inputs(self):
        return [self._input_layer.output] if self._graph is not None else None

    @property
    def outputs(self):
        return self._graph.outputs if self._graph is not None else None

    def call(self, inputs, training=None, mask=None):
        if self._graph is not None:
            return self._graph.call(inputs, training=training)
        x = inputs
        for layer in self._stack:
            x = layer(x, training=training)
        return x

    def get_config(self):
        layers = []
        if self._input_layer is not None:
            layers.append(_layer_config(self._input_layer))
        layers.extend(_layer_config(layer) for layer in self._stack)
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": self.dtype,
            "layers": layers,
        }


def _layer_config(layer):
    return {
        "module": "keras.layers",
        "class_name": type(layer).__name__,
        "config": layer.get_config(),
        "registered_name": None,
    }

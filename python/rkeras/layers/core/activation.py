"""`Activation`, `Identity` and `Lambda` layers."""

from rkeras import activations
from rkeras.layers.layer import Layer


class Activation(Layer):
    """Applies an activation function.

    Args:
        activation: an activation name (`"relu"`) or callable.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Identity(Layer):
    """Returns its input unchanged."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Lambda(Layer):
    """Wraps an arbitrary function as a layer.

    Args:
        function: the function, called as `function(inputs, **arguments)`.
        output_shape: the output shape, when it cannot be traced.
        arguments: extra keyword arguments for `function`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self._output_shape = output_shape
        self.arguments = arguments or {}
        self.built = True

    def call(self, inputs, mask=None, training=None):
        return self.function(inputs, **self.arguments)

    def compute_output_spec(self, *args, **kwargs):
        if self._output_shape is None:
            return super().compute_output_spec(*args, **kwargs)
        from rkeras.backend.keras_tensor import KerasTensor

        shape = self._output_shape
        if callable(shape):
            shape = shape(args[0].shape)
        else:
            shape = (args[0].shape[0],) + tuple(shape)
        return KerasTensor(shape, self.dtype)

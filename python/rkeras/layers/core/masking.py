"""`Masking`: marks timesteps whose features all equal a value as padding."""

from rkeras import ops
from rkeras.backend.masking import set_keras_mask
from rkeras.layers.layer import Layer


class Masking(Layer):
    """Masks a sequence by using a mask value to skip timesteps.

    A timestep `inputs[i, t]` is masked (skipped by the layers downstream
    that support masking, such as LSTM) when all its features equal
    `mask_value`. Masked timesteps are also zeroed in the output.

    Args:
        mask_value: the value marking padding (default 0.0).

    Example:

    ```python
    x = np.zeros((2, 4, 3), "float32")
    x[0, :2] = 1.0
    mask = keras.layers.Masking()(x)._keras_mask
    # [[True, True, False, False], [False, False, False, False]]
    ```
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, previous_mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        outputs = inputs * ops.cast(keep, inputs.dtype)
        set_keras_mask(outputs, ops.squeeze(keep, axis=-1))
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}

"""`Conv1D`, `Conv2D` and `Conv3D`."""

from rkeras.layers.convolutional.base_conv import BaseConv


class Conv1D(BaseConv):
    """1-D convolution (temporal convolution) over `(batch, steps, channels)`.

    `padding="causal"` pads on the left only, so output `t` depends on
    inputs up to `t`. See `BaseConv` for the arguments.

    Example:

    ```python
    x = np.random.rand(4, 10, 128)
    y = keras.layers.Conv1D(32, 3, activation="relu")(x)  # (4, 8, 32)
    ```
    """

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(1, filters, kernel_size, **kwargs)


class Conv2D(BaseConv):
    """2-D convolution over images `(batch, height, width, channels)`.

    See `BaseConv` for the arguments.

    Example:

    ```python
    x = np.random.rand(4, 10, 10, 128)
    y = keras.layers.Conv2D(32, 3, activation="relu")(x)  # (4, 8, 8, 32)
    ```
    """

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(2, filters, kernel_size, **kwargs)


class Conv3D(BaseConv):
    """3-D convolution over volumes `(batch, d1, d2, d3, channels)`.

    See `BaseConv` for the arguments.
    """

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(3, filters, kernel_size, **kwargs)

"""`Conv1DTranspose`, `Conv2DTranspose` and `Conv3DTranspose`."""

from rkeras import ops
from rkeras.layers.convolutional import conv_utils
from rkeras.layers.convolutional.base_conv import BaseConv


def transposed_length(length, kernel, padding, output_padding, stride, dilation):
    """Keras's output length of a transposed convolution along one dim."""
    if length is None:
        return None
    span = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(span - stride, 0)
        return length * stride
    pad = span // 2 if padding == "same" else 0
    return (length - 1) * stride + span - 2 * pad + output_padding


class BaseConvTranspose(BaseConv):
    """N-D transposed convolution (the gradient of a convolution with respect
    to its input), e.g. to upsample learned features.

    Args:
        rank, filters, kernel_size, strides, padding, data_format,
        dilation_rate, activation, use_bias and the initializers,
        regularizers and constraints: as for `BaseConv` (no `groups`).
        output_padding: an int or `rank` ints, the extra length added on one
            side of each output dim (below the strides), or `None` to infer.
    """

    def __init__(
        self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None, **kwargs
    ):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding, **kwargs)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = conv_utils.normalize_tuple(
                output_padding, rank, "output_padding", allow_zero=True
            )
            for p, s in zip(self.output_padding, self.strides, strict=True):
                if p >= s:
                    raise ValueError(
                        "Strides must be greater than output padding. Received strides="
                        f"{self.strides}, output_padding={self.output_padding}."
                    )

    def _build_weights(self, channels):
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self._build_bias(self.filters)

    def convolution_op(self, inputs, kernel):
        return ops.conv_transpose(
            inputs,
            kernel,
            strides=self.strides,
            padding=self.padding,
            output_padding=self.output_padding,
            dilation_rate=self.dilation_rate,
            data_format=self.data_format,
        )

    def compute_output_shape(self, input_shape):
        channels_last = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if channels_last else input_shape[2:]
        extra = self.output_padding or (None,) * self.rank
        out = [
            transposed_length(n, k, self.padding, p, s, d)
            for n, k, p, s, d in zip(
                spatial, self.kernel_size, extra, self.strides, self.dilation_rate, strict=True
            )
        ]
        return conv_utils.with_channels(self, input_shape[0], out, self.filters)

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution. See `BaseConvTranspose`."""

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(1, filters, kernel_size, **kwargs)


class Conv2DTranspose(BaseConvTranspose):
    """2-D transposed convolution. See `BaseConvTranspose`.

    Example:

    ```python
    x = np.random.rand(4, 10, 8, 128)
    y = keras.layers.Conv2DTranspose(32, 2, 2, activation="relu")(x)  # (4, 20, 16, 32)
    ```
    """

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(2, filters, kernel_size, **kwargs)


class Conv3DTranspose(BaseConvTranspose):
    """3-D transposed convolution. See `BaseConvTranspose`."""

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(3, filters, kernel_size, **kwargs)

"""`DepthwiseConv1D`/`2D` and `SeparableConv1D`/`2D`."""

from rkeras import constraints, initializers, ops, regularizers
from rkeras.layers.convolutional.base_conv import BaseConv


class BaseDepthwiseConv(BaseConv):
    """Depthwise convolution: each input channel is convolved with its own
    `depth_multiplier` filters; output channel `c * depth_multiplier + m`.

    Args:
        rank: the number of spatial dims.
        depth_multiplier: filters per input channel.
        kernel_size, strides, padding, data_format, dilation_rate,
        activation, use_bias: as for `BaseConv`.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint:
            for the kernel of shape `kernel_size + (channels, multiplier)`.
        bias_initializer, bias_regularizer, bias_constraint,
        activity_regularizer: as for `BaseConv`.
    """

    def __init__(
        self,
        rank,
        depth_multiplier,
        kernel_size,
        depthwise_initializer="glorot_uniform",
        depthwise_regularizer=None,
        depthwise_constraint=None,
        **kwargs,
    ):
        super().__init__(rank, None, kernel_size, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _build_weights(self, channels):
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self._build_bias(channels * self.depth_multiplier)

    def convolution_op(self, inputs, kernel):
        return ops.depthwise_conv(
            inputs,
            kernel,
            strides=self.strides,
            padding=self.padding,
            dilation_rate=self.dilation_rate,
            data_format=self.data_format,
        )

    def compute_output_shape(self, input_shape):
        shape = list(super().compute_output_shape(input_shape))
        channels = input_shape[self._channel_axis()]
        shape[self._channel_axis()] = None if channels is None else channels * self.depth_multiplier
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        for key in (
            "filters",
            "groups",
            "kernel_initializer",
            "kernel_regularizer",
            "kernel_constraint",
        ):
            config.pop(key)
        config.update(
            depth_multiplier=self.depth_multiplier,
            depthwise_initializer=initializers.serialize(self.depthwise_initializer),
            depthwise_regularizer=regularizers.serialize(self.depthwise_regularizer),
            depthwise_constraint=constraints.serialize(self.depthwise_constraint),
        )
        return config


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution. See `BaseDepthwiseConv`."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, **kwargs):
        super().__init__(
            1, depth_multiplier, kernel_size, strides=strides, padding=padding, **kwargs
        )


class DepthwiseConv2D(BaseDepthwiseConv):
    """2-D depthwise convolution. See `BaseDepthwiseConv`."""

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, **kwargs):
        super().__init__(
            2, depth_multiplier, kernel_size, strides=strides, padding=padding, **kwargs
        )


class BaseSeparableConv(BaseConv):
    """Separable convolution: a depthwise convolution, then a 1×1
    convolution mixing its channels into `filters`.

    Args:
        rank, depth_multiplier, filters, kernel_size, strides, padding,
        data_format, dilation_rate, activation, use_bias: as for
            `BaseConv` and `BaseDepthwiseConv`.
        depthwise_initializer, pointwise_initializer, bias_initializer,
        and the matching regularizers and constraints.
    """

    def __init__(
        self,
        rank,
        depth_multiplier,
        filters,
        kernel_size,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        **kwargs,
    ):
        super().__init__(rank, filters, kernel_size, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _build_weights(self, channels):
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self._build_bias(self.filters)

    def _convolve(self, inputs):
        return ops.separable_conv(
            inputs,
            self.depthwise_kernel,
            self.pointwise_kernel,
            strides=self.strides,
            padding=self.padding,
            dilation_rate=self.dilation_rate,
            data_format=self.data_format,
        )

    def get_config(self):
        config = super().get_config()
        for key in ("groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config.update(
            depth_multiplier=self.depth_multiplier,
            depthwise_initializer=initializers.serialize(self.depthwise_initializer),
            pointwise_initializer=initializers.serialize(self.pointwise_initializer),
            depthwise_regularizer=regularizers.serialize(self.depthwise_regularizer),
            pointwise_regularizer=regularizers.serialize(self.pointwise_regularizer),
            depthwise_constraint=constraints.serialize(self.depthwise_constraint),
            pointwise_constraint=constraints.serialize(self.pointwise_constraint),
        )
        return config


class SeparableConv1D(BaseSeparableConv):
    """1-D separable convolution. See `BaseSeparableConv`."""

    def __init__(
        self, filters, kernel_size, strides=1, padding="valid", depth_multiplier=1, **kwargs
    ):
        super().__init__(
            1, depth_multiplier, filters, kernel_size, strides=strides, padding=padding, **kwargs
        )


class SeparableConv2D(BaseSeparableConv):
    """2-D separable convolution. See `BaseSeparableConv`."""

    def __init__(
        self, filters, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, **kwargs
    ):
        super().__init__(
            2, depth_multiplier, filters, kernel_size, strides=strides, padding=padding, **kwargs
        )

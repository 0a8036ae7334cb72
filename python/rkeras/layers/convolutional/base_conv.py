"""`BaseConv`: the N-D convolution layer behind Conv1D, Conv2D and Conv3D."""

from rkeras import activations, constraints, initializers, ops, regularizers
from rkeras.layers.convolutional import conv_utils
from rkeras.layers.layer import Layer


class BaseConv(Layer):
    """N-D convolution: `activation(conv(inputs, kernel) + bias)`.

    Args:
        rank: the number of spatial dims (1, 2 or 3).
        filters: the number of output channels.
        kernel_size: an int or `rank` ints, the window size.
        strides: an int or `rank` ints; `> 1` cannot combine with
            `dilation_rate > 1`.
        padding: `"valid"`, `"same"` or (1-D only) `"causal"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation_rate: an int or `rank` ints, the spacing of the taps.
        groups: input channels are split into this many groups, each
            convolved with `filters // groups` filters.
        activation: the activation applied to the output (default linear).
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: `"glorot_uniform"`, `"zeros"`.
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as for `Dense`.
    """

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if filters is not None and (not isinstance(filters, int) or filters <= 0):
            raise ValueError(
                "Invalid value for argument `filters`. Expected a strictly positive value. "
                f"Received filters={filters}."
            )
        self.filters = filters
        self.groups = groups
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = conv_utils.normalize_tuple(strides, rank, "strides")
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, rank, "dilation_rate")
        allowed = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
        self.padding = conv_utils.normalize_padding(padding, allowed)
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        if filters is not None and filters % groups:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}."
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.input_channels = None

    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _check_input(self, shape):
        conv_utils.check_input_rank(self, shape, self.rank)
        channels = shape[self._channel_axis()]
        if self.input_channels is not None and channels != self.input_channels:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis '
                f"{self._channel_axis()} of input shape to have value {self.input_channels}, "
                f"but received input with shape {tuple(shape)}"
            )
        return channels

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        if channels is None:
            raise ValueError(
                f"The channel dimension of the inputs to layer '{self.name}' should be defined. "
                f"Received input shape {tuple(input_shape)}"
            )
        if channels % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. "
                f"Received groups={self.groups}, but the input has {channels} channels (full "
                f"input shape is {tuple(input_shape)})."
            )
        self.input_channels = channels
        self._build_weights(channels)
        self.built = True

    def _build_weights(self, channels):
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self._build_bias(self.filters)

    def _build_bias(self, size):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(size,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def convolution_op(self, inputs, kernel):
        return ops.conv(
            inputs,
            kernel,
            strides=self.strides,
            padding=self.padding,
            dilation_rate=self.dilation_rate,
            data_format=self.data_format,
        )

    def _convolve(self, inputs):
        return self.convolution_op(inputs, self.kernel)

    def call(self, inputs):
        self._check_input(tuple(inputs.shape))
        self.compute_output_shape(tuple(inputs.shape))
        outputs = self._convolve(inputs)
        if self.bias is not None:
            if self.data_format == "channels_last":
                outputs = outputs + self.bias
            else:
                shape = (1, self.bias.shape[0]) + (1,) * self.rank
                outputs = outputs + ops.reshape(self.bias, shape)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        spatial = conv_utils.spatial_output_shape(
            self, input_shape, self.kernel_size, self.strides, self.padding, self.dilation_rate
        )
        return conv_utils.with_channels(self, input_shape[0], spatial, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }

"""Max and average pooling over 1, 2 or 3 spatial dims."""

from rkeras import ops
from rkeras.layers.convolutional import conv_utils
from rkeras.layers.layer import Layer


class BasePooling(Layer):
    """Pools windows of `pool_size`, moved by `strides` (default: the pool
    size), with `"valid"` or `"same"` padding. With `"same"`, average
    pooling counts only the real elements of each window."""

    def __init__(
        self,
        pool_size,
        strides,
        pool_dimensions,
        pool_mode,
        padding="valid",
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.rank = pool_dimensions
        self.pool_mode = pool_mode
        self.pool_size = conv_utils.normalize_tuple(pool_size, pool_dimensions, "pool_size")
        strides = pool_size if strides is None else strides
        self.strides = conv_utils.normalize_tuple(strides, pool_dimensions, "strides")
        self.padding = conv_utils.normalize_padding(padding)
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.built = True

    def call(self, inputs):
        conv_utils.check_input_rank(self, inputs.shape, self.rank)
        self.compute_output_shape(tuple(inputs.shape))
        pool = ops.max_pool if self.pool_mode == "max" else ops.average_pool
        return pool(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def compute_output_shape(self, input_shape):
        conv_utils.check_input_rank(self, input_shape, self.rank)
        ones = (1,) * self.rank
        spatial = conv_utils.spatial_output_shape(
            self, input_shape, self.pool_size, self.strides, self.padding, ones
        )
        axis = -1 if self.data_format == "channels_last" else 1
        return conv_utils.with_channels(self, input_shape[0], spatial, input_shape[axis])

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


def _pooling_layer(class_name, rank, mode, default_size, doc):
    def __init__(
        self,
        pool_size=default_size,
        strides=None,
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        BasePooling.__init__(
            self, pool_size, strides, rank, mode, padding, data_format, name=name, **kwargs
        )

    return type(
        class_name, (BasePooling,), {"__init__": __init__, "__doc__": doc, "__module__": __name__}
    )


_ARGS = """

    Args:
        pool_size: an int or one int per spatial dim, the window size.
        strides: an int or one per spatial dim; `None` means `pool_size`.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

MaxPooling1D = _pooling_layer("MaxPooling1D", 1, "max", 2, "Max pooling over steps." + _ARGS)
MaxPooling2D = _pooling_layer(
    "MaxPooling2D", 2, "max", (2, 2), "Max pooling over image windows." + _ARGS
)
MaxPooling3D = _pooling_layer(
    "MaxPooling3D", 3, "max", (2, 2, 2), "Max pooling over volume windows." + _ARGS
)
AveragePooling1D = _pooling_layer(
    "AveragePooling1D", 1, "average", 2, "Average pooling over steps." + _ARGS
)
AveragePooling2D = _pooling_layer(
    "AveragePooling2D", 2, "average", (2, 2), "Average pooling over image windows." + _ARGS
)
AveragePooling3D = _pooling_layer(
    "AveragePooling3D", 3, "average", (2, 2, 2), "Average pooling over volume windows." + _ARGS
)

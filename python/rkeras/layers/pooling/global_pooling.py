"""Global max and average pooling: one value per channel."""

from rkeras import ops
from rkeras.layers.convolutional import conv_utils
from rkeras.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Reduces all spatial dims with `max` or `mean`.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: whether to keep the spatial dims with length 1.
    """

    def __init__(self, pool_dimensions, pool_mode, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.rank = pool_dimensions
        self.pool_mode = pool_mode
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.keepdims = keepdims
        self.built = True

    def _spatial_axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return list(range(start, start + self.rank))

    def call(self, inputs, mask=None):
        conv_utils.check_input_rank(self, inputs.shape, self.rank)
        axes = self._spatial_axes()
        if self.pool_mode == "max":
            return ops.max(inputs, axis=axes, keepdims=self.keepdims)
        if mask is None or self.rank != 1:
            return ops.mean(inputs, axis=axes, keepdims=self.keepdims)
        # Average only the unmasked steps (1-D with a mask, as Keras).
        weights = ops.expand_dims(ops.cast(mask, inputs.dtype), -1 if axes[0] == 1 else 1)
        total = ops.sum(inputs * weights, axis=axes, keepdims=self.keepdims)
        return total / ops.sum(weights, axis=axes, keepdims=self.keepdims)

    def compute_mask(self, inputs, previous_mask):
        return None

    def compute_output_shape(self, input_shape):
        conv_utils.check_input_rank(self, input_shape, self.rank)
        axes = self._spatial_axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


def _global_layer(class_name, rank, mode, doc):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        BaseGlobalPooling.__init__(self, rank, mode, data_format, keepdims, **kwargs)
        self.supports_masking = rank == 1 and mode == "average"

    return type(
        class_name,
        (BaseGlobalPooling,),
        {"__init__": __init__, "__doc__": doc, "__module__": __name__},
    )


GlobalMaxPooling1D = _global_layer("GlobalMaxPooling1D", 1, "max", "Max over the steps.")
GlobalMaxPooling2D = _global_layer("GlobalMaxPooling2D", 2, "max", "Max over height and width.")
GlobalMaxPooling3D = _global_layer("GlobalMaxPooling3D", 3, "max", "Max over the 3 spatial dims.")
GlobalAveragePooling1D = _global_layer(
    "GlobalAveragePooling1D", 1, "average", "Mean over the steps (only unmasked ones with a mask)."
)
GlobalAveragePooling2D = _global_layer(
    "GlobalAveragePooling2D", 2, "average", "Mean over height and width."
)
GlobalAveragePooling3D = _global_layer(
    "GlobalAveragePooling3D", 3, "average", "Mean over the 3 spatial dims."
)

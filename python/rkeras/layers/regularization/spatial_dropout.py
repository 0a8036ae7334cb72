"""`SpatialDropout1D/2D/3D`: dropout of whole feature maps."""

from rkeras import random as rk_random
from rkeras.layers.convolutional import conv_utils
from rkeras.layers.regularization.dropout import Dropout


class _SpatialDropout(Dropout):
    """Drops entire channels (one draw per sample and channel) during
    training, which suits convolutional features whose neighbours are
    strongly correlated; the identity at inference.

    Args:
        rate: float in `[0, 1)`, the fraction of channels to drop.
        data_format: `"channels_last"` (default) or `"channels_first"`
            (not for 1-D).
        seed: an int seed for reproducibility.
    """

    rank = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = conv_utils.normalize_data_format(data_format)

    def call(self, inputs, training=False):
        conv_utils.check_input_rank(self, inputs.shape, self.rank)
        if not training or self.rate == 0:
            return inputs
        shape = tuple(inputs.shape)
        if self.data_format == "channels_last":
            noise = (shape[0],) + (1,) * self.rank + (shape[-1],)
        else:
            noise = shape[:2] + (1,) * self.rank
        return rk_random.dropout(inputs, self.rate, noise_shape=noise, seed=self.seed_generator)

    def get_config(self):
        # Keras writes only these (no `trainable`, no `noise_shape`).
        return {
            "rate": self.rate,
            "seed": self.seed,
            "name": self.name,
            "dtype": self.dtype,
            "data_format": self.data_format,
        }


class SpatialDropout1D(_SpatialDropout):
    __doc__ = _SpatialDropout.__doc__
    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        kwargs.pop("data_format", None)
        super().__init__(rate, "channels_last", seed, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        return config


class SpatialDropout2D(_SpatialDropout):
    __doc__ = _SpatialDropout.__doc__
    rank = 2


class SpatialDropout3D(_SpatialDropout):
    __doc__ = _SpatialDropout.__doc__
    rank = 3

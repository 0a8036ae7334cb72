"""`Dropout` and `GaussianNoise`: noise during training only."""

from rkeras import ops
from rkeras import random as rk_random
from rkeras.layers.layer import Layer


class Dropout(Layer):
    """Sets inputs to 0 with probability `rate` during training, scaling the
    others by `1 / (1 - rate)`; does nothing at inference.

    Args:
        rate: float in `[0, 1)`, the fraction of inputs to drop.
        noise_shape: shape of the binary mask, broadcast over the inputs.
        seed: an int seed for reproducibility.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between "
                f"0 and 1. Received: rate={rate}"
            )
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = rk_random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:
            return ops.zeros_like(inputs)
        noise_shape = None
        if self.noise_shape is not None:
            noise_shape = [
                inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)
            ]
        return rk_random.dropout(
            inputs, self.rate, noise_shape=noise_shape, seed=self.seed_generator
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise with `stddev` during training.

    Args:
        stddev: standard deviation of the noise.
        seed: an int seed for reproducibility.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = stddev
        self.seed = seed
        self.seed_generator = rk_random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = rk_random.normal(tuple(inputs.shape), 0.0, self.stddev, seed=self.seed_generator)
        return inputs + noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}

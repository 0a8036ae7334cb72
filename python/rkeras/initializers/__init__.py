"""Weight initializers, with Keras 3's names, defaults and fan rules."""

import math

import numpy as np

from rkeras import ops
from rkeras import random as rk_random
from rkeras.utils.naming import to_snake_case
from rkeras.utils.registry import Registry


def compute_fans(shape, input_axes=None, output_axes=None):
    """`(fan_in, fan_out)` of a weight shape, as Keras computes them; with
    `input_axes` and `output_axes` (an einsum kernel's), the products of
    those axes."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (
            math.prod(shape[a] for a in input_axes),
            math.prod(shape[a] for a in output_axes),
        )
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: `initializer(shape, dtype)` returns a tensor."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        # Keras 3.15 writes these for its einsum-aware fan computation.
        config = {k: v for k, v in config.items() if k not in ("input_axes", "output_axes")}
        return cls(**config)


class _Seeded(Initializer):
    """An int seed gives the same values on every call, as in Keras 3;
    `None` draws from the global generator (see `set_random_seed`)."""

    def __init__(self, seed=None):
        self.seed = seed

    def _seed(self):
        return self.seed

    def get_config(self):
        return {"seed": self.seed}


class Zeros(Initializer):
    """Initializes to 0."""

    def __call__(self, shape, dtype=None):
        return ops.zeros(shape, dtype=dtype or "float32")


class Ones(Initializer):
    """Initializes to 1."""

    def __call__(self, shape, dtype=None):
        return ops.ones(shape, dtype=dtype or "float32")


class Constant(Initializer):
    """Initializes to `value`."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return ops.full(shape, float(self.value), dtype=dtype or "float32")

    def get_config(self):
        return {"value": self.value}


class RandomNormal(_Seeded):
    """Normal draws with `mean` and `stddev` (0.05 by default)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return rk_random.normal(shape, self.mean, self.stddev, seed=self._seed())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(_Seeded):
    """Uniform draws in `[minval, maxval)` (±0.05 by default)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return rk_random.uniform(shape, self.minval, self.maxval, seed=self._seed())

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class TruncatedNormal(_Seeded):
    """Normal draws within two standard deviations."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return rk_random.truncated_normal(shape, self.mean, self.stddev, seed=self._seed())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class VarianceScaling(_Seeded):
    """Draws scaled to the weight's fans.

    `EinsumDense` sets `fan_axes = (input_axes, output_axes)` on its copy,
    so the fans of its kernel count the contracted and produced axes.

    Args:
        scale: scaling factor (positive).
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"`, `"untruncated_normal"` or `"uniform"`.
        seed: an int or None.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.fan_axes = (None, None)

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape, *self.fan_axes)
        denom = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        scale = self.scale / max(1.0, denom[self.mode])
        if self.distribution == "truncated_normal":
            # Stddev of a unit normal truncated to [-2, 2].
            stddev = math.sqrt(scale) / 0.87962566103423978
            return rk_random.truncated_normal(shape, 0.0, stddev, seed=self._seed())
        if self.distribution == "untruncated_normal":
            return rk_random.normal(shape, 0.0, math.sqrt(scale), seed=self._seed())
        limit = math.sqrt(3.0 * scale)
        return rk_random.uniform(shape, -limit, limit, seed=self._seed())

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            **super().get_config(),
        }


class _FixedVarianceScaling(VarianceScaling):
    _args = {}

    def __init__(self, seed=None):
        super().__init__(seed=seed, **self._args)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_FixedVarianceScaling):
    """Uniform in ±sqrt(6 / (fan_in + fan_out)): Keras's default kernel initializer."""

    _args = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out))."""

    _args = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class HeNormal(_FixedVarianceScaling):
    """Truncated normal with stddev sqrt(2 / fan_in)."""

    _args = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


class HeUniform(_FixedVarianceScaling):
    """Uniform in ±sqrt(6 / fan_in)."""

    _args = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class LecunNormal(_FixedVarianceScaling):
    """Truncated normal with stddev sqrt(1 / fan_in)."""

    _args = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


class LecunUniform(_FixedVarianceScaling):
    """Uniform in ±sqrt(3 / fan_in)."""

    _args = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


class Orthogonal(_Seeded):
    """A (scaled) random orthogonal matrix: Keras's recurrent kernel default."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        a = np.asarray(rk_random.normal(flat, seed=self._seed()), dtype="float64")
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return ops.convert_to_tensor((self.gain * q).reshape(shape).astype("float32"))

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


class Identity(Initializer):
    """The identity matrix times `gain`."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape, got {shape}")
        return ops.eye(shape[0], shape[1], dtype=dtype or "float32") * self.gain

    def get_config(self):
        return {"gain": self.gain}


OrthogonalInitializer = Orthogonal
IdentityInitializer = Identity

_ALL = [
    Zeros,
    Ones,
    Constant,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    GlorotUniform,
    GlorotNormal,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    Identity,
]
_BY_NAME = {cls.__name__: cls for cls in _ALL}
_BY_NAME.update({to_snake_case(cls.__name__): cls for cls in _ALL})
_BY_NAME.update(
    {
        "zeros": Zeros,
        "ones": Ones,
        "constant": Constant,
        "uniform": RandomUniform,
        "normal": RandomNormal,
        "orthogonal": Orthogonal,
        "identity": Identity,
        "OrthogonalInitializer": Orthogonal,
        "IdentityInitializer": Identity,
    }
)

zeros, ones, constant = Zeros, Ones, Constant
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity


_REGISTRY = Registry("keras.initializers", "initializer", _BY_NAME)
serialize = _REGISTRY.serialize
deserialize = _REGISTRY.deserialize
get = _REGISTRY.get

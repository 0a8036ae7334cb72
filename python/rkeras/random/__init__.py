"""Random tensors, with Keras 3's seeding semantics.

``seed`` may be an int (the same numbers on every call), a
``SeedGenerator`` (new numbers on every call, reproducible from its seed),
or ``None`` (the global generator, which ``rkeras.utils.set_random_seed``
resets).
"""

import random as _py_random

from rkeras import _core

_MASK64 = (1 << 64) - 1


class SeedGenerator:
    """A stateful source of seeds for random ops.

    Each random op that receives the generator draws the next key, so
    repeated calls give new numbers while a generator built from the same
    ``seed`` replays the same sequence.

    Args:
        seed: an int; ``None`` draws one from Python's `random` (which
            ``rkeras.utils.set_random_seed`` seeds).

    Example:

    >>> gen = rkeras.random.SeedGenerator(42)
    >>> a = rkeras.random.normal((2,), seed=gen)
    >>> b = rkeras.random.normal((2,), seed=gen)  # different from a
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is None:
            # Drawn from Python's generator, so `set_random_seed` makes
            # unseeded layers (Dropout, initializers) reproducible, as in Keras.
            seed = _py_random.randint(1, 10**9)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed & _MASK64
        self.name = name or "seed_generator"
        # Engine-side, so draws in a replayed compiled step advance it too.
        self._counter = _core.SeedCounter(0)

    @property
    def counter(self):
        """How many keys the generator has handed out."""
        return self._counter.value

    @counter.setter
    def counter(self, value):
        self._counter.value = int(value)

    @property
    def state(self):
        """The ``(seed, counter)`` pair the next draw will use."""
        return (self.seed, self.counter)

    def next(self):
        """Returns the next ``(seed, stream)`` key and advances."""
        return (self.seed, self._counter.next())

    def _key_source(self):
        """``(seed, counter)`` for an engine op, which takes the next
        stream each time it runs."""
        return (self.seed, self._counter)

    def get_config(self):
        return {"seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_global_generator = None


def global_seed_generator():
    """The generator used when a random op gets ``seed=None``."""
    global _global_generator
    if _global_generator is None:
        _global_generator = SeedGenerator()
    return _global_generator


def _reset_global_seed_generator(seed):
    global _global_generator
    _global_generator = SeedGenerator(seed)


def _key(seed):
    if seed is None:
        return global_seed_generator()._key_source()
    if isinstance(seed, SeedGenerator):
        return seed._key_source()
    if isinstance(seed, int) and not isinstance(seed, bool):
        # A fixed int seed is stateless: a stream distinct from generators'.
        return (seed & _MASK64, _MASK64)
    raise ValueError(f"`seed` must be None, an integer or a SeedGenerator. Received: seed={seed!r}")


def _float_dtype(dtype):
    dtype = dtype or "float32"
    if dtype not in ("float32", "float64", "float16", "bfloat16"):
        raise ValueError(f"Expected a float dtype, got dtype={dtype!r}")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draws from a normal distribution.

    Args:
        shape: the shape of the result.
        mean: mean of the distribution.
        stddev: standard deviation of the distribution.
        dtype: a float dtype (float32).
        seed: an int, a ``SeedGenerator`` or ``None``.
    """
    _float_dtype(dtype)
    return _core.random_normal(shape, float(mean), float(stddev), *_key(seed))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Draws uniformly from ``[minval, maxval)``.

    Args:
        shape: the shape of the result.
        minval: lower bound (inclusive).
        maxval: upper bound (exclusive).
        dtype: a float dtype (float32).
        seed: an int, a ``SeedGenerator`` or ``None``.
    """
    dtype = _float_dtype(dtype)
    return _core.random_uniform(shape, float(minval), float(maxval), dtype, *_key(seed))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draws from a normal distribution, redrawing values more than two
    standard deviations from the mean."""
    _float_dtype(dtype)
    return _core.random_truncated_normal(shape, float(mean), float(stddev), *_key(seed))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Draws integers uniformly from ``[minval, maxval)``."""
    return _core.random_randint(shape, int(minval), int(maxval), dtype, *_key(seed))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes each element with probability `rate` and scales the others by
    ``1 / (1 - rate)``.

    Args:
        inputs: the tensor to drop from.
        rate: the fraction of elements to drop, in ``[0, 1)``.
        noise_shape: shape of the mask, broadcast over `inputs` (for
            example ``(batch, 1, features)`` to drop whole features).
        seed: an int, a ``SeedGenerator`` or ``None``.
    """
    if noise_shape is not None:
        noise_shape = [int(d) for d in noise_shape]
    return _core.random_dropout(inputs, float(rate), noise_shape, *_key(seed))


def shuffle(x, axis=0, seed=None):
    """A random permutation of `x` along `axis`."""
    return _core.random_shuffle(x, int(axis), *_key(seed))


__all__ = [
    "SeedGenerator",
    "dropout",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]

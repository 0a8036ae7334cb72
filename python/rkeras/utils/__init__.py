"""Utilities."""

import random as _py_random

import numpy as np

from rkeras import random as _rk_random


def set_random_seed(seed):
    """Seeds Python's, NumPy's and rkeras's random generators.

    After this call, a program that draws the same random numbers in the
    same order gets bitwise-identical results.

    Args:
        seed: a non-negative integer.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed!r}")
    _py_random.seed(seed)
    np.random.seed(seed % (1 << 32))
    _rk_random._reset_global_seed_generator(seed)


__all__ = ["set_random_seed"]

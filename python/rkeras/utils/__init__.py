"""Utilities, as `keras.utils`."""

import random as _py_random

import numpy as np

from rkeras import random as _rk_random
from rkeras.utils.progbar import Progbar
from rkeras.utils.py_dataset import PyDataset, Sequence


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


def to_categorical(x, num_classes=None):
    """One-hot encodes integer class labels as a float32 NumPy array.

    Args:
        x: integer labels, of any shape.
        num_classes: number of classes; `max(x) + 1` when `None`.
    """
    x = np.asarray(x, dtype="int64")
    input_shape = x.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = input_shape[:-1]
    x = x.reshape(-1)
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    out = np.zeros((x.shape[0], num_classes), dtype="float32")
    out[np.arange(x.shape[0]), x] = 1.0
    return out.reshape(input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scales `x` to unit `order`-norm along `axis`."""
    x = np.asarray(x, dtype="float32")
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norm[norm == 0] = 1
    return x / norm


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Splits arrays (or a tuple of arrays) into two parts.

    Args:
        dataset: an array or a tuple/list of arrays of one length.
        left_size, right_size: a fraction (float) or a count (int); one
            may be `None` to take the rest.
        shuffle: whether to shuffle before splitting.
        seed: the shuffling seed.

    Returns:
        `(left, right)`, each of the same structure as `dataset`.
    """
    arrays = list(dataset) if isinstance(dataset, (tuple, list)) else [dataset]
    arrays = [np.asarray(a) for a in arrays]
    n = len(arrays[0])

    def resolve(size):
        if size is None:
            return None
        if isinstance(size, float):
            if not 0 < size < 1:
                raise ValueError(f"A float split size must be in (0, 1), got {size}")
            return int(round(size * n))
        return int(size)

    left, right = resolve(left_size), resolve(right_size)
    if left is None and right is None:
        left = int(round(0.5 * n))
    if left is None:
        left = n - right
    if right is None:
        right = n - left
    if left + right > n or left < 0 or right < 0:
        raise ValueError(
            f"The sum of `left_size` and `right_size` ({left} + {right}) is larger than the "
            f"dataset size ({n})."
        )
    order = np.arange(n)
    if shuffle:
        order = np.random.default_rng(seed).permutation(n)
    left_idx, right_idx = order[:left], order[left : left + right]
    pick = [(a[left_idx], a[right_idx]) for a in arrays]
    if isinstance(dataset, (tuple, list)):
        return tuple(p[0] for p in pick), tuple(p[1] for p in pick)
    return pick[0]


__all__ = [
    "Progbar",
    "PyDataset",
    "Sequence",
    "normalize",
    "set_random_seed",
    "split_dataset",
    "to_categorical",
]

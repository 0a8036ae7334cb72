"""Turns what `fit`/`evaluate`/`predict` receive into batches of tensors."""

import math

import numpy as np

from rkeras import ops
from rkeras.utils import tree


def _is_array_like(x):
    return isinstance(x, np.ndarray) or hasattr(x, "__array__") and hasattr(x, "shape")


def _to_numpy(x):
    if x is None:
        return None
    return tree.map_structure(lambda a: a if isinstance(a, np.ndarray) else np.asarray(a), x)


def unpack_x_y_sample_weight(data):
    """Splits a batch tuple `(x,)`, `(x, y)` or `(x, y, sample_weight)`."""
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        raise ValueError(
            "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`"
            f", found: {data}"
        )
    return data, None, None


def _class_weights_for(y, class_weight):
    labels = np.asarray(y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(labels.shape[0], -1)[:, 0].astype(int)
    weights = np.ones(labels.shape[0], dtype="float32")
    for cls, weight in class_weight.items():
        weights[labels == int(cls)] = weight
    return weights


class ArrayBatches:
    """Batches sliced from in-memory arrays (NumPy, lists, dicts of them)."""

    def __init__(
        self,
        x,
        y=None,
        sample_weight=None,
        batch_size=None,
        steps=None,
        shuffle=False,
        class_weight=None,
    ):
        self.x, self.y = _to_numpy(x), _to_numpy(y)
        self.sample_weight = _to_numpy(sample_weight)
        sizes = {"x": [a.shape[0] for a in tree.flatten(self.x)]}
        if self.y is not None:
            sizes["y"] = [a.shape[0] for a in tree.flatten(self.y)]
        if self.sample_weight is not None:
            sizes["sample_weight"] = [a.shape[0] for a in tree.flatten(self.sample_weight)]
        all_sizes = {n for group in sizes.values() for n in group}
        if len(all_sizes) > 1:
            detail = " ".join(f"'{k}' sizes: {', '.join(map(str, v))}" for k, v in sizes.items())
            raise ValueError(
                "Data cardinality is ambiguous. Make sure all arrays contain the same number "
                f"of samples.{detail}"
            )
        self.num_samples = all_sizes.pop() if all_sizes else 0
        if class_weight is not None:
            if self.y is None:
                raise ValueError("`class_weight` needs targets `y`")
            weights = _class_weights_for(tree.flatten(self.y)[0], class_weight)
            self.sample_weight = (
                weights if self.sample_weight is None else self.sample_weight * weights
            )
        self.batch_size = batch_size or 32
        self.shuffle = shuffle
        full_steps = math.ceil(self.num_samples / self.batch_size) if self.num_samples else 0
        self.num_batches = full_steps if steps is None else min(steps, full_steps)

    def _take(self, structure, index):
        if structure is None:
            return None
        return tree.map_structure(lambda a: ops.convert_to_tensor(a[index]), structure)

    def batches(self):
        order = None
        if self.shuffle == "batch":
            order = np.arange(self.num_samples)
        elif self.shuffle:
            order = np.random.permutation(self.num_samples)
        for step in range(self.num_batches):
            start = step * self.batch_size
            stop = min(start + self.batch_size, self.num_samples)
            index = slice(start, stop) if order is None else order[start:stop]
            yield (
                self._take(self.x, index),
                self._take(self.y, index),
                self._take(self.sample_weight, index),
            )


class GeneratorBatches:
    """Batches from a Python generator or a `PyDataset`."""

    def __init__(self, source, steps=None):
        self.source = source
        self.is_dataset = hasattr(source, "__getitem__") and hasattr(source, "__len__")
        if self.is_dataset:
            self.num_batches = len(source) if steps is None else min(steps, len(source))
        else:
            self.num_batches = steps
        self._iterator = None

    def batches(self):
        if self.is_dataset:
            for i in range(self.num_batches):
                yield self._convert(self.source[i])
            if hasattr(self.source, "on_epoch_end"):
                self.source.on_epoch_end()
            return
        if self._iterator is None:
            self._iterator = iter(self.source)
        count = 0
        while self.num_batches is None or count < self.num_batches:
            try:
                item = next(self._iterator)
            except StopIteration:
                self._iterator = None
                return
            count += 1
            yield self._convert(item)

    @staticmethod
    def _convert(item):
        x, y, sw = unpack_x_y_sample_weight(item)

        def convert(s):
            return None if s is None else tree.map_structure(ops.convert_to_tensor, s)

        return convert(x), convert(y), convert(sw)


def make_batches(
    x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False, class_weight=None
):
    """The right batch source for `x`."""
    from rkeras.utils.py_dataset import PyDataset

    if isinstance(x, PyDataset) or (
        not _is_array_like(x) and not isinstance(x, (list, tuple, dict)) and hasattr(x, "__iter__")
    ):
        if y is not None:
            raise ValueError(
                "`y` argument is not supported when using a generator or PyDataset as input; "
                "yield (x, y) tuples instead."
            )
        return GeneratorBatches(x, steps)
    return ArrayBatches(x, y, sample_weight, batch_size, steps, shuffle, class_weight)


def split_for_validation(x, y, sample_weight, validation_split):
    """The last `validation_split` of the arrays, as Keras takes it (before shuffling)."""
    if not 0 < validation_split < 1:
        raise ValueError(
            f"`validation_split` must be between 0 and 1, received: {validation_split}"
        )
    x, y, sample_weight = _to_numpy(x), _to_numpy(y), _to_numpy(sample_weight)
    n = tree.flatten(x)[0].shape[0]
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`."
        )

    def head(s):
        return None if s is None else tree.map_structure(lambda a: a[:split_at], s)

    def tail(s):
        return None if s is None else tree.map_structure(lambda a: a[split_at:], s)

    return (head(x), head(y), head(sample_weight)), (tail(x), tail(y), tail(sample_weight))

"""Accuracy metrics: exact, binary, categorical, sparse and top-k."""

from rkeras import ops
from rkeras.metrics.metrics_utils import (
    in_top_k,
    squeeze_or_expand_to_same_rank,
    to_tensor,
)
from rkeras.metrics.reduction_metrics import MeanMetricWrapper


def accuracy(y_true, y_pred):
    """1.0 where `y_true == y_pred`, else 0.0."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.cast(ops.equal(y_true, y_pred), "float32")


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where `y_pred > threshold` matches the binary label, else 0.0."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = ops.cast(ops.greater(y_pred, threshold), y_true.dtype)
    return ops.cast(ops.equal(y_true, y_pred), "float32")


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of `y_pred` matches that of one-hot `y_true`."""
    y_true = ops.argmax(y_true, axis=-1)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    true_shape = tuple(y_true.shape)
    reshape_matches = False
    if y_true.ndim == y_pred.ndim:
        y_true = ops.squeeze(y_true, axis=-1)
        reshape_matches = True
    y_pred = ops.cast(ops.argmax(y_pred, axis=-1), y_true.dtype)
    matches = ops.cast(ops.equal(y_true, y_pred), "float32")
    if reshape_matches:
        matches = ops.reshape(matches, true_shape)
    return matches


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of `y_pred` equals the integer label `y_true`.

    Labels may have shape `(batch,)` or `(batch, 1)`, integer or float.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    true_shape = tuple(y_true.shape)
    reshape_matches = False
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
        reshape_matches = True
    y_pred = ops.cast(ops.argmax(y_pred, axis=-1), y_true.dtype)
    matches = ops.cast(ops.equal(y_true, y_pred), "float32")
    if reshape_matches:
        matches = ops.reshape(matches, true_shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = ops.squeeze(matches, axis=-1)
    return matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target is among the `k` highest predictions."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.argmax(to_tensor(y_true, y_pred.dtype), axis=-1)
    true_shape = tuple(y_true.shape)
    if y_pred.ndim > 2:
        y_pred = ops.reshape(y_pred, (-1, y_pred.shape[-1]))
    reshape_matches = y_true.ndim > 1
    if reshape_matches:
        y_true = ops.reshape(y_true, (-1,))
    matches = ops.cast(in_top_k(ops.cast(y_true, "int32"), y_pred, k), "float32")
    if reshape_matches:
        matches = ops.reshape(matches, true_shape)
    return matches


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer target is among the `k` highest predictions.

    With `from_sorted_ids=True`, `y_pred` holds class ids sorted by score
    (as `top_k` returns them) and the target must be among the first `k`.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype if from_sorted_ids else "int32")
    true_shape = tuple(y_true.shape)
    if y_pred.ndim > 2:
        y_pred = ops.reshape(y_pred, (-1, y_pred.shape[-1]))
    reshape_matches = y_true.ndim > 1
    if reshape_matches:
        y_true = ops.reshape(y_true, (-1,))
    if from_sorted_ids:
        matches = ops.any(ops.equal(ops.expand_dims(y_true, 1), y_pred[:, :k]), axis=1)
    else:
        matches = in_top_k(y_true, y_pred, k)
    matches = ops.cast(matches, "float32")
    if reshape_matches:
        matches = ops.reshape(matches, true_shape)
    return matches


class Accuracy(MeanMetricWrapper):
    """Calculates how often predictions equal labels.

    The result is the (weighted) fraction of entries where `y_pred` equals
    `y_true` exactly.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """Calculates how often predictions match binary labels.

    A prediction counts as 1 when it is greater than `threshold`.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.
        threshold: the score above which a prediction is 1 (default 0.5).

    Example:

    >>> m = BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """Calculates how often predictions match one-hot labels.

    A sample counts as correct when the arg-max of `y_pred` is the arg-max
    of `y_true`.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Calculates how often predictions match integer labels.

    A sample counts as correct when the arg-max of `y_pred` equals its
    label. Labels have shape `(batch,)` or `(batch, 1)`.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Computes how often one-hot targets are in the top `k` predictions.

    Args:
        k: how many of the highest predictions count (default 5).
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = TopKCategoricalAccuracy(k=1)
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """Computes how often integer targets are in the top `k` predictions.

    Args:
        k: how many of the highest predictions count (default 5).
        name: the metric's name.
        dtype: the dtype of the metric's result.
        from_sorted_ids: whether `y_pred` holds class ids sorted by score
            rather than scores.

    Example:

    >>> m = SparseTopKCategoricalAccuracy(k=1)
    >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(
        self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False
    ):
        super().__init__(
            fn=sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config

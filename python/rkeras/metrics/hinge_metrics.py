"""Hinge metrics: hinge, squared hinge and categorical hinge."""

from rkeras import ops
from rkeras.metrics.metrics_utils import to_tensor
from rkeras.metrics.reduction_metrics import MeanMetricWrapper


def _float(y):
    y = ops.convert_to_tensor(y)
    return y if y.dtype.startswith("float") else ops.cast(y, "float32")


def convert_binary_labels_to_hinge(y_true):
    """Maps labels in {0, 1} to {-1, 1}; other labels are returned unchanged.

    The check covers the whole batch and runs on the device (no host read).
    """
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0.0), ops.equal(y_true, 1.0)))
    return ops.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """Per sample `mean(maximum(1 - y_true * y_pred, 0), axis=-1)`.

    Labels should be -1 or 1; labels in {0, 1} are converted to {-1, 1}.
    """
    y_pred = _float(y_pred)
    y_true = convert_binary_labels_to_hinge(to_tensor(y_true, y_pred.dtype))
    return ops.mean(ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """Per sample `mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`.

    Labels should be -1 or 1; labels in {0, 1} are converted to {-1, 1}.
    """
    y_pred = _float(y_pred)
    y_true = convert_binary_labels_to_hinge(to_tensor(y_true, y_pred.dtype))
    return ops.mean(ops.square(ops.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """Per sample `maximum(neg - pos + 1, 0)` with `pos = sum(y_true * y_pred)`
    and `neg = max((1 - y_true) * y_pred)` over the last axis."""
    y_pred = _float(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, 0.0)


class Hinge(MeanMetricWrapper):
    """Computes the hinge metric between `y_true` and `y_pred`.

    Formula: `mean(maximum(1 - y_true * y_pred, 0), axis=-1)` per sample.
    `y_true` should be -1 or 1; binary labels (0 or 1) are converted.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = Hinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    1.3
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(fn=hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SquaredHinge(MeanMetricWrapper):
    """Computes the squared hinge metric between `y_true` and `y_pred`.

    Formula: `mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)` per
    sample. `y_true` should be -1 or 1; binary labels (0 or 1) are converted.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = SquaredHinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    1.86
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(fn=squared_hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class CategoricalHinge(MeanMetricWrapper):
    """Computes the categorical hinge metric between `y_true` and `y_pred`.

    Formula: `maximum(neg - pos + 1, 0)` per sample, where
    `pos = sum(y_true * y_pred)` and `neg = max((1 - y_true) * y_pred)`.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = CategoricalHinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    1.4
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(fn=categorical_hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

"""Regression metrics: squared, absolute, percentage and logarithmic errors,
cosine similarity and log-cosh."""

import math

from rkeras import ops
from rkeras.metrics.metrics_utils import (
    EPSILON,
    l2_normalize,
    squeeze_or_expand_to_same_rank,
    to_tensor,
)
from rkeras.metrics.reduction_metrics import Mean, MeanMetricWrapper


def _prepare(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    if not y_pred.dtype.startswith("float"):
        y_pred = ops.cast(y_pred, "float32")
    y_true = to_tensor(y_true, y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    """Per sample `mean(square(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Per sample `mean(abs(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """Per sample `100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)))`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), EPSILON))
    return 100.0 * ops.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Per sample mean of `square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    first_log = ops.log(ops.maximum(y_pred, EPSILON) + 1.0)
    second_log = ops.log(ops.maximum(y_true, EPSILON) + 1.0)
    return ops.mean(ops.square(first_log - second_log), axis=-1)


def log_cosh(y_true, y_pred):
    """Per sample mean of `log(cosh(y_pred - y_true))`, computed stably as
    `x + softplus(-2x) - log(2)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    x = y_pred - y_true
    return ops.mean(x + ops.softplus(x * -2.0) - math.log(2.0), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per sample cosine of the angle between `y_true` and `y_pred`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


class MeanSquaredError(MeanMetricWrapper):
    """Computes the mean squared error between `y_true` and `y_pred`.

    Formula: `mean(square(y_true - y_pred))`, averaged over samples.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = MeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsoluteError(MeanMetricWrapper):
    """Computes the mean absolute error between the labels and predictions.

    Formula: `mean(abs(y_true - y_pred))`, averaged over samples.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = MeanAbsoluteError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.25
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Computes the mean absolute percentage error between `y_true` and `y_pred`.

    Formula: `100 * mean(abs((y_true - y_pred) / y_true))`, with `abs(y_true)`
    clamped at 1e-7.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = MeanAbsolutePercentageError()
    >>> m.update_state([[1, 2], [4, 4]], [[1, 1], [2, 4]])
    >>> float(m.result())
    25.0
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Computes the mean squared logarithmic error between `y_true` and `y_pred`.

    Formula: `mean(square(log(y_true + 1) - log(y_pred + 1)))`, with both
    clamped below at 1e-7 before the logarithm.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = MeanSquaredLogarithmicError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> round(float(m.result()), 5)
    0.12011
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """Computes the root mean squared error between `y_true` and `y_pred`.

    Formula: `sqrt(mean(square(y_pred - y_true)))` over every entry seen;
    `sample_weight` weighs the squared errors.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = RootMeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the squared errors of one batch.

        Args:
            y_true: the targets.
            y_pred: the predictions.
            sample_weight: optional weights, broadcastable to the errors.
        """
        y_true = to_tensor(y_true, self.dtype)
        y_pred = to_tensor(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(ops.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return ops.sqrt(super().result())


class CosineSimilarity(MeanMetricWrapper):
    """Computes the cosine similarity between the labels and predictions.

    Formula: `sum(l2_norm(y_true) * l2_norm(y_pred), axis)`, averaged over
    samples; it lies in [-1, 1], 1 meaning the same direction.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.
        axis: the axis along which the similarity is computed (default -1).

    Example:

    >>> m = CosineSimilarity(axis=1)
    >>> m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    >>> round(float(m.result()), 5)
    0.5
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype=dtype, axis=axis)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class LogCoshError(MeanMetricWrapper):
    """Computes the logarithm of the hyperbolic cosine of the prediction error.

    Formula: `mean(log(cosh(y_pred - y_true)))`, averaged over samples.

    Args:
        name: the metric's name (default `"logcosh"`, as in Keras).
        dtype: the dtype of the metric's result.

    Example:

    >>> m = LogCoshError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> round(float(m.result()), 5)
    0.10844
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

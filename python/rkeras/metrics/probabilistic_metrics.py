"""Probabilistic metrics: crossentropies, KL divergence and Poisson."""

import warnings

from rkeras import ops
from rkeras.metrics.metrics_utils import EPSILON, squeeze_or_expand_to_same_rank, to_tensor
from rkeras.metrics.reduction_metrics import MeanMetricWrapper


def _float(y):
    y = ops.convert_to_tensor(y)
    return y if y.dtype.startswith("float") else ops.cast(y, "float32")


def _check_same_shape(target, output):
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}"
        )


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per sample binary crossentropy, averaged over `axis`.

    Probabilities are clipped to `[1e-7, 1 - 1e-7]`; with `from_logits`
    the log-sigmoid is computed directly. `label_smoothing` moves the
    labels towards 0.5.
    """
    y_pred = _float(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    _check_same_shape(y_true, y_pred)
    if from_logits:
        # -t*log(sigmoid(x)) - (1-t)*log(sigmoid(-x)).
        bce = y_true * ops.softplus(-y_pred) + (1.0 - y_true) * ops.softplus(y_pred)
    else:
        output = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
        bce = -(y_true * ops.log(output) + (1.0 - y_true) * ops.log(1.0 - output))
    return ops.mean(bce, axis=axis)


def _log_probabilities(output, from_logits, axis):
    if from_logits:
        return ops.log_softmax(output, axis=axis)
    output = output / ops.sum(output, axis=axis, keepdims=True)
    return ops.log(ops.clip(output, EPSILON, 1.0 - EPSILON))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per sample crossentropy between one-hot labels and predictions.

    Probabilities are renormalized to sum to 1 along `axis` and clipped to
    `[1e-7, 1 - 1e-7]`; with `from_logits` a log-softmax is used.
    `label_smoothing` mixes the labels with the uniform distribution.
    """
    if isinstance(axis, bool):
        raise ValueError(
            f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}"
        )
    y_pred = _float(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    if y_pred.shape[axis] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be "
            "(batch_size, num_classes) with num_classes > 1. Received: "
            f"y_pred.shape={tuple(y_pred.shape)}. Consider using 'binary_crossentropy' "
            "if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        num_classes = float(y_pred.shape[axis])
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    _check_same_shape(y_true, y_pred)
    log_prob = _log_probabilities(y_pred, from_logits, axis)
    return -ops.sum(y_true * log_prob, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Per sample crossentropy between integer labels and predictions.

    Labels have the shape of `y_pred` without `axis` (or with a 1 there).
    Entries whose label is `ignore_class` give 0.
    """
    y_pred = _float(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
    valid = None
    if ignore_class is not None:
        valid = ops.not_equal(y_true, ignore_class)
        y_true = ops.where(valid, y_true, ops.zeros_like(y_true))
        y_pred = ops.where(ops.expand_dims(valid, axis), y_pred, 0.0)
    y_true = ops.cast(y_true, "int32")
    expected = tuple(d for i, d in enumerate(y_pred.shape) if i != axis % y_pred.ndim)
    if tuple(y_true.shape) != expected:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last "
            f"dimension: target.shape={tuple(y_true.shape)}, output.shape={tuple(y_pred.shape)}"
        )
    num_classes = y_pred.shape[axis]
    log_prob = _log_probabilities(y_pred, from_logits, axis)
    one_hot = ops.one_hot(y_true, num_classes, axis=axis)
    result = -ops.sum(one_hot * log_prob, axis=axis)
    if valid is not None:
        result = ops.where(valid, result, 0.0)
    return result


def kl_divergence(y_true, y_pred):
    """Per sample `sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped
    to `[1e-7, 1]`."""
    y_pred = _float(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    y_true = ops.clip(y_true, EPSILON, 1.0)
    y_pred = ops.clip(y_pred, EPSILON, 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """Per sample `mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)`."""
    y_pred = _float(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    return ops.mean(y_pred - y_true * ops.log(y_pred + EPSILON), axis=-1)


class KLDivergence(MeanMetricWrapper):
    """Computes the Kullback-Leibler divergence between `y_true` and `y_pred`.

    Formula: `sum(y_true * log(y_true / y_pred), axis=-1)` per sample, both
    clipped to `[1e-7, 1]`.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(fn=kl_divergence, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class Poisson(MeanMetricWrapper):
    """Computes the Poisson metric between `y_true` and `y_pred`.

    Formula: `mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)` per sample.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(fn=poisson, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryCrossentropy(MeanMetricWrapper):
    """Computes the crossentropy between binary labels and predictions.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels become
            `y_true * (1 - label_smoothing) + 0.5 * label_smoothing`.

    Example:

    >>> m = BinaryCrossentropy()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    0.8149
    """

    def __init__(
        self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0
    ):
        super().__init__(
            binary_crossentropy,
            name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing

    def get_config(self):
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
        }


class CategoricalCrossentropy(MeanMetricWrapper):
    """Computes the crossentropy between one-hot labels and predictions.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels are mixed with the uniform
            distribution by this amount.
        axis: the class axis (default -1).

    Example:

    >>> m = CategoricalCrossentropy()
    >>> m.update_state([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(float(m.result()), 4)
    1.1769
    """

    def __init__(
        self,
        name="categorical_crossentropy",
        dtype=None,
        from_logits=False,
        label_smoothing=0,
        axis=-1,
    ):
        super().__init__(
            categorical_crossentropy,
            name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Computes the crossentropy between integer labels and predictions.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.
        from_logits: whether `y_pred` holds logits rather than probabilities.
        ignore_class: a label value whose entries are left out of the mean
            (e.g. padding), or `None`.
        axis: the class axis (default -1).

    Example:

    >>> m = SparseCategoricalCrossentropy()
    >>> m.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(float(m.result()), 4)
    1.1769
    """

    def __init__(
        self,
        name="sparse_categorical_crossentropy",
        dtype=None,
        from_logits=False,
        ignore_class=None,
        axis=-1,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.ignore_class is None:
            return super().update_state(y_true, y_pred, sample_weight=sample_weight)
        # Ignored entries weigh 0: they count in neither the total nor the count.
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        labels = y_true
        if labels.ndim == y_pred.ndim and labels.shape[self.axis] == 1:
            labels = ops.squeeze(labels, axis=self.axis)
        mask = ops.cast(ops.not_equal(labels, self.ignore_class), self.dtype)
        if sample_weight is not None:
            mask, sample_weight = squeeze_or_expand_to_same_rank(
                mask, to_tensor(sample_weight, self.dtype)
            )
            mask = mask * sample_weight
        return super().update_state(y_true, y_pred, sample_weight=mask)

    def get_config(self):
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
            "axis": self.axis,
        }

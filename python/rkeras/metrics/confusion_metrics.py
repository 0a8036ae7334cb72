"""Metrics built on confusion-matrix counts: true/false positives and
negatives, precision, recall and the area under the ROC or PR curve."""

import numpy as np

from rkeras import ops
from rkeras.metrics import metrics_utils
from rkeras.metrics.metric import Metric
from rkeras.metrics.metrics_utils import (
    EPSILON,
    FALSE_NEGATIVES,
    FALSE_POSITIVES,
    NEG_INF,
    TRUE_NEGATIVES,
    TRUE_POSITIVES,
    divide_no_nan,
)


class _ConfusionMatrixConditionCount(Metric):
    """Counts one cell of the confusion matrix at one or more thresholds.

    Args:
        confusion_matrix_cond: which cell: `"tp"`, `"fp"`, `"tn"` or `"fn"`.
        thresholds: a float or list of floats in [0, 1] (default 0.5); a
            prediction is positive when it is greater than the threshold.
        name: the metric's name.
        dtype: the dtype of the metric's result.
    """

    def __init__(self, confusion_matrix_cond, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._confusion_matrix_cond = confusion_matrix_cond
        self.init_thresholds = thresholds
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(
            self.thresholds
        )
        self.accumulator = self.add_variable(
            shape=(len(self.thresholds),), initializer="zeros", name="accumulator"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the counts of one batch.

        Args:
            y_true: the labels (nonzero means positive).
            y_pred: the predicted scores, in [0, 1].
            sample_weight: optional weights, broadcastable to `y_pred`.
        """
        metrics_utils.update_confusion_matrix_variables(
            {self._confusion_matrix_cond: self.accumulator},
            y_true,
            y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight,
        )

    def result(self):
        if len(self.thresholds) == 1:
            return self.accumulator[0]
        return self.accumulator.value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class FalsePositives(_ConfusionMatrixConditionCount):
    """Counts the false positives: predictions above the threshold whose
    label is negative (weighted by `sample_weight` when given).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); with
            a list the result has one count per threshold.
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = FalsePositives()
    >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1])
    >>> float(m.result())
    2.0
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(FALSE_POSITIVES, thresholds=thresholds, name=name, dtype=dtype)


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Counts the false negatives: predictions at or below the threshold
    whose label is positive (weighted by `sample_weight` when given).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); with
            a list the result has one count per threshold.
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = FalseNegatives()
    >>> m.update_state([0, 1, 1, 1], [0, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(FALSE_NEGATIVES, thresholds=thresholds, name=name, dtype=dtype)


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Counts the true negatives: predictions at or below the threshold
    whose label is negative (weighted by `sample_weight` when given).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); with
            a list the result has one count per threshold.
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = TrueNegatives()
    >>> m.update_state([0, 1, 0, 0], [1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(TRUE_NEGATIVES, thresholds=thresholds, name=name, dtype=dtype)


class TruePositives(_ConfusionMatrixConditionCount):
    """Counts the true positives: predictions above the threshold whose
    label is positive (weighted by `sample_weight` when given).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); with
            a list the result has one count per threshold.
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = TruePositives()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> float(m.result())
    2.0
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(TRUE_POSITIVES, thresholds=thresholds, name=name, dtype=dtype)


class _PrecisionRecallBase(Metric):
    """Shared state of `Precision` and `Recall`: true positives and one other
    confusion cell per threshold."""

    _other_cell = None
    _other_name = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default_threshold = 0.5 if top_k is None else NEG_INF
        self.thresholds = metrics_utils.parse_init_thresholds(
            thresholds, default_threshold=default_threshold
        )
        self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(
            self.thresholds
        )
        n = len(self.thresholds)
        self.true_positives = self.add_variable(
            shape=(n,), initializer="zeros", name="true_positives"
        )
        setattr(
            self,
            self._other_name,
            self.add_variable(shape=(n,), initializer="zeros", name=self._other_name),
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the counts of one batch.

        Args:
            y_true: the labels (nonzero means positive).
            y_pred: the predicted scores, in [0, 1].
            sample_weight: optional weights, broadcastable to `y_pred`.
        """
        metrics_utils.update_confusion_matrix_variables(
            {
                TRUE_POSITIVES: self.true_positives,
                self._other_cell: getattr(self, self._other_name),
            },
            y_true,
            y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
        )

    def result(self):
        other = getattr(self, self._other_name)
        result = divide_no_nan(self.true_positives, self.true_positives + other)
        return result[0] if len(self.thresholds) == 1 else result

    def get_config(self):
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_PrecisionRecallBase):
    """Computes the precision of the predictions with respect to the labels.

    Precision is `true_positives / (true_positives + false_positives)`: the
    fraction of predicted positives that are positive. A prediction is
    positive when it is greater than the threshold.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5, or
            none at all when `top_k` is set); with a list the result has
            one precision per threshold.
        top_k: if set, only the `top_k` highest scores of each row can be
            positive.
        class_id: if set, only this class (column of the last axis) counts.
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _other_cell = FALSE_POSITIVES
    _other_name = "false_positives"


class Recall(_PrecisionRecallBase):
    """Computes the recall of the predictions with respect to the labels.

    Recall is `true_positives / (true_positives + false_negatives)`: the
    fraction of positives that are predicted positive. A prediction is
    positive when it is greater than the threshold.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5, or
            none at all when `top_k` is set); with a list the result has
            one recall per threshold.
        top_k: if set, only the `top_k` highest scores of each row can be
            positive.
        class_id: if set, only this class (column of the last axis) counts.
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _other_cell = FALSE_NEGATIVES
    _other_name = "false_negatives"


_CURVES = {
    "roc": "ROC",
    "ROC": "ROC",
    "pr": "PR",
    "PR": "PR",
    "prgain": "PRGAIN",
    "PRGAIN": "PRGAIN",
}
_SUMMATIONS = {
    "interpolation": "interpolation",
    "Interpolation": "interpolation",
    "majoring": "majoring",
    "Majoring": "majoring",
    "minoring": "minoring",
    "Minoring": "minoring",
}


def _curve_from_str(curve):
    curve = getattr(curve, "value", curve)
    if curve not in _CURVES:
        raise ValueError(
            f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"]'
        )
    return _CURVES[curve]


def _summation_from_str(method):
    method = getattr(method, "value", method)
    if method not in _SUMMATIONS:
        raise ValueError(
            f'Invalid AUC summation method value: "{method}". '
            'Expected values are ["interpolation", "majoring", "minoring"]'
        )
    return _SUMMATIONS[method]


def _as_list(values):
    if values is None:
        return None
    if isinstance(values, dict):  # a serialized tensor or array
        values = values.get("config", {}).get("value", values)
    return np.asarray(values, dtype=np.float32).tolist()


class AUC(Metric):
    """Approximates the area under the ROC or precision-recall curve.

    The scores are compared with `num_thresholds` thresholds spread evenly
    over [0, 1] (the ends moved out by 1e-7), giving one point of the curve
    per threshold; the area is a Riemann sum over those points. With
    `summation_method="interpolation"` the ROC curve uses trapezoids and the
    PR curve Davis & Goadrich's interpolation (2006); `"minoring"` and
    `"majoring"` take the lower and the upper value of each interval.

    Args:
        num_thresholds: the number of thresholds (> 1; default 200).
        curve: `"ROC"` (default), `"PR"` (precision-recall) or `"PRGAIN"`.
        summation_method: `"interpolation"` (default), `"minoring"` or
            `"majoring"`.
        name: the metric's name.
        dtype: the dtype of the metric's result.
        thresholds: an explicit list of thresholds in [0, 1], used instead
            of `num_thresholds` (-1e-7 and 1 + 1e-7 are added at the ends).
        multi_label: whether the last axis of the data holds separate
            labels, each with its own curve (the result is their mean),
            rather than one flattened set of predictions.
        num_labels: the number of labels when `multi_label` is true; by
            default taken from the first batch.
        label_weights: per-label weights: without `multi_label` they weigh
            each label's contribution to the counts; with it, the mean of
            the labels' areas.
        from_logits: whether the predictions are logits (a sigmoid is
            applied first).

    Example:

    >>> m = AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        self.curve = _curve_from_str(curve)
        self.summation_method = _summation_from_str(summation_method)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(
                np.array([0.0] + thresholds + [1.0])
            )
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self._thresholds = np.array([0.0 - EPSILON] + thresholds + [1.0 + EPSILON])
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self._label_weights_list = _as_list(label_weights)
        self.label_weights = (
            None
            if label_weights is None
            else ops.convert_to_tensor(np.asarray(self._label_weights_list, dtype=np.float32))
        )
        self._from_logits = from_logits
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, ends included, as a list of floats."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. "
                    f"Found rank {len(shape)}. Full shape received for `y_pred`: {shape}"
                )
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        for var_name in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(
                self,
                var_name,
                self.add_variable(shape=variable_shape, initializer="zeros", name=var_name),
            )
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the confusion counts of one batch at every threshold.

        Args:
            y_true: the labels (nonzero means positive).
            y_pred: the predicted scores in [0, 1] (logits with
                `from_logits=True`).
            sample_weight: optional weights, broadcastable to `y_pred`.
        """
        y_pred = ops.convert_to_tensor(y_pred)
        if not self._built:
            self._build(tuple(y_pred.shape))
        if self._from_logits:
            y_pred = ops.sigmoid(ops.cast(y_pred, self.dtype))
        metrics_utils.update_confusion_matrix_variables(
            {
                TRUE_POSITIVES: self.true_positives,
                TRUE_NEGATIVES: self.true_negatives,
                FALSE_POSITIVES: self.false_positives,
                FALSE_NEGATIVES: self.false_negatives,
            },
            y_true,
            y_pred,
            self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )

    def _reduce_labels(self, per_threshold_terms):
        if self.multi_label:
            by_label = ops.sum(per_threshold_terms, axis=0)
            if self.label_weights is None:
                return ops.mean(by_label)
            return divide_no_nan(
                ops.sum(by_label * self.label_weights), ops.sum(self.label_weights)
            )
        return ops.sum(per_threshold_terms)

    def interpolate_pr_auc(self):
        """The PR-AUC by Davis & Goadrich's interpolation.

        Between two adjacent thresholds precision is interpolated as a
        function of the true positives, `P(tp) = tp / (tp + fp)` along the
        segment, which integrates in closed form:
        `slope * (dtp + intercept * log(p[i] / p[i+1])) / (tp[i+1] + fn[i+1])`
        with `dp = p[i] - p[i+1]`, `slope = dtp / dp` and
        `intercept = tp[i+1] - slope * p[i+1]`, where `p = tp + fp`.
        """
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = divide_no_nan(dtp, ops.maximum(dp, 0.0))
        intercept = tp[1:] - prec_slope * p[1:]
        both_positive = ops.logical_and(ops.greater(p[: n - 1], 0.0), ops.greater(p[1:], 0.0))
        safe_p_ratio = ops.where(
            both_positive,
            divide_no_nan(p[: n - 1], ops.maximum(p[1:], 0.0)),
            ops.ones_like(p[1:]),
        )
        increments = divide_no_nan(
            prec_slope * (dtp + intercept * ops.log(safe_p_ratio)),
            ops.maximum(tp[1:] + fn[1:], 0.0),
        )
        return self._reduce_labels(increments)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        n = self.num_thresholds
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x = divide_no_nan(fp, fp + tn)
            y = recall
        elif self.curve == "PR":
            x = recall
            y = divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scaling = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scaling * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scaling * divide_no_nan(fp, tp)
            no_tp = ops.equal(tp, 0.0)
            recall_gain = ops.maximum(ops.where(no_tp, 0.0, recall_gain), 0.0)
            precision_gain = ops.where(no_tp, 1.0, precision_gain)
            x, y = recall_gain, precision_gain
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = ops.minimum(y[: n - 1], y[1:])
        else:
            heights = ops.maximum(y[: n - 1], y[1:])
        return self._reduce_labels((x[: n - 1] - x[1:]) * heights)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self._label_weights_list,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return config

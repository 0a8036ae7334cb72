"""F-scores: `FBetaScore` and its beta = 1 case, `F1Score`."""

from rkeras import ops
from rkeras.metrics.metric import Metric
from rkeras.metrics.metrics_utils import EPSILON, to_tensor


class FBetaScore(Metric):
    """Computes the F-beta score.

    The F-beta score is the weighted harmonic mean of precision and recall,
    `(1 + beta**2) * precision * recall / (beta**2 * precision + recall)`,
    computed per class from counts accumulated over batches. Inputs are
    2D, `(batch_size, num_classes)`, with binary or one-hot labels.

    Args:
        average: how the per-class scores are combined: `None` (default)
            returns one score per class; `"micro"` counts over all classes
            at once; `"macro"` takes the mean of the per-class scores;
            `"weighted"` weighs each class's score by its support.
        beta: a float > 0; recall weighs `beta` times as much as precision
            (default 1.0).
        threshold: a float in (0, 1]; predictions above it are positive.
            With `None` (default) the highest score of each row is the
            positive one (any nonzero score tied with it too).
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = FBetaScore(beta=2.0, threshold=0.5)
    >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
    ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> [round(float(v), 4) for v in m.result()]
    [0.3846, 0.9091, 0.8333]
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                "Invalid `average` argument value. Expected one of: "
                "{None, 'micro', 'macro', 'weighted'}. "
                f"Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                "Invalid `beta` argument value. It should be a Python float. "
                f"Received: beta={beta} of type '{type(beta)}'"
            )
        if beta <= 0.0:
            raise ValueError(
                f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}"
            )
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a Python float. "
                    f"Received: threshold={threshold} of type '{type(threshold)}'"
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(
                    "Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                    f"Received: threshold={threshold}"
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape "
                "(batch_size, output_dim). Received input "
                f"shapes: y_pred.shape={y_pred_shape} and "
                f"y_true.shape={y_true_shape}."
            )
        num_classes = y_pred_shape[-1]
        shape = () if self.average == "micro" else (num_classes,)
        for var_name in (
            "true_positives",
            "false_positives",
            "false_negatives",
            "intermediate_weights",
        ):
            setattr(
                self, var_name, self.add_variable(shape=shape, initializer="zeros", name=var_name)
            )
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the per-class counts of one batch.

        Args:
            y_true: binary or one-hot labels, `(batch_size, num_classes)`.
            y_pred: scores, `(batch_size, num_classes)`.
            sample_weight: optional per-sample (or per-entry) weights.
        """
        y_true = to_tensor(y_true, self.dtype)
        y_pred = to_tensor(y_pred, self.dtype)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        if self.threshold is None:
            row_max = ops.max(y_pred, axis=-1, keepdims=True)
            # The highest score of each row is positive, unless it is ~0.
            y_pred = ops.logical_and(
                ops.greater_equal(y_pred, row_max), ops.greater(ops.abs(y_pred), 1e-9)
            )
        else:
            y_pred = ops.greater(y_pred, self.threshold)
        y_pred = ops.cast(y_pred, self.dtype)
        if sample_weight is not None:
            sample_weight = to_tensor(sample_weight, self.dtype)
            missing = y_true.ndim - sample_weight.ndim
            if missing > 0:
                sample_weight = ops.reshape(
                    sample_weight, tuple(sample_weight.shape) + (1,) * missing
                )

        def weighted_sum(value):
            if sample_weight is not None:
                value = value * sample_weight
            return ops.sum(value, axis=self.axis)

        self.true_positives.assign(self.true_positives + weighted_sum(y_pred * y_true))
        self.false_positives.assign(self.false_positives + weighted_sum(y_pred * (1.0 - y_true)))
        self.false_negatives.assign(self.false_negatives + weighted_sum((1.0 - y_pred) * y_true))
        self.intermediate_weights.assign(self.intermediate_weights + weighted_sum(y_true))

    def result(self):
        if not self._built:
            # Nothing seen yet: the score of no data.
            return ops.convert_to_tensor(0.0)
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + EPSILON)
        recall = tp / (tp + self.false_negatives + EPSILON)
        beta_sq = self.beta**2
        score = (1.0 + beta_sq) * (precision * recall / (beta_sq * precision + recall + EPSILON))
        if self.average == "weighted":
            weights = self.intermediate_weights / (ops.sum(self.intermediate_weights) + EPSILON)
            score = ops.sum(score * weights)
        elif self.average is not None:
            score = ops.mean(score)
        return score

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """Computes the F1 score: the harmonic mean of precision and recall.

    `2 * precision * recall / (precision + recall)`, computed per class
    from counts accumulated over batches. Inputs are 2D,
    `(batch_size, num_classes)`.

    Args:
        average: how the per-class scores are combined: `None` (default),
            `"micro"`, `"macro"` or `"weighted"` (see `FBetaScore`).
        threshold: a float in (0, 1]; predictions above it are positive.
            With `None` (default) the highest score of each row is the
            positive one.
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = F1Score(threshold=0.5)
    >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
    ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> [round(float(v), 4) for v in m.result()]
    [0.5, 0.8, 0.6667]
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config

"""Helpers the metrics share: shape matching, safe division, top-k, and the
confusion-matrix accumulation behind Precision, Recall, AUC and friends."""

import numpy as np

from rkeras import ops

EPSILON = 1e-7
# The score Keras gives entries that `top_k` filters out.
NEG_INF = -1e10

TRUE_POSITIVES = "tp"
FALSE_POSITIVES = "fp"
TRUE_NEGATIVES = "tn"
FALSE_NEGATIVES = "fn"
_CONFUSION_KEYS = (TRUE_POSITIVES, FALSE_POSITIVES, TRUE_NEGATIVES, FALSE_NEGATIVES)


def to_tensor(x, dtype=None):
    """`x` as an engine tensor, cast to `dtype` when given."""
    x = ops.convert_to_tensor(x)
    if dtype is not None and x.dtype != dtype:
        x = ops.cast(x, dtype)
    return x


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Matches ranks that differ by one through a trailing dimension of 1.

    The tensor with the extra trailing 1 is squeezed, except that a rank-1
    partner is expanded instead when `expand_rank_1` is true (Keras's rule).
    """
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, axis=-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, axis=-1)
    return x1, x2


def divide_no_nan(x1, x2):
    """`x1 / x2`, with 0 wherever `x2` is 0."""
    return ops.divide_no_nan(x1, x2)


def l2_normalize(x, axis=-1):
    """`x` divided by its L2 norm along `axis`, the squared norm clamped at
    `EPSILON**2` as Keras's `normalize` does."""
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(square_sum, EPSILON * EPSILON))


def in_top_k(targets, predictions, k):
    """Whether each target's score is among the `k` largest of its row.

    Ties count in the target's favour (its rank is one plus the number of
    strictly larger scores); a NaN score never counts as large.
    """
    targets = ops.cast(ops.expand_dims(targets, -1), "int32")
    at_label = ops.take_along_axis(predictions, targets, axis=-1)
    at_label = ops.where(ops.not_equal(at_label, at_label), float("-inf"), at_label)
    rank = 1 + ops.sum(ops.cast(ops.greater(predictions, at_label), "int32"), axis=-1)
    return ops.less_equal(rank, k)


def top_k_mask(x, k):
    """1.0 where an entry is among the `k` largest of its last axis, else 0.0.

    Equal scores are ranked by position (the earlier one first), as
    `top_k` does.
    """
    n = x.shape[-1]
    row = ops.expand_dims(x, -1)  # x_i along axis -2
    col = ops.expand_dims(x, -2)  # x_j along axis -1
    # earlier[i, j]: entry j comes before entry i.
    earlier = ops.convert_to_tensor(np.tril(np.ones((n, n), dtype=bool), -1))
    # ahead[..., i, j]: x_j outranks x_i; the rank of i is the count over j.
    ahead = ops.logical_or(ops.greater(col, row), ops.logical_and(ops.equal(col, row), earlier))
    rank = ops.sum(ops.cast(ahead, "int32"), axis=-1)
    return ops.cast(ops.less(rank, k), x.dtype)


def filter_top_k(x, k):
    """Keeps the `k` largest scores of the last axis; the rest become `NEG_INF`."""
    mask = top_k_mask(x, k)
    return x * mask + NEG_INF * (1.0 - mask)


def to_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return [x]


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """The thresholds as a list, checking each lies in [0, 1]."""
    if thresholds is not None:
        invalid = [t for t in to_list(thresholds) if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return to_list(default_threshold if thresholds is None else thresholds)


def is_evenly_distributed_thresholds(thresholds):
    """Whether `thresholds` are `i / (n - 1)` for `i` in `range(n)`, `n >= 3`."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=EPSILON))


def update_confusion_matrix_variables(
    variables_to_update,
    y_true,
    y_pred,
    thresholds,
    top_k=None,
    class_id=None,
    sample_weight=None,
    multi_label=False,
    label_weights=None,
    thresholds_distributed_evenly=False,
):
    """Adds this batch's true/false positive/negative counts per threshold.

    A prediction is positive at threshold `t` when `y_pred > t`. Without
    `multi_label`, every entry of `y_pred` is one binary prediction and each
    variable has shape `(num_thresholds,)`; with it, the last axis holds
    labels counted separately, into variables of shape
    `(num_thresholds, num_labels)`.

    Args:
        variables_to_update: dict from `"tp"`, `"fp"`, `"tn"`, `"fn"` to the
            variables to add to.
        y_true: labels, cast to bool.
        y_pred: scores, in [0, 1] for the thresholds to make sense.
        thresholds: a list of floats.
        top_k: keep only the `k` largest scores of each row as positives.
        class_id: count only this column of the last axis.
        sample_weight: weights broadcastable to `y_pred` (after matching
            ranks).
        multi_label: whether the last axis holds separate labels.
        label_weights: per-label weights (not with `multi_label`).
        thresholds_distributed_evenly: whether the thresholds are evenly
            spaced over [0, 1] (with ±epsilon ends); counting then buckets
            each score as `ceil(score * (n - 1)) - 1`, as Keras does.
    """
    if multi_label and label_weights is not None:
        raise ValueError(
            "`label_weights` for multilabel data should be handled outside of "
            "`update_confusion_matrix_variables` when `multi_label` is True."
        )
    if not variables_to_update:
        return
    invalid = [key for key in variables_to_update if key not in _CONFUSION_KEYS]
    if invalid:
        raise ValueError(
            f'Invalid keys: "{invalid}". Valid variable key options are: "{list(_CONFUSION_KEYS)}"'
        )
    dtype = next(iter(variables_to_update.values())).dtype
    y_true = to_tensor(y_true, dtype)
    y_pred = to_tensor(y_pred, dtype)
    num_thresholds = len(thresholds)
    thresholds_with_epsilon = thresholds_distributed_evenly and (
        thresholds[0] < 0.0 or thresholds[-1] > 1.0
    )

    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = ops.expand_dims(to_tensor(sample_weight, dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(
            y_true, sample_weight, expand_rank_1=False
        )
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}"
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]

    pred_shape = tuple(y_pred.shape)
    weights = None
    if sample_weight is not None:
        weights = ops.broadcast_to(sample_weight, pred_shape)
    if label_weights is not None:
        lw = ops.broadcast_to(ops.expand_dims(to_tensor(label_weights, dtype), 0), pred_shape)
        weights = lw if weights is None else weights * lw

    label_is_pos = ops.cast(y_true, "bool")
    if multi_label:
        # (batch, labels) -> thresholds on a new leading axis.
        if y_pred.ndim == 1:
            y_pred = ops.expand_dims(y_pred, -1)
            label_is_pos = ops.expand_dims(label_is_pos, -1)
            weights = None if weights is None else ops.expand_dims(weights, -1)
        rows = y_pred.shape[0]
        y_pred = ops.reshape(y_pred, (rows, -1))
        label_is_pos = ops.reshape(label_is_pos, (rows, -1))
        weights = None if weights is None else ops.reshape(weights, (rows, -1))
        t_shape = (num_thresholds, 1, 1)
        sum_axis = 1
    else:
        y_pred = ops.reshape(y_pred, (-1,))
        label_is_pos = ops.reshape(label_is_pos, (-1,))
        weights = None if weights is None else ops.reshape(weights, (-1,))
        t_shape = (num_thresholds, 1)
        sum_axis = 1

    if thresholds_distributed_evenly:
        # Keras's bucketed path: score s falls in bucket ceil(s * (n-1)) - 1
        # (clamped at 0 when the end thresholds carry the epsilon), and is
        # positive at every threshold index up to its bucket.
        clipped = ops.clip(y_pred, 0.0, 1.0)
        bucket = ops.ceil(clipped * float(num_thresholds - 1)) - 1.0
        if thresholds_with_epsilon:
            bucket = ops.relu(bucket)
        index = ops.reshape(ops.arange(num_thresholds, dtype=dtype), t_shape)
        pred_is_pos = ops.greater_equal(ops.expand_dims(bucket, 0), index)
    else:
        thresh = ops.reshape(to_tensor(np.asarray(thresholds, dtype=np.float32), dtype), t_shape)
        pred_is_pos = ops.greater(ops.expand_dims(y_pred, 0), thresh)

    labels = ops.expand_dims(label_is_pos, 0)
    w = None if weights is None else ops.expand_dims(weights, 0)

    def _count(label, pred):
        hit = ops.cast(ops.logical_and(label, pred), dtype)
        if w is not None:
            hit = hit * w
        return ops.sum(hit, axis=sum_axis)

    wanted = set(variables_to_update)
    pred_is_neg = ops.logical_not(pred_is_pos)
    label_is_neg = ops.logical_not(labels)
    cells = {
        TRUE_POSITIVES: (labels, pred_is_pos),
        FALSE_POSITIVES: (label_is_neg, pred_is_pos),
        TRUE_NEGATIVES: (label_is_neg, pred_is_neg),
        FALSE_NEGATIVES: (labels, pred_is_neg),
    }
    for key in _CONFUSION_KEYS:
        if key in wanted:
            variable = variables_to_update[key]
            variable.assign(variable + _count(*cells[key]))

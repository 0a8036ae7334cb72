"""Keras's losses: per-sample functions and their `Loss` classes."""

import math

from rkeras import ops
from rkeras.losses.loss import LossFunctionWrapper

EPSILON = 1e-7


def _t(x):
    return ops.cast(ops.convert_to_tensor(x), "float32")


def mean_squared_error(y_true, y_pred):
    """`mean(square(y_true - y_pred), axis=-1)`."""
    return ops.mean(ops.square(_t(y_pred) - _t(y_true)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """`mean(abs(y_true - y_pred), axis=-1)`."""
    return ops.mean(ops.abs(_t(y_pred) - _t(y_true)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)`."""
    y_true, y_pred = _t(y_true), _t(y_pred)
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), EPSILON))
    return 100.0 * ops.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(y_pred + 1) - log(y_true + 1)), axis=-1)`, clipped at eps."""
    y_true, y_pred = _t(y_true), _t(y_pred)
    first = ops.log(ops.maximum(y_pred, EPSILON) + 1.0)
    second = ops.log(ops.maximum(y_true, EPSILON) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


def _smooth_binary(y_true, label_smoothing):
    if label_smoothing:
        return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return y_true


def _binary_crossentropy_values(y_true, y_pred, from_logits):
    if from_logits:
        # max(x, 0) - x * z + log(1 + exp(-|x|)): stable for any logit.
        return ops.relu(y_pred) - y_pred * y_true + ops.log1p(ops.exp(-ops.abs(y_pred)))
    p = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
    return -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over `axis`."""
    y_true = _smooth_binary(_t(y_true), label_smoothing)
    values = _binary_crossentropy_values(y_true, _t(y_pred), from_logits)
    return ops.mean(values, axis=axis)


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Focal loss: binary cross-entropy down-weighted on easy examples."""
    y_true, y_pred = _t(y_true), _t(y_pred)
    probs = ops.sigmoid(y_pred) if from_logits else y_pred
    y_true_smoothed = _smooth_binary(y_true, label_smoothing)
    bce = _binary_crossentropy_values(y_true_smoothed, y_pred, from_logits)
    p_t = y_true * probs + (1.0 - y_true) * (1.0 - probs)
    focal = ops.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return ops.mean(focal, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy between one-hot (or soft) targets and predictions."""
    y_true, y_pred = _t(y_true), _t(y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={tuple(y_true.shape)}, output.shape={tuple(y_pred.shape)}"
        )
    if label_smoothing:
        num_classes = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        log_prob = ops.log_softmax(y_pred, axis=axis)
    else:
        y_pred = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
        log_prob = ops.log(ops.clip(y_pred, EPSILON, 1.0 - EPSILON))
    return -ops.sum(y_true * log_prob, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy between integer labels and predicted class scores."""
    y_pred = _t(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    if y_true.ndim != y_pred.ndim - 1:
        raise ValueError(
            "Argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
            f"target.shape={tuple(y_true.shape)}, output.shape={tuple(y_pred.shape)}"
        )
    labels = ops.cast(y_true, "int32")
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(labels, y_pred, from_logits, axis)
    valid = ops.not_equal(labels, ignore_class)
    labels = ops.where(valid, labels, 0)
    num_classes = y_pred.shape[axis]
    if from_logits:
        log_prob = ops.log_softmax(y_pred, axis=axis)
    else:
        y_pred = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
        log_prob = ops.log(ops.clip(y_pred, EPSILON, 1.0 - EPSILON))
    one_hot = ops.one_hot(labels, num_classes, axis=axis)
    values = -ops.sum(one_hot * log_prob, axis=axis)
    return values * ops.cast(valid, "float32")


def huber(y_true, y_pred, delta=1.0):
    """Quadratic for errors below `delta`, linear above."""
    error = _t(y_pred) - _t(y_true)
    abs_error = ops.abs(error)
    quadratic = ops.minimum(abs_error, delta)
    linear = abs_error - quadratic
    return ops.mean(0.5 * ops.square(quadratic) + delta * linear, axis=-1)


def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed stably."""
    x = _t(y_pred) - _t(y_true)
    return ops.mean(x + ops.softplus(-2.0 * x) - math.log(2.0), axis=-1)


def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred), axis=-1)`, clipped to [eps, 1]."""
    y_true = ops.clip(_t(y_true), EPSILON, 1.0)
    y_pred = ops.clip(_t(y_pred), EPSILON, 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + eps), axis=-1)`."""
    y_true, y_pred = _t(y_true), _t(y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + EPSILON), axis=-1)


def _signed_labels(y_true):
    # Labels in {0, 1} become {-1, 1}; labels already in {-1, 1} stay.
    y_true = _t(y_true)
    is_binary = ops.all(ops.logical_or(y_true == 0, y_true == 1))
    return ops.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)` with labels in {-1, 1}."""
    y_true = _signed_labels(y_true)
    return ops.mean(ops.relu(1.0 - y_true * _t(y_pred)), axis=-1)


def squared_hinge(y_true, y_pred):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`."""
    y_true = _signed_labels(y_true)
    return ops.mean(ops.square(ops.relu(1.0 - y_true * _t(y_pred))), axis=-1)


def categorical_hinge(y_true, y_pred):
    """`maximum(neg - pos + 1, 0)` with pos/neg the true/best-wrong scores."""
    y_true, y_pred = _t(y_true), _t(y_pred)
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.relu(neg - pos + 1.0)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along `axis` (so minimizing aligns vectors)."""
    y_true, y_pred = _t(y_true), _t(y_pred)

    def normalize(x):
        return x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-12))

    return -ops.sum(normalize(y_true) * normalize(y_pred), axis=axis)


def _loss_class(fn, default_name, doc, **defaults):
    arg_names = list(defaults)

    def __init__(
        self, *args, reduction="sum_over_batch_size", name=default_name, dtype=None, **kwargs
    ):
        values = dict(defaults)
        values.update(dict(zip(arg_names, args, strict=False)))
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"Unrecognized keyword arguments: {sorted(unknown)}")
        values.update(kwargs)
        LossFunctionWrapper.__init__(
            self, fn, reduction=reduction, name=name, dtype=dtype, **values
        )

    return type(
        "".join(part.capitalize() for part in default_name.split("_")),
        (LossFunctionWrapper,),
        {"__init__": __init__, "__doc__": doc},
    )


MeanSquaredError = _loss_class(
    mean_squared_error, "mean_squared_error", "Mean of squares of errors."
)
MeanAbsoluteError = _loss_class(
    mean_absolute_error, "mean_absolute_error", "Mean of absolute errors."
)
MeanAbsolutePercentageError = _loss_class(
    mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
    "Mean absolute percentage error.",
)
MeanSquaredLogarithmicError = _loss_class(
    mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
    "Mean squared logarithmic error.",
)
BinaryCrossentropy = _loss_class(
    binary_crossentropy,
    "binary_crossentropy",
    "Binary cross-entropy (`from_logits`, `label_smoothing`).",
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
)
BinaryFocalCrossentropy = _loss_class(
    binary_focal_crossentropy,
    "binary_focal_crossentropy",
    "Focal binary cross-entropy.",
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
)
CategoricalCrossentropy = _loss_class(
    categorical_crossentropy,
    "categorical_crossentropy",
    "Categorical cross-entropy (`from_logits`, `label_smoothing`).",
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
)
SparseCategoricalCrossentropy = _loss_class(
    sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    "Cross-entropy with integer labels (`from_logits`, `ignore_class`).",
    from_logits=False,
    ignore_class=None,
    axis=-1,
)
Huber = _loss_class(huber, "huber_loss", "Huber loss (quadratic below `delta`).", delta=1.0)
LogCosh = _loss_class(log_cosh, "log_cosh", "Logarithm of the hyperbolic cosine of the error.")
KLDivergence = _loss_class(kl_divergence, "kl_divergence", "Kullback-Leibler divergence.")
Poisson = _loss_class(poisson, "poisson", "Poisson loss.")
Hinge = _loss_class(hinge, "hinge", "Hinge loss.")
SquaredHinge = _loss_class(squared_hinge, "squared_hinge", "Squared hinge loss.")
CategoricalHinge = _loss_class(categorical_hinge, "categorical_hinge", "Categorical hinge loss.")
CosineSimilarity = _loss_class(
    cosine_similarity, "cosine_similarity", "Negative cosine similarity.", axis=-1
)
for _cls, _name in (
    (MeanSquaredError, "MeanSquaredError"),
    (MeanAbsoluteError, "MeanAbsoluteError"),
    (MeanAbsolutePercentageError, "MeanAbsolutePercentageError"),
    (MeanSquaredLogarithmicError, "MeanSquaredLogarithmicError"),
    (KLDivergence, "KLDivergence"),
    (LogCosh, "LogCosh"),
    (Huber, "Huber"),
):
    _cls.__name__ = _cls.__qualname__ = _name

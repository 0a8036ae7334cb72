"""The `Loss` base class and Keras's reductions."""

from rkeras import ops
from rkeras.backend.masking import get_keras_mask

REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none", None)


def _align_weights(values, sample_weight):
    """Broadcasts `sample_weight` to `values`, squeezing or expanding a
    trailing axis as Keras does."""
    weight = ops.cast(sample_weight, "float32")
    while weight.ndim > values.ndim and weight.shape[-1] == 1:
        weight = ops.squeeze(weight, axis=-1)
    while weight.ndim < values.ndim:
        weight = ops.expand_dims(weight, axis=-1)
    return weight


def squeeze_or_expand_to_same_rank(y_true, y_pred):
    """Aligns `(n,)` targets with `(n, 1)` predictions (and the reverse), as
    Keras does before computing a loss; other rank differences are kept."""
    diff = y_pred.ndim - y_true.ndim
    if diff == 1 and y_pred.shape[-1] == 1:
        y_pred = ops.squeeze(y_pred, axis=-1)
    elif diff == -1 and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    return y_true, y_pred


def apply_mask(sample_weight, mask, reduction):
    """Folds a Keras mask into the sample weights. For the mean reductions
    the kept entries weigh `total / kept`, so the mean runs over kept
    entries only, as in Keras."""
    mask = ops.cast(mask, "float32")
    if reduction in ("mean", "sum_over_batch_size"):
        mask = mask * (float(mask.size) / (ops.sum(mask) + 1e-7))
    if sample_weight is None:
        return mask
    return _align_weights(mask, sample_weight) * mask


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size", mask=None):
    """Weights per-sample loss values (and masks them) and reduces them."""
    if getattr(values, "dtype", None) != "float32":
        values = ops.cast(values, "float32")
    if mask is not None:
        sample_weight = apply_mask(sample_weight, mask, reduction)
    if sample_weight is not None:
        weight = _align_weights(values, sample_weight)
        values = values * weight
    if reduction in (None, "none"):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return total / ops.sum(ops.broadcast_to(weight, tuple(values.shape)))
    count = max(values.size, 1)
    return total / count


class Loss:
    """Base class of losses: `call(y_true, y_pred)` returns per-sample values.

    Args:
        name: the loss name.
        reduction: `"sum_over_batch_size"` (default), `"sum"`, `"mean"`,
            `"mean_with_sample_weight"` or `"none"`.
        dtype: the computation dtype (float32).
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"Invalid value for argument `reduction`. Expected one of {REDUCTIONS}. "
                f"Received: reduction={reduction}"
            )
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype or "float32"

    def __call__(self, y_true, y_pred, sample_weight=None):
        mask = get_keras_mask(y_pred)
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.convert_to_tensor(y_true)
        return reduce_values(self.call(y_true, y_pred), sample_weight, self.reduction, mask)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"Loss {type(self).__name__} must implement call()")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A `Loss` around a function `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _snake(name):
    from rkeras.utils.naming import to_snake_case

    return to_snake_case(name)

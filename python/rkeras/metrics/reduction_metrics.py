"""`Sum`, `Mean` and `MeanMetricWrapper`: metrics that reduce values."""

from rkeras import ops
from rkeras.backend.masking import get_keras_mask
from rkeras.losses.loss import apply_mask
from rkeras.metrics.metric import Metric
from rkeras.metrics.metrics_utils import (
    divide_no_nan,
    squeeze_or_expand_to_same_rank,
    to_tensor,
)


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Weights `values` and reduces them to one value per sample.

    `sample_weight` is matched to `values` (a trailing dimension of 1 is
    squeezed or added), `values` is reduced with `reduce_fn` over the axes
    the weights lack, the weights are broadcast to what remains and
    multiplied in; finally every axis but the first is reduced.

    Returns:
        `(values, sample_weight)`: the per-sample weighted values (rank <= 1)
        and the weights reduced the same way (or `None`).
    """
    values = to_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.ndim
        values_ndim = values.ndim
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=list(range(weight_ndim, values_ndim)))
        sample_weight = ops.broadcast_to(sample_weight, tuple(values.shape))
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=list(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=list(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """Computes the (weighted) sum of the given values.

    For example, the sum of `[1, 3, 5, 7]` is 16; with `sample_weight`
    `[1, 1, 0, 0]` it is 4. The state is one variable, `total`.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = Sum()
    >>> m.update_state([1, 3, 5, 7])
    >>> float(m.result())
    16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, ops.sum, self.dtype)
        self.total.assign_add(ops.sum(values))

    def result(self):
        return self.total.value


class Mean(Metric):
    """Computes the (weighted) mean of the given values.

    For example, the mean of `[1, 3, 5, 7]` is 4; with `sample_weight`
    `[1, 1, 0, 0]` it is 2. The state is two variables, `total` and `count`;
    the result is `total / count` (0 while `count` is 0). With weights,
    `count` adds the weights.

    Args:
        name: the metric's name.
        dtype: the dtype of the metric's result.

    Example:

    >>> m = Mean()
    >>> m.update_state([1, 3, 5, 7])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values, sample_weight=None):
        if isinstance(sample_weight, (int, float)) and getattr(values, "ndim", None) == 0:
            # A batch's scalar loss weighted by its size (the loss tracker).
            weight = float(sample_weight)
            self.total.assign_add(to_tensor(values, self.dtype) * weight)
            self.count.assign_add(weight)
            return
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, ops.mean, self.dtype
        )
        self.total.assign_add(ops.sum(values))
        if sample_weight is not None:
            num_samples = ops.sum(sample_weight)
        elif values.ndim >= 1:
            num_samples = float(values.shape[0])
        else:
            num_samples = 1.0
        self.count.assign_add(num_samples)

    def result(self):
        return divide_no_nan(self.total, self.count)


def _fn_name(fn):
    name = getattr(fn, "__name__", None)
    if name is None:
        name = type(fn).__name__
    return name


class MeanMetricWrapper(Mean):
    """Wraps a stateless metric function with the `Mean` metric.

    `fn(y_true, y_pred, **kwargs)` returns one value per sample (or an
    array reduced to per-sample values); `result()` is their (weighted)
    mean over every batch seen since the last reset.

    Args:
        fn: the metric function, `fn(y_true, y_pred, **kwargs)`.
        name: the metric's name.
        dtype: the dtype of the metric's result.
        **kwargs: keyword arguments passed on to `fn`.

    Example:

    ```python
    def mse(y_true, y_pred):
        return ops.mean((y_true - y_pred) ** 2, axis=-1)

    metric = MeanMetricWrapper(fn=mse)
    ```
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = get_keras_mask(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if sample_weight is not None and mask is not None:
            # As Keras: a mask only narrows metrics that are already weighted.
            sample_weight = apply_mask(sample_weight, mask, "sum")
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        from rkeras.metrics import serialize_function

        config = {**super().get_config(), "fn": serialize_function(self._fn)}
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.get("fn")
        if isinstance(fn, (dict, str)):
            from rkeras.metrics import deserialize_function

            config["fn"] = deserialize_function(fn)
        return cls(**config)


__all__ = ["Mean", "MeanMetricWrapper", "Sum", "reduce_to_samplewise_values"]

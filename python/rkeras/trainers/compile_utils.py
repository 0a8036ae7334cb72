"""`compile()`'s losses and metrics, resolved per model output."""

from rkeras import losses as losses_module
from rkeras import ops
from rkeras.backend.masking import get_keras_mask
from rkeras.losses.loss import squeeze_or_expand_to_same_rank
from rkeras.utils import tree


def _loss_name(loss):
    if isinstance(loss, str):
        return loss
    return getattr(loss, "name", None) or getattr(loss, "__name__", None)


def _per_output(spec, output_names, what):
    """`spec` as a list aligned with the outputs (lists or dicts by name)."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = set(spec) - set(output_names)
        if unknown:
            raise ValueError(
                f"In the dict argument `{what}`, key(s) {sorted(unknown)} do not correspond to "
                f"any model output. Received:\n{what}={spec}"
            )
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and n > 1:
        if len(spec) != n:
            raise ValueError(
                f"For a model with multiple outputs, when providing the `{what}` argument as a "
                f"list, it should have as many entries as the model has outputs. Received:\n"
                f"{what}={spec}\nof length {len(spec)} whereas the model has {n} outputs."
            )
        return list(spec)
    return [spec] * n if n > 1 and what == "loss" else [spec] + [None] * (n - 1)


class CompileLoss:
    """The total loss over all outputs, weighted by `loss_weights`."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self.output_names = output_names or ["output"]
        specs = _per_output(loss, self.output_names, "loss")
        self.names = [_loss_name(s) for s in specs]
        self.losses = [losses_module.get(s) for s in specs]
        if loss_weights is None:
            self.weights = [1.0] * len(self.losses)
        elif isinstance(loss_weights, dict):
            self.weights = [loss_weights.get(n, 1.0) for n in self.output_names]
        else:
            self.weights = (
                list(loss_weights) if isinstance(loss_weights, (list, tuple)) else [loss_weights]
            )
        self.trackers = None
        if len(self.output_names) > 1:
            from rkeras import metrics

            self.trackers = [
                metrics.Mean(name=f"{name}_loss") if loss is not None else None
                for name, loss in zip(self.output_names, self.losses, strict=True)
            ]

    def __call__(self, y_true, y_pred, sample_weight=None):
        ys_true = _as_list(y_true, self.output_names)
        ys_pred = _as_list(y_pred, self.output_names)
        sws = _as_list(sample_weight, self.output_names) if sample_weight is not None else None
        total = None
        for i, (fn, weight) in enumerate(zip(self.losses, self.weights, strict=False)):
            if fn is None:
                continue
            sw = sws[i] if sws is not None else None
            value = _apply_loss(fn, ys_true[i], ys_pred[i], sw)
            if self.trackers is not None and self.trackers[i] is not None:
                self.trackers[i].update_state(value)
            value = value * weight if weight != 1.0 else value
            total = value if total is None else total + value
        return total


def _apply_loss(fn, y_true, y_pred, sample_weight):
    if isinstance(fn, losses_module.Loss):
        return fn(y_true, y_pred, sample_weight=sample_weight)
    mask = get_keras_mask(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(
        ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
    )
    values = fn(y_true, y_pred)
    return losses_module.reduce_values(values, sample_weight, mask=mask)


def _as_list(structure, output_names):
    if isinstance(structure, dict):
        return [structure.get(name) for name in output_names]
    if isinstance(structure, (list, tuple)) and len(output_names) > 1:
        return list(structure)
    return [structure]


class CompileMetrics:
    """The metrics passed to `compile()`, built on the first batch (when the
    shapes are known, to resolve `"accuracy"`)."""

    def __init__(self, metrics, weighted_metrics=None, output_names=None, loss=None):
        self.output_names = output_names or ["output"]
        self._specs = _per_output(metrics, self.output_names, "metrics")
        self._weighted_specs = _per_output(weighted_metrics, self.output_names, "weighted_metrics")
        self._loss_names = [_loss_name(s) for s in _per_output(loss, self.output_names, "loss")]
        self.built = False
        self.metrics = []  # (output index, metric, uses sample weight)

    def _resolve(self, spec, y_true, y_pred, index):
        from rkeras import metrics as metrics_module

        # As Keras 3, "accuracy" resolves from the shapes (not the loss).
        metric = metrics_module.get_compile_metric(spec, tuple(y_true.shape), tuple(y_pred.shape))
        if len(self.output_names) > 1:
            metric.name = f"{self.output_names[index]}_{metric.name}"
        return metric

    def build(self, y_true, y_pred):
        ys_true = _as_list(y_true, self.output_names)
        ys_pred = _as_list(y_pred, self.output_names)
        for weighted, specs in ((False, self._specs), (True, self._weighted_specs)):
            for i, spec in enumerate(specs):
                if spec is None:
                    continue
                for item in spec if isinstance(spec, (list, tuple)) else [spec]:
                    metric = self._resolve(item, ys_true[i], ys_pred[i], i)
                    self.metrics.append((i, metric, weighted))
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        ys_true = _as_list(y_true, self.output_names)
        ys_pred = _as_list(y_pred, self.output_names)
        sws = _as_list(sample_weight, self.output_names) if sample_weight is not None else None
        for i, metric, weighted in self.metrics:
            sw = sws[i] if (weighted and sws is not None) else None
            metric.update_state(ys_true[i], ys_pred[i], sample_weight=sw)

    def reset_state(self):
        for _, metric, _ in self.metrics:
            metric.reset_state()

    def results(self):
        return {metric.name: metric.result() for _, metric, _ in self.metrics}

    @property
    def metric_objects(self):
        return [metric for _, metric, _ in self.metrics]


def sparse_label_check(loss, y, y_pred_dim):
    """Raises if integer labels fall outside `[0, num_classes)` for a sparse
    cross-entropy loss, which would otherwise train on zero rows silently."""
    name = _loss_name(loss)
    if name != "sparse_categorical_crossentropy" or y is None or y_pred_dim is None:
        return
    import numpy as np

    labels = np.asarray(tree.flatten(y)[0])
    if labels.size == 0 or not np.issubdtype(labels.dtype, np.number):
        return
    ignore = getattr(loss, "_fn_kwargs", {}).get("ignore_class")
    valid = labels if ignore is None else labels[labels != ignore]
    if valid.size and (valid.min() < 0 or valid.max() >= y_pred_dim):
        bad = valid.max() if valid.max() >= y_pred_dim else valid.min()
        raise ValueError(
            f"Received a label value of {bad} which is outside the valid range of "
            f"[0, {y_pred_dim}). sparse_categorical_crossentropy expects integer labels "
            f"in [0, num_classes) where num_classes={y_pred_dim} is the size of the model's "
            "last output axis."
        )

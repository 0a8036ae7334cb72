"""`EarlyStopping`: stops training when a monitored quantity stops improving."""

import operator
import warnings

from rkeras.callbacks.callback import Callback

# Metric names (after removing `val_`) that are maximised, as matched by
# substring; these are the Keras metrics whose direction is "up".
_UP_NAMES = (
    "acc",
    "auc",
    "precision",
    "recall",
    "f1",
    "fbeta",
    "r2",
    "iou",
    "sensitivity",
    "specificity",
    "true_positives",
    "true_negatives",
    "cosine_similarity",
)
# Metric names that are minimised.
_DOWN_NAMES = (
    "loss",
    "error",
    "mae",
    "mse",
    "mape",
    "msle",
    "crossentropy",
    "hinge",
    "kl_divergence",
    "poisson",
    "logcosh",
    "false_positives",
    "false_negatives",
)


def _infer_direction(model, monitor):
    """Returns `operator.gt` when `monitor` should be maximised, `operator.lt`
    when it should be minimised, or `None` when that cannot be told."""
    name = monitor.removeprefix("val_")
    if name == "loss" or name.endswith("_loss"):
        return operator.lt
    for metric in getattr(model, "metrics", None) or []:
        if getattr(metric, "name", None) == name and hasattr(metric, "_direction"):
            return operator.gt if metric._direction == "up" else operator.lt
    if any(key in name for key in _UP_NAMES):
        return operator.gt
    if any(key in name for key in _DOWN_NAMES):
        return operator.lt
    return None


class EarlyStopping(Callback):
    """Stop training when a monitored metric has stopped improving.

    At the end of every epoch the monitored quantity is compared with the best
    value seen so far. When it has not improved (by more than `min_delta`) for
    `patience` epochs, `model.stop_training` is set and `fit` ends after that
    epoch.

    Args:
        monitor: Quantity to be monitored. Defaults to `"val_loss"`.
        min_delta: Minimum change in the monitored quantity to qualify as an
            improvement; an absolute change of less than `min_delta` counts
            as no improvement. Defaults to `0`.
        patience: Number of epochs with no improvement after which training
            will be stopped. Defaults to `0`.
        verbose: Verbosity mode, 0 or 1. Mode 1 prints a message when the
            callback takes an action. Defaults to `0`.
        mode: One of `{"auto", "min", "max"}`. In `"min"` mode training stops
            when the quantity has stopped decreasing; in `"max"` mode when it
            has stopped increasing; in `"auto"` mode the direction is inferred
            from the name of the quantity. Defaults to `"auto"`.
        baseline: Baseline value for the monitored quantity. If not `None`,
            training stops if the model doesn't improve over the baseline
            within `patience` epochs. Defaults to `None`.
        restore_best_weights: Whether to restore the model weights from the
            epoch with the best value of the monitored quantity at the end of
            training. Defaults to `False`.
        start_from_epoch: Number of epochs to wait before starting to monitor
            improvement (a warm-up period). Defaults to `0`.

    Example:

    >>> callback = keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    >>> history = model.fit(x, y, epochs=10, callbacks=[callback], verbose=0)
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.best = None
        self.start_from_epoch = start_from_epoch
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"EarlyStopping mode {mode} is unknown, fallback to auto mode.",
                stacklevel=2,
            )
            mode = "auto"
        self.mode = mode
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            self.monitor_op = _infer_direction(self.model, self.monitor)
        if self.monitor_op is None:
            raise ValueError(
                f"EarlyStopping callback received monitor={self.monitor} "
                "but Keras isn't able to automatically determine whether "
                "that metric should be maximized or minimized. "
                "Pass `mode='max'` in order to do early stopping based "
                "on the highest metric value, or pass `mode='min'` "
                "in order to use the lowest value."
            )
        if self.monitor_op is operator.lt:
            self.min_delta = -abs(self.min_delta)
        else:
            self.min_delta = abs(self.min_delta)

    def on_train_begin(self, logs=None):
        # Reset the state so that an instance can be reused across `fit` calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        current = float(current)
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the current weights are the best.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # The wait restarts only when both the baseline and the previous
            # best are beaten.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(
                    f"Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """Returns `logs[monitor]`, warning (and returning `None`) if absent."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` "
                "which is not available. "
                f"Available metrics are: {','.join(list(logs.keys()))}",
                stacklevel=2,
            )
        return value

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return self.monitor_op(monitor_value - self.min_delta, reference_value)

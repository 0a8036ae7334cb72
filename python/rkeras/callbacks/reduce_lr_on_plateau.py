"""`ReduceLROnPlateau`: lowers the learning rate when a metric stops improving."""

import warnings

import numpy as np

from rkeras.callbacks.callback import Callback


def _current_lr(optimizer):
    """The optimizer's current learning rate as a Python float."""
    return float(np.asarray(optimizer.learning_rate))


class ReduceLROnPlateau(Callback):
    """Reduce learning rate when a metric has stopped improving.

    Models often benefit from reducing the learning rate by a factor of 2-10
    once learning stagnates. This callback monitors a quantity and, if no
    improvement is seen for `patience` epochs, multiplies the learning rate
    by `factor`. The current learning rate is written into the epoch logs
    under `learning_rate`.

    Args:
        monitor: String. Quantity to be monitored. Defaults to `"val_loss"`.
        factor: Float. Factor by which the learning rate will be reduced:
            `new_lr = lr * factor`. Must be below 1. Defaults to `0.1`.
        patience: Integer. Number of epochs with no improvement after which
            the learning rate will be reduced. Defaults to `10`.
        verbose: Integer. 0: quiet, 1: update messages. Defaults to `0`.
        mode: String. One of `{"auto", "min", "max"}`. In `"min"` mode the
            learning rate is reduced when the quantity has stopped
            decreasing; in `"max"` mode when it has stopped increasing; in
            `"auto"` mode it is `"max"` for names containing `"acc"` and
            `"min"` otherwise. Defaults to `"auto"`.
        min_delta: Float. Threshold for measuring the new optimum, to only
            focus on significant changes. Defaults to `1e-4`.
        cooldown: Integer. Number of epochs to wait before resuming normal
            operation after the learning rate has been reduced. Defaults
            to `0`.
        min_lr: Float. Lower bound on the learning rate. Defaults to `0.0`.

    Example:

    >>> reduce_lr = keras.callbacks.ReduceLROnPlateau(
    ...     monitor="val_loss", factor=0.2, patience=5, min_lr=0.001
    ... )
    >>> model.fit(x_train, y_train, callbacks=[reduce_lr])
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.monitor = monitor
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = mode
        self.monitor_op = None
        self._reset()

    def _reset(self):
        """Resets the wait and cooldown counters and the best value."""
        if self.mode not in ("auto", "min", "max"):
            warnings.warn(
                f"Learning rate reduction mode {self.mode} is unknown, fallback to auto mode.",
                stacklevel=2,
            )
            self.mode = "auto"
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: a < b - self.min_delta
            self.best = float("inf")
        else:
            self.monitor_op = lambda a, b: a > b + self.min_delta
            self.best = -float("inf")
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = _current_lr(self.model.optimizer)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                "Learning rate reduction is conditioned on metric "
                f"`{self.monitor}` which is not available. Available metrics "
                f"are: {','.join(list(logs.keys()))}.",
                stacklevel=2,
            )
            return
        current = float(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = _current_lr(self.model.optimizer)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(
                            f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing "
                            f"learning rate to {new_lr}."
                        )
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        """Whether the callback is in its cooldown period."""
        return self.cooldown_counter > 0

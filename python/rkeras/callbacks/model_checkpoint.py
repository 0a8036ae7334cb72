"""`ModelCheckpoint`: saves the model's weights during training."""

import os
import warnings

import numpy as np

from rkeras.callbacks.callback import Callback

_MAXIMIZED = ("acc", "auc", "precision", "recall", "f1", "fmeasure")


def monitor_mode(mode, monitor):
    """`"min"` or `"max"`; `"auto"` picks max for accuracy-like metrics."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"Mode {mode!r} is unknown, fallback to auto mode.", stacklevel=3)
        mode = "auto"
    if mode == "auto":
        name = monitor.removeprefix("val_")
        mode = "max" if any(key in name for key in _MAXIMIZED) else "min"
    return mode


class ModelCheckpoint(Callback):
    """Saves the weights at the end of each epoch (or every `save_freq` batches).

    Args:
        filepath: where to save; may contain format fields filled from the
            epoch number and logs, e.g. `"w.{epoch:02d}-{val_loss:.2f}.weights.h5"`.
        monitor: the metric `save_best_only` compares (`"val_loss"`).
        verbose: 1 prints a line per save.
        save_best_only: only save when `monitor` improves.
        save_weights_only: save only the weights (to a `.weights.h5` path)
            instead of the whole model (a `.keras` path).
        mode: `"auto"`, `"min"` or `"max"`.
        save_freq: `"epoch"` or a number of batches.
        initial_value_threshold: the value `monitor` must beat first.
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        super().__init__()
        self.filepath = os.fspath(filepath)
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    f"provided must end in `.weights.h5`. Received: filepath={self.filepath}"
                )
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). "
                f"Received: filepath={self.filepath}"
            )
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq}")
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.mode = monitor_mode(mode, monitor)
        if initial_value_threshold is not None:
            self.best = initial_value_threshold
        else:
            self.best = np.inf if self.mode == "min" else -np.inf
        self._batches_seen = 0
        self._epoch = 0

    def _improved(self, current):
        return current < self.best if self.mode == "min" else current > self.best

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch, batch, logs):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        path = self.filepath.format(epoch=epoch + 1, batch=batch, **logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(
                    f"Can save best model only with {self.monitor} available, skipping.",
                    stacklevel=2,
                )
                return
            if not self._improved(current):
                if self.verbose > 0:
                    print(
                        f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}"
                    )
                return
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                    f"{current:.5f}, saving model to {path}"
                )
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)

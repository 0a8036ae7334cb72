"""`ProgbarLogger`: prints the progress bar during fit/evaluate/predict."""

from rkeras.callbacks.callback import Callback
from rkeras.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints progress to stdout; added by `fit` when `verbose` is not 0."""

    def __init__(self):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _reset(self):
        self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step")

    def on_train_begin(self, logs=None):
        self._seen = 0

    def on_test_begin(self, logs=None):
        if not getattr(self, "_in_fit", False):
            self._reset()

    def on_predict_begin(self, logs=None):
        self._reset()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        self._in_fit = True
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch + 1, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not getattr(self, "_in_fit", False):
            self._update(batch + 1, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch + 1, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_test_end(self, logs=None):
        if not getattr(self, "_in_fit", False):
            self._finalize(logs)

    def on_predict_end(self, logs=None):
        self._finalize(None)

    def _update(self, step, logs):
        self._seen = step
        if self.progbar is not None:
            self.progbar.update(step, list((logs or {}).items()), finalize=False)

    def _finalize(self, logs):
        if self.progbar is None:
            return
        if self.target is None:
            self.target = self._seen
            self.progbar.target = self._seen
        self.progbar.update(self._seen, list((logs or {}).items()), finalize=True)

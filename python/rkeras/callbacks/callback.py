"""The `Callback` base class: hooks into training, evaluation and prediction."""


class Callback:
    """Base class for callbacks.

    Override any hook; `self.model` is the model being trained and
    `self.params` holds `verbose`, `epochs` and `steps`. The `logs` dicts
    carry Keras's keys (`loss`, `accuracy`, `val_loss`, ...).
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """A backwards-compatible alias of `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """A backwards-compatible alias of `on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (training only)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch with the epoch's metric results."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch in `evaluate` (and validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch in `evaluate` (and validation)."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch in `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch in `predict`."""

    def on_train_begin(self, logs=None):
        """Called at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called at the end of `fit`."""

    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate` (and validation)."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` (and validation)."""

    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""

"""`TerminateOnNaN`: stops training when the loss becomes NaN or infinite."""

import math

from rkeras.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Callback that terminates training when a NaN or Inf loss is encountered.

    After each training batch the batch's `loss` is checked; if it is NaN or
    infinite, a message is printed and `model.stop_training` is set, so that
    `fit` stops after that batch (and still calls `on_train_end`).

    Args:
        raise_error: Boolean. If `True`, raise a `RuntimeError` at once
            instead of stopping gracefully. Defaults to `False`.

    Example:

    >>> model.fit(x, y, callbacks=[keras.callbacks.TerminateOnNaN()])
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = logs.get("loss")
        if loss is None:
            return
        loss = float(loss)
        if math.isnan(loss) or math.isinf(loss):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. "
                    f"Loss value: {loss}. Terminating training immediately."
                )
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True

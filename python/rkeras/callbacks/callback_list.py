"""`CallbackList`: calls every callback's hook in order."""

from rkeras.callbacks.callback import Callback
from rkeras.callbacks.history import History
from rkeras.callbacks.progbar_logger import ProgbarLogger


class CallbackList(Callback):
    """A container of callbacks that forwards each hook to all of them.

    Args:
        callbacks: the user's callbacks.
        add_history: append a `History` (after the user's callbacks).
        add_progbar: append a `ProgbarLogger` (last).
        model: the model the callbacks observe.
        **params: `verbose`, `epochs`, `steps`.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self.callbacks.append(History())
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    @property
    def history(self):
        for callback in self.callbacks:
            if isinstance(callback, History):
                return callback
        return None

    def _call(self, hook, *args):
        for callback in self.callbacks:
            getattr(callback, hook)(*args)


for _hook in [name for name in vars(Callback) if name.startswith("on_")]:
    setattr(
        CallbackList,
        _hook,
        (lambda hook: lambda self, *args, **kwargs: self._call(hook, *args))(_hook),
    )

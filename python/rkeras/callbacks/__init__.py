"""Callbacks, as `keras.callbacks`."""

from rkeras.callbacks.callback import Callback
from rkeras.callbacks.callback_list import CallbackList
from rkeras.callbacks.history import History
from rkeras.callbacks.lambda_callback import LambdaCallback
from rkeras.callbacks.model_checkpoint import ModelCheckpoint
from rkeras.callbacks.progbar_logger import ProgbarLogger
from rkeras.callbacks.tensorboard import TensorBoard

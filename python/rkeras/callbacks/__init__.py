"""Callbacks, as `keras.callbacks`."""

from rkeras.callbacks.backup_and_restore import BackupAndRestore
from rkeras.callbacks.callback import Callback
from rkeras.callbacks.callback_list import CallbackList
from rkeras.callbacks.csv_logger import CSVLogger
from rkeras.callbacks.early_stopping import EarlyStopping
from rkeras.callbacks.history import History
from rkeras.callbacks.lambda_callback import LambdaCallback
from rkeras.callbacks.learning_rate_scheduler import LearningRateScheduler
from rkeras.callbacks.model_checkpoint import ModelCheckpoint
from rkeras.callbacks.progbar_logger import ProgbarLogger
from rkeras.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from rkeras.callbacks.tensorboard import TensorBoard
from rkeras.callbacks.terminate_on_nan import TerminateOnNaN

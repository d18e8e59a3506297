"""fastnn.callbacks — hooks into `fit` / `evaluate` / `predict` (`keras.callbacks`), one callback per module.
`MonitorCallback` (the base of EarlyStopping, ReduceLROnPlateau and ModelCheckpoint) is in
`fastnn.callbacks.monitor_callback`, as Keras keeps it out of `keras.callbacks`."""
from .backup_and_restore import BackupAndRestore
from .callback import Callback
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .lambda_callback import LambdaCallback
from .learning_rate_scheduler import LearningRateScheduler
from .model_checkpoint import ModelCheckpoint
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .terminate_on_nan import TerminateOnNaN

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "LearningRateScheduler", "LambdaCallback",
           "TerminateOnNaN", "CSVLogger", "ModelCheckpoint", "ReduceLROnPlateau",
           "BackupAndRestore"]

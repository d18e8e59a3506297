"""fastnn.callbacks — hooks into `fit` / `evaluate` / `predict` (`keras.callbacks`)."""
from .callback import Callback, CallbackList
from .early_stopping import EarlyStopping
from .history import History
from .misc import (CSVLogger, LambdaCallback, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau,
                   TerminateOnNaN)

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "LearningRateScheduler", "LambdaCallback",
           "TerminateOnNaN", "CSVLogger", "ModelCheckpoint", "ReduceLROnPlateau"]

"""`LearningRateScheduler`: set the learning rate from a function of the epoch before each epoch."""
from __future__ import annotations

import math
from collections.abc import Callable

from .callback import Callback

__all__ = ["LearningRateScheduler"]


class LearningRateScheduler(Callback):
    """Before each epoch, sets the optimizer's learning rate to `schedule(epoch, current_lr)`.

    Each epoch's logs also get the `learning_rate` used.

    Args:
        schedule: a function `(epoch, lr) -> new_lr` (epoch counted from 0, lr a float) returning a finite float.
        verbose: 0 (silent) or 1 (print each update).

    Raises:
        ValueError: at the start of an epoch, if `schedule` returns anything but a finite number.

    Example:

    >>> def scheduler(epoch, lr):
    ...     return lr if epoch < 10 else lr * 0.9
    >>> callback = fastnn.callbacks.LearningRateScheduler(scheduler)
    >>> model.fit(x, y, epochs=15, callbacks=[callback], verbose=0)
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = self.schedule(epoch, float(self.model.optimizer.learning_rate))
        if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not math.isfinite(lr):
            raise ValueError(f'The output of the "schedule" function should be a float. Got: {lr!r}')
        self.model.optimizer.learning_rate = lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)

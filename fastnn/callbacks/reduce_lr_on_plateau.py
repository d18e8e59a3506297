"""`ReduceLROnPlateau`: lower the learning rate when a monitored quantity stops improving."""
from __future__ import annotations

from .monitor_callback import MonitorCallback

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by `factor` once `monitor` has not improved for `patience` epochs.

    Models often benefit from a smaller learning rate once learning stagnates. After a reduction the callback
    waits `cooldown` epochs before counting again, and never goes below `min_lr`. Each epoch's logs also get the
    current `learning_rate`. A monitored quantity missing from the logs is warned about (as Keras does).

    Args:
        monitor: the quantity to watch. Defaults to `"val_loss"`.
        factor: the factor the learning rate is multiplied by, < 1. Defaults to `0.1`.
        patience: epochs without improvement before the rate is reduced. Defaults to `10`.
        verbose: 0 (silent) or 1 (print each reduction).
        mode: `"min"`, `"max"` or `"auto"` (the direction from the name, see `MonitorCallback`).
        min_delta: the smallest change that counts as an improvement. Defaults to `1e-4`.
        cooldown: epochs to wait after a reduction before resuming normal operation. Defaults to `0`.
        min_lr: the lower bound on the learning rate. Defaults to `0`.

    Raises:
        ValueError: if `factor` >= 1, or `mode` is not "auto", "min" or "max".

    Example:

    >>> reduce_lr = fastnn.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=0.001)
    >>> model.fit(x_train, y_train, validation_split=0.2, callbacks=[reduce_lr])
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0) -> None:
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        super().__init__(monitor, mode, min_delta=min_delta)
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.wait = self.cooldown_counter = 0
        self.best = self._worst()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        value = self._monitor_value(logs, f"Learning rate reduction is conditioned on metric `{self.monitor}` which "
                                          f"is not available. Available metrics are: {','.join(logs)}.")
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(value, self.best):
            self.best, self.wait = value, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(self.model.optimizer.learning_rate)
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0

"""`EarlyStopping`: stop training when a monitored quantity stops improving (Keras' rules)."""
from __future__ import annotations

from .monitor_callback import MonitorCallback

__all__ = ["EarlyStopping"]


class EarlyStopping(MonitorCallback):
    """Stops training when a monitored quantity has stopped improving.

    At the end of each epoch the callback compares `monitor` with the best value so far; after `patience` epochs
    without an improvement larger than `min_delta` it sets `model.stop_training`. The quantity must be in the
    epoch's logs (compile the metric; `val_*` needs validation data), else the callback warns and does nothing.

    Args:
        monitor: the quantity to watch. Defaults to `"val_loss"`.
        min_delta: the smallest change that counts as an improvement. Defaults to `0`.
        patience: epochs without improvement after which training stops. Defaults to `0`.
        verbose: 0 (silent) or 1 (print when stopping and restoring).
        mode: `"min"`, `"max"` or `"auto"` (the direction from the name, see `MonitorCallback`).
        baseline: a value the quantity must beat; training stops after `patience` epochs that do not.
        restore_best_weights: set the model's weights back to those of the best epoch when training ends.
        start_from_epoch: epochs to wait before monitoring starts (a warm-up).

    Raises:
        ValueError: if `mode` is not "auto", "min" or "max".

    Example:

    >>> callback = fastnn.callbacks.EarlyStopping(monitor="loss", patience=3)
    >>> history = model.fit(x, y, epochs=10, batch_size=1, callbacks=[callback], verbose=0)
    >>> len(history.history["loss"])  # fewer than 10 epochs if the loss stalled
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0) -> None:
        super().__init__(monitor, mode, baseline, min_delta)
        self.patience, self.verbose = int(patience), verbose
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.stopped_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self._worst()
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        value = self._monitor_value(logs, f"Early stopping conditioned on metric `{self.monitor}` which is not "
                                          f"available. Available metrics are: {','.join(logs or {})}")
        if value is None:
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._is_improvement(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

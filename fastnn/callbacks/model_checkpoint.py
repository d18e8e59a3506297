"""`ModelCheckpoint`: save the model or its weights after each epoch, optionally only when it improved."""
import os

from .monitor_callback import MonitorCallback

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(MonitorCallback):
    """Saves the model (or only its weights) after each epoch.

    `filepath` may contain format fields filled from the epoch number and the logs, such as `{epoch:02d}` or
    `{val_loss:.2f}`. With `save_best_only`, a save happens only when `monitor` improved on the best value so far
    (a missing `monitor` is warned about once per `fit`). Writes are atomic, so an interrupted save never corrupts
    the previous checkpoint; the checkpoint folder is created when training starts, so an unwritable path fails
    before the first epoch's work.

    Args:
        filepath: where to save (`.npz` or `.h5` for weights; a model file for `save`), may be formatted.
        monitor: the quantity that decides "best". Defaults to `"val_loss"`.
        verbose: 0 (silent) or 1 (print each improvement that saves).
        save_best_only: save only when `monitor` improved.
        save_weights_only: save the weights (`model.save_weights`) instead of the whole model (`model.save`).
        mode: `"min"`, `"max"` or `"auto"` (the direction from the name, see `MonitorCallback`).
        save_freq: `"epoch"` only (fastnn saves once per epoch).
        initial_value_threshold: the value the first saved epoch must beat, with `save_best_only`.

    Raises:
        ValueError: if `save_freq` is not "epoch", or `mode` is not "auto", "min" or "max".

    Example:

    >>> checkpoint = fastnn.callbacks.ModelCheckpoint("ckpt/best.weights.npz", monitor="val_accuracy",
    ...                                              save_best_only=True, save_weights_only=True)
    >>> model.fit(x, y, epochs=10, validation_split=0.2, callbacks=[checkpoint])
    >>> model.load_weights("ckpt/best.weights.npz")  # the weights of the epoch with the best val_accuracy
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        if save_freq != "epoch":
            raise ValueError(f"fastnn's ModelCheckpoint saves once per epoch: `save_freq` must be 'epoch', "
                             f"received {save_freq!r}")
        super().__init__(monitor, mode, initial_value_threshold)
        self.filepath, self.verbose = os.fspath(filepath), verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        if self.best is None:
            self.best = self._worst()

    def on_train_begin(self, logs=None):
        """Create the checkpoint folder now (Keras 3 creates it when saving), so that a path that cannot be
        written fails before the first epoch's work, not after it."""
        self._warned_missing_monitor = False
        folder = os.path.dirname(self.filepath)
        if folder and "{" not in folder:  # a formatted folder ({epoch}/...) is created at each save
            os.makedirs(folder, exist_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            warned = getattr(self, "_warned_missing_monitor", False)  # Keras' wording; once per fit
            value = self._monitor_value(logs, None if warned else
                                        f"Can save best model only with {self.monitor} available.")
            if value is None:
                self._warned_missing_monitor = True
                return
            if not self._is_improvement(value, self.best):
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {value:.5f}, "
                      f"saving model to {path}")
            self.best = value
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)

"""`ModelCheckpoint`: save the model or its weights after each epoch, optionally only when it improved."""
from __future__ import annotations

import numbers
import os

from .monitor_callback import MonitorCallback

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(MonitorCallback):
    """Saves the model (or only its weights) after each epoch, or every `save_freq` batches.

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
        save_freq: `"epoch"` (save at the end of each epoch) or a positive int: save after every `save_freq`
            training batches, counted across epochs, as Keras does (the path may then also use `{batch}`).
        initial_value_threshold: the value the first saved epoch must beat, with `save_best_only`.

    Raises:
        ValueError: if `save_freq` is not "epoch" or a positive int, or `mode` is not "auto", "min" or "max".

    Example:

    >>> checkpoint = fastnn.callbacks.ModelCheckpoint("ckpt/best.weights.npz", monitor="val_accuracy",
    ...                                              save_best_only=True, save_weights_only=True)
    >>> model.fit(x, y, epochs=10, validation_split=0.2, callbacks=[checkpoint])
    >>> model.load_weights("ckpt/best.weights.npz")  # the weights of the epoch with the best val_accuracy
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False, mode: str = "auto",
                 save_freq: str | int = "epoch", initial_value_threshold: float | None = None) -> None:
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, numbers.Integral)
                                     or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' or a positive "
                             f"integer (a number of batches)")
        self.save_freq = save_freq if save_freq == "epoch" else int(save_freq)
        super().__init__(monitor, mode, initial_value_threshold)
        self.filepath, self.verbose = os.fspath(filepath), verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        if self.best is None:
            self.best = self._worst()

    def on_train_begin(self, logs=None):
        """Create the checkpoint folder now (Keras 3 creates it when saving), so that a path that cannot be
        written fails before the first epoch's work, not after it."""
        self._warned_missing_monitor = False
        self._batches_since_save = 0
        self._current_epoch = 0
        folder = os.path.dirname(self.filepath)
        if folder and "{" not in folder:  # a formatted folder ({epoch}/...) is created at each save
            os.makedirs(folder, exist_ok=True)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _save(self, epoch, batch, logs):
        fields = {"epoch": epoch + 1, **logs}
        if batch is not None:
            fields["batch"] = batch + 1
        path = self.filepath.format(**fields)
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
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)

"""Callbacks: `LearningRateScheduler`, `LambdaCallback`, `TerminateOnNaN`, `CSVLogger`, `ReduceLROnPlateau`,
`ModelCheckpoint`."""
import csv
import math
import os
import warnings

from .callback import HOOKS, Callback

__all__ = ["LearningRateScheduler", "LambdaCallback", "TerminateOnNaN", "CSVLogger", "ReduceLROnPlateau",
           "ModelCheckpoint"]


class LearningRateScheduler(Callback):
    """Before each epoch, sets the optimizer's learning rate to `schedule(epoch, current_lr)`."""

    def __init__(self, schedule, verbose=0):
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


class LambdaCallback(Callback):
    """A callback from plain functions: LambdaCallback(on_epoch_end=lambda epoch, logs: ...)."""

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if name not in HOOKS:
                raise ValueError(f"unknown callback hook {name!r}; expected one of {HOOKS}")
            setattr(self, name, fn)


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class CSVLogger(Callback):
    """Writes one row per epoch (epoch, then the logs in sorted order) to `filename`."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.separator, self.append = os.fspath(filename), separator, append
        self._file = self._writer = None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._header_written = exists
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        keys = sorted(logs)
        if self._writer is None:
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch"] + keys, delimiter=self.separator)
            if not self._header_written:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **{k: logs[k] for k in keys}})
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` once `monitor` has not improved for `patience` epochs."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        from .early_stopping import _mode_is_max  # noqa: PLC0415

        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.cooldown, self.min_lr, self.min_delta = cooldown, min_lr, min_delta
        self._max = _mode_is_max(monitor, mode)

    def on_train_begin(self, logs=None):
        self.wait = self.cooldown_counter = 0
        self.best = -math.inf if self._max else math.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        value = logs.get(self.monitor)
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        better = value > self.best + self.min_delta if self._max else value < self.best - self.min_delta
        if better:
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


class ModelCheckpoint(Callback):
    """Save the model (or only its weights) after each epoch to `filepath`, which may contain format fields
    such as `{epoch:02d}` or `{val_loss:.2f}`; with `save_best_only`, only when `monitor` improved. Writes are
    atomic, so an interrupted save never corrupts the previous checkpoint."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        if save_freq != "epoch":
            raise ValueError(f"fastnn's ModelCheckpoint saves once per epoch: `save_freq` must be 'epoch', "
                             f"received {save_freq!r}")
        from .early_stopping import _mode_is_max  # noqa: PLC0415

        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self._max = _mode_is_max(monitor, mode)
        self.best = initial_value_threshold if initial_value_threshold is not None else (
            -math.inf if self._max else math.inf)

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
            value = logs.get(self.monitor)
            if value is None:
                if not getattr(self, "_warned_missing_monitor", False):  # Keras' wording; once per fit
                    warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
                    self._warned_missing_monitor = True
                return
            if not (value > self.best if self._max else value < self.best):
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

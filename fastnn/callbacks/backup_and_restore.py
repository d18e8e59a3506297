"""`BackupAndRestore`: resume an interrupted `fit` from its last backup, as `keras.callbacks.BackupAndRestore`."""
from __future__ import annotations

import json
import numbers
import os

from ..saving.files import atomic_write_bytes
from .callback import Callback

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Backs up the model's weights and the training progress, and restores them when `fit` starts again.

    When a `fit` that was given this callback is interrupted (a crash, Ctrl-C, a killed job), calling `fit` again
    with the same callback (or one with the same `backup_dir`) reloads the last backed-up weights and continues
    from the epoch after the last finished one, as Keras does. A `fit` that completes deletes the backup (unless
    `delete_checkpoint=False`), so the next `fit` starts afresh. As in Keras, only the model's weights are backed
    up: the optimizer starts from a fresh state on resumption, and an epoch cut short is run again from its start.

    Files in `backup_dir`: `latest.weights.npz` and `training_metadata.json` (with `double_checkpoint`, also the
    previous pair, `*_prev*`, used when the latest cannot be read). Each write is atomic.

    Args:
        backup_dir: The folder for the backup (created if missing). Use one folder per training job.
        save_freq: `"epoch"` (back up at the end of each epoch), a positive int (every `save_freq` batches), or
            False (never back up; only restore).
        double_checkpoint: Keep the previous backup too, and fall back on it if the latest one is unreadable.
        delete_checkpoint: Delete the backup when `fit` completes.

    Raises:
        ValueError: if `backup_dir` is empty or `save_freq` is not "epoch", False or a positive int.

    Example:

    ```python
    import numpy as np
    import fastnn

    model = fastnn.Sequential([fastnn.Input((4,)), fastnn.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    backup = fastnn.callbacks.BackupAndRestore(backup_dir="/tmp/fastnn_backup_example")
    x, y = np.ones((8, 4), "float32"), np.ones((8, 1), "float32")
    model.fit(x, y, epochs=3, callbacks=[backup], verbose=0)  # rerun after a crash: resumes where it stopped
    ```
    """

    def __init__(self, backup_dir: str | os.PathLike, save_freq: str | int = "epoch", double_checkpoint: bool = False,
                 delete_checkpoint: bool = True) -> None:
        super().__init__()
        if not isinstance(backup_dir, (str, os.PathLike)) or not os.fspath(backup_dir):
            raise ValueError(f"Empty `backup_dir` argument passed. Received: backup_dir={backup_dir!r}")
        if save_freq != "epoch" and save_freq is not False and (isinstance(save_freq, bool) or
                                                  not isinstance(save_freq, numbers.Integral) or save_freq < 1):
            raise ValueError(f"Invalid value for argument `save_freq`. Expected 'epoch', False or a positive "
                             f"integer. Received: save_freq={save_freq!r}")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.npz")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = os.path.join(self.backup_dir, "latest.weights_prev.npz")
        self._prev_metadata_path = os.path.join(self.backup_dir, "training_metadata_prev.json")
        self._current_epoch = 0
        self._batches_since_save = 0

    def on_train_begin(self, logs=None):
        """Restores the last backup, if there is one, and tells `fit` which epoch to continue from."""
        self._current_epoch = 0
        self._batches_since_save = 0
        pairs = [(self._weights_path, self._metadata_path)]
        if self.double_checkpoint:
            pairs.append((self._prev_weights_path, self._prev_metadata_path))
        failure = None
        for weights_path, metadata_path in pairs:
            if not (os.path.exists(weights_path) and os.path.exists(metadata_path)):
                continue
            try:
                self.model.load_weights(weights_path)
                with open(metadata_path) as f:
                    epoch = json.load(f)["epoch"]
                if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
                    raise ValueError(f"epoch {epoch!r} is not a non-negative int")
            except (OSError, ValueError, KeyError, TypeError) as error:
                failure = error
                continue
            self._current_epoch = epoch
            self.model._initial_epoch = epoch  # Keras' hook: fit continues from this epoch
            return
        if failure is not None:
            raise ValueError(f"BackupAndRestore: the backup in {self.backup_dir!r} cannot be restored ({failure}); "
                             f"delete the folder to start afresh") from failure

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch" or self.save_freq is False:
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._back_up(self._current_epoch)  # this epoch is not finished: a resumption reruns it

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._back_up(epoch + 1)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint:  # fit completed (an interrupted fit never gets here)
            for path in (self._weights_path, self._metadata_path, self._prev_weights_path, self._prev_metadata_path):
                if os.path.exists(path):
                    os.remove(path)

    def _back_up(self, next_epoch):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path) and os.path.exists(self._metadata_path):
            os.replace(self._weights_path, self._prev_weights_path)
            os.replace(self._metadata_path, self._prev_metadata_path)
        self.model.save_weights(self._weights_path)
        atomic_write_bytes(self._metadata_path, json.dumps({"epoch": next_epoch}).encode())

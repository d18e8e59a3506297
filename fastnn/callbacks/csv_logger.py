"""`CSVLogger`: one CSV row of logs per epoch."""
from __future__ import annotations

import csv
import os

from .callback import Callback

__all__ = ["CSVLogger"]


class CSVLogger(Callback):
    """Writes one row per epoch to `filename`: the epoch (from 0), then every log value in sorted key order.

    The header is written once (also when appending to a non-empty file, it is not repeated); each row is
    flushed as the epoch ends, so the file is readable during training.

    Args:
        filename: the CSV file's path.
        separator: the field separator. Defaults to `","`.
        append: append to an existing file instead of overwriting it (to continue a run).

    Example:

    >>> csv_logger = fastnn.callbacks.CSVLogger("training.log")
    >>> model.fit(x, y, epochs=3, callbacks=[csv_logger])
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False) -> None:
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

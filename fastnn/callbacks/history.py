"""`History`: what `fit` returns — `history.history[name]` holds one value per epoch."""
from __future__ import annotations

from ..utils.plotting import plot_history
from .callback import Callback

__all__ = ["History"]


class History(Callback):
    """Records every epoch's logs; `fit` adds one to each run and returns it.

    Attributes:
        history: a dict from each log name (`"loss"`, metrics, `"val_*"`, ...) to its list of per-epoch values.
        epoch: the list of epoch indices run.

    Example:

    >>> history = model.fit(x, y, epochs=3, validation_split=0.2, verbose=0)
    >>> history.history["loss"]        # three values
    >>> history.plot("curves.png")     # needs matplotlib
    """

    def __init__(self) -> None:
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def plot(self, path, title=None):
        """Save the loss and metric curves to the image `path` (needs matplotlib, loaded on first use).

        Args:
            path: the image file (its extension picks the format, e.g. `.png`).
            title: an optional figure title.
        """
        return plot_history(self, path, title)

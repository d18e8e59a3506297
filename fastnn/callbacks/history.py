"""`History`: what `fit` returns — `history.history[name]` holds one value per epoch."""
from .callback import Callback

__all__ = ["History"]


class History(Callback):
    def __init__(self):
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
        """Save the loss and metric curves to the image `path` (needs matplotlib: extra `plot`)."""
        from ..utils.plotting import plot_history  # noqa: PLC0415

        return plot_history(self, path, title)

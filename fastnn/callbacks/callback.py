"""`Callback`: the base class of the hooks `fit`, `evaluate` and `predict` call."""
from __future__ import annotations

__all__ = ["Callback"]

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")


class Callback:
    """Base class of the callbacks: override any hook (`on_epoch_end`, `on_train_batch_end`, ...).

    `fit`, `evaluate` and `predict` call the hooks with the current epoch or batch index and a `logs` dict (loss
    and metric values; a hook may add entries). `self.model` and `self.params` are set before the first hook runs;
    a callback stops training by setting `self.model.stop_training = True`.

    Hooks: `on_train_begin/end`, `on_epoch_begin/end(epoch, logs)`, `on_train_batch_begin/end(batch, logs)`,
    `on_test_begin/end`, `on_test_batch_begin/end`, `on_predict_begin/end`, `on_predict_batch_begin/end`.

    Example:

    >>> class PrintLoss(fastnn.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, logs["loss"])
    >>> model.fit(x, y, epochs=2, callbacks=[PrintLoss()])
    """

    def __init__(self) -> None:
        self.model = None
        self.params = {}

    def set_model(self, model):
        """Attach the model being trained (called by `fit` / `evaluate` / `predict`)."""
        self.model = model

    def set_params(self, params):
        """Attach the run's parameters (epochs, steps, verbose, ...)."""
        self.params = params


def _noop(self, *args, **kwargs):
    pass


for _hook in HOOKS:
    setattr(Callback, _hook, _noop)

"""`CallbackList`: calls each hook on every callback, in order."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .callback import HOOKS, Callback

__all__ = ["CallbackList"]


class CallbackList:
    """Calls a hook on every callback in order, after attaching the model and the run's parameters to each.

    Args:
        callbacks: a list of `Callback` instances.
        model: the model being trained or evaluated.
        params: the run's parameters (epochs, steps, verbose, ...).

    Raises:
        TypeError: if an entry of `callbacks` is not a `Callback`.

    Example:

    >>> callbacks = fastnn.callbacks.CallbackList([fastnn.callbacks.History()], model, {"epochs": 1})
    >>> callbacks.on_epoch_end(0, {"loss": 0.5})
    """

    def __init__(self, callbacks: Iterable[Callback], model: Any, params: dict) -> None:
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"`callbacks` must hold fastnn.callbacks.Callback instances, received {cb!r}")
            cb.set_model(model)
            cb.set_params(params)

    def __getattr__(self, hook):
        if hook not in HOOKS:
            raise AttributeError(hook)

        def call(*args, **kwargs):
            for cb in self.callbacks:
                getattr(cb, hook)(*args, **kwargs)
        return call

"""`CallbackList`: calls each hook on every callback, in order."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .callback import HOOKS, Callback

__all__ = ["CallbackList"]


class CallbackList:
    """Calls a hook on every callback in order, after attaching the model and the run's parameters to each.

    Every hook receives a `logs` dict, an empty one when the caller passes none (as Keras' `CallbackList`).

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

        # as Keras' CallbackList: every hook gets a logs dict, `{}` when the caller has none (callbacks written for
        # Keras read `logs.keys()` in on_train_begin); epoch/batch hooks take the index first
        logs_at = 1 if ("epoch" in hook or "batch" in hook) else 0

        def call(*args, **kwargs):
            args = list(args)
            if "logs" in kwargs:
                kwargs["logs"] = {} if kwargs["logs"] is None else kwargs["logs"]
            elif len(args) > logs_at:
                args[logs_at] = {} if args[logs_at] is None else args[logs_at]
            else:
                kwargs["logs"] = {}
            for cb in self.callbacks:
                getattr(cb, hook)(*args, **kwargs)
        return call

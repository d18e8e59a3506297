"""`LambdaCallback`: a callback made of plain functions."""
from __future__ import annotations

from collections.abc import Callable

from .callback import HOOKS, Callback

__all__ = ["LambdaCallback"]


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given as keyword arguments, for quick one-off callbacks.

    Args:
        **hooks: hook name to function, e.g. `on_epoch_end=lambda epoch, logs: ...`,
            `on_train_batch_end=lambda batch, logs: ...`, `on_train_begin=lambda logs: ...`; the names are those
            of `Callback`'s hooks.

    Raises:
        ValueError: if a keyword is not a hook name.

    Example:

    >>> print_epoch = fastnn.callbacks.LambdaCallback(
    ...     on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    >>> model.fit(x, y, epochs=2, callbacks=[print_epoch])
    """

    def __init__(self, **hooks: Callable) -> None:
        super().__init__()
        for name, fn in hooks.items():
            if name not in HOOKS:
                raise ValueError(f"unknown callback hook {name!r}; expected one of {HOOKS}")
            setattr(self, name, fn)

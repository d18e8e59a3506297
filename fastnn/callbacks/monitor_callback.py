"""`MonitorCallback`: the base of the callbacks that watch one logged quantity and act when it improves or stalls
(`EarlyStopping`, `ReduceLROnPlateau`, `ModelCheckpoint`), as Keras 3's."""
from __future__ import annotations

import warnings

from .callback import Callback

__all__ = ["MonitorCallback"]

# In mode 'auto', a quantity whose name contains one of these improves upward; anything else (losses, errors)
# improves downward.
_MAXIMIZED = ("acc", "accuracy", "auc", "precision", "recall")


class MonitorCallback(Callback):
    """Base class for callbacks that monitor a logged quantity and decide whether it improved.

    It resolves the direction of improvement from `mode`, compares with a `min_delta` margin, starts from an
    optional `baseline`, and warns (Keras' wording, given by the subclass) when the quantity is missing from the
    logs.

    Args:
        monitor: the name of the quantity in the logs, e.g. `"val_loss"`.
        mode: `"min"` (improving means decreasing), `"max"` (increasing) or `"auto"`: `"max"` when the name
            contains "acc", "accuracy", "auc", "precision" or "recall", else `"min"`.
        baseline: the value the quantity must beat first, or None.
        min_delta: the smallest change that counts as an improvement (its sign is ignored).

    Raises:
        ValueError: if `mode` is not "auto", "min" or "max".

    Example:

    >>> from fastnn.callbacks.monitor_callback import MonitorCallback
    >>> class StopAtTarget(MonitorCallback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         value = self._monitor_value(logs, f"`{self.monitor}` is not available.")
    ...         if value is not None and self._is_improvement(value, self.best):
    ...             self.model.stop_training = True
    >>> cb = StopAtTarget(monitor="val_accuracy", baseline=0.95)
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline: float | None = None,
                 min_delta: float = 0) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"`mode` must be 'auto', 'min' or 'max', received {mode!r}")
        self.monitor, self.mode, self.baseline = monitor, mode, baseline
        self._max = mode == "max" or (mode == "auto" and any(word in monitor for word in _MAXIMIZED))
        # signed so that one comparison serves both directions: value - min_delta beats the reference
        self.min_delta = abs(min_delta) * (1 if self._max else -1)
        self.best = baseline

    def _worst(self):
        """The starting best value when there is no baseline: -inf when maximizing, +inf when minimizing."""
        return -float("inf") if self._max else float("inf")

    def _is_improvement(self, value, reference):
        """Whether `value` beats `reference` by more than `min_delta` (any value beats None)."""
        if reference is None:
            return True
        return value - self.min_delta > reference if self._max else value - self.min_delta < reference

    def _monitor_value(self, logs, missing_message):
        """The monitored value from `logs`, or None after warning with `missing_message` if it is not there."""
        value = (logs or {}).get(self.monitor)
        if value is None and missing_message is not None:
            warnings.warn(missing_message, stacklevel=3)
        return value

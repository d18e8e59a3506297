"""A Keras-style progress bar: `469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.9120 - loss: 0.3012`.

On a terminal the line is redrawn in place (at most every 50 ms); otherwise (logs, CI) only the final line of
each epoch is printed, so logs stay readable. `fit` / `evaluate` pass their running logs, which are already epoch
averages, so their bars average nothing (`stateless_metrics=()`).
"""
from __future__ import annotations

import numbers
import sys
import time
from collections.abc import Iterable
from typing import TextIO

import numpy as np

__all__ = ["Progbar"]


def _format_value(value):
    value = float(value)
    return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.4e}"


def _per_step(seconds, unit):
    return f"{seconds * 1e6:.0f}us/{unit}" if seconds < 1e-3 else f"{seconds * 1e3:.0f}ms/{unit}"


def format_logs(logs):
    return " - ".join(f"{k}: {_format_value(v)}" for k, v in sorted(logs.items()))


class Progbar:
    """A progress bar with running metric averages (`keras.utils.Progbar`).

    `update(current, values)` sets the step reached and adds metric values (averaged over the steps seen, except
    the stateful ones, shown as given); `add(n, values)` advances by `n`.

    Args:
        target: The total number of steps, or None if unknown.
        width: The bar's width in characters.
        verbose: 1: a bar redrawn in place (on a terminal), 2: one line at the end, 0: silent.
        interval: The minimum time in seconds between redraws.
        stateful_metrics: Names of metrics shown as given, not averaged.
        stateless_metrics: Alternatively, the names of the only metrics that are averaged (not with
            `stateful_metrics`).
        unit_name: The unit shown (`step`, `sample`, ...).
        stream: The stream written to (default `sys.stdout`).

    Example:

    ```python
    import fastnn

    bar = fastnn.utils.Progbar(3, verbose=2)
    for step in range(3):
        bar.update(step + 1, [("loss", 1.0 / (step + 1))])
    ```
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1, interval: float = 0.05,
                 stateful_metrics: Iterable[str] | None = None, stateless_metrics: Iterable[str] | None = None,
                 unit_name: str = "step", stream: TextIO | None = None) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Only one of `stateful_metrics` or `stateless_metrics` can be provided. Received: "
                             f"stateful_metrics={stateful_metrics!r}, stateless_metrics={stateless_metrics!r}")
        if target is not None and (isinstance(target, bool) or not isinstance(target, numbers.Integral)
                                   or target < 0):
            raise ValueError(f"`target` must be a non-negative integer or None. Received: target={target!r}")
        if verbose not in (0, 1, 2):
            raise ValueError(f"`verbose` must be 0, 1 or 2. Received: verbose={verbose!r}")
        self.target, self.width, self.verbose, self.interval = target, width, verbose, interval
        self.stateful_metrics = None if stateless_metrics is not None else set(stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self.unit_name = unit_name
        self.stream = stream or sys.stdout
        self.dynamic = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._seen_so_far = 0
        self._values = {}  # name -> [weighted sum, weight]

    def _averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(self, current, values=None, finalize=None):
        """Move the bar to step `current`.

        Args:
            current: the index of the current step.
            values: `(name, value)` pairs (or a dict) for the last step; averaged over the steps so far unless
                stateful (the final update shows the values it is given, as Keras does).
            finalize: whether this is the last update (default: `current >= target`).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        items = values.items() if isinstance(values, dict) else (values or [])
        for name, value in items:
            if self._averaged(name) and not finalize:  # the final update shows the values given (as Keras)
                base = max(current - self._seen_so_far, 1)
                total = self._values.setdefault(name, [0.0, 0])
                total[0] += float(np.mean(value)) * base
                total[1] += base
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current
        if self.verbose == 0:
            return
        now = time.perf_counter()
        if not finalize and (not self.dynamic or self.verbose != 1 or now - self._last_draw < self.interval):
            return
        self._last_draw = now
        elapsed = now - self._start
        per_step = elapsed / max(current, 1)
        logs = format_logs({k: total / max(count, 1) for k, (total, count) in self._values.items()})
        if self.verbose == 1:
            if self.target:
                filled = int(self.width * min(current, self.target) / self.target)
                bar = "━" * filled + ("\x1b[2m" + "━" * (self.width - filled) + "\x1b[0m" if self.dynamic else
                                      " " * (self.width - filled))
                head = f"{current:{len(str(self.target))}d}/{self.target} {bar} "
            else:
                head = f"{current:7d}/Unknown "
            rate = _per_step(per_step, self.unit_name)
            timing = (f"{elapsed:.0f}s {rate}" if finalize else
                      f"{per_step * (self.target - current):.0f}s {rate}" if self.target else f"{elapsed:.0f}s")
            line = head + timing + (f" - {logs}" if logs else "")
            end = "\n" if finalize else ""
            self.stream.write(("\r" if self.dynamic else "") + line + ("\x1b[K" if self.dynamic else "") + end)
        else:
            self.stream.write(f"{current}/{self.target} - {elapsed:.0f}s - {_per_step(per_step, self.unit_name)}"
                              + (f" - {logs}" if logs else "") + "\n")
        self.stream.flush()

    def add(self, n, values=None):
        """Advance the bar by `n` steps (`update(seen + n, values)`)."""
        self.update(self._seen_so_far + n, values)

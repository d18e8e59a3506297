"""A Keras-style progress bar: `469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.9120 - loss: 0.3012`.

On a terminal the line is redrawn in place (at most every 50 ms); otherwise (logs, CI) only the final line of
each epoch is printed, so logs stay readable.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progbar"]


def _format_value(value):
    value = float(value)
    return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.4e}"


def _per_step(seconds, unit):
    return f"{seconds * 1e6:.0f}us/{unit}" if seconds < 1e-3 else f"{seconds * 1e3:.0f}ms/{unit}"


def format_logs(logs):
    return " - ".join(f"{k}: {_format_value(v)}" for k, v in sorted(logs.items()))


class Progbar:
    """`Progbar(target)`; `update(current, values=dict)`; verbose 1 = bar, 2 = one line at the end.

    Args:
        target: The total number of steps, or None if unknown.
        width: The bar's width in characters.
        verbose: 1: a bar redrawn in place (on a terminal), 2: one line at the end, 0: silent.
        interval: The minimum time in seconds between redraws.
        unit_name: The unit shown (`step`, `sample`, ...).
        stream: The stream written to (default `sys.stdout`).
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1, interval: float = 0.05,
                 unit_name: str = "step", stream: TextIO | None = None) -> None:
        self.target, self.width, self.verbose, self.interval = target, width, verbose, interval
        self.unit_name = unit_name
        self.stream = stream or sys.stdout
        self.dynamic = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._start = time.perf_counter()
        self._last_draw = 0.0

    def update(self, current, values=None, finalize=None):
        if self.verbose == 0:
            return
        finalize = (self.target is not None and current >= self.target) if finalize is None else finalize
        now = time.perf_counter()
        if not finalize and (not self.dynamic or self.verbose != 1 or now - self._last_draw < self.interval):
            return
        self._last_draw = now
        elapsed = now - self._start
        per_step = elapsed / max(current, 1)
        logs = format_logs(values or {})
        if self.verbose == 1:
            if self.target:
                filled = int(self.width * min(current, self.target) / self.target)
                bar = "━" * filled + ("\x1b[2m" + "━" * (self.width - filled) + "\x1b[0m" if self.dynamic else
                                      " " * (self.width - filled))
                head = f"{current:{len(str(self.target))}d}/{self.target} {bar} "
            else:
                head = f"{current} "
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

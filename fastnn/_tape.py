"""The recording core of fastnn's autodiff: the per-thread stack of active tapes, `record` (the call every
differentiable op makes) and `stop_gradient`. It sits below `fastnn.ops` (every op imports it); the user-facing
`GradientTape` (`fastnn.gradient_tape`) sits above the ops, which its `jacobian` uses. See `fastnn.gradient_tape`
for the recording contract.
"""
from __future__ import annotations

import threading

import numpy as np

from .tensor import Tensor, TensorLike

__all__ = ["record", "is_recording", "stop_recording", "stop_gradient"]


class _ThreadTapes(threading.local):
    """The tapes recording in the calling thread, outermost first: per thread, like TF's tape stack, so a tape
    never records (or auto-watches the variables of) ops that other threads run meanwhile."""

    def __init__(self):
        self.tapes = []


_local = _ThreadTapes()


def is_recording(inputs):
    """True if some active tape will record an op on `inputs` (watches one of them)."""
    tapes = _local.tapes
    if not tapes:
        return False
    return any(tape._watches_any(inputs) for tape in tapes)


def record(inputs, value, backward, backward_ops=None):
    """Wrap `value` (the op's output array) in a Tensor and record the op on every tape that watches an input.
    `backward_ops` (optional) is the backward written with fastnn ops, used for higher-order gradients."""
    out = Tensor(value)
    tapes = _local.tapes
    if tapes:
        for tape in tapes:
            if tape._watches_any(inputs):
                tape._records.append((inputs, out, backward, backward_ops))
                tape._tracked.add(id(out))
    return out


def stop_gradient(input: TensorLike, name: str | None = None) -> Tensor:  # (TF's name)
    """`input`'s value as a new Tensor that no tape traces back through (`tf.stop_gradient`): its gradient is
    treated as zero.

    Args:
        input: a Tensor, Variable or array.
        name: accepted for TF compatibility.
    """
    value = input._value if isinstance(input, TensorLike) else np.asarray(input)
    return Tensor(np.array(value, dtype=np.float32 if value.dtype.kind == "f" and value.dtype != np.float32
                           else value.dtype))


class stop_recording:
    """`with fastnn.gradient_tape.stop_recording():` — ops inside are not recorded by any tape."""

    def __enter__(self):
        self._saved = _local.tapes[:]
        _local.tapes.clear()

    def __exit__(self, *exc):
        _local.tapes[:] = self._saved

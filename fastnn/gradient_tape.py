"""fastnn.GradientTape — reverse-mode autodiff over the ops run inside `with GradientTape() as tape:`, like
`tf.GradientTape`.

How ops are recorded (the contract every differentiable op in `fastnn.ops` follows):

    x = convert_to_tensor(x)                       # inputs are Tensor or Variable objects
    y = kernels.relu(x._value)                     # forward on numpy arrays (the C++ kernels)
    return record([x], y, lambda dy, needs: [kernels.relu_grad(dy, y)])

`record` wraps the result in a Tensor and, for every active tape that watches one of the inputs, appends
(inputs, output, backward). `backward(dy, needs)` gets the output's gradient (a float32 array of the output's
shape, which it must not modify) and `needs` (one bool per input: does the tape want that gradient?) and returns
one gradient array or None per input, each of that input's shape. With no active tape, recording costs one
truth test. An op whose forward differs when recorded (e.g. fusing the loss gradient) asks `is_recording(inputs)`.

Gradients are plain float32 arrays until `gradient()` returns them as Tensors; they are accumulated out of place,
so a backward function may return `dy` itself. Gradients are not recorded (no higher-order derivatives).
"""
import enum
import threading

import numpy as np

from .tensor import Tensor, TensorLike
from .variable import Variable

__all__ = ["GradientTape", "UnconnectedGradients", "record", "is_recording", "stop_recording"]

class UnconnectedGradients(enum.Enum):
    """What `GradientTape.gradient` returns for a source the target does not depend on (`tf.UnconnectedGradients`):
    `NONE` (None, the default) or `ZERO` (zeros of the source's shape)."""

    NONE = "none"
    ZERO = "zero"


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


def record(inputs, value, backward):
    """Wrap `value` (the op's output array) in a Tensor and record the op on every tape that watches an input."""
    out = Tensor(value)
    tapes = _local.tapes
    if tapes:
        for tape in tapes:
            if tape._watches_any(inputs):
                tape._records.append((inputs, out, backward))
                tape._tracked.add(id(out))
    return out


class stop_recording:
    """`with fastnn.gradient_tape.stop_recording():` — ops inside are not recorded by any tape."""

    def __enter__(self):
        self._saved = _local.tapes[:]
        _local.tapes.clear()

    def __exit__(self, *exc):
        _local.tapes[:] = self._saved


class GradientTape:
    """Records differentiable ops for `gradient(target, sources)`.

    persistent: allow several `gradient` calls (the recording is kept until the tape is deleted or reset).
    watch_accessed_variables: watch every trainable Variable that an op reads while recording; otherwise only
    what `watch()` names.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed_variables = bool(watch_accessed_variables)
        self._records = []
        self._watched = {}      # id -> watched Tensor / Variable (kept alive so ids stay unique)
        self._tracked = set()   # ids of watched objects and of every recorded op output
        self._recording = False
        self._used = False

    # --- context
    def __enter__(self):
        if self._recording:
            raise RuntimeError("this GradientTape is already recording")
        self._recording = True
        _local.tapes.append(self)
        return self

    def __exit__(self, *exc):
        self._pause()

    def _pause(self):
        if self._recording:
            self._recording = False
            _local.tapes.remove(self)

    def stop_recording(self):
        """`with tape.stop_recording():` — ops inside are not recorded by this tape."""
        return _PauseTape(self)

    def reset(self):
        """Forget everything recorded so far (watched objects included)."""
        self._records = []
        self._watched = {}
        self._tracked = set()
        self._used = False

    # --- watching
    def watch(self, tensor):
        """Make the tape track `tensor` (a Tensor or Variable, or a nested list/tuple/dict of them)."""
        for t in _flatten(tensor):
            if not isinstance(t, TensorLike):
                raise TypeError(f"GradientTape.watch expects Tensors or Variables, received {type(t).__name__}; "
                                "convert it first with fastnn.constant(...)")
            if t.dtype.kind == "f":
                self._watched[id(t)] = t
                self._tracked.add(id(t))

    def watched_variables(self):
        """The Variables watched so far, in the order they were first watched."""
        return tuple(v for v in self._watched.values() if isinstance(v, Variable))

    def _watches_any(self, inputs):
        tracked = self._tracked
        found = False
        for x in inputs:
            if id(x) in tracked:
                found = True
            elif self._watch_accessed_variables and type(x) is Variable and x.trainable:
                self._watched[id(x)] = x
                tracked.add(id(x))
                found = True
        return found

    # --- differentiation
    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """d(sum of target)/d(source) for each source, in the structure of `sources` (a single Tensor/Variable,
        a list/tuple, or a dict). A source the target does not depend on gets None (or zeros with
        unconnected_gradients='zero'). `output_gradients` (same structure as target) replaces the implicit
        all-ones seed."""
        if self._records is None:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of gradients; "
                               "create it with GradientTape(persistent=True) to call gradient() more than once")
        if unconnected_gradients not in ("none", "zero") and getattr(unconnected_gradients, "value", None) \
                not in ("none", "zero"):
            raise ValueError(f"`unconnected_gradients` must be 'none' or 'zero', received {unconnected_gradients!r}")
        zero_unconnected = "zero" in (unconnected_gradients, getattr(unconnected_gradients, "value", None))
        flat_sources = _flatten(sources)
        for s in flat_sources:
            if not isinstance(s, TensorLike):
                raise TypeError(f"`sources` must hold Tensors or Variables, received {type(s).__name__}")
        flat_targets = _flatten(target)
        seeds = [None] * len(flat_targets) if output_gradients is None else _flatten(output_gradients)
        if len(seeds) != len(flat_targets):
            raise ValueError(f"`output_gradients` must match `target`: {len(seeds)} gradients for "
                             f"{len(flat_targets)} targets")

        grads = {}
        for t, seed in zip(flat_targets, seeds):
            if not isinstance(t, TensorLike):
                raise TypeError(f"`target` must hold Tensors or Variables, received {type(t).__name__}")
            if t.dtype.kind != "f" or id(t) not in self._tracked:
                continue
            if seed is None:
                g = np.ones(t.shape, np.float32)
            else:
                g = np.asarray(seed._value if isinstance(seed, TensorLike) else seed, np.float32)
                if g.shape != t.shape:
                    raise ValueError(f"`output_gradients` entry of shape {g.shape} does not match its target of "
                                     f"shape {t.shape}")
            _accumulate(grads, id(t), g)

        keep = {id(s) for s in flat_sources}
        tracked = self._tracked
        for inputs, out, backward in reversed(self._records):
            key = id(out)
            g = grads.get(key) if key in keep else grads.pop(key, None)
            if g is None:
                continue
            needs = [id(x) in tracked and x.dtype.kind == "f" for x in inputs]
            for x, gx, need in zip(inputs, backward(g, needs), needs):
                if need and gx is not None:
                    _accumulate(grads, id(x), gx)

        if not self._persistent:
            self._records = None
            self._watched = {}
            self._tracked = set()
        self._used = True

        def result(s):
            g = grads.get(id(s))
            if g is None:
                return Tensor(np.zeros(s.shape, np.float32)) if zero_unconnected else None
            return Tensor(g if g.flags.c_contiguous else np.ascontiguousarray(g))

        return _pack_like(sources, [result(s) for s in flat_sources])


class _PauseTape:
    def __init__(self, tape):
        self._tape = tape

    def __enter__(self):
        self._was_recording = self._tape._recording
        self._tape._pause()

    def __exit__(self, *exc):
        if self._was_recording:
            self._tape.__enter__()


def _accumulate(grads, key, g):
    prev = grads.get(key)
    grads[key] = g if prev is None else prev + g


def _flatten(structure):
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure, key=repr) for leaf in _flatten(structure[key])]
    return [structure]


def _pack_like(structure, flat):
    it = iter(flat)

    def build(s):
        if isinstance(s, (list, tuple)):
            items = [build(item) for item in s]
            return type(s)(*items) if hasattr(s, "_fields") else type(s)(items)
        if isinstance(s, dict):  # filled in _flatten's (sorted) order, returned in the caller's key order
            values = {key: build(s[key]) for key in sorted(s, key=repr)}
            return {key: values[key] for key in s}
        return next(it)

    return build(structure)

"""fastnn.GradientTape — reverse-mode autodiff over the ops run inside `with GradientTape() as tape:`, like
`tf.GradientTape`.

How ops are recorded (the contract every differentiable op in `fastnn.ops` follows):

    x = convert_to_tensor(x)                       # inputs are Tensor or Variable objects
    y = kernels.relu(x._value)                     # forward on numpy arrays (the C++ kernels)
    return record([x], y, lambda dy, needs: [kernels.relu_grad(dy, y)])

`record` wraps the result in a Tensor and, for every active tape that watches one of the inputs, appends
(inputs, output, backward, backward_ops). `backward(dy, needs)` gets the output's gradient (a float32 array of the
output's shape, which it must not modify) and `needs` (one bool per input: does the tape want that gradient?) and
returns one gradient array or None per input, each of that input's shape. With no active tape, recording costs one
truth test. An op whose forward differs when recorded (e.g. fusing the loss gradient) asks `is_recording(inputs)`.

Gradients are plain float32 arrays until `gradient()` returns them as Tensors; they are accumulated out of place,
so a backward function may return `dy` itself.

Higher-order gradients (nested tapes, `jacobian` of a gradient): when `gradient()` runs while another tape is
recording, the backward pass must itself be recorded. Ops that support this pass `backward_ops(dy, out, needs)`,
the same formula written with fastnn ops on Tensors (so the outer tape records it); an op without one raises a
clear error naming the op if an outer tape would need its backward, instead of returning a wrong derivative.
"""
from __future__ import annotations

import enum

import numpy as np

from . import ops
from ._tape import _local, is_recording, record, stop_gradient, stop_recording
from .tensor import Tensor, TensorLike
from .variable import Variable

__all__ = ["GradientTape", "UnconnectedGradients", "record", "is_recording", "stop_recording", "stop_gradient"]


class UnconnectedGradients(enum.Enum):
    """What `GradientTape.gradient` returns for a source the target does not depend on (`tf.UnconnectedGradients`):
    `NONE` (None, the default) or `ZERO` (zeros of the source's shape)."""

    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Records differentiable ops for `gradient(target, sources)`.

    persistent: allow several `gradient` calls (the recording is kept until the tape is deleted or reset).
    watch_accessed_variables: watch every trainable Variable that an op reads while recording; otherwise only
    what `watch()` names.

    Args:
        persistent: Whether `gradient` may be called several times (the recording is kept until the tape is deleted or
            reset).
        watch_accessed_variables: Whether every trainable Variable an op reads while recording is watched; otherwise
            only what `watch()` names.

    Example:

    ```python
    import fastnn

    x = fastnn.Variable(3.0)
    with fastnn.GradientTape() as tape:
        y = x * x
    print(float(tape.gradient(y, x)))  # 6.0
    ```
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
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
        all-ones seed. Called while another tape records, the gradient computation is recorded by that tape
        (second-order gradients)."""
        self._check_usable()
        zero_unconnected = _zero_unconnected(unconnected_gradients)
        flat_sources = self._checked_sources(sources)
        flat_targets = _flatten(target)
        seeds = [None] * len(flat_targets) if output_gradients is None else _flatten(output_gradients)
        if len(seeds) != len(flat_targets):
            raise ValueError(f"`output_gradients` must match `target`: {len(seeds)} gradients for "
                             f"{len(flat_targets)} targets")
        grads = self._backward(flat_targets, seeds, flat_sources)
        self._release()
        return _pack_like(sources, [self._result(grads, s, zero_unconnected) for s in flat_sources])

    def jacobian(self, target, sources, unconnected_gradients="none", parallel_iterations=None,
                 experimental_use_pfor=True):
        """d target / d source for every element pair: for each source, a Tensor of shape
        target.shape + source.shape (`tf.GradientTape.jacobian`), in the structure of `sources`.

        Args:
            target: a Tensor recorded by this tape.
            sources: a Tensor/Variable or a nested list/tuple/dict of them.
            unconnected_gradients: 'none' (None for an unconnected source) or 'zero'.
            parallel_iterations: accepted for TF compatibility.
            experimental_use_pfor: accepted for TF compatibility.
        """
        self._check_usable()
        zero_unconnected = _zero_unconnected(unconnected_gradients)
        flat_sources = self._checked_sources(sources)
        if not isinstance(target, TensorLike):
            raise TypeError(f"`target` must be a Tensor or Variable, received {type(target).__name__}")
        rows = []
        for i in range(int(np.prod(target.shape, dtype=np.int64))):
            seed = np.zeros(target.shape, np.float32)
            seed.reshape(-1)[i] = 1.0
            rows.append(self._backward([target], [seed], flat_sources))
        self._release()
        out = []
        for s in flat_sources:
            if all(row.get(id(s)) is None for row in rows) and not zero_unconnected:
                out.append(None)
                continue
            parts = [self._result(row, s, True) for row in rows]
            out.append(_stacked(parts, tuple(target.shape) + tuple(s.shape)))
        return _pack_like(sources, out)

    def batch_jacobian(self, target, source, unconnected_gradients="none", parallel_iterations=None,
                       experimental_use_pfor=True):
        """Per-example Jacobians: for target (B, ...) and source (B, ...) whose examples do not interact, a
        Tensor (B,) + target.shape[1:] + source.shape[1:] (`tf.GradientTape.batch_jacobian`).

        Args:
            target: a Tensor of rank >= 1 recorded by this tape.
            source: a Tensor or Variable with the same first dimension.
            unconnected_gradients: 'none' or 'zero'.
            parallel_iterations: accepted for TF compatibility.
            experimental_use_pfor: accepted for TF compatibility.
        """
        self._check_usable()
        zero_unconnected = _zero_unconnected(unconnected_gradients)
        (source,) = self._checked_sources([source])
        if not isinstance(target, TensorLike) or target.ndim < 1 or source.ndim < 1 or \
                target.shape[0] != source.shape[0]:
            raise ValueError(f"batch_jacobian needs target and source with the same first (batch) dimension, "
                             f"received shapes {getattr(target, 'shape', None)} and {source.shape}")
        batch, inner = target.shape[0], int(np.prod(target.shape[1:], dtype=np.int64))
        rows = []
        for j in range(inner):  # one backward pass per output position, for every example at once
            seed = np.zeros((batch, inner), np.float32)
            seed[:, j] = 1.0
            rows.append(self._backward([target], [seed.reshape(target.shape)], [source]))
        self._release()
        if all(row.get(id(source)) is None for row in rows) and not zero_unconnected:
            return None
        parts = [self._result(row, source, True) for row in rows]  # each (B,) + source.shape[1:]
        stacked = _stacked(parts, (inner,) + tuple(source.shape))
        moved = ops.transpose(stacked, [1, 0] + list(range(2, stacked.ndim)))
        return ops.reshape(moved, tuple(target.shape) + tuple(source.shape[1:]))

    # --- the backward pass
    def _check_usable(self):
        if self._records is None:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of gradients; "
                               "create it with GradientTape(persistent=True) to call gradient() more than once")

    @staticmethod
    def _checked_sources(sources):
        flat_sources = _flatten(sources)
        for s in flat_sources:
            if not isinstance(s, TensorLike):
                raise TypeError(f"`sources` must hold Tensors or Variables, received {type(s).__name__}")
        return flat_sources

    def _differentiable(self):
        """Whether another tape is recording now: then the backward pass is built from recorded ops."""
        return any(tape is not self for tape in _local.tapes)

    def _backward(self, flat_targets, seeds, flat_sources):
        """{id(tensor): gradient} for the sources (arrays, or Tensors when another tape records)."""
        differentiable = self._differentiable()
        keep = {id(s) for s in flat_sources}
        grads = {}
        for t, seed in zip(flat_targets, seeds):
            if not isinstance(t, TensorLike):
                raise TypeError(f"`target` must hold Tensors or Variables, received {type(t).__name__}")
            if t.dtype.kind != "f" or (id(t) not in self._tracked and id(t) not in keep):
                continue  # (a source asked as its own target has gradient 1 even if no op read it)
            if seed is None:
                g = np.ones(t.shape, np.float32)
            else:
                g = seed if differentiable and isinstance(seed, TensorLike) else \
                    np.asarray(seed._value if isinstance(seed, TensorLike) else seed, np.float32)
                if tuple(g.shape) != tuple(t.shape):
                    raise ValueError(f"`output_gradients` entry of shape {tuple(g.shape)} does not match its "
                                     f"target of shape {t.shape}")
            _accumulate(grads, id(t), Tensor(g) if differentiable and not isinstance(g, TensorLike) else g)

        tracked = self._tracked
        for inputs, out, backward, backward_ops in reversed(self._records):
            key = id(out)
            g = grads.get(key) if key in keep else grads.pop(key, None)
            if g is None:
                continue
            needs = [id(x) in tracked and x.dtype.kind == "f" for x in inputs]
            if differentiable:
                input_grads = self._recorded_backward(inputs, out, backward, backward_ops, g, needs)
            else:
                input_grads = backward(g, needs)
            for x, gx, need in zip(inputs, input_grads, needs):
                if need and gx is not None:
                    _accumulate(grads, id(x), gx)
        return grads

    @staticmethod
    def _recorded_backward(inputs, out, backward, backward_ops, g, needs):
        """One op's input gradients as Tensors, recorded by the outer tapes when they watch g or an input."""
        if is_recording(list(inputs) + [g, out]):
            if backward_ops is None:
                op = getattr(backward, "__qualname__", "an op").split(".")[0]
                raise NotImplementedError(f"second-order gradients through `{op}` are not supported: a tape "
                                          f"recording this gradient computation needs the derivative of its "
                                          f"backward pass")
            return backward_ops(g, out, needs)
        arrays = backward(g._value if isinstance(g, TensorLike) else g, needs)
        return [None if a is None else Tensor(np.asarray(a, np.float32)) for a in arrays]

    def _release(self):
        if not self._persistent:
            self._records = None
            self._tracked = set()  # watched variables stay listed (watched_variables() after gradient())
        self._used = True

    @staticmethod
    def _result(grads, s, zero_unconnected):
        g = grads.get(id(s))
        if g is None:
            return Tensor(np.zeros(s.shape, np.float32)) if zero_unconnected else None
        if isinstance(g, TensorLike):
            return g if isinstance(g, Tensor) else Tensor(np.array(g._value))
        return Tensor(g if g.flags.c_contiguous else np.ascontiguousarray(g))


def _zero_unconnected(unconnected_gradients):
    value = getattr(unconnected_gradients, "value", unconnected_gradients)
    if value not in ("none", "zero"):
        raise ValueError(f"`unconnected_gradients` must be 'none' or 'zero', received {unconnected_gradients!r}")
    return value == "zero"


def _stacked(parts, shape):
    """Tensors of one shape stacked and reshaped to `shape` (recorded when a tape watches them)."""
    if any(p._value.ndim != parts[0]._value.ndim for p in parts):
        raise ValueError("inconsistent gradient shapes")
    if not parts:
        return Tensor(np.zeros(shape, np.float32))
    return ops.reshape(ops.stack(parts, axis=0), shape)


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
    grads[key] = g if prev is None else prev + g  # Tensors when the backward pass is recorded


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

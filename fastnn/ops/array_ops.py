"""fastnn.ops.array_ops — creating, reshaping, joining and indexing tensors (`tf.constant`, `tf.reshape`, ...).

Shape-changing ops are differentiable (their gradient is the inverse reshuffle); creation helpers, `cast` to an
integer type and `one_hot` are not. Results never alias a Variable's storage (an optimizer step would change them).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .. import kernels
from .._tape import record, stop_gradient
from ..tensor import Tensor, TensorLike, _as_dtype, as_array, convert_to_tensor
from ..variable import Variable

__all__ = [
    "constant", "convert_to_tensor", "identity", "cast", "reshape", "transpose", "expand_dims", "squeeze",
    "concat", "stack", "getitem", "gather", "ones", "zeros", "ones_like", "zeros_like", "fill", "one_hot",
    "shape", "size", "rank", "range", "clip_by_value", "tile", "pad", "split", "unstack", "boolean_mask",
    "gather_nd", "stop_gradient",
]


def _owned(t, arr):
    """`arr` (a view of t's value) as an array that an in-place Variable update cannot change."""
    return arr.copy() if isinstance(t, Variable) else arr


def _shape_arg(shape, name="shape"):
    if isinstance(shape, TensorLike):
        shape = as_array(shape).tolist()
    if isinstance(shape, (numbers.Integral, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"`{name}` must be a list of ints, received {shape!r}") from None
    # a dimension may be a scalar integer Tensor, as TF allows: `tf.ones((tf.shape(x)[0], 1))`
    dims = tuple(int(as_array(d)) if isinstance(d, TensorLike) and d.ndim == 0 and d.dtype.kind in "iu" else d
                 for d in dims)
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (numbers.Integral, np.integer)):
            raise TypeError(f"`{name}` must be a list of ints, received {shape!r}")
    return tuple(int(d) for d in dims)


# ------------------------------------------------------------------------------------------- creation
def constant(value: ArrayLike, dtype: DTypeLike | None = None, shape: Sequence[int] = None) -> Tensor:
    """A Tensor holding a copy of `value` (floats become float32 unless `dtype` says otherwise); with `shape`, a
    scalar is broadcast to it and any other value reshaped to it (as tf.constant).

    Args:
        value: A number, a (nested) list or an array.
        dtype: The dtype, or None (floats become float32, Python ints int32).
        shape: None, or the result's shape: a scalar is broadcast to it, any other value reshaped.

    Returns:
        A Tensor.

    Example:

    ```python
    import fastnn

    print(fastnn.constant([[1, 2], [3, 4]], dtype=fastnn.float32).shape)  # (2, 2)
    print(fastnn.constant(0.5, shape=(2,)).numpy())                          # [0.5 0.5]
    ```
    """
    arr = np.array(as_array(value, "value"))
    if dtype is not None:
        arr = arr.astype(_as_dtype(dtype))
    if shape is not None:
        shape = _nonneg_shape(shape)
        if arr.size == 1:
            arr = np.full(shape, arr.reshape(()), dtype=arr.dtype)
        elif arr.size == math.prod(shape):  # Python ints: np.prod(..., int64) can wrap around
            arr = arr.reshape(shape)
        else:
            raise ValueError(f"`value` with {arr.size} elements cannot take `shape` {shape}")
    return Tensor(arr)


def _creation_dtype(dtype):
    return np.dtype(np.float32) if dtype is None else _as_dtype(dtype)


_MAX_ELEMENTS = 2**60  # more elements than numpy can address in bytes (2^63) for 8-byte dtypes


def _nonneg_shape(shape, name="shape"):
    dims = _shape_arg(shape, name)
    if any(d < 0 for d in dims):
        raise ValueError(f"`{name}` must be non-negative, received {shape!r}")
    if math.prod(dims) > _MAX_ELEMENTS:
        raise ValueError(f"`{name}` {dims} is too large: {math.prod(dims)} elements (at most 2^60)")
    return dims


def ones(shape: Sequence[int], dtype: DTypeLike = np.float32) -> Tensor:
    """A tensor of ones (float32 by default).

    Args:
        shape: The result's shape: a tuple or list of ints.
        dtype: The dtype (default float32).

    Returns:
        A Tensor.
    """
    return Tensor(np.ones(_nonneg_shape(shape), _creation_dtype(dtype)))


def zeros(shape: Sequence[int], dtype: DTypeLike = np.float32) -> Tensor:
    """A tensor of zeros (float32 by default).

    Args:
        shape: The result's shape: a tuple or list of ints.
        dtype: The dtype (default float32).

    Returns:
        A Tensor.
    """
    return Tensor(np.zeros(_nonneg_shape(shape), _creation_dtype(dtype)))


def fill(dims: Sequence[int], value: ArrayLike) -> Tensor:
    """A tensor of shape `dims` filled with `value`.

    Args:
        dims: The shape: a tuple or list of ints.
        value: The scalar to fill with.

    Returns:
        A Tensor.
    """
    v = as_array(value, "value")
    if v.size != 1:
        raise ValueError(f"`value` must be a scalar, received shape {v.shape}")
    return Tensor(np.full(_nonneg_shape(dims, "dims"), v.reshape(()), dtype=v.dtype))


def ones_like(input: ArrayLike, dtype: DTypeLike | None = None) -> Tensor:  # (TF's name)
    """Ones of input's shape (and dtype unless given).

    Args:
        input: A tensor-like.
        dtype: The dtype, or None for `input`'s.

    Returns:
        A Tensor.
    """
    a = as_array(input, "input")
    return Tensor(np.ones(a.shape, a.dtype if dtype is None else _as_dtype(dtype)))


def zeros_like(input: ArrayLike, dtype: DTypeLike | None = None) -> Tensor:
    """Zeros of input's shape (and dtype unless given).

    Args:
        input: A tensor-like.
        dtype: The dtype, or None for `input`'s.

    Returns:
        A Tensor.
    """
    a = as_array(input, "input")
    return Tensor(np.zeros(a.shape, a.dtype if dtype is None else _as_dtype(dtype)))


def range(start: float, limit: float | None = None, delta: float = 1,
          dtype: DTypeLike | None = None) -> Tensor:
    """Evenly spaced values in [start, limit) (like tf.range / np.arange).

    Args:
        start: The first value, or the limit when `limit` is None (then start is 0).
        limit: The end (excluded).
        delta: The step.
        dtype: The dtype, or None (from the arguments, as tf.range).

    Returns:
        A Tensor.
    """
    for value, name in ((start, "start"), (limit, "limit"), (delta, "delta")):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (numbers.Real, np.number))):
            raise TypeError(f"`{name}` must be a real number, received {value!r}")
    if delta == 0:
        raise ValueError(f"`delta` must be non-zero, received {delta!r}")
    lo, hi = (0, start) if limit is None else (start, limit)
    count = math.ceil((hi - lo) / delta) if math.isfinite(hi - lo) and math.isfinite(delta) else math.inf
    if count > _MAX_ELEMENTS:
        raise ValueError(f"range({start!r}, {limit!r}, {delta!r}) is too large: {count} elements (at most 2^60)")
    values = np.arange(start, limit, delta) if limit is not None else np.arange(start)
    if values.dtype == np.int64 and all(isinstance(v, numbers.Integral) for v in (start, limit or 0, delta)):
        values = values.astype(np.int32)  # TF's default for Python ints
    if dtype is not None:
        values = values.astype(_as_dtype(dtype))
    elif values.dtype.kind == "f":
        values = values.astype(np.float32)
    return Tensor(values)


def one_hot(indices: ArrayLike, depth: int, on_value: float | None = None, off_value: float | None = None,
            axis: int = -1, dtype: DTypeLike = np.float32) -> Tensor:
    """indices (ints) -> one-hot vectors of length `depth` along `axis`; out-of-range indices give all
    `off_value` (as TF).

    Args:
        indices: Integer class indices.
        depth: The number of classes (the length of each one-hot vector).
        on_value: The value at the index (default 1).
        off_value: The value elsewhere (default 0).
        axis: Where the new one-hot axis goes (default: last).
        dtype: The result's dtype (default float32).

    Returns:
        A Tensor.

    Example:

    ```python
    import fastnn

    print(fastnn.one_hot([0, 2], depth=3).numpy())  # [[1. 0. 0.] [0. 0. 1.]]
    ```
    """
    idx = as_array(indices, "indices")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"`indices` must be integers, received dtype {idx.dtype}")
    if isinstance(depth, bool) or not isinstance(depth, (numbers.Integral, np.integer)) or depth < 0:
        raise ValueError(f"`depth` must be a non-negative int, received {depth!r}")
    dtype = _as_dtype(dtype)
    on = np.asarray(1 if on_value is None else as_array(on_value, "on_value"), dtype)
    off = np.asarray(0 if off_value is None else as_array(off_value, "off_value"), dtype)
    hot = idx[..., None] == np.arange(int(depth))
    out = np.where(hot, on, off).astype(dtype)
    if axis != -1:
        if not -out.ndim <= axis < out.ndim:
            raise ValueError(f"`axis` {axis} is out of bounds for a result of rank {out.ndim}")
        out = np.ascontiguousarray(np.moveaxis(out, -1, axis))
    return Tensor(out)


def shape(input: ArrayLike, out_type: DTypeLike = np.int32) -> Tensor:
    """The shape as an int32 tensor (`tf.shape`).

    Args:
        input: A tensor-like.
        out_type: The dtype of the result (int32 or int64).

    Returns:
        A 1-D integer Tensor.
    """
    return Tensor(np.asarray(as_array(input, "input").shape, _as_dtype(out_type)))


def size(input: ArrayLike, out_type: DTypeLike = np.int32) -> Tensor:
    """The number of elements (`tf.size`).

    Args:
        input: A tensor-like.
        out_type: The dtype of the result (int32 or int64).

    Returns:
        A scalar integer Tensor.
    """
    return Tensor(np.asarray(as_array(input, "input").size, _as_dtype(out_type)))


def rank(input: ArrayLike) -> Tensor:
    """The number of dimensions (`tf.rank`).

    Args:
        input: A tensor-like.

    Returns:
        A scalar int32 Tensor.
    """
    return Tensor(np.asarray(as_array(input, "input").ndim, np.int32))


# ------------------------------------------------------------------------------------------- differentiable
def identity(input: ArrayLike) -> Tensor:
    """A Tensor with input's value (a snapshot when `input` is a Variable); gradient passes through.

    Args:
        input: A tensor-like.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(input, name="input")
    return record([t], _owned(t, t._value), lambda g, needs: [g], lambda g, out, needs: [g])


def cast(x: ArrayLike, dtype: DTypeLike) -> Tensor:
    """x converted to `dtype`. Float to float is differentiable (the gradient is cast back); casts to or from
    integers and bools are not.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        dtype: The target dtype.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(x, name="x")
    dtype = _as_dtype(dtype)
    if dtype.kind not in "biuf":
        raise TypeError(f"`dtype` must be a real numeric or bool dtype, received {dtype}")
    src = t._value
    out = src.astype(dtype)
    if dtype.kind == "f" and src.dtype.kind == "f":
        if out.dtype != np.float32:  # fastnn computes in float32: float16/float64 requests round through it
            out = out.astype(np.float32)
        return record([t], out, lambda g, needs: [g], lambda g, out, needs: [g])
    return Tensor(out)


def reshape(tensor: ArrayLike, shape: Sequence[int]) -> Tensor:
    """The values of `tensor` in a new shape (one dimension may be -1).

    Args:
        tensor: A tensor-like.
        shape: The new shape; one entry may be -1 (inferred).

    Returns:
        A Tensor.

    Example:

    ```python
    import fastnn

    print(fastnn.reshape(fastnn.range(6), (2, -1)).numpy())  # [[0 1 2] [3 4 5]]
    ```
    """
    t = convert_to_tensor(tensor, name="tensor")
    dims = _shape_arg(shape)
    a = t._value
    try:
        out = a.reshape(dims)
    except ValueError:
        raise ValueError(f"cannot reshape a tensor of shape {a.shape} ({a.size} values) to {dims}") from None
    return record([t], _owned(t, out), lambda g, needs: [g.reshape(a.shape)],
                  lambda g, out, needs: [reshape(g, a.shape)])


def transpose(a: ArrayLike, perm: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them when `perm` is None).

    Args:
        a: A tensor-like.
        perm: The permutation of the axes, or None to reverse them.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(a, name="a")
    x = t._value
    perm = tuple(reversed(builtins_range(x.ndim))) if perm is None else _shape_arg(perm, "perm")
    if sorted(p % max(x.ndim, 1) for p in perm) != list(builtins_range(x.ndim)) or len(perm) != x.ndim:
        raise ValueError(f"`perm` must be a permutation of the {x.ndim} axes, received {perm!r}")
    inverse = np.argsort([p % x.ndim for p in perm])
    out = np.ascontiguousarray(np.transpose(x, perm))
    return record([t], out, lambda g, needs: [np.ascontiguousarray(np.transpose(g, inverse))],
                  lambda g, out, needs: [transpose(g, inverse.tolist())])


def expand_dims(input: ArrayLike, axis: int) -> Tensor:
    """Insert a length-1 axis at `axis` (negative counts from the end of the result).

    Args:
        input: A tensor-like.
        axis: Where the new axis goes.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(input, name="input")
    a = t._value
    if isinstance(axis, bool) or not isinstance(axis, (numbers.Integral, np.integer)) or \
            not -(a.ndim + 1) <= axis <= a.ndim:
        raise ValueError(f"`axis` must be an int in [{-(a.ndim + 1)}, {a.ndim}], received {axis!r}")
    out = np.expand_dims(a, int(axis))
    return record([t], _owned(t, out), lambda g, needs: [g.reshape(a.shape)],
                  lambda g, out, needs: [reshape(g, a.shape)])


def squeeze(input: ArrayLike, axis: int | Sequence[int] | None = None) -> Tensor:
    """Remove length-1 axes (all of them, or those in `axis`).

    Args:
        input: A tensor-like.
        axis: None (every length-1 axis), an int or a list of ints.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(input, name="input")
    a = t._value
    if axis is None:
        out = np.squeeze(a)
    else:
        axes = [axis] if isinstance(axis, (numbers.Integral, np.integer)) else axis
        try:
            axes = list(axes)
        except TypeError:
            raise TypeError(f"`axis` must be None, an int or a list of ints, received {axis!r}") from None
        for ax in axes:
            if isinstance(ax, bool) or not isinstance(ax, (numbers.Integral, np.integer)):
                raise TypeError(f"`axis` must be None, an int or a list of ints, received {axis!r}")
            if not -a.ndim <= ax < a.ndim or a.shape[ax] != 1:
                raise ValueError(f"cannot squeeze axis {ax} of a tensor of shape {a.shape}")
        out = np.squeeze(a, axis=tuple(int(ax) for ax in axes))
    return record([t], _owned(t, out), lambda g, needs: [g.reshape(a.shape)],
                  lambda g, out, needs: [reshape(g, a.shape)])


def _joined(values, name):
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError(f"`values` must be a non-empty list of tensors, received {values!r}")
    tensors = [convert_to_tensor(v, name="values") for v in values]
    arrays = [t._value for t in tensors]
    if any(a.dtype == np.float32 for a in arrays):
        arrays = [a.astype(np.float32, copy=False) for a in arrays]
    return tensors, arrays


def concat(values: Sequence[ArrayLike], axis: int) -> Tensor:
    """Join tensors along an existing `axis`.

    Args:
        values: A list of tensor-likes whose shapes agree except along `axis`.
        axis: The axis to join along.

    Returns:
        A Tensor.
    """
    tensors, arrays = _joined(values, "concat")
    ndim = arrays[0].ndim
    if isinstance(axis, bool) or not isinstance(axis, (numbers.Integral, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"`axis` must be an int in [{-ndim}, {ndim}), received {axis!r}")
    try:
        out = np.concatenate(arrays, axis=int(axis))
    except ValueError:
        raise ValueError(f"concat along axis {axis} needs equal other dimensions, received shapes "
                         f"{[a.shape for a in arrays]}") from None
    bounds = np.cumsum([a.shape[axis] for a in arrays])[:-1]
    return record(tensors, out, lambda g, needs: np.split(g, bounds, axis=int(axis)),
                  lambda g, out, needs: split(g, [a.shape[axis] for a in arrays], axis=int(axis)))


def stack(values: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new `axis`.

    Args:
        values: A list of same-shape tensor-likes.
        axis: Where the new axis goes.

    Returns:
        A Tensor.
    """
    tensors, arrays = _joined(values, "stack")
    if len({a.shape for a in arrays}) != 1:
        raise ValueError(f"stack needs tensors of one shape, received shapes {[a.shape for a in arrays]}")
    ndim = arrays[0].ndim + 1
    if isinstance(axis, bool) or not isinstance(axis, (numbers.Integral, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"`axis` must be an int in [{-ndim}, {ndim}), received {axis!r}")
    out = np.stack(arrays, axis=int(axis))
    return record(tensors, out, lambda g, needs: [np.take(g, i, axis=int(axis))
                                                  for i in builtins_range(len(arrays))],
                  lambda g, out, needs: unstack(g, axis=int(axis)))


def _index_arg(index):
    """An index with Tensors turned into arrays; also reports whether it is basic (no arrays or lists)."""
    items = index if isinstance(index, tuple) else (index,)
    converted, basic = [], True
    for item in items:
        if isinstance(item, TensorLike):
            item = as_array(item)
        if isinstance(item, (list, np.ndarray)):
            basic = False
        converted.append(item)
    return (tuple(converted) if isinstance(index, tuple) else converted[0]), basic


def getitem(tensor: ArrayLike, index: object) -> Tensor:
    """tensor[index] with numpy's indexing (ints, slices, None, Ellipsis, int/bool arrays); repeated indices
    accumulate their gradients.

    Args:
        tensor: A tensor-like.
        index: An index in numpy's syntax.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(tensor, name="tensor")
    a = t._value
    index, basic = _index_arg(index)
    try:
        out = a[index]
    except IndexError as e:
        raise IndexError(f"index {index!r} is invalid for a tensor of shape {a.shape}: {e}") from None
    out = np.array(out) if basic else np.asarray(out)  # a private copy: the source may be updated in place

    def backward(g, needs):
        full = np.zeros(a.shape, np.float32)
        if basic:
            full[index] = g
        else:
            np.add.at(full, index, g)
        return [full]
    return record([t], out, backward, lambda g, out, needs: [_scatter_into(g, a.shape, index, basic)])


def _scatter_into(g, shape, index, basic):
    """zeros(shape) with g added at `index` — getitem's backward as a recorded op (its own gradient is
    getitem), for higher-order gradients."""
    full = np.zeros(shape, np.float32)
    if basic:
        full[index] = g._value
    else:
        np.add.at(full, index, g._value)
    return record([g], full, lambda gg, needs: [np.array(gg[index])],
                  lambda gg, out, needs: [getitem(gg, index)])


def gather(params: ArrayLike, indices: ArrayLike, axis: int = 0) -> Tensor:
    """Slices of `params` along `axis` picked by integer `indices` (`tf.gather`).

    Args:
        params: The tensor-like to pick from.
        indices: Integer indices into `params` along `axis`.
        axis: The axis to gather along.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(params, name="params")
    idx = as_array(indices, "indices")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"`indices` must be integers, received dtype {idx.dtype}")
    a = t._value
    if isinstance(axis, bool) or not isinstance(axis, (numbers.Integral, np.integer)):
        raise TypeError(f"`axis` must be an int, received {axis!r}")
    if not -a.ndim <= axis < a.ndim:
        raise ValueError(f"`axis` {axis} is out of bounds for `params` of rank {a.ndim}")
    axis = int(axis) % a.ndim
    if idx.size and (idx.min() < 0 or idx.max() >= a.shape[axis]):
        raise ValueError(f"`indices` must be in [0, {a.shape[axis]}), received values in "
                         f"[{idx.min()}, {idx.max()}]")
    if axis == 0 and a.dtype == np.float32:  # row gathers run on the embedding kernel (deterministic gradient)
        rows, width = a.shape[0], math.prod(a.shape[1:])
        out = kernels.embedding_lookup(a.reshape(rows, width), idx).reshape(idx.shape + a.shape[1:])

        def row_backward(g, needs):
            g2 = np.asarray(g, np.float32).reshape(idx.shape + (width,))
            return [kernels.embedding_lookup_grad(idx, g2, rows).reshape(a.shape)]
        return record([t], out, row_backward)
    out = np.take(a, idx, axis=axis)

    def backward(g, needs):
        full = np.zeros(a.shape, np.float32)
        index = (slice(None),) * axis + (idx,)
        np.add.at(full, index, g)
        return [full]
    return record([t], out, backward)


def _int_list(value, name):
    """A list of ints from a list, tuple, numpy array or Tensor (TF accepts all of them)."""
    if isinstance(value, TensorLike):
        value = as_array(value)
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu" or arr.ndim > 2:
        raise TypeError(f"`{name}` must hold integers, received {value!r}")
    return arr.astype(np.int64)


def _scatter_back(shape, positions, g):
    """The gradient of a gather: g summed into zeros of `shape` at flat `positions` (-1: no source)."""
    flat = np.zeros(math.prod(shape), np.float32)
    keep = positions >= 0
    np.add.at(flat, positions[keep], np.asarray(g, np.float32)[keep])
    return flat.reshape(shape)


def tile(input: ArrayLike, multiples: Sequence[int]) -> Tensor:  # (TF's name)
    """`input` repeated `multiples[i]` times along each axis i; the gradient sums the copies.

    Args:
        input: A tensor-like.
        multiples: One repeat count per axis of `input`.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(input, name="input")
    a = t._value
    reps = _int_list(multiples, "multiples")
    if reps.shape != (a.ndim,) or (reps < 0).any():
        raise ValueError(f"`multiples` must hold {a.ndim} non-negative ints (one per axis of `input`), received "
                         f"{reps.tolist()}")
    out = np.tile(a, reps)

    def backward(g, needs):
        split = [d for pair in zip(reps, a.shape) for d in pair]  # (m0, d0, m1, d1, ...)
        return [g.reshape(split).sum(axis=tuple(range(0, 2 * a.ndim, 2)), dtype=np.float32)]
    return record([t], out, backward)


def pad(tensor: ArrayLike, paddings: Sequence[Sequence[int]], mode: str = "CONSTANT",
        constant_values: float = 0) -> Tensor:
    """`tensor` padded by `paddings[i] = [before, after]` along each axis i: with `constant_values` ("CONSTANT"),
    or mirrored without ("REFLECT") or with ("SYMMETRIC") the edge. The gradient sums every copy of an element.

    Args:
        tensor: A tensor-like.
        paddings: One `[before, after]` pair per axis.
        mode: `"CONSTANT"`, `"REFLECT"` or `"SYMMETRIC"`.
        constant_values: The fill value for `"CONSTANT"`.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(tensor, name="tensor")
    a = t._value
    widths = _int_list(paddings, "paddings")
    if widths.shape != (a.ndim, 2) or (widths < 0).any():
        raise ValueError(f"`paddings` must be {a.ndim} pairs of non-negative ints [before, after], received "
                         f"{widths.tolist()}")
    modes = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}
    if not isinstance(mode, str) or mode.upper() not in modes:
        raise ValueError(f"`mode` must be one of CONSTANT, REFLECT, SYMMETRIC, received {mode!r}")
    np_mode = modes[mode.upper()]
    for axis, (before, after) in enumerate(widths):
        limit = a.shape[axis] - (1 if np_mode == "reflect" else 0)
        if np_mode != "constant" and max(before, after) > limit:
            raise ValueError(f"`paddings` {widths.tolist()} are too wide for {mode} mode on axis {axis} of size "
                             f"{a.shape[axis]} (at most {limit})")
    if np_mode == "constant":
        fill = as_array(constant_values, "constant_values")
        out = np.pad(a, widths, mode="constant", constant_values=fill.astype(a.dtype).item())
        positions = np.pad(np.arange(a.size).reshape(a.shape), widths, mode="constant", constant_values=-1)
    else:
        out = np.pad(a, widths, mode=np_mode)
        positions = np.pad(np.arange(a.size).reshape(a.shape), widths, mode=np_mode)
    return record([t], out, lambda g, needs: [_scatter_back(a.shape, positions, g)])


def _axis_arg(axis, ndim, name="axis"):
    if isinstance(axis, TensorLike):
        axis = as_array(axis).item()
    if isinstance(axis, bool) or not isinstance(axis, (numbers.Integral, np.integer)):
        raise TypeError(f"`{name}` must be an int, received {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"`{name}` {axis} is out of bounds for a tensor of rank {ndim}")
    return int(axis) % ndim


def _slice_along(t, axis, start, stop, squeeze=False):
    """t[..., start:stop, ...] on `axis` (one axis dropped when squeeze), recorded: its own gradient op."""
    a = t._value
    index = (slice(None),) * axis + ((start if squeeze else slice(start, stop)),)
    out = np.array(a[index])

    def backward(g, needs):
        full = np.zeros(a.shape, np.float32)
        full[index] = g
        return [full]
    return record([t], out, backward, lambda g, out, needs: [_scatter_into(g, a.shape, index, True)])


def split(value: ArrayLike, num_or_size_splits: int | Sequence[int], axis: int = 0,
          num: int | None = None) -> list[Tensor]:
    """Pieces of `value` along `axis`: `num_or_size_splits` equal ones (an int that divides the axis), or pieces of
    the given sizes (one size may be -1: the rest). Returns a list of Tensors.

    Args:
        value: A tensor-like.
        num_or_size_splits: An int (that many equal pieces) or a list of sizes (one may be -1).
        axis: The axis to split.
        num: Accepted for TF compatibility (the number of pieces).

    Returns:
        A list of Tensors.
    """
    t = convert_to_tensor(value, name="value")
    a = t._value
    ax = _axis_arg(axis, a.ndim)
    length = a.shape[ax]
    if isinstance(num_or_size_splits, (numbers.Integral, np.integer)) and not isinstance(num_or_size_splits, bool):
        count = int(num_or_size_splits)
        if count <= 0 or length % count:
            raise ValueError(f"`num_or_size_splits`={count} must be a positive divisor of the size {length} of axis "
                             f"{ax}")
        sizes = [length // count] * count
    else:
        sizes = _int_list(num_or_size_splits, "num_or_size_splits").reshape(-1).tolist()
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise ValueError(f"`num_or_size_splits` may hold one -1 and otherwise non-negative sizes, received "
                             f"{sizes}")
        if -1 in sizes:
            sizes[sizes.index(-1)] = length - (sum(sizes) + 1)
        if sum(sizes) != length or min(sizes, default=0) < 0:
            raise ValueError(f"`num_or_size_splits` {sizes} must add up to the size {length} of axis {ax}")
    bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    return [_slice_along(t, ax, b, e) for b, e in zip(bounds[:-1], bounds[1:])]


def unstack(value: ArrayLike, num: int | None = None, axis: int = 0) -> list[Tensor]:
    """The tensors of rank r−1 along `axis` of `value` (a list).

    Args:
        value: A tensor-like.
        num: Accepted for TF compatibility (the length of `axis`).
        axis: The axis to unstack.

    Returns:
        A list of Tensors.
    """
    t = convert_to_tensor(value, name="value")
    a = t._value
    if a.ndim == 0:
        raise ValueError("unstack needs a tensor of rank >= 1, received a scalar")
    ax = _axis_arg(axis, a.ndim)
    if num is not None and num != a.shape[ax]:
        raise ValueError(f"`num`={num!r} does not match the size {a.shape[ax]} of axis {ax}")
    return [_slice_along(t, ax, i, i + 1, squeeze=True) for i in builtins_range(a.shape[ax])]


def boolean_mask(tensor: ArrayLike, mask: ArrayLike, axis: int | None = None) -> Tensor:
    """The entries of `tensor` where the boolean `mask` (matching `tensor`'s axes from `axis`, default 0) is true,
    flattened over the masked axes; the gradient scatters back.

    Args:
        tensor: A tensor-like.
        mask: A bool tensor-like matching `tensor`'s axes from `axis`.
        axis: The first masked axis (default 0).

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(tensor, name="tensor")
    a = t._value
    m = as_array(mask, "mask")
    if m.dtype != np.bool_:
        raise TypeError(f"`mask` must be boolean, received dtype {m.dtype}")
    ax = 0 if axis is None else _axis_arg(axis, a.ndim)
    if m.ndim == 0 or a.shape[ax:ax + m.ndim] != m.shape:
        raise ValueError(f"`mask` of shape {m.shape} does not match the shape {a.shape} of `tensor` from axis {ax}")
    index = (slice(None),) * ax + (m,)
    out = np.array(a[index])

    def backward(g, needs):
        full = np.zeros(a.shape, np.float32)
        full[index] = g
        return [full]
    return record([t], out, backward)


def gather_nd(params: ArrayLike, indices: ArrayLike, batch_dims: int = 0) -> Tensor:
    """Slices of `params` picked by the index vectors in the last axis of `indices` (`tf.gather_nd`); the first
    `batch_dims` axes of both are batch axes. Repeated indices accumulate their gradients.

    Args:
        params: The tensor-like to pick from.
        indices: Integer index vectors in its last axis.
        batch_dims: The number of leading batch axes shared by `params` and `indices`.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(params, name="params")
    a = t._value
    idx = as_array(indices, "indices")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"`indices` must be integers, received dtype {idx.dtype}")
    if isinstance(batch_dims, bool) or not isinstance(batch_dims, (numbers.Integral, np.integer)) or \
            not 0 <= batch_dims < min(a.ndim, max(idx.ndim, 1)):
        raise ValueError(f"`batch_dims` must be an int in [0, {min(a.ndim, idx.ndim)}), received {batch_dims!r}")
    b = int(batch_dims)
    if idx.ndim < 1 or a.shape[:b] != idx.shape[:b]:
        raise ValueError(f"`indices` of shape {idx.shape} do not fit `params` of shape {a.shape} with batch_dims={b}")
    depth = idx.shape[-1]
    if depth > a.ndim - b:
        raise ValueError(f"index vectors of length {depth} are longer than the rank {a.ndim - b} they index")
    bounds = np.asarray(a.shape[b:b + depth], np.int64)
    if idx.size and ((idx < 0).any() or (idx >= bounds).any()):
        bad = idx.reshape(-1, depth)[((idx < 0) | (idx >= bounds)).reshape(-1, depth).any(axis=1)][0]
        raise ValueError(f"`indices` {bad.tolist()} are out of bounds for `params` of shape {a.shape}")
    batch = math.prod(a.shape[:b])
    flat_params = a.reshape((batch,) + a.shape[b:])
    flat_idx = idx.reshape((batch, -1, depth))
    batch_index = np.broadcast_to(np.arange(batch)[:, None], flat_idx.shape[:2])
    index = (batch_index,) + tuple(flat_idx[..., k] for k in builtins_range(depth))
    out = flat_params[index].reshape(idx.shape[:-1] + a.shape[b + depth:])

    def backward(g, needs):
        full = np.zeros(flat_params.shape, np.float32)
        np.add.at(full, index, np.asarray(g, np.float32).reshape(flat_idx.shape[:2] + a.shape[b + depth:]))
        return [full.reshape(a.shape)]
    return record([t], out, backward)


def clip_by_value(t: ArrayLike, clip_value_min: ArrayLike, clip_value_max: ArrayLike) -> Tensor:
    """Values clipped to [min, max]; the gradient passes where no clip was active (TF's rule).

    Args:
        t: A tensor-like.
        clip_value_min: The lower bound (a number or a broadcastable tensor-like).
        clip_value_max: The upper bound.

    Returns:
        A Tensor.
    """
    x = convert_to_tensor(t, name="t")
    a = x._value
    lo = as_array(clip_value_min, "clip_value_min")
    hi = as_array(clip_value_max, "clip_value_max")
    out = np.clip(a, lo, hi).astype(a.dtype, copy=False)
    return record([x], out, lambda g, needs: [np.where((a >= lo) & (a <= hi), g, np.float32(0)).astype(
        np.float32)])


import builtins as _builtins  # noqa: E402

builtins_range = _builtins.range  # `range` above is tf.range

"""fastnn.ops.linalg_ops — `tf.norm` (`tf.linalg.norm`), composed of differentiable ops as TF composes it, so
values and gradients follow TF's (the gradient of the Euclidean norm at 0 is NaN in both)."""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..tensor import Tensor, TensorLike, as_array
from .array_ops import squeeze
from .math_ops import _axes, _float_input, abs, multiply, pow, reduce_max, reduce_sum, sqrt

__all__ = ["norm"]


def norm(tensor: ArrayLike, ord: str | float = "euclidean", axis: int | Sequence[int] | None = None,
         keepdims: bool | None = None) -> Tensor:
    """The vector norm of `tensor` over `axis` (an int, or None for all entries as one vector), or the matrix norm
    over a pair of axes. Vector `ord`: 'euclidean' (= 2), 1, np.inf, or any p > 0; matrix `ord`: 'fro' /
    'euclidean', 1 (max column sum) or np.inf (max row sum).

    Args:
        tensor: A tensor-like.
        ord: The order of the norm (see above).
        axis: None, an int, or a pair of ints (a matrix norm).
        keepdims: Whether the reduced axes are kept, with length 1.

    Returns:
        A Tensor.
    """
    t = _float_input(tensor, "tensor")
    ndim = t._value.ndim
    if isinstance(axis, TensorLike):
        axis = as_array(axis).tolist()
    matrix = isinstance(axis, (list, tuple)) and len(axis) == 2
    if matrix:
        axes = _axes(axis, ndim)
        if len(axes) != 2:
            raise ValueError(f"`axis` {axis!r} must name two different axes for a matrix norm")
    elif axis is not None and not (isinstance(axis, (numbers.Integral, np.integer)) and not isinstance(axis, bool)):
        raise ValueError(f"`axis` must be None, an int or a pair of ints, received {axis!r}")
    keep = bool(keepdims)
    valid_vector = ord in ("euclidean", 1, 2, np.inf) or (isinstance(ord, numbers.Real) and not isinstance(
        ord, bool) and ord > 0)
    if matrix:
        if ord in ("euclidean", "fro"):
            return sqrt(reduce_sum(multiply(t, t), axis=axis, keepdims=keep))
        if ord in (1, np.inf):
            rows, cols = _axes(axis, ndim)
            inner, outer = (rows, cols) if ord == 1 else (cols, rows)
            summed = reduce_sum(abs(t), axis=inner, keepdims=True)
            out = reduce_max(summed, axis=outer, keepdims=True)
            return out if keep else squeeze(out, axis=[rows, cols])
        raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, inf], got {ord!r}")
    if isinstance(ord, bool) or not valid_vector:
        raise ValueError(f"'ord' must be a supported vector norm ('euclidean', 1, 2, inf or p > 0), got {ord!r}")
    if ord in ("euclidean", 2):
        return sqrt(reduce_sum(multiply(t, t), axis=axis, keepdims=keep))
    if ord == 1:
        return reduce_sum(abs(t), axis=axis, keepdims=keep)
    if ord == np.inf:
        return reduce_max(abs(t), axis=axis, keepdims=keep)
    p = np.float32(ord)
    return pow(reduce_sum(pow(abs(t), p), axis=axis, keepdims=keep), np.float32(1) / p)

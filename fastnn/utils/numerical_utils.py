"""Array helpers from `keras.utils`: `normalize`."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import ops
from .._validation import axis as check_axis
from ..tensor import TensorLike

__all__ = ["normalize"]


def normalize(x: ArrayLike, axis: int = -1, order: int = 2) -> np.ndarray:
    """`x` divided by its `order`-norm along `axis` (`keras.utils.normalize`); all-zero slices stay zero.

    Args:
        x: a numpy array (or a Tensor: the result is then a Tensor, computed with fastnn's ops).
        axis: the axis to normalize along (default the last).
        order: the norm's order (2: Euclidean, 1, np.inf, ...), as `np.linalg.norm`.

    Returns:
        An array (or Tensor) of `x`'s shape.

    Example:
        >>> fastnn.utils.normalize(np.array([[3.0, 4.0]]))
        array([[0.6, 0.8]])
    """
    check_axis(axis)
    if isinstance(x, TensorLike):
        norm = ops.norm(x, ord="euclidean" if order == 2 else order, axis=int(axis), keepdims=True)
        return ops.divide(x, ops.where(ops.equal(norm, 0.0), ops.ones_like(norm), norm))
    values = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(values, order, axis))
    norm[norm == 0] = 1
    return values / np.expand_dims(norm, axis)

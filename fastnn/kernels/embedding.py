"""fastnn.kernels.embedding — embedding lookup (`tf.nn.embedding_lookup` / `tf.gather` on axis 0 of a 2-D
table) and its table gradient, on fastnn's C++ embedding kernel.

The forward copies one table row per index (parallel over indices, vectorised copies); the gradient sums the
output gradient's rows per table row in ascending index position, which makes it bitwise identical for any
thread count. Indices outside `[0, input_dim)` raise a ValueError naming the first one (TF's message), before
the table is read. Float indices are truncated toward zero, as Keras' Embedding casts them to int32.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from ._convert import as_f32

__all__ = ["embedding_lookup", "embedding_lookup_grad", "as_indices"]

_INT64_MAX = np.iinfo(np.int64).max


def as_indices(indices: ArrayLike, name: str = "indices") -> np.ndarray:
    """`indices` as a C-contiguous int64 array: ints as they are, floats truncated toward zero (Keras casts
    float inputs of Embedding to int32), booleans as 0/1; NaN/inf and other dtypes raise.

    Args:
        indices: array-like of integer or float indices.
        name: the argument name used in error messages.

    Returns:
        An int64 array of the same shape.
    """
    a = np.asarray(indices)
    if a.dtype.kind in "iub":
        if a.dtype == np.uint64 and a.size and int(a.max()) > _INT64_MAX:
            raise ValueError(f"`{name}` must be valid row indices. Received: {name} with value {int(a.max())}")
        return np.ascontiguousarray(a, dtype=np.int64)
    if a.dtype.kind == "f":
        if a.size and not np.isfinite(a).all():
            bad = a[~np.isfinite(a)].flat[0]
            raise ValueError(f"`{name}` must be finite numbers (row indices). Received: {name} containing {bad}")
        t = np.trunc(a.astype(np.float64))
        huge = np.abs(t) >= 2.0**62  # would wrap on the int64 cast: out of any table's range
        if huge.any():
            raise ValueError(f"`{name}` must be valid row indices. Received: {name} with value "
                             f"{a.flat[int(np.argmax(huge))]}")
        out = t.astype(np.int64)
        return np.ascontiguousarray(out)
    raise TypeError(f"`{name}` must be integer (or float) indices. Received: {name} of dtype {a.dtype}")


def embedding_lookup(params: ArrayLike, ids: ArrayLike) -> np.ndarray:
    """The rows of the 2-D table `params` picked by `ids` (`tf.nn.embedding_lookup` with one table).

    Args:
        params: `(input_dim, output_dim)` float table.
        ids: integer (or float, truncated) indices of any shape, each in `[0, input_dim)`.

    Returns:
        float32 array of shape `ids.shape + (output_dim,)`.

    Raises:
        ValueError: `params` is not 2-D, or an index is out of range.

    Example:

    >>> embedding_lookup(np.eye(3, dtype=np.float32), [[2, 0]]).tolist()
    [[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]]
    """
    table = as_f32(params, "params")
    if table.ndim != 2:
        raise ValueError(f"`params` must be a 2-D table (input_dim, output_dim). Received: params of shape "
                         f"{table.shape}")
    return _core.embedding(table, as_indices(ids, "indices"))


def embedding_lookup_grad(ids: ArrayLike, grad: ArrayLike, input_dim: int) -> np.ndarray:
    """The `(input_dim, output_dim)` gradient of `embedding_lookup` with respect to its table: the rows of
    `grad` summed per index (in ascending position: bitwise the same for any thread count).

    Args:
        ids: the forward's indices.
        grad: the gradient of the lookup's output, shape `ids.shape + (output_dim,)`.
        input_dim: the table's number of rows.

    Returns:
        float32 array of shape `(input_dim, output_dim)`.

    Example:

    >>> embedding_lookup_grad([1, 1], np.ones((2, 2), np.float32), 3).tolist()
    [[0.0, 0.0], [2.0, 2.0], [0.0, 0.0]]
    """
    if isinstance(input_dim, bool) or not isinstance(input_dim, (int, np.integer)) or input_dim < 0:
        raise ValueError(f"`input_dim` must be a non-negative int. Received: input_dim={input_dim!r}")
    return _core.embedding_grad(as_indices(ids, "indices"), as_f32(grad, "grad"), int(input_dim))

"""fastnn.ops.sort_ops — `tf.sort`, `tf.argsort` and `tf.math.top_k`.

Ties keep their original order (the lower index first), as TF's stable sort and top_k do. Sorting is
differentiable: the gradient of each output goes back to the element it came from.
"""
from __future__ import annotations

import collections
import numbers

import numpy as np
from numpy.typing import ArrayLike

from .._tape import record
from ..tensor import Tensor, TensorLike, as_array, convert_to_tensor

__all__ = ["sort", "argsort", "top_k"]

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def _direction(direction):
    if not isinstance(direction, str) or direction.upper() not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"`direction` must be 'ASCENDING' or 'DESCENDING', received {direction!r}")
    return direction.upper() == "DESCENDING"


def _order(a, axis, descending):
    """Stable sorting indices along `axis` (descending keeps ties in index order, as TF's top_k)."""
    if not isinstance(axis, (numbers.Integral, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"`axis` must be an int, received {axis!r}")
    if a.ndim == 0 or not -a.ndim <= axis < a.ndim:
        raise ValueError(f"`axis` {axis} is out of bounds for a tensor of shape {a.shape}")
    if descending:
        # a stable sort of the reversed axis, read backwards, puts the largest first and keeps equal values in
        # index order (negating would overflow unsigned and minimum ints)
        flipped = np.flip(a, axis)
        order = np.argsort(flipped, axis=axis, kind="stable")
        return np.flip(a.shape[axis] - 1 - order, axis)
    return np.argsort(a, axis=axis, kind="stable")


def _gathered(t, order, axis):
    """t's values taken in `order` along `axis`, recorded (the gradient scatters back)."""
    a = t._value
    out = np.take_along_axis(a, order, axis=axis)

    def backward(g, needs):
        full = np.zeros(a.shape, np.float32)
        np.put_along_axis(full, order, g, axis=axis)  # each position is picked at most once
        return [full]
    return record([t], out, backward)


def sort(values: ArrayLike, axis: int = -1, direction: str = "ASCENDING") -> Tensor:
    """`values` sorted along `axis`.

    Args:
        values: A tensor-like.
        axis: The axis to sort along.
        direction: `"ASCENDING"` or `"DESCENDING"`.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(values, name="values")
    order = _order(t._value, axis, _direction(direction))
    return _gathered(t, order, axis)


def argsort(values: ArrayLike, axis: int = -1, direction: str = "ASCENDING", stable: bool = False) -> Tensor:
    """The int32 indices that sort `values` along `axis` (always stable here, so `stable` changes nothing).

    Args:
        values: A tensor-like.
        axis: The axis to sort along.
        direction: `"ASCENDING"` or `"DESCENDING"`.
        stable: Accepted for TF compatibility (the sort is always stable).

    Returns:
        An int32 Tensor of `values`' shape.
    """
    if not isinstance(stable, (bool, np.bool_)):
        raise TypeError(f"`stable` must be a bool, received {stable!r}")
    a = as_array(values, "values")
    return Tensor(_order(a, axis, _direction(direction)).astype(np.int32))


def top_k(input: ArrayLike, k: int = 1, sorted: bool = True) -> tuple[Tensor, Tensor]:  # (TF's names)
    """The `k` largest entries along the last axis and their int32 indices, as `(values, indices)`; equal values
    keep their index order. The gradient flows back to the picked entries.

    Args:
        input: A tensor-like.
        k: How many entries to pick.
        sorted: Accepted for TF compatibility (results are always sorted, largest first).

    Returns:
        A tuple `(values, indices)` of Tensors.

    Example:

    ```python
    import fastnn

    values, indices = fastnn.math.top_k([1.0, 3.0, 2.0], k=2)
    print(values.numpy(), indices.numpy())  # [3. 2.] [1 2]
    ```
    """
    t = convert_to_tensor(input, name="input")
    a = t._value
    if isinstance(k, TensorLike):
        k = as_array(k).item()
    if isinstance(k, bool) or not isinstance(k, (numbers.Integral, np.integer)):
        raise TypeError(f"`k` must be an int, received {k!r}")
    if a.ndim == 0 or not 0 <= k <= a.shape[-1]:
        raise ValueError(f"`k` must be in [0, {a.shape[-1] if a.ndim else 0}] for an input of shape {a.shape}, "
                         f"received k={k}")
    if not isinstance(sorted, (bool, np.bool_)):
        raise TypeError(f"`sorted` must be a bool, received {sorted!r}")
    order = _order(a, -1, True)[..., :int(k)]
    return TopKV2(_gathered(t, order, -1), Tensor(order.astype(np.int32)))

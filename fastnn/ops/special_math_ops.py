"""fastnn.ops.special_math_ops — `tf.tensordot` and `tf.einsum`.

`tensordot` is TF's composition (transpose, reshape, one matmul on fastnn's GEMM), so gradients come for free.
`einsum` runs numpy's einsum forward; the gradient of each operand is another einsum of the output gradient with
the other operands (an index summed away inside one operand alone is broadcast back).
"""
from __future__ import annotations

import numbers
import string
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._tape import record
from ..tensor import Tensor, TensorLike, as_array
from .array_ops import reshape, transpose
from .math_ops import _float_input, matmul

__all__ = ["tensordot", "einsum"]


def _axes_lists(axes, a_ndim, b_ndim):
    if isinstance(axes, TensorLike):
        axes = as_array(axes).tolist()
    if isinstance(axes, (numbers.Integral, np.integer)) and not isinstance(axes, bool):
        if not 0 <= axes <= min(a_ndim, b_ndim):
            raise ValueError(f"`axes`={axes} must be in [0, {min(a_ndim, b_ndim)}] for operands of ranks {a_ndim} "
                             f"and {b_ndim}")
        return list(range(a_ndim - axes, a_ndim)), list(range(axes))
    try:
        a_axes, b_axes = axes
    except (TypeError, ValueError):
        raise ValueError(f"`axes` must be an int or a pair of axis lists, received {axes!r}") from None
    a_axes = [a_axes] if isinstance(a_axes, (numbers.Integral, np.integer)) else list(a_axes)
    b_axes = [b_axes] if isinstance(b_axes, (numbers.Integral, np.integer)) else list(b_axes)
    if len(a_axes) != len(b_axes):
        raise ValueError(f"`axes` must pair as many axes of `a` as of `b`, received {axes!r}")
    for values, ndim, name in ((a_axes, a_ndim, "a"), (b_axes, b_ndim, "b")):
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)) or not -ndim <= v < ndim:
                raise ValueError(f"`axes` {axes!r}: {v!r} is not an axis of `{name}` (rank {ndim})")
    return [int(v) % a_ndim for v in a_axes], [int(v) % b_ndim for v in b_axes]


def tensordot(a: ArrayLike, b: ArrayLike, axes: int | Sequence[Sequence[int]]) -> Tensor:
    """Σ over the paired `axes` of a·b: `axes` is an int n (the last n axes of a with the first n of b) or a pair
    of axis lists. The result's axes are a's free axes, then b's.

    Args:
        a: A tensor-like.
        b: A tensor-like.
        axes: An int n, or a pair of lists of axes to contract.

    Returns:
        A Tensor.
    """
    x, y = _float_input(a, "a"), _float_input(b, "b")
    a_axes, b_axes = _axes_lists(axes, x.ndim, y.ndim)
    for i, j in zip(a_axes, b_axes):
        if x.shape[i] != y.shape[j]:
            raise ValueError(f"tensordot pairs axis {i} of `a` (size {x.shape[i]}) with axis {j} of `b` (size "
                             f"{y.shape[j]})")
    a_free = [i for i in range(x.ndim) if i not in a_axes]
    b_free = [j for j in range(y.ndim) if j not in b_axes]
    inner = int(np.prod([x.shape[i] for i in a_axes], dtype=np.int64))
    a_outer = [x.shape[i] for i in a_free]
    b_outer = [y.shape[j] for j in b_free]
    a2 = reshape(transpose(x, a_free + a_axes), [int(np.prod(a_outer, dtype=np.int64)), inner])
    b2 = reshape(transpose(y, b_axes + b_free), [inner, int(np.prod(b_outer, dtype=np.int64))])
    return reshape(matmul(a2, b2), a_outer + b_outer)


def _parse(equation, shapes):
    """Explicit subscripts for every operand and the output, with '...' spelt out in unused letters."""
    if not isinstance(equation, str):
        raise TypeError(f"`equation` must be a string, received {equation!r}")
    eq = equation.replace(" ", "")
    inputs_part, arrow, output = eq.partition("->")
    terms = inputs_part.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum equation {equation!r} names {len(terms)} operands, but {len(shapes)} were given")
    free = iter(c for c in string.ascii_letters if c not in eq)
    ellipsis_dims = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            ellipsis_dims = max(ellipsis_dims, len(shape) - (len(term) - 3))
        elif len(term) != len(shape):
            raise ValueError(f"einsum equation {equation!r}: subscripts {term!r} do not match an operand of rank "
                             f"{len(shape)}")
    spelt = "".join(next(free) for _ in range(ellipsis_dims))
    explicit = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            n = len(shape) - (len(term) - 3)
            term = term.replace("...", spelt[ellipsis_dims - n:] if n else "")
        if not all(c in string.ascii_letters for c in term):
            raise ValueError(f"einsum equation {equation!r} has an invalid subscript in {term!r}")
        explicit.append(term)
    if arrow:
        output = output.replace("...", spelt)
    else:  # implicit mode: the indices that appear once, sorted, after the broadcast ones
        counts = {}
        for term in explicit:
            for c in term:
                counts[c] = counts.get(c, 0) + 1
        output = spelt + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in spelt))
    return explicit, output


def einsum(equation: str, *inputs: ArrayLike) -> Tensor:
    """Einstein summation over `inputs` as numpy/TF read `equation` ('ij,jk->ik', 'bij,bjk->bik', '...ij->...ji',
    'ii->i', implicit outputs). Differentiable for every operand, except through an index repeated inside one
    operand (a diagonal), which raises when its gradient is asked for.

    Args:
        equation: The subscripts, e.g. `"ij,jk->ik"`.
        *inputs: The operands (tensor-likes).

    Returns:
        A Tensor.

    Example:

    ```python
    import numpy as np
    import fastnn

    a, b = np.ones((2, 3), "float32"), np.ones((3, 4), "float32")
    print(fastnn.einsum("ij,jk->ik", a, b).shape)  # (2, 4)
    ```
    """
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = tuple(inputs[0])
    if not inputs:
        raise ValueError("einsum needs at least one operand")
    tensors = [_float_input(x, "inputs") for x in inputs]
    arrays = [t._value for t in tensors]
    terms, output = _parse(equation, [a.shape for a in arrays])
    spec = ",".join(terms) + "->" + output
    try:
        out = np.einsum(spec, *arrays, optimize=len(arrays) > 2).astype(np.float32)
    except ValueError as e:
        raise ValueError(f"einsum equation {equation!r} does not fit operands of shapes "
                         f"{[a.shape for a in arrays]}: {e}") from None
    sizes = {c: d for term, a in zip(terms, arrays) for c, d in zip(term, a.shape)}

    def backward(g, needs):
        grads = []
        for i, term in enumerate(terms):
            if not needs[i]:
                grads.append(None)
                continue
            if len(set(term)) != len(term):
                raise ValueError(f"the gradient of einsum {equation!r} through the repeated index in {term!r} is "
                                 "not supported")
            others = [terms[j] for j in range(len(terms)) if j != i]
            reachable = set(output).union(*others) if others else set(output)
            kept = "".join(c for c in term if c in reachable)
            operands = [g] + [arrays[j] for j in range(len(terms)) if j != i]
            partial = np.einsum(",".join([output] + others) + "->" + kept, *operands,
                                optimize=len(operands) > 2).astype(np.float32)
            full = partial.reshape([sizes[c] if c in kept else 1 for c in term])
            grads.append(np.broadcast_to(full, arrays[i].shape))
        return grads
    return record(tensors, out, backward)

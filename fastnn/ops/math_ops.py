"""fastnn.ops.math_ops — differentiable arithmetic, matmul and reductions (`tf.math.*`, `tf.linalg.matmul`).

Shapes broadcast as in numpy; the gradient of a broadcast operand is summed back to its shape. Dtypes: floating
inputs compute in float32; an int/bool operand meeting a float one is cast to float32 (TF would refuse); ints with
ints stay ints (not differentiable). Gradient formulas follow TensorFlow's registered gradients, operation order
included, so results agree to float32 rounding.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .. import kernels
from .._tape import record
from ..tensor import (
    Tensor,
    TensorLike,
    _float_input,
    as_array,
    convert_to_tensor,
)
from .array_ops import reshape

__all__ = [
    "add", "subtract", "multiply", "divide", "negative", "abs", "pow", "square", "sqrt", "exp", "log",
    "maximum", "minimum", "add_n", "matmul", "sin", "cos", "tan", "erf", "rsqrt", "sign", "floor", "ceil", "round",
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_any", "reduce_all", "reduce_prod",
    "reduce_variance", "reduce_std", "reduce_logsumexp", "cumsum", "linspace",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "argmax", "argmin", "where"]


# ------------------------------------------------------------------------------------------- shared helpers
def _operands(x, y):
    """(x, y) as Tensors/Variables and their arrays, promoted to a common dtype (float32 if either is float)."""
    x, y = convert_to_tensor(x, name="x"), convert_to_tensor(y, name="y")
    a, b = x._value, y._value
    if a.shape != b.shape:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ValueError(f"`x` and `y` must broadcast to one shape, received shapes {a.shape} and "
                             f"{b.shape}") from None
    if a.dtype != b.dtype:
        if a.dtype == np.float32 or b.dtype == np.float32:
            a, b = a.astype(np.float32, copy=False), b.astype(np.float32, copy=False)
        else:
            common = np.result_type(a, b)
            a, b = a.astype(common, copy=False), b.astype(common, copy=False)
    return x, y, a, b


def unbroadcast(g, shape):
    """Sum the gradient `g` of a broadcast result back to an operand's `shape`."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead == 1 and g.ndim == 2 and shape[0] == g.shape[1]:
        return kernels.bias_add_grad(g)  # the common bias case: deterministic C++ column sums
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape) if d == 1 and g.shape[lead + i] != 1)
    return np.sum(g, axis=axes, dtype=np.float32).reshape(shape)


def unbroadcast_ops(g, shape):
    """`unbroadcast` written with ops on a Tensor gradient (for recorded, higher-order backward passes)."""
    if tuple(g.shape) == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = list(range(lead)) + [lead + i for i, d in enumerate(shape) if d == 1 and g.shape[lead + i] != 1]
    return reshape(reduce_sum(g, axis=axes), shape)


def _elementwise(op_input):
    return convert_to_tensor(op_input, name="x")


# ------------------------------------------------------------------------------------------- arithmetic
def add(x: ArrayLike, y: ArrayLike) -> Tensor:
    """x + y (broadcasting).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A Tensor.

    Example:

    ```python
    import fastnn

    print(fastnn.add([1.0, 2.0], 10.0).numpy())  # [11. 12.]
    ```
    """
    x, y, a, b = _operands(x, y)
    xs, ys = a.shape, b.shape
    return record([x, y], np.add(a, b), lambda g, needs: [unbroadcast(g, xs) if needs[0] else None,
                                                          unbroadcast(g, ys) if needs[1] else None],
                  lambda g, out, needs: [unbroadcast_ops(g, xs) if needs[0] else None,
                                         unbroadcast_ops(g, ys) if needs[1] else None])


def subtract(x: ArrayLike, y: ArrayLike) -> Tensor:
    """x − y (broadcasting).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A Tensor.
    """
    x, y, a, b = _operands(x, y)
    xs, ys = a.shape, b.shape
    return record([x, y], np.subtract(a, b), lambda g, needs: [unbroadcast(g, xs) if needs[0] else None,
                                                               unbroadcast(-g, ys) if needs[1] else None],
                  lambda g, out, needs: [unbroadcast_ops(g, xs) if needs[0] else None,
                                         unbroadcast_ops(negative(g), ys) if needs[1] else None])


def multiply(x: ArrayLike, y: ArrayLike) -> Tensor:
    """x · y elementwise (broadcasting).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A Tensor.
    """
    x, y, a, b = _operands(x, y)

    def backward(g, needs):
        return [unbroadcast(g * b, a.shape) if needs[0] else None,
                unbroadcast(a * g, b.shape) if needs[1] else None]

    def backward_ops(g, out, needs):
        return [unbroadcast_ops(multiply(g, y), a.shape) if needs[0] else None,
                unbroadcast_ops(multiply(x, g), b.shape) if needs[1] else None]
    return record([x, y], np.multiply(a, b), backward, backward_ops)


def divide(x: ArrayLike, y: ArrayLike) -> Tensor:
    """x / y elementwise (true division; ints divide to float32).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A Tensor.
    """
    x, y, a, b = _operands(x, y)
    if a.dtype.kind != "f":
        a, b = a.astype(np.float32), b.astype(np.float32)

    def backward(g, needs):
        return [unbroadcast(g / b, a.shape) if needs[0] else None,
                unbroadcast(g * ((-a / b) / b), b.shape) if needs[1] else None]

    def backward_ops(g, out, needs):
        return [unbroadcast_ops(divide(g, y), a.shape) if needs[0] else None,
                unbroadcast_ops(multiply(g, divide(divide(negative(x), y), y)), b.shape) if needs[1] else None]
    if b.ndim == 0 and b != 0:  # the common scalar divisor: no floating-point-state switch needed
        return record([x, y], np.divide(a, b), backward, backward_ops)
    with np.errstate(divide="ignore", invalid="ignore"):
        return record([x, y], np.divide(a, b), backward, backward_ops)


def negative(x: ArrayLike) -> Tensor:
    """−x.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    x = _elementwise(x)
    return record([x], np.negative(x._value), lambda g, needs: [-g], lambda g, out, needs: [negative(g)])


def abs(x: ArrayLike) -> Tensor:  # (TF's name)
    """|x|; the gradient is sign(x)·dy (0 at 0).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    x = _elementwise(x)
    a = x._value
    return record([x], np.abs(a), lambda g, needs: [g * np.sign(a)],
                  lambda g, out, needs: [multiply(g, np.sign(a).astype(np.float32))])


def pow(x: ArrayLike, y: ArrayLike) -> Tensor:  # (TF's name)
    """x ** y elementwise; d/dx = y·x^(y−1), d/dy = x^y·log(x) where x > 0 (else 0), as TF.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A Tensor.
    """
    x, y, a, b = _operands(x, y)
    if a.dtype.kind != "f" and (np.asarray(b) < 0).any():
        a, b = a.astype(np.float32), b.astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = np.power(a, b)

    def backward(g, needs):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            gx = unbroadcast(g * b * np.power(a, b - 1), a.shape) if needs[0] else None
            gy = None
            if needs[1]:
                safe_log = np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0).astype(np.float32)
                gy = unbroadcast(g * z * safe_log, b.shape)
        return [gx, gy]

    def backward_ops(g, out, needs):
        gx = gy = None
        if needs[0]:
            gx = unbroadcast_ops(multiply(multiply(g, y), pow(x, subtract(y, np.float32(1)))), a.shape)
        if needs[1]:
            positive = a > 0
            safe_log = where(positive, log(where(positive, x, np.float32(1))), np.float32(0))
            gy = unbroadcast_ops(multiply(multiply(g, out), safe_log), b.shape)
        return [gx, gy]
    return record([x, y], z, backward, backward_ops)


def square(x: ArrayLike) -> Tensor:
    """x²; gradient dy·(2x).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    x = _elementwise(x)
    a = x._value
    return record([x], np.square(a), lambda g, needs: [g * (2 * a)],
                  lambda g, out, needs: [multiply(g, multiply(np.float32(2), x))])


def sqrt(x: ArrayLike) -> Tensor:
    """√x; gradient dy·0.5/√x (TF's SqrtGrad).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    x = _float_input(x)
    with np.errstate(invalid="ignore"):
        y = np.sqrt(x._value)
    return record([x], y, lambda g, needs: [g * np.float32(0.5) / y],
                  lambda g, out, needs: [divide(multiply(g, np.float32(0.5)), out)])


def exp(x: ArrayLike) -> Tensor:
    """e^x (C++ kernel, as `kernels.exp`); gradient dy·e^x.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    x = _float_input(x)
    y = kernels.exp(x._value)
    return record([x], y, lambda g, needs: [kernels.exp_grad(g, y)], lambda g, out, needs: [multiply(g, out)])


def log(x: ArrayLike) -> Tensor:
    """Natural logarithm (C++ kernel); gradient dy/x.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    x = _float_input(x)
    a = x._value
    return record([x], kernels.log(a), lambda g, needs: [kernels.log_grad(g, a)],
                  lambda g, out, needs: [divide(g, x)])


# ------------------------------------------------------------------------------------------- more elementwise
def _unary_float(x, forward, backward, backward_ops=None):
    """A float32 elementwise op: y = forward(a); gradient backward(g, a, y) (None: not differentiable, as TF);
    backward_ops(g, x, y) the same with ops on Tensors, for higher-order gradients."""
    x = _float_input(x)
    a = x._value
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        y = np.asarray(forward(a), np.float32)
    if backward is None:
        return Tensor(y)

    def grad(g, needs):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return [np.asarray(backward(g, a, y), np.float32)]
    return record([x], y, grad, None if backward_ops is None else lambda g, out, needs: [backward_ops(g, x, out)])


def sin(x: ArrayLike) -> Tensor:
    """sin(x); gradient dy·cos(x).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    return _unary_float(x, np.sin, lambda g, a, y: g * np.cos(a), lambda g, t, y: multiply(g, cos(t)))


def cos(x: ArrayLike) -> Tensor:
    """cos(x); gradient −dy·sin(x).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    return _unary_float(x, np.cos, lambda g, a, y: -(g * np.sin(a)), lambda g, t, y: negative(multiply(g, sin(t))))


def tan(x: ArrayLike) -> Tensor:
    """tan(x); gradient dy·sec²(x) (TF's TanGrad: dy · (1/cos x)²).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    return _unary_float(x, np.tan, lambda g, a, y: g * np.square(np.reciprocal(np.cos(a))))


_erf64 = np.frompyfunc(math.erf, 1, 1)


def erf(x: ArrayLike) -> Tensor:
    """The Gauss error function (computed in float64 by the C library, rounded once); gradient
    dy·2/√π·exp(−x²).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    two_over_sqrt_pi = np.float32(2.0 / math.sqrt(math.pi))
    return _unary_float(x, lambda a: _erf64(a.astype(np.float64)).astype(np.float64),
                        lambda g, a, y: g * (two_over_sqrt_pi * np.exp(-np.square(a))))


def rsqrt(x: ArrayLike) -> Tensor:
    """1/√x; gradient −dy·y³/2 (TF's RsqrtGrad).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    return _unary_float(x, lambda a: np.reciprocal(np.sqrt(a)),
                        lambda g, a, y: g * (np.float32(-0.5) * (y * y * y)),
                        lambda g, t, y: multiply(g, multiply(np.float32(-0.5), multiply(multiply(y, y), y))))


def _rounding(x, fn):
    """floor/ceil/round: integer inputs pass through unchanged; not differentiable (TF registers no gradient)."""
    t = convert_to_tensor(x, name="x")
    a = t._value
    if a.dtype.kind in "iub":
        return Tensor(a.copy())
    return Tensor(fn(a).astype(a.dtype, copy=False))


def sign(x: ArrayLike) -> Tensor:
    """−1, 0 or 1 by the sign of x (0 for 0; NaN stays NaN); the gradient is zero (TF's SignGrad).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(x, name="x")
    a = t._value
    out = np.sign(a)
    if a.dtype.kind not in "fc":
        return Tensor(out)
    return record([t], out, lambda g, needs: [np.zeros(a.shape, np.float32)])


def floor(x: ArrayLike) -> Tensor:
    """Largest integer ≤ x, elementwise (same dtype); not differentiable.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    return _rounding(x, np.floor)


def ceil(x: ArrayLike) -> Tensor:
    """Smallest integer ≥ x, elementwise (same dtype); not differentiable.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    return _rounding(x, np.ceil)


def round(x: ArrayLike) -> Tensor:  # (TF's name)
    """x rounded to the nearest integer, halves to even (as TF and numpy); not differentiable.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    return _rounding(x, np.round)


def maximum(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise max; the gradient goes to x where x >= y, else to y (TF's rule).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A Tensor.
    """
    x, y, a, b = _operands(x, y)

    def backward(g, needs):
        take_x = np.broadcast_to(a >= b, g.shape)
        return [unbroadcast(np.where(take_x, g, 0).astype(g.dtype), a.shape) if needs[0] else None,
                unbroadcast(np.where(take_x, 0, g).astype(g.dtype), b.shape) if needs[1] else None]
    return record([x, y], np.maximum(a, b), backward, _pick_backward_ops(a >= b, a.shape, b.shape))


def minimum(x: ArrayLike, y: ArrayLike) -> Tensor:
    """Elementwise min; the gradient goes to x where x <= y, else to y (TF's rule).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A Tensor.
    """
    x, y, a, b = _operands(x, y)

    def backward(g, needs):
        take_x = np.broadcast_to(a <= b, g.shape)
        return [unbroadcast(np.where(take_x, g, 0).astype(g.dtype), a.shape) if needs[0] else None,
                unbroadcast(np.where(take_x, 0, g).astype(g.dtype), b.shape) if needs[1] else None]
    return record([x, y], np.minimum(a, b), backward, _pick_backward_ops(a <= b, a.shape, b.shape))


def _pick_backward_ops(take_x, x_shape, y_shape):
    """maximum/minimum's recorded backward: the gradient goes where `take_x` says (a constant mask)."""
    def backward_ops(g, out, needs):
        mask = np.broadcast_to(take_x, tuple(g.shape)).astype(np.float32)
        return [unbroadcast_ops(multiply(g, mask), x_shape) if needs[0] else None,
                unbroadcast_ops(multiply(g, np.float32(1) - mask), y_shape) if needs[1] else None]
    return backward_ops


def add_n(inputs: Sequence[ArrayLike]) -> Tensor:
    """Sum of a list of same-shape tensors.

    Args:
        inputs: A list of tensor-likes of one shape.

    Returns:
        A Tensor.
    """
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError(f"`inputs` must be a non-empty list of tensors, received {inputs!r}")
    tensors = [convert_to_tensor(t, name="inputs") for t in inputs]
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"add_n needs tensors of one shape, received shapes {[t.shape for t in tensors]}")
    total = tensors[0]._value
    for t in tensors[1:]:
        total = total + t._value
    return record(tensors, total, lambda g, needs: [g] * len(tensors), lambda g, out, needs: [g] * len(tensors))


# ------------------------------------------------------------------------------------------- matmul
def matmul(a: ArrayLike, b: ArrayLike, transpose_a: bool = False, transpose_b: bool = False) -> Tensor:
    """op(a) @ op(b) for rank >= 2 operands (batched over broadcast leading axes), on fastnn's GEMM.
    Both gradients are GEMMs too; an operand the tape does not need gets none computed.

    Args:
        a: A tensor-like of rank >= 2.
        b: A tensor-like of rank >= 2; leading axes broadcast against `a`'s.
        transpose_a: Whether `a` is transposed (its last two axes) before the product.
        transpose_b: Whether `b` is transposed before the product.

    Returns:
        A Tensor.

    Raises:
        ValueError: if an operand has rank < 2 or the inner dimensions differ.

    Example:

    ```python
    import numpy as np
    import fastnn

    a, b = np.ones((2, 3), "float32"), np.ones((3, 4), "float32")
    print(fastnn.matmul(a, b).shape, fastnn.matmul(a, a, transpose_b=True).numpy())  # (2, 4) [[3. 3.] [3. 3.]]
    ```
    """
    a, b = convert_to_tensor(a, name="a"), convert_to_tensor(b, name="b")
    x, w = a._value, b._value
    for flag, name in ((transpose_a, "transpose_a"), (transpose_b, "transpose_b")):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"`{name}` must be a bool, received {flag!r}")
    ta, tb = bool(transpose_a), bool(transpose_b)
    c = kernels.matmul(x, w, transpose_a=ta, transpose_b=tb)

    def backward(g, needs):
        mm = kernels.matmul
        if not ta and not tb:
            ga = mm(g, w, transpose_b=True) if needs[0] else None
            gb = mm(x, g, transpose_a=True) if needs[1] else None
        elif ta and not tb:
            ga = mm(w, g, transpose_b=True) if needs[0] else None
            gb = mm(x, g) if needs[1] else None
        elif not ta and tb:
            ga = mm(g, w) if needs[0] else None
            gb = mm(g, x, transpose_a=True) if needs[1] else None
        else:
            ga = mm(w, g, transpose_a=True, transpose_b=True) if needs[0] else None
            gb = mm(g, x, transpose_a=True, transpose_b=True) if needs[1] else None
        return [None if ga is None else unbroadcast(ga, x.shape),
                None if gb is None else unbroadcast(gb, w.shape)]

    def backward_ops(g, out, needs):
        if not ta and not tb:
            ga = matmul(g, b, transpose_b=True) if needs[0] else None
            gb = matmul(a, g, transpose_a=True) if needs[1] else None
        elif ta and not tb:
            ga = matmul(b, g, transpose_b=True) if needs[0] else None
            gb = matmul(a, g) if needs[1] else None
        elif not ta and tb:
            ga = matmul(g, b) if needs[0] else None
            gb = matmul(g, a, transpose_a=True) if needs[1] else None
        else:
            ga = matmul(b, g, transpose_a=True, transpose_b=True) if needs[0] else None
            gb = matmul(g, a, transpose_a=True, transpose_b=True) if needs[1] else None
        return [None if ga is None else unbroadcast_ops(ga, x.shape),
                None if gb is None else unbroadcast_ops(gb, w.shape)]
    return record([a, b], c, backward, backward_ops)


# ------------------------------------------------------------------------------------------- reductions
def _axes(axis, ndim):
    """`axis` (None, an int or a sequence of ints, negative allowed) as a sorted tuple of distinct axes."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, without the generic checks
        return (axis % ndim,)
    if isinstance(axis, TensorLike):
        axis = as_array(axis).tolist()
    items = [axis] if isinstance(axis, (numbers.Integral, np.integer)) else axis
    try:
        items = list(items)
    except TypeError:
        raise TypeError(f"`axis` must be None, an int or a list of ints, received {axis!r}") from None
    out = set()
    for a in items:
        if isinstance(a, bool) or not isinstance(a, (numbers.Integral, np.integer)):
            raise TypeError(f"`axis` must be None, an int or a list of ints, received {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"`axis` {axis!r} is out of bounds for an input of rank {ndim}")
        out.add(int(a) % ndim)
    return tuple(sorted(out))


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _reduce_input(input_tensor):
    t = convert_to_tensor(input_tensor, name="input_tensor")
    return t, t._value


def reduce_sum(input_tensor: ArrayLike, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    """Σ over `axis` (all axes when None).

    Args:
        input_tensor: The tensor-like to reduce.
        axis: An int, a list of ints, or None (all axes): the axes to reduce.
        keepdims: Whether the reduced axes are kept, with length 1.

    Returns:
        A Tensor.

    Example:

    ```python
    import fastnn

    x = fastnn.constant([[1.0, 2.0], [3.0, 4.0]])
    print(fastnn.reduce_sum(x, axis=0, keepdims=True).numpy())  # [[4. 6.]]
    ```
    """
    t, a = _reduce_input(input_tensor)
    axes = _axes(axis, a.ndim)
    int_dtype = a.dtype if a.dtype.kind in "iu" else None  # int32 sums stay int32, as in TF
    out = np.add.reduce(a, axis=axes, keepdims=bool(keepdims), dtype=int_dtype)
    kept = _kept_shape(a.shape, axes)
    return record([t], out, lambda g, needs: [np.broadcast_to(g.reshape(kept), a.shape)],
                  lambda g, out, needs: [multiply(reshape(g, kept), np.ones(a.shape, np.float32))])


def reduce_mean(input_tensor: ArrayLike, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    """Mean over `axis` (all axes when None): float32 sum / count.

    Args:
        input_tensor: The tensor-like to reduce.
        axis: An int, a list of ints, or None (all axes): the axes to reduce.
        keepdims: Whether the reduced axes are kept, with length 1.

    Returns:
        A Tensor.

    Example:

    ```python
    import fastnn

    x = fastnn.constant([[1.0, 2.0], [3.0, 4.0]])
    print(fastnn.reduce_mean(x).numpy(), fastnn.reduce_mean(x, axis=1).numpy())  # 2.5 [1.5 3.5]
    ```
    """
    t, a = _reduce_input(input_tensor)
    axes = _axes(axis, a.ndim)
    if a.dtype.kind != "f":
        a = a.astype(np.float32)
    count = math.prod(a.shape[i] for i in axes)
    total = np.add.reduce(a, axis=axes, keepdims=bool(keepdims))
    out = total / np.float32(count) if count else np.full_like(total, np.nan)  # empty mean: NaN, as TF
    kept = _kept_shape(a.shape, axes)
    return record([t], np.asarray(out, np.float32),
                  lambda g, needs: [np.broadcast_to(g.reshape(kept) / np.float32(count), a.shape)],
                  lambda g, out, needs: [multiply(divide(reshape(g, kept), np.float32(count)),
                                                  np.ones(a.shape, np.float32))])


def _reduce_extreme(input_tensor, axis, keepdims, fn):
    t, a = _reduce_input(input_tensor)
    axes = _axes(axis, a.ndim)
    if a.size == 0 and any(a.shape[i] == 0 for i in axes):
        raise ValueError(f"cannot reduce an empty axis of an input of shape {a.shape}")
    y = fn(a, axis=axes, keepdims=True)
    kept = y.shape

    def backward(g, needs):
        # TF's rule: the gradient is shared equally between tied extremes
        hit = (a == y).astype(np.float32)
        return [hit * (g.reshape(kept) / np.sum(hit, axis=axes, keepdims=True))]
    return record([t], y if keepdims else y.reshape(tuple(d for i, d in enumerate(a.shape) if i not in axes)),
                  backward)


def reduce_max(input_tensor: ArrayLike, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    """Max over `axis`; ties share the gradient equally (as TF).

    Args:
        input_tensor: The tensor-like to reduce.
        axis: An int, a list of ints, or None (all axes): the axes to reduce.
        keepdims: Whether the reduced axes are kept, with length 1.

    Returns:
        A Tensor.
    """
    return _reduce_extreme(input_tensor, axis, keepdims, np.max)


def reduce_min(input_tensor: ArrayLike, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    """Min over `axis`; ties share the gradient equally (as TF).

    Args:
        input_tensor: The tensor-like to reduce.
        axis: An int, a list of ints, or None (all axes): the axes to reduce.
        keepdims: Whether the reduced axes are kept, with length 1.

    Returns:
        A Tensor.
    """
    return _reduce_extreme(input_tensor, axis, keepdims, np.min)


def reduce_any(input_tensor: ArrayLike, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    """Logical or over `axis` (not differentiable).

    Args:
        input_tensor: The tensor-like to reduce.
        axis: An int, a list of ints, or None (all axes): the axes to reduce.
        keepdims: Whether the reduced axes are kept, with length 1.

    Returns:
        A bool Tensor.
    """
    a = as_array(input_tensor, "input_tensor")
    return Tensor(np.any(a, axis=_axes(axis, a.ndim), keepdims=bool(keepdims)))


def reduce_all(input_tensor: ArrayLike, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    """Logical and over `axis` (not differentiable).

    Args:
        input_tensor: The tensor-like to reduce.
        axis: An int, a list of ints, or None (all axes): the axes to reduce.
        keepdims: Whether the reduced axes are kept, with length 1.

    Returns:
        A bool Tensor.
    """
    a = as_array(input_tensor, "input_tensor")
    return Tensor(np.all(a, axis=_axes(axis, a.ndim), keepdims=bool(keepdims)))


def _reduced(a, axes, keepdims, out):
    """`out` computed with keepdims=True, in the shape asked for."""
    return out if keepdims else out.reshape(tuple(d for i, d in enumerate(a.shape) if i not in axes))


def reduce_prod(input_tensor: ArrayLike, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    """Product over `axis`; the gradient of each element is the product of the others (exclusive products from
    both sides, so zeros are exact, as TF's ProdGrad).

    Args:
        input_tensor: The tensor-like to reduce.
        axis: An int, a list of ints, or None (all axes): the axes to reduce.
        keepdims: Whether the reduced axes are kept, with length 1.

    Returns:
        A Tensor.
    """
    t, a = _reduce_input(input_tensor)
    axes = _axes(axis, a.ndim)
    out = np.multiply.reduce(a, axis=axes, keepdims=True, dtype=a.dtype)

    def backward(g, needs):
        rest = tuple(i for i in range(a.ndim) if i not in axes)
        moved = np.transpose(a, rest + axes).astype(np.float32)
        flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
        ones = np.ones(flat.shape[:-1] + (1,), np.float32)
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (left * right).reshape(moved.shape)
        others = np.transpose(others, np.argsort(rest + axes))
        return [others * g.reshape(_kept_shape(a.shape, axes))]
    return record([t], _reduced(a, axes, keepdims, out), backward)


def reduce_variance(input_tensor: ArrayLike, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    """Population variance over `axis`: mean((x − mean(x))²), in TF's order of operations.

    Args:
        input_tensor: The tensor-like to reduce.
        axis: An int, a list of ints, or None (all axes): the axes to reduce.
        keepdims: Whether the reduced axes are kept, with length 1.

    Returns:
        A Tensor.
    """
    t = _float_input(input_tensor, "input_tensor")
    centred = subtract(t, reduce_mean(t, axis=axis, keepdims=True))
    return reduce_mean(square(centred), axis=axis, keepdims=keepdims)


def reduce_std(input_tensor: ArrayLike, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    """Population standard deviation over `axis`: √reduce_variance (TF's composition, so its gradient).

    Args:
        input_tensor: The tensor-like to reduce.
        axis: An int, a list of ints, or None (all axes): the axes to reduce.
        keepdims: Whether the reduced axes are kept, with length 1.

    Returns:
        A Tensor.
    """
    return sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


def reduce_logsumexp(input_tensor: ArrayLike, axis: int | Sequence[int] | None = None,
                     keepdims: bool = False) -> Tensor:
    """log Σ exp(x) over `axis`, stable: the max is subtracted first (and treated as a constant, as TF); the
    gradient is softmax(x)·dy.

    Args:
        input_tensor: The tensor-like to reduce.
        axis: An int, a list of ints, or None (all axes): the axes to reduce.
        keepdims: Whether the reduced axes are kept, with length 1.

    Returns:
        A Tensor.
    """
    t = _float_input(input_tensor, "input_tensor")
    a = t._value
    axes = _axes(axis, a.ndim)
    if a.size == 0:
        out = np.full(_kept_shape(a.shape, axes), -np.inf, np.float32)
        return record([t], _reduced(a, axes, keepdims, out), lambda g, needs: [np.zeros(a.shape, np.float32)])
    raw_max = np.max(a, axis=axes, keepdims=True)
    shift = np.where(np.isfinite(raw_max), raw_max, np.float32(0)).astype(np.float32)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        out = (np.log(np.add.reduce(np.exp(a - shift), axis=axes, keepdims=True)) + shift).astype(np.float32)

    def backward(g, needs):
        with np.errstate(over="ignore", invalid="ignore"):
            return [(g.reshape(out.shape) * np.exp(a - out)).astype(np.float32)]
    return record([t], _reduced(a, axes, keepdims, out), backward)


def cumsum(x: ArrayLike, axis: int = 0, exclusive: bool = False, reverse: bool = False) -> Tensor:
    """Running sum along `axis` (TF's `exclusive` leaves out the current element, `reverse` runs from the end);
    the gradient is the cumsum of dy the other way round.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        axis: The axis to sum along.
        exclusive: Whether each output leaves out its own element.
        reverse: Whether the sum runs from the end of the axis.

    Returns:
        A Tensor.
    """
    t = convert_to_tensor(x, name="x")
    a = t._value
    if a.ndim == 0:
        raise ValueError("cumsum needs an input of rank >= 1, received a scalar")
    (ax,) = _axes(axis, a.ndim)
    for flag, name in ((exclusive, "exclusive"), (reverse, "reverse")):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"`{name}` must be a bool, received {flag!r}")

    def scan(v, exclusive, reverse):
        v = np.flip(v, ax) if reverse else v
        out = np.cumsum(v, axis=ax, dtype=v.dtype)
        if exclusive:
            out = np.concatenate([np.zeros_like(np.take(out, [0], axis=ax)), np.delete(out, -1, axis=ax)], ax)
        return np.flip(out, ax) if reverse else out
    out = scan(a, bool(exclusive), bool(reverse))
    return record([t], out, lambda g, needs: [scan(g, bool(exclusive), not reverse)])


def linspace(start: ArrayLike, stop: ArrayLike, num: int, axis: int = 0) -> Tensor:
    """`num` evenly spaced values from `start` to `stop` inclusive (float32; `start`/`stop` may be arrays, the
    values then run along `axis`); not differentiable.

    Args:
        start: The first value (a number or an array).
        stop: The last value (included).
        num: The number of values.
        axis: The axis the values run along when `start`/`stop` are arrays.

    Returns:
        A Tensor.
    """
    if isinstance(num, TensorLike):
        num = as_array(num).item()
    if isinstance(num, bool) or not isinstance(num, (numbers.Integral, np.integer)) or num < 0:
        raise ValueError(f"`num` must be a non-negative integer, received {num!r}")
    lo = np.asarray(as_array(start, "start"), np.float32)
    hi = np.asarray(as_array(stop, "stop"), np.float32)
    return Tensor(np.linspace(lo, hi, int(num), axis=axis, dtype=np.float64).astype(np.float32))


# ------------------------------------------------------------------------------------------- comparisons
def _compare(x, y, fn):
    _, _, a, b = _operands(x, y)
    return Tensor(fn(a, b))


def equal(x: ArrayLike, y: ArrayLike) -> Tensor:
    """x == y elementwise (bool, broadcasting).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A bool Tensor.
    """
    return _compare(x, y, np.equal)


def not_equal(x: ArrayLike, y: ArrayLike) -> Tensor:
    """x != y elementwise.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A bool Tensor.
    """
    return _compare(x, y, np.not_equal)


def less(x: ArrayLike, y: ArrayLike) -> Tensor:
    """x < y elementwise.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A bool Tensor.
    """
    return _compare(x, y, np.less)


def less_equal(x: ArrayLike, y: ArrayLike) -> Tensor:
    """x <= y elementwise.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A bool Tensor.
    """
    return _compare(x, y, np.less_equal)


def greater(x: ArrayLike, y: ArrayLike) -> Tensor:
    """x > y elementwise.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A bool Tensor.
    """
    return _compare(x, y, np.greater)


def greater_equal(x: ArrayLike, y: ArrayLike) -> Tensor:
    """x >= y elementwise.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        y: A tensor-like, broadcast against `x`.

    Returns:
        A bool Tensor.
    """
    return _compare(x, y, np.greater_equal)


def _arg_extreme(input, axis, output_type, fn, name):
    a = as_array(input, "input")
    if a.ndim == 0:
        raise ValueError(f"{name} needs an input of rank >= 1, received a scalar")
    axis = 0 if axis is None else axis  # TF's default
    (axis,) = _axes(axis, a.ndim)
    if a.shape[axis] == 0:
        raise ValueError(f"{name} over an empty axis {axis} of an input of shape {a.shape}")
    dtype = np.dtype(getattr(output_type, "as_numpy_dtype", output_type))
    if dtype not in (np.dtype(np.int64), np.dtype(np.int32)):
        raise TypeError(f"`output_type` must be int32 or int64, received {output_type!r}")
    return Tensor(fn(a, axis=axis).astype(dtype))


def argmax(input: ArrayLike, axis: int | None = None,
           output_type: DTypeLike = np.int64) -> Tensor:
    """Index of the largest value along `axis` (default 0, as TF); the first one on ties.

    Args:
        input: A tensor-like.
        axis: The axis to search (default 0, as TF).
        output_type: The index dtype (int64 or int32).

    Returns:
        An integer Tensor of `output_type`, with `axis` removed.
    """
    return _arg_extreme(input, axis, output_type, np.argmax, "argmax")


def argmin(input: ArrayLike, axis: int | None = None, output_type: DTypeLike = np.int64) -> Tensor:
    """Index of the smallest value along `axis` (default 0, as TF); the first one on ties.

    Args:
        input: A tensor-like.
        axis: The axis to search (default 0, as TF).
        output_type: The index dtype (int64 or int32).

    Returns:
        An integer Tensor of `output_type`, with `axis` removed.
    """
    return _arg_extreme(input, axis, output_type, np.argmin, "argmin")


def where(condition: ArrayLike, x: ArrayLike = None, y: ArrayLike = None) -> Tensor:
    """Elementwise choice x if condition else y (broadcasting); with only `condition`, the indices of its true
    elements as an int64 [n, rank] tensor (as tf.where).

    Args:
        condition: A bool tensor-like.
        x: Values where `condition` is true (or None with `y` None).
        y: Values where `condition` is false.

    Returns:
        A Tensor.
    """
    cond = as_array(condition, "condition").astype(bool)
    if x is None and y is None:
        return Tensor(np.argwhere(cond).astype(np.int64))
    if x is None or y is None:
        raise ValueError("`x` and `y` must both be given, or neither")
    xt, yt, a, b = _operands(x, y)
    try:
        np.broadcast_shapes(cond.shape, a.shape, b.shape)
    except ValueError:
        raise ValueError(f"`condition`, `x` and `y` must broadcast to one shape, received shapes {cond.shape}, "
                         f"{a.shape} and {b.shape}") from None
    out = np.where(cond, a, b)

    def backward(g, needs):
        zero = np.float32(0)
        return [unbroadcast(np.where(cond, g, zero), a.shape) if needs[0] else None,
                unbroadcast(np.where(cond, zero, g), b.shape) if needs[1] else None]

    def backward_ops(g, out, needs):
        mask = np.broadcast_to(cond, tuple(g.shape)).astype(np.float32)
        return [unbroadcast_ops(multiply(g, mask), a.shape) if needs[0] else None,
                unbroadcast_ops(multiply(g, np.float32(1) - mask), b.shape) if needs[1] else None]
    return record([xt, yt], out, backward, backward_ops)

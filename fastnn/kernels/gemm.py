"""fastnn.kernels.gemm — matrix products on the GEMM kernel (`tf.linalg.matmul`, the fused Dense forward)."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from ._convert import as_f32

__all__ = ["matmul", "dense"]


def matmul(a: ArrayLike, b: ArrayLike, transpose_a: bool = False, transpose_b: bool = False) -> np.ndarray:
    """op(a) @ op(b) for 2-D operands, or batched over leading dimensions (like `tf.linalg.matmul`).

    Args:
        a: A real numeric array-like of rank >= 2.
        b: A real numeric array-like of rank >= 2.
        transpose_a: Whether `a` is transposed (its last two axes).
        transpose_b: Whether `b` is transposed.

    Returns:
        A float32 numpy array.
    """
    a = as_f32(a, "a")
    b = as_f32(b, "b")
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(
            f"matmul needs operands of rank >= 2, received shapes a={a.shape} and b={b.shape}"
        )
    if a.ndim == 2 and b.ndim == 2:
        return _core.gemm(a, b, transpose_a=bool(transpose_a), transpose_b=bool(transpose_b))
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: batch dimensions do not broadcast: a={a.shape}, b={b.shape}"
        ) from None
    a_b = np.broadcast_to(a, batch + a.shape[-2:]).reshape((-1,) + a.shape[-2:])
    b_b = np.broadcast_to(b, batch + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
    out = [
        _core.gemm(np.ascontiguousarray(x), np.ascontiguousarray(y),
                   transpose_a=bool(transpose_a), transpose_b=bool(transpose_b))
        for x, y in zip(a_b, b_b)
    ]
    if not out:
        m = a.shape[-1] if transpose_a else a.shape[-2]
        n = b.shape[-2] if transpose_b else b.shape[-1]
        return np.zeros(batch + (m, n), np.float32)
    return np.stack(out).reshape(batch + out[0].shape)


def dense(inputs: ArrayLike, kernel: ArrayLike, bias: ArrayLike | None = None, activation: str | None = None,
          alpha: float = 0.2) -> np.ndarray:
    """Fused Dense forward: act(inputs @ kernel + bias) in one GEMM whose epilogue adds the bias and applies the
    activation (linear, relu, leaky_relu(alpha), sigmoid, tanh). inputs [B, in], kernel [in, out], bias [out].

    Args:
        inputs: The input `[B, in]`.
        kernel: The kernel `[in, out]`.
        bias: None, or the bias `[out]`.
        activation: `"linear"`/None, `"relu"`, `"leaky_relu"`, `"sigmoid"` or `"tanh"`, applied in the epilogue.
        alpha: The slope for negative inputs of leaky_relu.

    Returns:
        A float32 numpy array.

    Example:

    ```python
    import numpy as np
    import fastnn

    x, w = np.ones((4, 3), np.float32), np.ones((3, 2), np.float32)
    print(fastnn.kernels.dense(x, w, np.zeros(2, np.float32), activation="relu"))  # [[3. 3.] ... ]
    ```
    """
    inputs = as_f32(inputs, "inputs")
    kernel = as_f32(kernel, "kernel")
    bias = None if bias is None else as_f32(bias, "bias")
    return _core.gemm(inputs, kernel, bias=bias, activation="linear" if activation is None else activation,
                      alpha=float(alpha))

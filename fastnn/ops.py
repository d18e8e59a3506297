"""fastnn.ops — the C++ kernels over numpy arrays, with TensorFlow's names (`tf.nn.*`) where TF has one.

Inputs may be any real numeric array-likes; they are converted to C-contiguous float32 (never modified in
place). Anything else raises TypeError/ValueError naming the argument.
"""
import numpy as np

from . import _core

__all__ = ["matmul"]


def _as_f32(x, name):
    """`x` as a C-contiguous float32 array; TypeError for non-real dtypes (bool, complex, object, strings)."""
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind not in "fiu":
        raise TypeError(
            f"`{name}` must be a real numeric array (float or int), received dtype {arr.dtype}"
        )
    return np.ascontiguousarray(arr, dtype=np.float32)


def matmul(a, b, transpose_a=False, transpose_b=False):
    """op(a) @ op(b) for 2-D operands, or batched over leading dimensions (like `tf.linalg.matmul`)."""
    a = _as_f32(a, "a")
    b = _as_f32(b, "b")
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

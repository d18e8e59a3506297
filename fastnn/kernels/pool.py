"""fastnn.kernels.pool — 2-D max / average pooling over NHWC tensors (`tf.nn.max_pool2d`, `tf.nn.avg_pool2d`)
and their gradients.

`ksize` / `strides`: an int, a pair (h, w), or TF's 4-list [1, h, w, 1]. `padding`: 'VALID' or 'SAME' (any case),
with TF's output sizes and placement (SAME: out = ceil(in / stride), the odd padded cell at the bottom/right);
padded cells never count (max ignores them, average divides by the number of valid cells). A VALID window larger
than the input gives an empty output, as in TF.

Max pooling routes each gradient to the FIRST maximum of its window in row-major order (TF's CPU rule, which
matters for tied windows such as all-zero ReLU outputs). NaN inputs are never selected: a window whose valid
cells are all NaN gives -inf. TF's forward also skips NaN, but its gradient can land on a NaN cell that heads
its window; ours always follows the forward's choice. Average pooling propagates NaN.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from ._convert import as_f32, data_format_arg, padding_arg, require_ndim, spatial_pair

__all__ = ["max_pool2d", "max_pool2d_with_argmax", "max_pool2d_grad", "max_pool2d_grad_with_argmax",
           "avg_pool2d", "avg_pool2d_grad"]


def _window(ksize):
    """The (kh, kw) window; checked here in Python ints, since kh·kw can overflow the kernel's int64 check."""
    k = spatial_pair(ksize, "ksize")
    if k[0] * k[1] > 1 << 24:
        raise ValueError(f"`ksize` window is too large (more than 2^24 cells), received {ksize!r}")
    return k


def _args(input, ksize, strides, padding, data_format="NHWC"):
    data_format_arg(data_format)
    x = require_ndim(as_f32(input, "input"), 4, "input")
    return x, _window(ksize), spatial_pair(strides, "strides"), padding_arg(padding)


def _input_shape_arg(input_shape):
    try:
        shape = tuple(int(d) for d in input_shape)
    except (TypeError, ValueError):
        raise TypeError(f"`input_shape` must be a sequence of 4 ints, received {input_shape!r}") from None
    if len(shape) != 4 or any(d < 0 for d in shape):
        raise ValueError(f"`input_shape` must be 4 non-negative ints (N, H, W, C), received {input_shape!r}")
    return shape


def _grad_arg(grad):
    return require_ndim(as_f32(grad, "grad"), 4, "grad")


def max_pool2d(input: ArrayLike, ksize: int | Sequence[int], strides: int | Sequence[int], padding: str,
               data_format: str = "NHWC") -> np.ndarray:
    """Max over each kh×kw window: input (N, H, W, C) -> (N, OH, OW, C).

    Args:
        input: The forward input `(N, H, W, C)`.
        ksize: An int or a pair of ints, the window's height and width.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (channels-last only).

    Returns:
        A float32 numpy array.
    """
    x, k, s, p = _args(input, ksize, strides, padding, data_format)
    return _core.max_pool2d(x, k, s, p)


def max_pool2d_with_argmax(input: ArrayLike, ksize: int | Sequence[int], strides: int | Sequence[int],
                           padding: str) -> tuple[np.ndarray, np.ndarray]:
    """(output, argmax): max_pool2d plus an int32 workspace of output's shape holding, per output element, the
    row-major index i*kw + j of the chosen cell inside its window (for `max_pool2d_grad_with_argmax`).
    Note: unlike `tf.nn.max_pool_with_argmax`, the index is window-local, not a flat input offset.

    Args:
        input: The forward input `(N, H, W, C)`.
        ksize: An int or a pair of ints, the window's height and width.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).

    Returns:
        A tuple `(output, argmax)`.
    """
    x, k, s, p = _args(input, ksize, strides, padding)
    return _core.max_pool2d(x, k, s, p, return_argmax=True)


def max_pool2d_grad(input: ArrayLike, grad: ArrayLike, ksize: int | Sequence[int], strides: int | Sequence[int],
                    padding: str) -> np.ndarray:
    """Gradient of max_pool2d w.r.t. its input (N, H, W, C): each grad (N, OH, OW, C) element goes to its
    window's first maximum; overlapping windows add up. Recomputes the argmax from `input`.

    Args:
        input: The forward input `(N, H, W, C)`.
        grad: The gradient of the output `(N, OH, OW, C)`.
        ksize: An int or a pair of ints, the window's height and width.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).

    Returns:
        A float32 numpy array.
    """
    x, k, s, p = _args(input, ksize, strides, padding)
    return _core.max_pool2d_grad(x, _grad_arg(grad), k, s, p)


def max_pool2d_grad_with_argmax(input_shape: Sequence[int], grad: ArrayLike, argmax: ArrayLike,
                                ksize: int | Sequence[int], strides: int | Sequence[int], padding: str) -> np.ndarray:
    """max_pool2d_grad from the workspace of `max_pool2d_with_argmax` (no second pass over the input).
    `input_shape` = (N, H, W, C) of the forward input.

    Args:
        input_shape: The forward input's shape `(N, H, W, C)`.
        grad: The gradient of the output `(N, OH, OW, C)`.
        argmax: The window-local int32 workspace from `max_pool2d_with_argmax`.
        ksize: An int or a pair of ints, the window's height and width.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).

    Returns:
        A float32 numpy array.
    """
    shape = _input_shape_arg(input_shape)
    a = np.asarray(argmax)
    if a.dtype.kind not in "iu":
        raise TypeError(f"`argmax` must be an integer array (from max_pool2d_with_argmax), received dtype {a.dtype}")
    a = require_ndim(np.ascontiguousarray(a, dtype=np.int32), 4, "argmax")
    k, s, p = _window(ksize), spatial_pair(strides, "strides"), padding_arg(padding)
    return _core.max_pool2d_grad_from_argmax(shape, _grad_arg(grad), a, k, s, p)


def avg_pool2d(input: ArrayLike, ksize: int | Sequence[int], strides: int | Sequence[int], padding: str,
               data_format: str = "NHWC") -> np.ndarray:
    """Mean over the valid (non-padded) cells of each window: input (N, H, W, C) -> (N, OH, OW, C).

    Args:
        input: The forward input `(N, H, W, C)`.
        ksize: An int or a pair of ints, the window's height and width.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (channels-last only).

    Returns:
        A float32 numpy array.
    """
    x, k, s, p = _args(input, ksize, strides, padding, data_format)
    return _core.avg_pool2d(x, k, s, p)


def avg_pool2d_grad(input_shape: Sequence[int], grad: ArrayLike, ksize: int | Sequence[int],
                    strides: int | Sequence[int], padding: str) -> np.ndarray:
    """Gradient of avg_pool2d w.r.t. its input of shape `input_shape` (N, H, W, C): each grad element, divided
    by its window's valid-cell count, is added to those cells.

    Args:
        input_shape: The forward input's shape `(N, H, W, C)`.
        grad: The gradient of the output `(N, OH, OW, C)`.
        ksize: An int or a pair of ints, the window's height and width.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).

    Returns:
        A float32 numpy array.
    """
    shape = _input_shape_arg(input_shape)
    k, s, p = _window(ksize), spatial_pair(strides, "strides"), padding_arg(padding)
    return _core.avg_pool2d_grad(shape, _grad_arg(grad), k, s, p)

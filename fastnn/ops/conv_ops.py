"""fastnn.ops.conv_ops — the convolution family beyond `conv2d` (`tf.nn.conv2d_transpose`, `tf.nn.conv1d`,
`tf.nn.depthwise_conv2d`, `tf.nn.separable_conv2d`, 1-D pooling), differentiable, on the C++ kernels.

A transposed convolution is the input gradient of a convolution: its forward is the Conv2DBackpropInput kernel,
its input gradient the forward convolution and its filter gradient the Conv2DBackpropFilter kernel with the roles
of image and output gradient swapped. The 1-D ops are the 2-D kernels over images of height 1.
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .. import kernels
from .._tape import record
from .._validation import padding_arg, spatial_pair
from ..tensor import Tensor
from .array_ops import reshape
from .fused_ops import _activation_arg, _activation_grad
from .math_ops import _float_input
from .nn_ops import avg_pool2d, conv2d, max_pool2d

__all__ = ["conv2d_transpose", "conv_transpose", "conv1d", "depthwise_conv2d", "separable_conv2d", "max_pool1d",
           "avg_pool1d"]


def _output_shape_arg(output_shape):
    try:
        shape = [int(d) for d in np.asarray(output_shape).reshape(-1)]
        bad = np.asarray(output_shape).dtype.kind not in "iu"
    except (TypeError, ValueError):
        shape, bad = [], True
    if bad or len(shape) != 4 or any(d < 0 for d in shape):
        raise ValueError(f"`output_shape` must be 4 non-negative ints (N, H, W, C), received {output_shape!r}")
    return shape


def conv2d_transpose(input: ArrayLike, filters: ArrayLike, output_shape: Sequence[int], strides: int | Sequence[int],
                     padding: str = "SAME", data_format: str = "NHWC",
                     dilations: int | Sequence[int] | None = None) -> Tensor:
    """The transpose (gradient) of `conv2d`, like `tf.nn.conv2d_transpose`.

    Args:
        input: `[N, H, W, Cin]` float tensor.
        filters: `[KH, KW, Cout, Cin]` — note TF's order: output channels before input channels.
        output_shape: the 4 ints `[N, OH, OW, Cout]` of the result; a `conv2d` with the same strides, padding and
            dilations maps this shape back to `input`'s.
        strides: an int, a pair of ints or `[1, h, w, 1]`, the stride of the corresponding `conv2d`.
        padding: `"VALID"` or `"SAME"` (case-insensitive), as for `conv2d`.
        data_format: `"NHWC"` (channels-last only).
        dilations: None, an int, a pair of ints or `[1, h, w, 1]`, the dilation of the filter.

    Returns:
        A Tensor of shape `output_shape`.

    Raises:
        ValueError: when the shapes do not fit together (TF's rules), naming the argument.
    """
    x, w = _float_input(input, "input"), _float_input(filters, "filters")
    xa, wa = x._value, w._value
    shape = _output_shape_arg(output_shape)
    if xa.ndim != 4 or wa.ndim != 4:
        raise ValueError(f"`input` and `filters` must be 4-D, received shapes {xa.shape} and {wa.shape}")
    if shape[0] != xa.shape[0] or shape[3] != wa.shape[2] or xa.shape[3] != wa.shape[3]:
        raise ValueError(f"conv2d_transpose: `output_shape` {shape}, `input` {xa.shape} and `filters` {wa.shape} "
                         f"disagree (need output_shape[0] = input batch, output_shape[3] = filters[2], "
                         f"input channels = filters[3])")
    s, d, p = spatial_pair(strides, "strides"), spatial_pair(1 if dilations is None else dilations, "dilations"), \
        padding_arg(padding)
    back = tuple(_conv_length(shape[1 + i], wa.shape[i], s[i], d[i], p) for i in range(2))
    if back != xa.shape[1:3]:
        raise ValueError(f"conv2d_transpose: `output_shape` {shape} does not map back to `input`'s spatial size "
                         f"{xa.shape[1:3]} (a {p} convolution with strides {s} gives {back})")
    y = kernels.conv2d_backprop_input(shape, wa, xa, strides, padding, data_format, dilations)

    def backward(g, needs):
        dx = kernels.conv2d(g, wa, strides, padding, dilations=dilations) if needs[0] else None
        dw = kernels.conv2d_backprop_filter(g, wa.shape, xa, strides, padding, dilations=dilations) \
            if needs[1] else None
        return [dx, dw]
    return record([x, w], y, backward)


conv_transpose = conv2d_transpose


def _conv_length(size, k, stride, dilation, padding):
    """TF's conv output length along one axis (negative when a 'valid' window does not fit)."""
    if padding == "same":
        return -(-size // stride)
    return (size - (k - 1) * dilation - 1) // stride + 1


def _stride1d(value, name):
    if isinstance(value, (list, tuple)) and len(value) == 3:  # TF's [1, s, 1]
        if value[0] != 1 or value[2] != 1:
            raise ValueError(f"`{name}` must be 1 along the batch and channel axes (NWC), received {value!r}")
        value = value[1]
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive int, received {value!r}")
    return int(value)


def conv1d(input: ArrayLike, filters: ArrayLike, stride: int | Sequence[int], padding: str, data_format: str = "NWC",
           dilations: int | Sequence[int] | None = None) -> Tensor:
    """1-D convolution like `tf.nn.conv1d`: input [N, W, Cin] * filters [K, Cin, Cout] -> [N, OW, Cout].

    Runs the 2-D kernels on images of height 1. Differentiable in `input` and `filters`.

    Args:
        input: `[N, W, Cin]` float tensor.
        filters: `[K, Cin, Cout]` float tensor.
        stride: a positive int (or TF's `[1, s, 1]`), the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NWC"` or `"channels_last"` (channels-last only).
        dilations: None (1), a positive int or TF's `[1, d, 1]`, the dilation of the filter.

    Returns:
        A Tensor `[N, OW, Cout]`.
    """
    if data_format not in ("NWC", "channels_last"):
        raise ValueError(f"`data_format` must be 'NWC' (fastnn works channels-last), received {data_format!r}")
    s = _stride1d(stride, "stride")
    d = 1 if dilations is None else _stride1d(dilations, "dilations")
    x, w = _float_input(input, "input"), _float_input(filters, "filters")
    if x.ndim != 3 or w.ndim != 3:
        raise ValueError(f"`input` and `filters` must be 3-D, received shapes {x.shape} and {w.shape}")
    y = conv2d(reshape(x, (x.shape[0], 1) + x.shape[1:]), reshape(w, (1,) + w.shape), (1, s), padding,
               dilations=(1, d))
    return reshape(y, (y.shape[0],) + y.shape[2:])


def _depthwise_args(input, filter, strides, padding, dilations):
    x, w = _float_input(input, "input"), _float_input(filter, "filter")
    if x.ndim != 4 or w.ndim != 4 or w.shape[2] != x.shape[3]:
        raise ValueError(f"depthwise_conv2d: `input` must be [N, H, W, C] and `filter` [KH, KW, C, multiplier], "
                         f"received shapes {x.shape} and {w.shape}")
    return x, w, spatial_pair(strides, "strides"), padding_arg(padding), \
        spatial_pair(1 if dilations is None else dilations, "dilations")


def depthwise_conv2d(input: ArrayLike, filter: ArrayLike, strides: int | Sequence[int], padding: str,
                     data_format: str = "NHWC", dilations: int | Sequence[int] | None = None,
                     bias: ArrayLike | None = None, activation: str | None = None, alpha: float = 0.2) -> Tensor:
    """Depthwise 2-D convolution like `tf.nn.depthwise_conv2d`: every input channel c convolved with its own
    filters [KH, KW, c, m], giving output channel c·multiplier + m.

    Args:
        input: `[N, H, W, C]` float tensor.
        filter: `[KH, KW, C, multiplier]` float tensor.
        strides: an int, a pair of ints or `[1, s, s, 1]`, the window's step (as for `conv2d`).
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` or `"channels_last"` (channels-last only).
        dilations: None (1), an int or a pair of ints, the dilation of the filter.
        bias: optional `[C·multiplier]` tensor, added in the kernel's epilogue (fastnn's extension).
        activation: None, `"relu"`, `"leaky_relu"` (slope `alpha`), `"sigmoid"` or `"tanh"`, fused in the
            epilogue (fastnn's extension).
        alpha: the slope for negative inputs of leaky_relu.

    Returns:
        A Tensor `[N, OH, OW, C·multiplier]`, differentiable in input, filter and bias.
    """
    if data_format not in ("NHWC", "channels_last"):
        raise ValueError(f"`data_format` must be 'NHWC' (fastnn works channels-last), received {data_format!r}")

    act = _activation_arg(activation)
    x, w, s, p, d = _depthwise_args(input, filter, strides, padding, dilations)
    b = None if bias is None else _float_input(bias, "bias")
    xa, wa = x._value, w._value
    y = kernels.depthwise_conv2d(xa, wa, s, p, dilations=d, bias=None if b is None else b._value, activation=act,
                                 alpha=alpha)

    def backward(g, needs):
        dz = g if act == "linear" else _activation_grad(g, y, act, alpha)
        dx = kernels.depthwise_conv2d_backprop_input(xa.shape, wa, dz, s, p, dilations=d) if needs[0] else None
        dw = db = None
        if b is not None:
            dw, db = kernels.depthwise_conv2d_backprop_filter_and_bias(xa, wa.shape, dz, s, p, dilations=d)
        elif needs[1]:
            dw = kernels.depthwise_conv2d_backprop_filter(xa, wa.shape, dz, s, p, dilations=d)
        return [dx, dw] + ([db] if b is not None else [])
    return record([x, w] if b is None else [x, w, b], y, backward)


def separable_conv2d(input: ArrayLike, depthwise_filter: ArrayLike, pointwise_filter: ArrayLike,
                     strides: int | Sequence[int], padding: str, data_format: str = "NHWC",
                     dilations: int | Sequence[int] | None = None) -> Tensor:
    """`tf.nn.separable_conv2d`: a depthwise convolution followed by a 1×1 (pointwise) convolution.

    Args:
        input: `[N, H, W, C]` float tensor.
        depthwise_filter: `[KH, KW, C, multiplier]` float tensor.
        pointwise_filter: `[1, 1, C·multiplier, Cout]` float tensor, applied with stride 1 and `"VALID"` padding.
        strides: an int, a pair of ints or `[1, s, s, 1]`, the depthwise window's step.
        padding: `"VALID"` or `"SAME"` for the depthwise convolution.
        data_format: `"NHWC"` or `"channels_last"` (channels-last only).
        dilations: None (1), an int or a pair of ints, the dilation of the depthwise filter.

    Returns:
        A Tensor `[N, OH, OW, Cout]`.
    """
    mid = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    return conv2d(mid, pointwise_filter, 1, "VALID")


def _pool1d(op, input, ksize, strides, padding, data_format):
    if data_format not in ("NWC", "channels_last"):
        raise ValueError(f"`data_format` must be 'NWC' (fastnn works channels-last), received {data_format!r}")
    k, s = _stride1d(ksize, "ksize"), _stride1d(strides, "strides")
    x = _float_input(input, "input")
    if x.ndim != 3:
        raise ValueError(f"`input` must be 3-D (N, W, C), received shape {x.shape}")
    y = op(reshape(x, (x.shape[0], 1) + x.shape[1:]), (1, k), (1, s), padding)
    return reshape(y, (y.shape[0],) + y.shape[2:])


def max_pool1d(input: ArrayLike, ksize: int | Sequence[int], strides: int | Sequence[int], padding: str,
               data_format: str = "NWC") -> Tensor:
    """`tf.nn.max_pool1d`: max over windows of `ksize` steps along W of `[N, W, C]`; TF's 'VALID'/'SAME' sizes.

    Args:
        input: `[N, W, C]` float tensor.
        ksize: a positive int (or TF's `[1, k, 1]`), the window's length.
        strides: a positive int (or TF's `[1, s, 1]`), the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NWC"` or `"channels_last"` (channels-last only).

    Returns:
        A Tensor `[N, OW, C]`.
    """
    return _pool1d(max_pool2d, input, ksize, strides, padding, data_format)


def avg_pool1d(input: ArrayLike, ksize: int | Sequence[int], strides: int | Sequence[int], padding: str,
               data_format: str = "NWC") -> Tensor:
    """`tf.nn.avg_pool1d`: mean over the valid cells of windows of `ksize` steps along W of `[N, W, C]`.

    Args:
        input: `[N, W, C]` float tensor.
        ksize: a positive int (or TF's `[1, k, 1]`), the window's length.
        strides: a positive int (or TF's `[1, s, 1]`), the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NWC"` or `"channels_last"` (channels-last only).

    Returns:
        A Tensor `[N, OW, C]`.
    """
    return _pool1d(avg_pool2d, input, ksize, strides, padding, data_format)

"""fastnn.kernels.conv2d — 2-D convolution and its gradients (`tf.nn.conv2d`, `tf.raw_ops.Conv2DBackpropInput`,
`tf.raw_ops.Conv2DBackpropFilter`), NHWC activations and Keras (KH, KW, Cin, Cout) kernels; the depthwise
convolution (`tf.nn.depthwise_conv2d` and its DepthwiseConv2dNativeBackprop{Input,Filter}) with (KH, KW, C,
multiplier) kernels."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from ._convert import as_f32, data_format_arg, padding_arg, require_ndim, spatial_pair

__all__ = ["conv2d", "conv2d_backprop_input", "conv2d_backprop_filter", "conv2d_backprop_filter_and_bias",
           "depthwise_conv2d", "depthwise_conv2d_backprop_input", "depthwise_conv2d_backprop_filter",
           "depthwise_conv2d_backprop_filter_and_bias"]

_ACTIVATIONS = ("linear", "relu", "leaky_relu", "sigmoid", "tanh")


def _geometry_args(strides, padding, dilations, data_format):
    data_format_arg(data_format)
    s = spatial_pair(strides, "strides")
    d = spatial_pair(1 if dilations is None else dilations, "dilations")
    return s, padding_arg(padding), d


def _sizes(value, name):
    sizes = np.asarray(value)
    if sizes.dtype.kind not in "iu" or sizes.shape != (4,):
        raise ValueError(f"`{name}` must be 4 integers, received {value!r}")
    if (sizes < 0).any():
        raise ValueError(f"`{name}` must be non-negative, received {value!r}")
    return [int(v) for v in sizes]


def conv2d(input: ArrayLike, filters: ArrayLike, strides: int | Sequence[int] = 1, padding: str = "VALID",
           data_format: str = "NHWC", dilations: int | Sequence[int] | None = None, bias: ArrayLike | None = None,
           activation: str | None = None, alpha: float = 0.2) -> np.ndarray:
    """activation(conv2d(input, filters) + bias) like `tf.nn.conv2d`: input [N, H, W, Cin], filters
    [KH, KW, Cin, Cout] -> [N, OH, OW, Cout]; TF's 'same'/'valid' output sizes and padding placement.

    Args:
        input: The input `[N, H, W, Cin]`.
        filters: The filter `[KH, KW, Cin, Cout]`.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (channels-last only).
        dilations: None, an int or a pair of ints, the dilation of the filter.
        bias: None, or the bias `[Cout]`.
        activation: None/`"linear"`, `"relu"`, `"leaky_relu"`, `"sigmoid"` or `"tanh"`, fused in the epilogue.
        alpha: The slope for negative inputs of leaky_relu.

    Returns:
        A float32 numpy array.
    """
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    x = require_ndim(as_f32(input, "input"), 4, "input")
    w = require_ndim(as_f32(filters, "filters"), 4, "filters")
    b = None if bias is None else as_f32(bias, "bias")
    act = "linear" if activation is None else activation
    if act not in _ACTIVATIONS:
        raise ValueError(f"`activation` must be one of {', '.join(_ACTIVATIONS)} or None, received {activation!r}")
    return _core.conv2d(x, w, s, padding, d, bias=b, activation=act, alpha=float(alpha))


def conv2d_backprop_input(input_sizes: Sequence[int], filters: ArrayLike, out_backprop: ArrayLike,
                          strides: int | Sequence[int], padding: str, data_format: str = "NHWC",
                          dilations: int | Sequence[int] | None = None) -> np.ndarray:
    """Gradient of `conv2d` with respect to its input (`tf.raw_ops.Conv2DBackpropInput`): filters [KH, KW, Cin,
    Cout], out_backprop [N, OH, OW, Cout] -> [N, H, W, Cin] = input_sizes.

    Args:
        input_sizes: The input's shape `[N, H, W, Cin]`.
        filters: The filter `[KH, KW, Cin, Cout]`.
        out_backprop: The gradient of the output `[N, OH, OW, Cout]`.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (channels-last only).
        dilations: None, an int or a pair of ints, the dilation of the filter.

    Returns:
        A float32 numpy array.
    """
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    sizes = _sizes(input_sizes, "input_sizes")
    w = require_ndim(as_f32(filters, "filters"), 4, "filters")
    dy = require_ndim(as_f32(out_backprop, "out_backprop"), 4, "out_backprop")
    return _core.conv2d_backprop_input(sizes, w, dy, s, padding, d)


def conv2d_backprop_filter(input: ArrayLike, filter_sizes: Sequence[int], out_backprop: ArrayLike,
                           strides: int | Sequence[int], padding: str, data_format: str = "NHWC",
                           dilations: int | Sequence[int] | None = None) -> np.ndarray:
    """Gradient of `conv2d` with respect to its filters (`tf.raw_ops.Conv2DBackpropFilter`): input [N, H, W, Cin],
    out_backprop [N, OH, OW, Cout] -> [KH, KW, Cin, Cout] = filter_sizes. Deterministic batch reduction.

    Args:
        input: The forward input `[N, H, W, Cin]`.
        filter_sizes: The filter's shape `[KH, KW, Cin, Cout]`.
        out_backprop: The gradient of the output `[N, OH, OW, Cout]`.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (channels-last only).
        dilations: None, an int or a pair of ints, the dilation of the filter.

    Returns:
        A float32 numpy array.
    """
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    x = require_ndim(as_f32(input, "input"), 4, "input")
    sizes = _sizes(filter_sizes, "filter_sizes")
    dy = require_ndim(as_f32(out_backprop, "out_backprop"), 4, "out_backprop")
    return _core.conv2d_backprop_filter(x, sizes, dy, s, padding, d)


def conv2d_backprop_filter_and_bias(input: ArrayLike, filter_sizes: Sequence[int], out_backprop: ArrayLike,
                                    strides: int | Sequence[int], padding: str, data_format: str = "NHWC",
                                    dilations: int | Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(filter gradient, bias gradient) from one pass over out_backprop: the bias gradient is
    out_backprop summed over N, OH, OW -> [Cout].

    Args:
        input: The forward input `[N, H, W, Cin]`.
        filter_sizes: The filter's shape `[KH, KW, Cin, Cout]`.
        out_backprop: The gradient of the output `[N, OH, OW, Cout]`.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (channels-last only).
        dilations: None, an int or a pair of ints, the dilation of the filter.

    Returns:
        A tuple `(filter gradient, bias gradient)`.
    """
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    x = require_ndim(as_f32(input, "input"), 4, "input")
    sizes = _sizes(filter_sizes, "filter_sizes")
    dy = require_ndim(as_f32(out_backprop, "out_backprop"), 4, "out_backprop")
    return _core.conv2d_backprop_filter(x, sizes, dy, s, padding, d, bias_grad=True)


def depthwise_conv2d(input: ArrayLike, filter: ArrayLike, strides: int | Sequence[int] = 1, padding: str = "VALID",
                     data_format: str = "NHWC", dilations: int | Sequence[int] | None = None,
                     bias: ArrayLike | None = None, activation: str | None = None, alpha: float = 0.2) -> np.ndarray:
    """activation(depthwise_conv2d(input, filter) + bias) like `tf.nn.depthwise_conv2d`: input [N, H, W, C],
    filter [KH, KW, C, M] -> [N, OH, OW, C·M] (output channel c·M + m); TF's 'same'/'valid' geometry.

    Args:
        input: The input `[N, H, W, C]`.
        filter: The depthwise filter `[KH, KW, C, M]` (M: the channel multiplier).
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (channels-last only).
        dilations: None, an int or a pair of ints, the dilation of the filter.
        bias: None, or the bias `[C·M]`.
        activation: None/`"linear"`, `"relu"`, `"leaky_relu"`, `"sigmoid"` or `"tanh"`, fused in the epilogue.
        alpha: The slope for negative inputs of leaky_relu.

    Returns:
        A float32 numpy array.
    """
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    x = require_ndim(as_f32(input, "input"), 4, "input")
    w = require_ndim(as_f32(filter, "filter"), 4, "filter")
    b = None if bias is None else as_f32(bias, "bias")
    act = "linear" if activation is None else activation
    if act not in _ACTIVATIONS:
        raise ValueError(f"`activation` must be one of {', '.join(_ACTIVATIONS)} or None, received {activation!r}")
    return _core.depthwise_conv2d(x, w, s, padding, d, bias=b, activation=act, alpha=float(alpha))


def depthwise_conv2d_backprop_input(input_sizes: Sequence[int], filter: ArrayLike, out_backprop: ArrayLike,
                                    strides: int | Sequence[int], padding: str, data_format: str = "NHWC",
                                    dilations: int | Sequence[int] | None = None) -> np.ndarray:
    """Gradient of `depthwise_conv2d` with respect to its input (`tf.raw_ops.DepthwiseConv2dNativeBackpropInput`):
    filter [KH, KW, C, M], out_backprop [N, OH, OW, C·M] -> [N, H, W, C] = input_sizes.

    Args:
        input_sizes: 4 non-negative ints, the input's shape `[N, H, W, C]`.
        filter: The depthwise filter `[KH, KW, C, M]`.
        out_backprop: The gradient with respect to the output, `[N, OH, OW, C·M]`.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (channels-last only).
        dilations: None, an int or a pair of ints, the dilation of the filter.

    Returns:
        A float32 numpy array of shape `input_sizes`.
    """
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    sizes = _sizes(input_sizes, "input_sizes")
    w = require_ndim(as_f32(filter, "filter"), 4, "filter")
    dy = require_ndim(as_f32(out_backprop, "out_backprop"), 4, "out_backprop")
    return _core.depthwise_conv2d_backprop_input(sizes, w, dy, s, padding, d)


def depthwise_conv2d_backprop_filter(input: ArrayLike, filter_sizes: Sequence[int], out_backprop: ArrayLike,
                                     strides: int | Sequence[int], padding: str, data_format: str = "NHWC",
                                     dilations: int | Sequence[int] | None = None) -> np.ndarray:
    """Gradient of `depthwise_conv2d` with respect to its filter (`tf.raw_ops.DepthwiseConv2dNativeBackpropFilter`):
    input [N, H, W, C], out_backprop [N, OH, OW, C·M] -> [KH, KW, C, M] = filter_sizes. Deterministic batch
    reduction.

    Args:
        input: The forward input `[N, H, W, C]`.
        filter_sizes: 4 non-negative ints, the filter's shape `[KH, KW, C, M]`.
        out_backprop: The gradient with respect to the output, `[N, OH, OW, C·M]`.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (channels-last only).
        dilations: None, an int or a pair of ints, the dilation of the filter.

    Returns:
        A float32 numpy array of shape `filter_sizes`.
    """
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    x = require_ndim(as_f32(input, "input"), 4, "input")
    sizes = _sizes(filter_sizes, "filter_sizes")
    dy = require_ndim(as_f32(out_backprop, "out_backprop"), 4, "out_backprop")
    return _core.depthwise_conv2d_backprop_filter(x, sizes, dy, s, padding, d)


def depthwise_conv2d_backprop_filter_and_bias(input: ArrayLike, filter_sizes: Sequence[int], out_backprop: ArrayLike,
                                              strides: int | Sequence[int], padding: str, data_format: str = "NHWC",
                                              dilations: int | Sequence[int] | None = None
                                              ) -> tuple[np.ndarray, np.ndarray]:
    """(filter gradient, bias gradient) of `depthwise_conv2d` from one pass over out_backprop.

    Args:
        input: The forward input `[N, H, W, C]`.
        filter_sizes: 4 non-negative ints, the filter's shape `[KH, KW, C, M]`.
        out_backprop: The gradient with respect to the output, `[N, OH, OW, C·M]`.
        strides: An int or a pair of ints, the window's step.
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (channels-last only).
        dilations: None, an int or a pair of ints, the dilation of the filter.

    Returns:
        A pair of float32 numpy arrays: the filter gradient (shape `filter_sizes`) and the bias gradient `[C·M]`.
    """
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    x = require_ndim(as_f32(input, "input"), 4, "input")
    sizes = _sizes(filter_sizes, "filter_sizes")
    dy = require_ndim(as_f32(out_backprop, "out_backprop"), 4, "out_backprop")
    return _core.depthwise_conv2d_backprop_filter(x, sizes, dy, s, padding, d, bias_grad=True)

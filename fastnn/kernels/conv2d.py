"""fastnn.kernels.conv2d — 2-D convolution and its gradients (`tf.nn.conv2d`, `tf.raw_ops.Conv2DBackpropInput`,
`tf.raw_ops.Conv2DBackpropFilter`), NHWC activations and Keras (KH, KW, Cin, Cout) kernels."""
import numpy as np

from .. import _core
from ._convert import as_f32, data_format_arg, padding_arg, require_ndim, spatial_pair

__all__ = ["conv2d", "conv2d_backprop_input", "conv2d_backprop_filter", "conv2d_backprop_filter_and_bias"]

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


def conv2d(input, filters, strides=1, padding="VALID", data_format="NHWC", dilations=None, bias=None,
           activation=None, alpha=0.2):
    """activation(conv2d(input, filters) + bias) like `tf.nn.conv2d`: input [N, H, W, Cin], filters
    [KH, KW, Cin, Cout] -> [N, OH, OW, Cout]; TF's 'same'/'valid' output sizes and padding placement."""
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    x = require_ndim(as_f32(input, "input"), 4, "input")
    w = require_ndim(as_f32(filters, "filters"), 4, "filters")
    b = None if bias is None else as_f32(bias, "bias")
    act = "linear" if activation is None else activation
    if act not in _ACTIVATIONS:
        raise ValueError(f"`activation` must be one of {', '.join(_ACTIVATIONS)} or None, received {activation!r}")
    return _core.conv2d(x, w, s, padding, d, bias=b, activation=act, alpha=float(alpha))


def conv2d_backprop_input(input_sizes, filters, out_backprop, strides, padding, data_format="NHWC",
                          dilations=None):
    """Gradient of `conv2d` with respect to its input (`tf.raw_ops.Conv2DBackpropInput`): filters [KH, KW, Cin,
    Cout], out_backprop [N, OH, OW, Cout] -> [N, H, W, Cin] = input_sizes."""
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    sizes = _sizes(input_sizes, "input_sizes")
    w = require_ndim(as_f32(filters, "filters"), 4, "filters")
    dy = require_ndim(as_f32(out_backprop, "out_backprop"), 4, "out_backprop")
    return _core.conv2d_backprop_input(sizes, w, dy, s, padding, d)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding, data_format="NHWC",
                           dilations=None):
    """Gradient of `conv2d` with respect to its filters (`tf.raw_ops.Conv2DBackpropFilter`): input [N, H, W, Cin],
    out_backprop [N, OH, OW, Cout] -> [KH, KW, Cin, Cout] = filter_sizes. Deterministic batch reduction."""
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    x = require_ndim(as_f32(input, "input"), 4, "input")
    sizes = _sizes(filter_sizes, "filter_sizes")
    dy = require_ndim(as_f32(out_backprop, "out_backprop"), 4, "out_backprop")
    return _core.conv2d_backprop_filter(x, sizes, dy, s, padding, d)


def conv2d_backprop_filter_and_bias(input, filter_sizes, out_backprop, strides, padding, data_format="NHWC",
                                    dilations=None):
    """(filter gradient, bias gradient) from one pass over out_backprop: the bias gradient is
    out_backprop summed over N, OH, OW -> [Cout]."""
    (s, padding, d) = _geometry_args(strides, padding, dilations, data_format)
    x = require_ndim(as_f32(input, "input"), 4, "input")
    sizes = _sizes(filter_sizes, "filter_sizes")
    dy = require_ndim(as_f32(out_backprop, "out_backprop"), 4, "out_backprop")
    return _core.conv2d_backprop_filter(x, sizes, dy, s, padding, d, bias_grad=True)

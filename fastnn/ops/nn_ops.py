"""fastnn.ops.nn_ops — differentiable neural-network ops (`tf.nn.*`), forward and backward on the C++ kernels.

Gradients follow TensorFlow's: relu/leaky_relu from the forward input, sigmoid/tanh/softmax from the output,
the softmax cross-entropies from dlogits computed in the same fused pass as the loss (only when a tape records),
conv2d through Conv2DBackpropInput/Filter, max pooling through the argmax of the forward pass.
"""
import numbers

import numpy as np

from .. import kernels
from ..gradient_tape import is_recording, record
from ..tensor import Tensor, as_array
from .math_ops import (_float_input, maximum, multiply, reduce_sum, rsqrt, square, subtract, unbroadcast,
                       unbroadcast_ops)

__all__ = [
    "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "softplus", "softsign", "l2_normalize",
    "bias_add",
    "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits", "conv2d", "max_pool2d", "avg_pool2d", "max_pool", "avg_pool", "dropout",
    "moments", "batch_normalization",
]


# ------------------------------------------------------------------------------------------- activations
def relu(features):
    """max(features, 0); gradient dy·(x > 0)."""
    x = _float_input(features, "features")
    a = x._value
    return record([x], kernels.relu(a), lambda g, needs: [kernels.relu_grad(g, a)],
                  lambda g, out, needs: [multiply(g, (a > 0).astype(np.float32))])


def leaky_relu(features, alpha=0.2):
    """features if > 0 else alpha·features (tf.nn.leaky_relu's default alpha 0.2)."""
    x = _float_input(features, "features")
    a = x._value
    return record([x], kernels.leaky_relu(a, alpha), lambda g, needs: [kernels.leaky_relu_grad(g, a, alpha)],
                  lambda g, out, needs: [multiply(g, np.where(a > 0, 1, alpha).astype(np.float32))])


def sigmoid(x):
    """1 / (1 + e^−x); gradient dy·y·(1 − y)."""
    t = _float_input(x)
    y = kernels.sigmoid(t._value)
    return record([t], y, lambda g, needs: [kernels.sigmoid_grad(g, y)],
                  lambda g, out, needs: [multiply(g, multiply(out, subtract(np.float32(1), out)))])


def tanh(x):
    """tanh(x); gradient dy·(1 − y²)."""
    t = _float_input(x)
    y = kernels.tanh(t._value)
    return record([t], y, lambda g, needs: [kernels.tanh_grad(g, y)],
                  lambda g, out, needs: [multiply(g, subtract(np.float32(1), square(out)))])


def softmax(logits, axis=-1):
    """e^z / Σ e^z along `axis`; gradient y·(dy − Σ dy·y)."""
    t = _float_input(logits, "logits")
    y = kernels.softmax(t._value, axis=axis)
    return record([t], y, lambda g, needs: [kernels.softmax_grad(g, y, axis=axis)])


def log_softmax(logits, axis=-1):
    """z − log Σ e^z along `axis`; gradient dy − softmax·Σ dy."""
    t = _float_input(logits, "logits")
    z = t._value
    if z.ndim == 0:
        raise ValueError("log_softmax needs an input of rank >= 1, received a scalar")
    if isinstance(axis, bool) or not isinstance(axis, (numbers.Integral, np.integer)):
        raise TypeError(f"`axis` must be an int, received {axis!r}")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"`axis` {axis} is out of bounds for an input of rank {z.ndim}")
    shifted = z - np.max(z, axis=axis, keepdims=True)
    out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return record([t], out.astype(np.float32),
                  lambda g, needs: [g - np.exp(out) * np.sum(g, axis=axis, keepdims=True)])


def softplus(features):
    """log(1 + eˣ), computed stably as max(x, 0) + log1p(e^−|x|); gradient dy·sigmoid(x)."""
    x = _float_input(features, "features")
    a = x._value
    with np.errstate(over="ignore"):
        y = (np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))).astype(np.float32)
    return record([x], y, lambda g, needs: [g * kernels.sigmoid(a)], lambda g, out, needs: [multiply(g, sigmoid(x))])


def softsign(features):
    """x / (1 + |x|); gradient dy / (1 + |x|)²."""
    x = _float_input(features, "features")
    a = x._value
    denominator = np.float32(1) + np.abs(a)
    return record([x], a / denominator, lambda g, needs: [g / np.square(denominator)])


def l2_normalize(x, axis=None, epsilon=1e-12):
    """x / √max(Σx², epsilon) over `axis` (all axes when None), TF's formula and composition (so its
    gradient)."""
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not epsilon >= 0:
        raise ValueError(f"`epsilon` must be a non-negative number, received {epsilon!r}")
    t = _float_input(x)
    square_sum = reduce_sum(square(t), axis=axis, keepdims=True)
    return multiply(t, rsqrt(maximum(square_sum, np.float32(epsilon))))


def bias_add(value, bias):
    """value + bias along the last (channel) axis; the bias gradient sums every other axis."""
    v, b = _float_input(value, "value"), _float_input(bias, "bias")
    x, c = v._value, b._value
    if c.ndim != 1 or x.ndim < 2 or x.shape[-1] != c.shape[0]:
        raise ValueError(f"`bias` must be 1-D with the size of `value`'s last axis, received value shape "
                         f"{x.shape} and bias shape {c.shape}")
    return record([v, b], x + c, lambda g, needs: [g, kernels.bias_add_grad(g) if needs[1] else None],
                  lambda g, out, needs: [g, reduce_sum(g, axis=list(range(x.ndim - 1))) if needs[1] else None])


# ------------------------------------------------------------------------------------------- cross-entropies
def softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    """Per-sample −Σ labels·log softmax(logits) along `axis`. When a tape records, dlogits comes from the same
    fused C++ pass as the loss. The labels' gradient (−log softmax) is given too, as TF does."""
    lab, lg = _float_input(labels, "labels"), _float_input(logits, "logits")
    if not is_recording([lab, lg]):
        return Tensor(kernels.softmax_cross_entropy_with_logits(lab._value, lg._value, axis=axis))
    loss, dlogits = kernels.softmax_cross_entropy_with_logits_and_grad(lab._value, lg._value, axis=axis)
    class_axis = axis % lg._value.ndim

    def backward(g, needs):
        gz = np.expand_dims(g, class_axis)
        dlabels = None
        if needs[0]:
            dlabels = -gz * as_array(log_softmax(lg._value, axis=class_axis))
        return [dlabels, dlogits * gz if needs[1] else None]
    return record([lab, lg], loss, backward)


def sparse_softmax_cross_entropy_with_logits(labels, logits):
    """Per-sample −log softmax(logits)[label]; labels are integer class ids (not differentiable), each in
    [0, classes) (ValueError otherwise). dlogits comes from the loss's own fused pass."""
    lg = _float_input(logits, "logits")
    lab = as_array(labels, "labels")
    if not is_recording([lg]):
        return Tensor(kernels.sparse_softmax_cross_entropy_with_logits(lab, lg._value))
    loss, dlogits = kernels.sparse_softmax_cross_entropy_with_logits_and_grad(lab, lg._value)
    return record([lg], loss, lambda g, needs: [dlogits * g[..., None]])


def sigmoid_cross_entropy_with_logits(labels, logits):
    """Elementwise max(x, 0) − x·z + log(1 + e^−|x|) (TF's stable form), x = logits, z = labels."""
    z, x = _float_input(labels, "labels"), _float_input(logits, "logits")
    a, b = z._value, x._value
    if a.shape != b.shape:
        raise ValueError(f"`labels` and `logits` must have the same shape, received {a.shape} and {b.shape}")
    loss = np.maximum(b, 0) - b * a + np.log1p(np.exp(-np.abs(b)))

    def backward(g, needs):
        return [-g * b if needs[0] else None, g * (kernels.sigmoid(b) - a) if needs[1] else None]
    return record([z, x], loss.astype(np.float32), backward)


# ------------------------------------------------------------------------------------------- conv and pooling
def conv2d(input, filters, strides=1, padding="VALID", data_format="NHWC", dilations=None):  # noqa: A002
    """tf.nn.conv2d: input [N, H, W, Cin] * filters [KH, KW, Cin, Cout] -> [N, OH, OW, Cout]; 'VALID'/'SAME'
    with TF's output sizes. The input gradient is skipped when the tape does not need it (a first layer)."""
    x, w = _float_input(input, "input"), _float_input(filters, "filters")
    xa, wa = x._value, w._value
    y = kernels.conv2d(xa, wa, strides, padding, data_format, dilations)

    def backward(g, needs):
        dx = kernels.conv2d_backprop_input(xa.shape, wa, g, strides, padding, dilations=dilations) \
            if needs[0] else None
        dw = kernels.conv2d_backprop_filter(xa, wa.shape, g, strides, padding, dilations=dilations) \
            if needs[1] else None
        return [dx, dw]
    return record([x, w], y, backward)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC"):  # noqa: A002
    """Max over each window (NHWC); the gradient goes to each window's first maximum (TF's CPU rule)."""
    x = _float_input(input, "input")
    xa = x._value
    if not is_recording([x]):
        return Tensor(kernels.max_pool2d(xa, ksize, strides, padding, data_format))
    y, argmax = kernels.max_pool2d_with_argmax(xa, ksize, strides, padding)
    return record([x], y, lambda g, needs: [
        kernels.max_pool2d_grad_with_argmax(xa.shape, g, argmax, ksize, strides, padding)])


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC"):  # noqa: A002
    """Mean over the valid cells of each window (NHWC)."""
    x = _float_input(input, "input")
    shape = x._value.shape
    y = kernels.avg_pool2d(x._value, ksize, strides, padding, data_format)
    return record([x], y, lambda g, needs: [kernels.avg_pool2d_grad(shape, g, ksize, strides, padding)])


max_pool = max_pool2d
avg_pool = avg_pool2d


# ------------------------------------------------------------------------------------------- dropout
def dropout(x, rate, noise_shape=None, seed=None):
    """tf.nn.dropout: each element is zeroed with probability `rate`, the rest scaled by 1/(1 − rate); always
    active (the Dropout layer decides when to call it). `noise_shape` broadcasts one decision over axes of
    size 1. The gradient uses the same mask."""
    from .. import random as fastnn_random  # noqa: PLC0415  (random imports ops)

    t = _float_input(x)
    a = t._value
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0.0 <= rate < 1.0:
        raise ValueError(f"`rate` must be a number in [0, 1), received {rate!r}")
    if rate == 0.0:
        return record([t], a, lambda g, needs: [g])
    shape = a.shape if noise_shape is None else tuple(int(d) for d in as_array(noise_shape, "noise_shape"))
    try:
        np.broadcast_shapes(shape, a.shape)
    except ValueError:
        raise ValueError(f"`noise_shape` {shape} does not broadcast to the input's shape {a.shape}") from None
    if len(shape) != a.ndim:
        raise ValueError(f"`noise_shape` must have the input's rank {a.ndim}, received {shape}")
    keep = fastnn_random._generator(seed).random(shape, dtype=np.float32) >= np.float32(rate)
    scaled_mask = keep.astype(np.float32) * np.float32(1.0 / (1.0 - rate))
    out = a * scaled_mask
    return record([t], out, lambda g, needs: [unbroadcast(g * scaled_mask, a.shape)],
                  lambda g, out, needs: [unbroadcast_ops(multiply(g, scaled_mask), a.shape)])


# ------------------------------------------------------------------------------------------- normalization
def moments(x, axes, shift=None, keepdims=False, name=None):
    """`tf.nn.moments`: the mean and (biased) variance of `x` over `axes`, with TF's composition (the variance is
    the mean of squared differences from the stopped-gradient mean), so its gradients are TF's too.

    Args:
        x: float tensor.
        axes: list of ints, the axes to reduce.
        shift: unused (as in TF 2).
        keepdims: keep the reduced axes with size 1.
        name: accepted for TF compatibility.

    Returns:
        `(mean, variance)` Tensors.
    """
    from ..gradient_tape import stop_gradient  # noqa: PLC0415
    from .math_ops import reduce_mean  # noqa: PLC0415

    t = _float_input(x)
    if isinstance(axes, (numbers.Integral, np.integer)) and not isinstance(axes, bool):
        axes = [axes]
    mean = reduce_mean(t, axis=axes, keepdims=True)
    variance = reduce_mean(square(subtract(t, stop_gradient(mean))), axis=axes, keepdims=True)
    if not keepdims:
        from .array_ops import squeeze  # noqa: PLC0415

        mean, variance = squeeze(mean, axis=axes), squeeze(variance, axis=axes)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """`tf.nn.batch_normalization`: `(x - mean) * scale / sqrt(variance + variance_epsilon) + offset`, computed as
    TF does (`inv = rsqrt(variance + eps) * scale; x * inv + (offset - mean * inv)`); all arguments broadcast.
    `offset` and `scale` may be None. For BatchNormalization's fused kernel see `fastnn.ops.batch_norm`.

    Returns:
        The normalized Tensor.
    """
    from .math_ops import add, negative  # noqa: PLC0415

    inv = rsqrt(add(_float_input(variance, "variance"), np.float32(variance_epsilon)))
    if scale is not None:
        inv = multiply(inv, _float_input(scale, "scale"))
    shift = multiply(_float_input(mean, "mean"), inv)
    shift = subtract(_float_input(offset, "offset"), shift) if offset is not None else negative(shift)
    return add(multiply(_float_input(x), inv), shift)

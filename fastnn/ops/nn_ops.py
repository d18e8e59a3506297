"""fastnn.ops.nn_ops — differentiable neural-network ops (`tf.nn.*`), forward and backward on the C++ kernels.

Gradients follow TensorFlow's: relu/leaky_relu from the forward input, sigmoid/tanh/softmax from the output,
the softmax cross-entropies from dlogits computed in the same fused pass as the loss (only when a tape records),
conv2d through Conv2DBackpropInput/Filter, max pooling through the argmax of the forward pass.
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .. import kernels
from .. import random as fastnn_random
from .._tape import is_recording, record, stop_gradient
from .._validation import integer, real
from ..tensor import Tensor, TensorLike, as_array
from .array_ops import squeeze
from .math_ops import _float_input, add, maximum, multiply, negative, reduce_mean, reduce_sum, rsqrt, square, subtract

__all__ = [
    "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "softplus", "softsign", "l2_normalize",
    "bias_add",
    "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits", "conv2d", "max_pool2d", "avg_pool2d", "max_pool", "avg_pool", "dropout",
    "moments", "batch_normalization",
    "gelu", "elu", "selu", "silu", "relu6", "hard_sigmoid", "hard_silu", "mish",
    "embedding_lookup",
]


# ------------------------------------------------------------------------------------------- activations
def relu(features: ArrayLike) -> Tensor:
    """max(features, 0); gradient dy·(x > 0).

    Args:
        features: A tensor-like.

    Returns:
        A Tensor.

    Example:

    ```python
    import fastnn

    print(fastnn.nn.relu([-1.0, 2.0]).numpy())  # [0. 2.]
    ```
    """
    x = _float_input(features, "features")
    a = x._value
    return record([x], kernels.relu(a), lambda g, needs: [kernels.relu_grad(g, a)],
                  lambda g, out, needs: [multiply(g, (a > 0).astype(np.float32))])


def leaky_relu(features: ArrayLike, alpha: float = 0.2) -> Tensor:
    """features if > 0 else alpha·features (tf.nn.leaky_relu's default alpha 0.2).

    Args:
        features: A tensor-like.
        alpha: The slope for negative inputs.

    Returns:
        A Tensor.
    """
    x = _float_input(features, "features")
    a = x._value
    return record([x], kernels.leaky_relu(a, alpha), lambda g, needs: [kernels.leaky_relu_grad(g, a, alpha)],
                  lambda g, out, needs: [multiply(g, np.where(a > 0, 1, alpha).astype(np.float32))])


def sigmoid(x: ArrayLike) -> Tensor:
    """1 / (1 + e^−x); gradient dy·y·(1 − y).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    t = _float_input(x)
    y = kernels.sigmoid(t._value)
    return record([t], y, lambda g, needs: [kernels.sigmoid_grad(g, y)],
                  lambda g, out, needs: [multiply(g, multiply(out, subtract(np.float32(1), out)))])


def tanh(x: ArrayLike) -> Tensor:
    """tanh(x); gradient dy·(1 − y²).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.

    Returns:
        A Tensor.
    """
    t = _float_input(x)
    y = kernels.tanh(t._value)
    return record([t], y, lambda g, needs: [kernels.tanh_grad(g, y)],
                  lambda g, out, needs: [multiply(g, subtract(np.float32(1), square(out)))])


def softmax(logits: ArrayLike, axis: int = -1) -> Tensor:
    """e^z / Σ e^z along `axis`; gradient y·(dy − Σ dy·y).

    Args:
        logits: A float tensor-like of unnormalised log-probabilities.
        axis: The axis to normalise over.

    Returns:
        A Tensor.
    """
    t = _float_input(logits, "logits")
    y = kernels.softmax(t._value, axis=axis)
    return record([t], y, lambda g, needs: [kernels.softmax_grad(g, y, axis=axis)])


def log_softmax(logits: ArrayLike, axis: int = -1) -> Tensor:
    """z − log Σ e^z along `axis`; gradient dy − softmax·Σ dy.

    Args:
        logits: A float tensor-like of unnormalised log-probabilities.
        axis: The axis to normalise over.

    Returns:
        A Tensor.
    """
    t = _float_input(logits, "logits")
    z = t._value
    if z.ndim == 0:
        raise ValueError("log_softmax needs an input of rank >= 1, received a scalar")
    integer(axis, "axis", error=TypeError, message="`{name}` must be an int, received {value!r}")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"`axis` {axis} is out of bounds for an input of rank {z.ndim}")
    shifted = z - np.max(z, axis=axis, keepdims=True)
    out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return record([t], out.astype(np.float32),
                  lambda g, needs: [g - np.exp(out) * np.sum(g, axis=axis, keepdims=True)])


def _keras_activation(features, name, alpha=1.0):
    """One-pass C++ forward (kernels.activation) recorded with its one-pass derivative from the input."""
    x = _float_input(features, "features")
    a = x._value
    return record([x], kernels.activation(a, name, alpha),
                  lambda g, needs: [kernels.activation_grad(g, a, name, alpha)])


def softplus(features: ArrayLike) -> Tensor:
    """log(1 + eˣ), computed stably as max(x, 0) + log1p(e^−|x|) in one pass; gradient dy·sigmoid(x).

    Args:
        features: A tensor-like.

    Returns:
        A Tensor.
    """
    x = _float_input(features, "features")
    a = x._value
    return record([x], kernels.activation(a, "softplus"), lambda g, needs: [kernels.activation_grad(g, a, "softplus")],
                  lambda g, out, needs: [multiply(g, sigmoid(x))])


def softsign(features: ArrayLike) -> Tensor:
    """x / (1 + |x|) in one pass; gradient dy / (1 + |x|)².

    Args:
        features: A tensor-like.

    Returns:
        A Tensor.
    """
    return _keras_activation(features, "softsign")


def gelu(features: ArrayLike, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit `x·Φ(x)` (`tf.nn.gelu`), one pass forward and one backward.

    Exact: `0.5·x·(1 + erf(x/√2))`; `approximate=True`: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.

    Args:
        features: A tensor-like.
        approximate: Whether to use the tanh approximation.

    Returns:
        A Tensor.

    Example:

    ```python
    import fastnn

    print(fastnn.nn.gelu([0.0, 1.0]).numpy())  # [0.        0.8413447]
    ```
    """
    if not isinstance(approximate, (bool, np.bool_)):
        raise TypeError(f"`approximate` must be a bool. Received: approximate={approximate!r}")
    return _keras_activation(features, "gelu_tanh" if approximate else "gelu")


def elu(features: ArrayLike, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: `x` if `x > 0`, else `alpha·(eˣ − 1)`, in one pass; gradient `alpha·eˣ` below 0.

    Args:
        features: A tensor-like.
        alpha: The scale of the negative part (`tf.nn.elu` has 1; Keras' `elu(x, alpha)` any).

    Returns:
        A Tensor.
    """
    real(alpha, "alpha", error=TypeError, message="`{name}` must be a number. Received: {name}={value!r}")
    return _keras_activation(features, "elu", float(alpha))


def selu(features: ArrayLike) -> Tensor:
    """Scaled exponential linear unit (`tf.nn.selu`): `scale·x` for `x >= 0`, `scale·alpha·(eˣ − 1)` below.

    Args:
        features: A tensor-like.

    Returns:
        A Tensor.
    """
    return _keras_activation(features, "selu")


def silu(features: ArrayLike) -> Tensor:
    """SiLU / swish `x·sigmoid(x)` (`tf.nn.silu`) in one pass; gradient `s·(1 + x·(1 − s))`.

    Args:
        features: A tensor-like.

    Returns:
        A Tensor.
    """
    return _keras_activation(features, "swish")


def relu6(features: ArrayLike) -> Tensor:
    """`min(max(x, 0), 6)` (`tf.nn.relu6`); gradient `dy` strictly inside (0, 6), 0 elsewhere.

    Args:
        features: A tensor-like.

    Returns:
        A Tensor.
    """
    return _keras_activation(features, "relu6")


def hard_sigmoid(x: ArrayLike) -> Tensor:
    """Keras 3's hard sigmoid `relu6(x + 3) / 6` in one pass.

    Args:
        x: A tensor-like.

    Returns:
        A Tensor.
    """
    return _keras_activation(x, "hard_sigmoid")


def hard_silu(x: ArrayLike) -> Tensor:
    """Hard SiLU / hard swish `x·relu6(x + 3) / 6` (Keras 3) in one pass.

    Args:
        x: A tensor-like.

    Returns:
        A Tensor.
    """
    return _keras_activation(x, "hard_swish")


def mish(x: ArrayLike) -> Tensor:
    """Mish `x·tanh(softplus(x))` (Keras 3) in one pass.

    Args:
        x: A tensor-like.

    Returns:
        A Tensor.
    """
    return _keras_activation(x, "mish")


def l2_normalize(x: ArrayLike, axis: int | Sequence[int] | None = None, epsilon: float = 1e-12) -> Tensor:
    """x / √max(Σx², epsilon) over `axis` (all axes when None), TF's formula and composition (so its
    gradient).

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        axis: None (all axes), an int or a list of ints.
        epsilon: The lower bound of the sum of squares (avoids a division by zero).

    Returns:
        A Tensor.
    """
    real(epsilon, "epsilon", low=0, message="`{name}` must be a non-negative number, received {value!r}")
    t = _float_input(x)
    square_sum = reduce_sum(square(t), axis=axis, keepdims=True)
    return multiply(t, rsqrt(maximum(square_sum, np.float32(epsilon))))


def bias_add(value: ArrayLike, bias: ArrayLike | None) -> Tensor:
    """value + bias along the last (channel) axis; the bias gradient sums every other axis.

    Args:
        value: A tensor-like `[..., C]`.
        bias: A 1-D tensor-like `[C]`.

    Returns:
        A Tensor.
    """
    v, b = _float_input(value, "value"), _float_input(bias, "bias")
    x, c = v._value, b._value
    if c.ndim != 1 or x.ndim < 2 or x.shape[-1] != c.shape[0]:
        raise ValueError(f"`bias` must be 1-D with the size of `value`'s last axis, received value shape "
                         f"{x.shape} and bias shape {c.shape}")
    return record([v, b], x + c, lambda g, needs: [g, kernels.bias_add_grad(g) if needs[1] else None],
                  lambda g, out, needs: [g, reduce_sum(g, axis=list(range(x.ndim - 1))) if needs[1] else None])


# ------------------------------------------------------------------------------------------- cross-entropies
def softmax_cross_entropy_with_logits(labels: ArrayLike, logits: ArrayLike, axis: int = -1) -> Tensor:
    """Per-sample −Σ labels·log softmax(logits) along `axis`. When a tape records, dlogits comes from the same
    fused C++ pass as the loss. The labels' gradient (−log softmax) is given too, as TF does.

    Args:
        labels: Probabilities (e.g. one-hot rows), the shape of `logits`.
        logits: A float tensor-like of unnormalised log-probabilities.
        axis: The class axis.

    Returns:
        A Tensor of per-sample losses (the class axis removed).
    """
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


def sparse_softmax_cross_entropy_with_logits(labels: ArrayLike, logits: ArrayLike) -> Tensor:
    """Per-sample −log softmax(logits)[label]; labels are integer class ids (not differentiable), each in
    [0, classes) (ValueError otherwise). dlogits comes from the loss's own fused pass.

    Args:
        labels: Integer class ids `[batch]`, each in `[0, classes)`.
        logits: Logits `[batch, classes]`.

    Returns:
        A Tensor of per-sample losses `[batch]`.

    Raises:
        ValueError: if a label is outside `[0, classes)`.

    Example:

    ```python
    import fastnn

    logits = fastnn.constant([[2.0, 0.0], [0.0, 2.0]])
    print(fastnn.nn.sparse_softmax_cross_entropy_with_logits([0, 1], logits).numpy())  # [0.12692805 0.12692805]
    ```
    """
    lg = _float_input(logits, "logits")
    lab = as_array(labels, "labels")
    if not is_recording([lg]):
        return Tensor(kernels.sparse_softmax_cross_entropy_with_logits(lab, lg._value))
    loss, dlogits = kernels.sparse_softmax_cross_entropy_with_logits_and_grad(lab, lg._value)
    return record([lg], loss, lambda g, needs: [dlogits * g[..., None]])


def sigmoid_cross_entropy_with_logits(labels: ArrayLike, logits: ArrayLike) -> Tensor:
    """Elementwise max(x, 0) − x·z + log(1 + e^−|x|) (TF's stable form), x = logits, z = labels.

    Args:
        labels: Targets in [0, 1], the shape of `logits`.
        logits: A float tensor-like of unnormalised log-probabilities.

    Returns:
        A Tensor.
    """
    z, x = _float_input(labels, "labels"), _float_input(logits, "logits")
    a, b = z._value, x._value
    if a.shape != b.shape:
        raise ValueError(f"`labels` and `logits` must have the same shape, received {a.shape} and {b.shape}")
    loss = np.maximum(b, 0) - b * a + np.log1p(np.exp(-np.abs(b)))

    def backward(g, needs):
        return [-g * b if needs[0] else None, g * (kernels.sigmoid(b) - a) if needs[1] else None]
    return record([z, x], loss.astype(np.float32), backward)


# ------------------------------------------------------------------------------------------- conv and pooling
def conv2d(input: ArrayLike, filters: ArrayLike, strides: int | Sequence[int] = 1, padding: str = "VALID",
           data_format: str = "NHWC", dilations: int | Sequence[int] | None = None) -> Tensor:
    """tf.nn.conv2d: input [N, H, W, Cin] * filters [KH, KW, Cin, Cout] -> [N, OH, OW, Cout]; 'VALID'/'SAME'
    with TF's output sizes. The input gradient is skipped when the tape does not need it (a first layer).

    Args:
        input: The input `[N, H, W, Cin]`.
        filters: The filter `[KH, KW, Cin, Cout]`.
        strides: An int or a pair of ints, the step of the window along height and width (a list of 4 in TF's NHWC form
            is accepted too).
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (fastnn is channels-last).
        dilations: None, an int or a pair of ints, the dilation of the filter.

    Returns:
        A Tensor.

    Example:

    ```python
    import numpy as np
    import fastnn

    x, w = np.ones((1, 5, 5, 1), "float32"), np.ones((3, 3, 1, 2), "float32")
    print(fastnn.nn.conv2d(x, w, strides=1, padding="SAME").shape)  # (1, 5, 5, 2)
    ```
    """
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


def max_pool2d(input: ArrayLike, ksize: int | Sequence[int], strides: int | Sequence[int], padding: str,
               data_format: str = "NHWC") -> Tensor:
    """Max over each window (NHWC); the gradient goes to each window's first maximum (TF's CPU rule).

    Args:
        input: The input `[N, H, W, C]`.
        ksize: An int or a pair of ints, the window's height and width.
        strides: An int or a pair of ints, the step of the window along height and width (a list of 4 in TF's NHWC form
            is accepted too).
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (fastnn is channels-last).

    Returns:
        A Tensor.
    """
    x = _float_input(input, "input")
    xa = x._value
    if not is_recording([x]):
        return Tensor(kernels.max_pool2d(xa, ksize, strides, padding, data_format))
    y, argmax = kernels.max_pool2d_with_argmax(xa, ksize, strides, padding)
    return record([x], y, lambda g, needs: [
        kernels.max_pool2d_grad_with_argmax(xa.shape, g, argmax, ksize, strides, padding)])


def avg_pool2d(input: ArrayLike, ksize: int | Sequence[int], strides: int | Sequence[int], padding: str,
               data_format: str = "NHWC") -> Tensor:
    """Mean over the valid cells of each window (NHWC).

    Args:
        input: The input `[N, H, W, C]`.
        ksize: An int or a pair of ints, the window's height and width.
        strides: An int or a pair of ints, the step of the window along height and width (a list of 4 in TF's NHWC form
            is accepted too).
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        data_format: `"NHWC"` (fastnn is channels-last).

    Returns:
        A Tensor.
    """
    x = _float_input(input, "input")
    shape = x._value.shape
    y = kernels.avg_pool2d(x._value, ksize, strides, padding, data_format)
    return record([x], y, lambda g, needs: [kernels.avg_pool2d_grad(shape, g, ksize, strides, padding)])


max_pool = max_pool2d
avg_pool = avg_pool2d


# ------------------------------------------------------------------------------------------- dropout
def dropout(x: ArrayLike, rate: float, noise_shape: Sequence[int] | None = None, seed: int | None = None) -> Tensor:
    """tf.nn.dropout: each element is zeroed with probability `rate`, the rest scaled by 1/(1 − rate); always
    active (the Dropout layer decides when to call it). `noise_shape` broadcasts one decision over axes of
    size 1. The gradient uses the same mask.

    Args:
        x: A tensor-like: Tensor, Variable, numpy array or Python number.
        rate: The probability of zeroing each element, in [0, 1).
        noise_shape: None, or a shape that broadcasts to `x`'s: one decision per entry of it.
        seed: An int making the draw reproducible, or None.

    Returns:
        A Tensor.
    """
    return fastnn_random.dropout(x, rate, noise_shape=noise_shape, seed=seed)


# ------------------------------------------------------------------------------------------- normalization
def moments(x: ArrayLike, axes: int | Sequence[int], shift: ArrayLike | None = None, keepdims: bool = False,
            name: str | None = None) -> tuple[Tensor, Tensor]:
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

    t = _float_input(x)
    if isinstance(axes, (numbers.Integral, np.integer)) and not isinstance(axes, bool):
        axes = [axes]
    mean = reduce_mean(t, axis=axes, keepdims=True)
    variance = reduce_mean(square(subtract(t, stop_gradient(mean))), axis=axes, keepdims=True)
    if not keepdims:

        mean, variance = squeeze(mean, axis=axes), squeeze(variance, axis=axes)
    return mean, variance


def batch_normalization(x: ArrayLike, mean: ArrayLike, variance: ArrayLike, offset: ArrayLike, scale: ArrayLike,
                        variance_epsilon: float, name: str | None = None) -> Tensor:
    """`tf.nn.batch_normalization`: `(x - mean) * scale / sqrt(variance + variance_epsilon) + offset`, computed as
    TF does (`inv = rsqrt(variance + eps) * scale; x * inv + (offset - mean * inv)`); all arguments broadcast.
    `offset` and `scale` may be None. For BatchNormalization's fused kernel see `fastnn.ops.batch_norm`.

    Args:
        x: The input tensor.
        mean: The mean tensor (broadcast against `x`).
        variance: The variance tensor (broadcast against `x`).
        offset: The offset (beta) tensor, or None (no offset).
        scale: The scale (gamma) tensor, or None (no scaling).
        variance_epsilon: A small float added to the variance to avoid dividing by zero.
        name: Ignored (TF's op name).

    Returns:
        The normalized Tensor.
    """

    inv = rsqrt(add(_float_input(variance, "variance"), np.float32(variance_epsilon)))
    if scale is not None:
        inv = multiply(inv, _float_input(scale, "scale"))
    shift = multiply(_float_input(mean, "mean"), inv)
    shift = subtract(_float_input(offset, "offset"), shift) if offset is not None else negative(shift)
    return add(multiply(_float_input(x), inv), shift)


def embedding_lookup(params: ArrayLike, ids: ArrayLike, max_norm: float | None = None, name: str | None = None
                     ) -> Tensor:
    """The rows of the 2-D table `params` picked by `ids` (`tf.nn.embedding_lookup` with one table), on fastnn's
    embedding kernel; the table's gradient is a deterministic scatter-add (bitwise the same for any thread count).

    Args:
        params: `(input_dim, output_dim)` table (a Variable, Tensor or array).
        ids: integer indices of any shape (floats are truncated toward zero), each in `[0, input_dim)`.
        max_norm: must be None (TF's per-row clipping is not supported).
        name: accepted for TF compatibility.

    Returns:
        A float32 Tensor of shape `ids.shape + (output_dim,)`.

    Raises:
        ValueError: `params` is not 2-D or an index is out of range (the first bad one is named).

    Example:

    ```python
    import numpy as np
    import fastnn

    table = fastnn.Variable(np.arange(6, dtype=np.float32).reshape(3, 2))
    print(fastnn.nn.embedding_lookup(table, [[2, 0]]).numpy().tolist())  # [[[4.0, 5.0], [0.0, 1.0]]]
    ```
    """
    if max_norm is not None:
        raise ValueError(f"`max_norm` is not supported by fastnn's embedding_lookup. Received: max_norm={max_norm!r}")
    table = _float_input(params, "params")
    # named `indices` in messages, as the kernel's range check (and TF's) names them
    ids_arr = kernels.as_indices(as_array(ids, "ids") if isinstance(ids, TensorLike) else ids, "indices")
    out = kernels.embedding_lookup(table._value, ids_arr)
    rows = table.shape[0]

    def backward(g, needs):
        return [kernels.embedding_lookup_grad(ids_arr, g, rows)]
    return record([table], out, backward)

"""fastnn.ops.fused_ops — the fused layer ops Keras layers run on (fastnn's own, not TF names).

dense:   act(x @ kernel + bias) is ONE GEMM whose epilogue adds the bias and applies the activation; its backward
         is one fused pass for act' and the bias gradient, then the two GEMMs (the input gradient only if needed).
conv2d_bias_activation: the same for Conv2D: one convolution with bias + activation fused, one fused
         filter-and-bias gradient pass, the input gradient only if needed.
batch_norm: BatchNormalization's op: statistics and normalization in one C++ pass, one fused backward.
layer_norm: LayerNormalization's op, the same per sample.
recurrent: SimpleRNN/LSTM/GRU over a sequence: one input-projection GEMM, per step a recurrent GEMM + fused gates;
         backprop-through-time in C++.
Fusable activations: linear (None), relu, leaky_relu(alpha), sigmoid, tanh.

Shapes: dense x [..., in] · kernel [in, out] + bias [out] -> [..., out];
        conv x [N, H, W, Cin] * filters [KH, KW, Cin, Cout] + bias [Cout] -> [N, OH, OW, Cout].
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .. import kernels
from .._tape import record
from ..tensor import Tensor
from .array_ops import reshape, split
from .math_ops import _float_input, matmul, multiply, reduce_sum, square, subtract

__all__ = ["dense", "conv2d_bias_activation", "FUSABLE_ACTIVATIONS", "batch_norm", "layer_norm", "recurrent"]

FUSABLE_ACTIVATIONS = ("linear", "relu", "leaky_relu", "sigmoid", "tanh")


def _activation_arg(activation):
    act = "linear" if activation is None else activation
    if act not in FUSABLE_ACTIVATIONS:
        raise ValueError(f"`activation` must be one of {', '.join(FUSABLE_ACTIVATIONS)} or None, received "
                         f"{activation!r}")
    return act


def dense(inputs: ArrayLike, kernel: ArrayLike, bias: ArrayLike | None = None, activation: str | None = None,
          alpha: float = 0.2) -> Tensor:
    """act(inputs @ kernel + bias) over the last axis of `inputs`, fused forward and backward.

    Args:
        inputs: A tensor-like `[..., K]`.
        kernel: The kernel `[K, N]`.
        bias: None, or a 1-D bias of the output's last dimension.
        activation: None, `"linear"`, `"relu"`, `"leaky_relu"`, `"tanh"`, `"sigmoid"` or `"softmax"`; the first five run
            inside the kernel's epilogue.
        alpha: The slope for negative inputs of a `leaky_relu` activation.

    Returns:
        A Tensor.
    """
    act = _activation_arg(activation)
    x, w = _float_input(inputs, "inputs"), _float_input(kernel, "kernel")
    b = None if bias is None else _float_input(bias, "bias")
    xa, wa = x._value, w._value
    if xa.ndim < 1 or wa.ndim != 2 or xa.shape[-1] != wa.shape[0]:
        raise ValueError(f"dense: `inputs` of shape {xa.shape} cannot multiply `kernel` of shape {wa.shape}")
    x2 = xa.reshape(-1, xa.shape[-1]) if xa.ndim != 2 else xa
    y2 = kernels.dense(x2, wa, None if b is None else b._value, activation=act, alpha=alpha)

    def backward(g, needs):
        g2 = g.reshape(y2.shape)
        dz, db = kernels.dense_activation_grad(g2, y2 if act != "linear" else None, act, alpha)
        dx = kernels.matmul(dz, wa, transpose_b=True).reshape(xa.shape) if needs[0] else None
        dw = kernels.matmul(x2, dz, transpose_a=True) if needs[1] else None
        return [dx, dw] + ([db] if b is not None else [])

    def backward_ops(g, out, needs):  # the same formulas on Tensors, recorded (higher-order gradients)
        g2 = reshape(g, y2.shape)
        dz = g2 if act == "linear" else multiply(g2, _activation_derivative_ops(reshape(out, y2.shape), act, alpha))
        dx = reshape(matmul(dz, w, transpose_b=True), xa.shape) if needs[0] else None
        dw = matmul(reshape(x, x2.shape), dz, transpose_a=True) if needs[1] else None
        return [dx, dw] + ([reduce_sum(dz, axis=0)] if b is not None else [])

    inputs_ = [x, w] if b is None else [x, w, b]
    return record(inputs_, y2.reshape(xa.shape[:-1] + (wa.shape[1],)), backward, backward_ops)


def _activation_derivative_ops(y, act, alpha):
    """act'(z) from the output y = act(z), as a Tensor expression (relu/leaky_relu masks are constants)."""
    if act == "relu":
        return (y._value > 0).astype(np.float32)
    if act == "leaky_relu":
        return np.where(y._value > 0, 1, alpha).astype(np.float32)
    if act == "sigmoid":
        return multiply(y, subtract(np.float32(1), y))
    return subtract(np.float32(1), square(y))  # tanh


def conv2d_bias_activation(input: ArrayLike, filters: ArrayLike, bias: ArrayLike | None = None,
                           strides: int | Sequence[int] = 1, padding: str = "VALID",
                           dilations: int | Sequence[int] | None = None, activation: str | None = None,
                           alpha: float = 0.2) -> Tensor:
    """act(conv2d(input, filters) + bias), NHWC, fused forward and backward.

    Args:
        input: The input `[N, H, W, Cin]`.
        filters: The filter `[KH, KW, Cin, Cout]`.
        bias: None, or a 1-D bias of the output's last dimension.
        strides: An int or a pair of ints, the step of the window along height and width (a list of 4 in TF's NHWC form
            is accepted too).
        padding: `"VALID"` or `"SAME"` (TF's output sizes).
        dilations: None, an int or a pair of ints, the dilation of the filter.
        activation: None, `"linear"`, `"relu"`, `"leaky_relu"`, `"tanh"`, `"sigmoid"` or `"softmax"`; the first five run
            inside the kernel's epilogue.
        alpha: The slope for negative inputs of a `leaky_relu` activation.

    Returns:
        A Tensor.
    """
    act = _activation_arg(activation)
    x, w = _float_input(input, "input"), _float_input(filters, "filters")
    b = None if bias is None else _float_input(bias, "bias")
    xa, wa = x._value, w._value
    y = kernels.conv2d(xa, wa, strides, padding, dilations=dilations, bias=None if b is None else b._value,
                       activation=act, alpha=alpha)

    def backward(g, needs):
        dz = g if act == "linear" else _activation_grad(g, y, act, alpha)
        dx = kernels.conv2d_backprop_input(xa.shape, wa, dz, strides, padding, dilations=dilations) \
            if needs[0] else None
        dw = db = None
        if b is not None:
            dw, db = kernels.conv2d_backprop_filter_and_bias(xa, wa.shape, dz, strides, padding, dilations=dilations)
        elif needs[1]:
            dw = kernels.conv2d_backprop_filter(xa, wa.shape, dz, strides, padding, dilations=dilations)
        return [dx, dw] + ([db] if b is not None else [])

    return record([x, w] if b is None else [x, w, b], y, backward)


def _activation_grad(g, y, act, alpha):
    if act == "relu":
        return kernels.relu_grad(g, y)
    if act == "leaky_relu":
        return kernels.leaky_relu_grad(g, y, alpha)
    if act == "sigmoid":
        return kernels.sigmoid_grad(g, y)
    return kernels.tanh_grad(g, y)


def batch_norm(x: ArrayLike, gamma: ArrayLike | None = None, beta: ArrayLike | None = None,
               mean: ArrayLike | None = None, variance: ArrayLike | None = None, epsilon: float = 1e-3, axis: int = -1
               ) -> Tensor:
    """Batch normalization along `axis`: `(x - mean) / sqrt(variance + epsilon) * gamma + beta`, with the statistics
    computed from `x` (training) or given (inference), in one fused pass forward and one backward.

    Without `mean`/`variance`, they are the batch's mean and biased variance over every axis but `axis`
    (`tf.nn.moments`), and the gradient includes their dependence on `x` (Keras' training mode). With them, they
    are used as given (Keras' inference mode, the moving statistics) and receive gradients too.

    Args:
        x: float tensor of rank >= 1.
        gamma: `(C,)` scale tensor (`C = x.shape[axis]`), or None (ones).
        beta: `(C,)` offset tensor, or None (zeros).
        mean: `(C,)` mean to use (inference), or None (with `variance`) for the batch's own.
        variance: `(C,)` variance to use (inference), or None (with `mean`) for the batch's own.
        epsilon: positive float added to the variance.
        axis: the channel axis (int).

    Returns:
        `(y, mean, variance)`: the output Tensor (differentiable w.r.t. x, gamma, beta and given statistics) and
        the statistics used, as constant Tensors.

    Example:
    >>> y, mean, var = fastnn.ops.batch_norm(np.ones((4, 3)), epsilon=1e-3)
    """
    t = _float_input(x, "x")
    xa = t._value
    if isinstance(axis, bool) or not isinstance(axis, (numbers.Integral, np.integer)):
        raise TypeError(f"`axis` must be an int. Received: axis={axis!r}")
    if xa.ndim < 1 or not -xa.ndim <= axis < xa.ndim:
        raise ValueError(f"`axis` is out of bounds for an input of shape {xa.shape}. Received: axis={axis!r}")
    axis = int(axis) % xa.ndim
    last = axis == xa.ndim - 1  # channels last: no copy; else the channel axis is moved there and back

    def to_kernel(a):
        return a if last else np.ascontiguousarray(np.moveaxis(a, axis, -1))

    def from_kernel(a):
        return a if last else np.ascontiguousarray(np.moveaxis(a, -1, axis))

    given = [(k, _float_input(v, k)) for k, v in (("gamma", gamma), ("beta", beta), ("mean", mean),
                                                   ("variance", variance)) if v is not None]
    values = {k: v._value for k, v in given}
    xk = to_kernel(xa)
    y, m, v = kernels.batch_norm(xk, values.get("gamma"), values.get("beta"), values.get("mean"),
                                 values.get("variance"), epsilon)
    batch_stats = mean is None

    def backward(g, needs):
        dx, dgamma, dbeta = kernels.batch_norm_grad(xk, to_kernel(g), m, v, values.get("gamma"), epsilon,
                                                    batch_stats)
        grads = {"gamma": dgamma, "beta": dbeta}
        if not batch_stats:  # y = (x - mean)·inv·gamma + beta with inv = (variance + epsilon)^-1/2
            inv = np.float32(1) / np.sqrt(v + np.float32(epsilon))
            scale = values.get("gamma", np.float32(1))
            grads["mean"] = -dbeta * inv * scale
            grads["variance"] = np.float32(-0.5) * dgamma * scale * inv * inv
        return [from_kernel(dx)] + [grads[k] for k, _ in given]

    return record([t] + [v for _, v in given], from_kernel(y), backward), Tensor(m), Tensor(v)


def layer_norm(x: ArrayLike, gamma: ArrayLike | None = None, beta: ArrayLike | None = None,
               axis: int | Sequence[int] = -1, epsilon: float = 1e-3) -> Tensor:
    """Layer normalization over `axis` (Keras' `ops.layer_normalization`): each sample is normalized with the mean
    and biased variance of its values over `axis`, then scaled by `gamma` and shifted by `beta`, in one fused C++
    pass forward and one backward.

    Args:
        x: float tensor.
        gamma: scale tensor of shape `[x.shape[a] for a in sorted(axis)]`, or None (ones).
        beta: offset tensor of that shape, or None (zeros).
        axis: int or list of ints, the axes normalized over.
        epsilon: positive float added to the variance.

    Returns:
        The normalized Tensor (x's shape), differentiable w.r.t. x, gamma and beta.
    """
    t = _float_input(x, "x")
    xa = t._value
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if not axes or any(isinstance(a, bool) or not isinstance(a, (numbers.Integral, np.integer)) for a in axes):
        raise TypeError(f"`axis` must be an int or a non-empty list of ints. Received: axis={axis!r}")
    if any(not -xa.ndim <= a < xa.ndim for a in axes):
        raise ValueError(f"`axis` is out of bounds for an input of shape {xa.shape}. Received: axis={axis!r}")
    axes = sorted({int(a) % xa.ndim for a in axes})
    rest = [d for d in range(xa.ndim) if d not in axes]
    perm = rest + axes
    moved = perm != list(range(xa.ndim))
    xm = np.ascontiguousarray(np.transpose(xa, perm)) if moved else xa
    channels = int(np.prod([xa.shape[a] for a in axes]))
    x2 = xm.reshape(-1, channels)
    given = [(k, _float_input(v, k)) for k, v in (("gamma", gamma), ("beta", beta)) if v is not None]
    values = {}
    for k, v in given:
        if v._value.size != channels or v._value.shape not in ((channels,), tuple(xa.shape[a] for a in axes)):
            raise ValueError(f"`{k}` must have shape {tuple(xa.shape[a] for a in axes)}. Received: {k} of shape "
                             f"{v._value.shape}")
        values[k] = v._value.reshape(channels)
    y2, mean, inv = kernels.layer_norm(x2, values.get("gamma"), values.get("beta"), epsilon)
    inverse = np.argsort(perm)

    def restore(a2):
        a = a2.reshape(xm.shape)
        return np.ascontiguousarray(np.transpose(a, inverse)) if moved else a

    def backward(g, needs):
        gm = np.ascontiguousarray(np.transpose(g, perm)) if moved else g
        dx, dgamma, dbeta = kernels.layer_norm_grad(x2, gm.reshape(x2.shape), mean, inv, values.get("gamma"))
        grads = {"gamma": dgamma, "beta": dbeta}
        return [restore(dx)] + [grads[k].reshape(v._value.shape) for k, v in given]

    return record([t] + [v for _, v in given], restore(y2), backward)


def recurrent(cell: str, inputs: ArrayLike, kernel: ArrayLike, recurrent_kernel: ArrayLike,
              bias: ArrayLike | None = None, initial_state: Sequence[ArrayLike] | None = None,
              mask: ArrayLike | None = None, activation: str = "tanh", recurrent_activation: str = "sigmoid",
              go_backwards: bool = False, zero_output_for_mask: bool = False,
              return_sequences: bool = True) -> tuple[Tensor, list[Tensor]]:
    """A SimpleRNN (`cell="simple"`), LSTM (`"lstm"`) or GRU (`"gru"`, Keras' `reset_after=True`) layer over a
    sequence, with Keras' weight layouts, differentiable w.r.t. the inputs, weights and initial states.

    Args:
        cell: `"simple"`, `"lstm"` or `"gru"`.
        inputs: `(batch, timesteps, features)` tensor.
        kernel: `(features, k*units)` with k = 1, 4 (gates i, f, c, o) or 3 (gates z, r, h).
        recurrent_kernel: `(units, k*units)`.
        bias: `(k*units,)` (GRU: `(2, 3*units)`), or None.
        initial_state: None (zeros) or a list of `(batch, units)` tensors: `[h]`, or `[h, c]` for LSTM.
        mask: `(batch, timesteps)` boolean mask, or None.
        activation: `"tanh"`, `"sigmoid"`, `"relu"` or `"linear"`.
        recurrent_activation: the same choices, for the LSTM/GRU gates.
        go_backwards: process the sequence in reverse (the outputs come in processing order, as Keras).
        zero_output_for_mask: masked steps output zeros instead of the carried state.
        return_sequences: return every step's output, else the last one.

    Returns:
        `(outputs, states)`: `(batch, timesteps, units)` (or `(batch, units)`) and the final states `[h]` or
        `[h, c]`.

    Example:
    >>> x = np.ones((2, 5, 3), np.float32)
    >>> y, (h,) = fastnn.ops.recurrent("simple", x, np.full((3, 4), 0.1), np.eye(4), return_sequences=False)
    >>> y.shape, h.shape
    ((2, 4), (2, 4))
    """
    lstm = cell == "lstm"
    t = _float_input(inputs, "inputs")
    given = [("kernel", _float_input(kernel, "kernel")), ("recurrent_kernel",
                                                            _float_input(recurrent_kernel, "recurrent_kernel"))]
    if bias is not None:
        given.append(("bias", _float_input(bias, "bias")))
    states = list(initial_state) if initial_state is not None else []
    if states and len(states) != (2 if lstm else 1):
        raise ValueError(f"`initial_state` must hold {2 if lstm else 1} tensor(s) for this layer. Received: "
                         f"{len(states)} tensor(s)")
    for name, value in zip(("h0", "c0"), states):
        given.append((name, _float_input(value, "initial_state")))
    values = {k: v._value for k, v in given}
    xa = t._value
    if xa.ndim != 3:
        raise ValueError(f"`inputs` must be 3-D (batch, timesteps, features). Received: inputs of shape {xa.shape}")
    units = values["recurrent_kernel"].shape[0] if values["recurrent_kernel"].ndim == 2 else -1
    for name in ("h0", "c0"):
        if name in values and values[name].shape != (xa.shape[0], units):
            raise ValueError(f"Each `initial_state` tensor must have shape (batch, units) = {(xa.shape[0], units)}. "
                             f"Received: initial_state of shape {values[name].shape}")
    mask_a = None if mask is None else np.asarray(mask._value if isinstance(mask, Tensor) else mask)
    y, h, c, saved = kernels.rnn(cell, xa, values["kernel"], values["recurrent_kernel"], values.get("bias"),
                                 values.get("h0"), values.get("c0"), mask_a, activation, recurrent_activation,
                                 go_backwards, zero_output_for_mask)
    batch, steps, units = y.shape
    out = y.reshape(batch, steps * units) if return_sequences else y[:, steps - 1]
    parts = [out, h] + ([c] if lstm else [])
    sizes = [p.shape[1] for p in parts]

    def backward(g, needs):
        gy, gh = g[:, :sizes[0]], g[:, sizes[0]:sizes[0] + units]
        gc = g[:, sizes[0] + units:] if lstm else None
        if return_sequences:
            dy = gy.reshape(batch, steps, units)
        else:
            dy = np.zeros((batch, steps, units), np.float32)
            if steps:
                dy[:, steps - 1] = gy
        dx, dk, dr, db, dh0, dc0 = kernels.rnn_grad(
            cell, xa, values["kernel"], values["recurrent_kernel"], "bias" in values, mask_a, saved, dy, gh, gc,
            activation, recurrent_activation, go_backwards, zero_output_for_mask)
        grads = {"kernel": dk, "recurrent_kernel": dr, "bias": db, "h0": dh0, "c0": dc0}
        return [dx] + [grads[k] for k, _ in given]

    packed = record([t] + [v for _, v in given], np.concatenate(parts, axis=1), backward)
    pieces = split(packed, sizes, axis=1)
    outputs = reshape(pieces[0], (batch, steps, units)) if return_sequences else pieces[0]
    return outputs, list(pieces[1:])

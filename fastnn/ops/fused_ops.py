"""fastnn.ops.fused_ops — the fused layer ops Keras layers run on (fastnn's own, not TF names).

dense:   act(x @ kernel + bias) is ONE GEMM whose epilogue adds the bias and applies the activation; its backward
         is one fused pass for act' and the bias gradient, then the two GEMMs (the input gradient only if needed).
conv2d_bias_activation: the same for Conv2D: one convolution with bias + activation fused, one fused
         filter-and-bias gradient pass, the input gradient only if needed.
Fusable activations: linear (None), relu, leaky_relu(alpha), sigmoid, tanh.

Shapes: dense x [..., in] · kernel [in, out] + bias [out] -> [..., out];
        conv x [N, H, W, Cin] * filters [KH, KW, Cin, Cout] + bias [Cout] -> [N, OH, OW, Cout].
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .. import kernels
from .._tape import record
from ..tensor import Tensor
from .array_ops import reshape
from .math_ops import _float_input, matmul, multiply, reduce_sum, square, subtract

__all__ = ["dense", "conv2d_bias_activation", "FUSABLE_ACTIVATIONS"]

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

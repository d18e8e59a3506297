"""fastnn.kernels.batch_norm — batch and layer normalization over the last (channel) axis, one fused C++ pass
forward and one backward (the math of `tf.nn.moments` + `tf.nn.batch_normalization` and their gradients).

`x` has any rank >= 1 with channels last: an NHWC image batch or a (batch, features) matrix. Per-channel vectors
(`gamma`, `beta`, `mean`, `variance`) have shape (C,). Without `mean`/`variance` the batch's own statistics are
used (training): the mean and the biased variance over every axis but the last, as `tf.nn.moments` computes
them. Results are bitwise identical for any thread count.
"""
from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from ._convert import as_f32

__all__ = ["batch_norm", "batch_norm_grad", "layer_norm", "layer_norm_grad"]


def _epsilon_arg(epsilon):
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not epsilon > 0:
        raise ValueError(f"`epsilon` must be a positive number. Received: epsilon={epsilon!r}")
    return float(epsilon)


def _x_arg(x, name):
    a = as_f32(x, name)
    if a.ndim < 1:
        raise ValueError(f"`{name}` must have rank >= 1 (channels last). Received: {name} of shape {a.shape}")
    return a


def _channel_arg(value, name, channels):
    if value is None:
        return None
    a = as_f32(value, name)
    if a.shape != (channels,):
        raise ValueError(f"`{name}` must have shape ({channels},), one value per channel. Received: {name} of "
                         f"shape {a.shape}")
    return a


def batch_norm(x: ArrayLike, gamma: ArrayLike | None = None, beta: ArrayLike | None = None,
               mean: ArrayLike | None = None, variance: ArrayLike | None = None, epsilon: float = 1e-3
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalizes `x` per channel (last axis): `(x - mean) / sqrt(variance + epsilon) * gamma + beta`.

    Args:
        x: array of rank >= 1, channels last.
        gamma: `(C,)` scale, or None (ones).
        beta: `(C,)` offset, or None (zeros).
        mean: `(C,)` mean to use (inference), or None (with `variance`) to use the batch's own (training).
        variance: `(C,)` variance to use (inference), or None (with `mean`) to use the batch's own (training).
        epsilon: positive float added to the variance.

    Returns:
        `(y, mean, variance)`: the output (x's shape) and the statistics used, float32 arrays.
    """
    xa = _x_arg(x, "x")
    c = xa.shape[-1]
    if (mean is None) != (variance is None):
        raise ValueError("`mean` and `variance` must be given together (inference) or both be None (training). "
                         f"Received: mean={'None' if mean is None else 'an array'}, "
                         f"variance={'None' if variance is None else 'an array'}")
    return _core.batch_norm(xa, _channel_arg(gamma, "gamma", c), _channel_arg(beta, "beta", c),
                            _channel_arg(mean, "mean", c), _channel_arg(variance, "variance", c),
                            _epsilon_arg(epsilon))


def batch_norm_grad(x: ArrayLike, grad: ArrayLike, mean: ArrayLike, variance: ArrayLike, gamma: ArrayLike | None = None,
                    epsilon: float = 1e-3, batch_stats: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of `batch_norm` with respect to x, gamma and beta.

    Args:
        x: the forward's input.
        grad: the gradient of its output (x's shape).
        mean: `(C,)` mean the forward used.
        variance: `(C,)` variance the forward used.
        gamma: the forward's `(C,)` scale, or None (ones).
        epsilon: the forward's epsilon.
        batch_stats: True when the forward computed mean/variance from `x` (their dependence on x is included).

    Returns:
        `(dx, dgamma, dbeta)`.
    """
    xa = _x_arg(x, "x")
    c = xa.shape[-1]
    g = as_f32(grad, "grad")
    if g.shape != xa.shape:
        raise ValueError(f"`grad` must have the shape of `x` {xa.shape}. Received: grad of shape {g.shape}")
    return _core.batch_norm_grad(xa, g, _channel_arg(mean, "mean", c), _channel_arg(variance, "variance", c),
                                 _channel_arg(gamma, "gamma", c), _epsilon_arg(epsilon), bool(batch_stats))


def layer_norm(x: ArrayLike, gamma: ArrayLike | None = None, beta: ArrayLike | None = None, epsilon: float = 1e-3
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalizes each row of `x` over its last axis: `(x - mean_r) / sqrt(var_r + epsilon) * gamma + beta`.

    Args:
        x: array of rank >= 1; the statistics are per row (every index of the leading axes).
        gamma: `(C,)` scale over the last axis, or None (ones).
        beta: `(C,)` offset over the last axis, or None (zeros).
        epsilon: positive float added to the variance.

    Returns:
        `(y, mean, inv)`: the output and each row's mean and 1/sqrt(variance + epsilon) (flattened rows), which
        `layer_norm_grad` takes.
    """
    xa = _x_arg(x, "x")
    c = xa.shape[-1]
    return _core.layer_norm(xa, _channel_arg(gamma, "gamma", c), _channel_arg(beta, "beta", c),
                            _epsilon_arg(epsilon))


def layer_norm_grad(x: ArrayLike, grad: ArrayLike, mean: ArrayLike, inv: ArrayLike, gamma: ArrayLike | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`(dx, dgamma, dbeta)` of `layer_norm` from its input, the output's gradient and its row statistics.

    Args:
        x: the forward's input.
        grad: the gradient of its output (x's shape).
        mean: each row's mean, as `layer_norm` returned it.
        inv: each row's 1/sqrt(variance + epsilon), as `layer_norm` returned it.
        gamma: the forward's `(C,)` scale, or None (ones).

    Returns:
        `(dx, dgamma, dbeta)`.
    """
    xa = _x_arg(x, "x")
    g = as_f32(grad, "grad")
    if g.shape != xa.shape:
        raise ValueError(f"`grad` must have the shape of `x` {xa.shape}. Received: grad of shape {g.shape}")
    return _core.layer_norm_grad(xa, g, as_f32(mean, "mean"), as_f32(inv, "inv"),
                                 _channel_arg(gamma, "gamma", xa.shape[-1]))

"""fastnn.kernels.elementwise — activations, exp / log, their derivatives and the Dense-backward prologue (`tf.nn.*`,
`tf.math.exp`, `tf.math.log` names).

Elementwise ops take any shape and return the same shape. Derivatives follow TensorFlow's gradient ops: relu and
leaky_relu from the forward input (or output: the sign is the same), sigmoid and tanh from the forward output.
"""
from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from ._convert import as_f32

__all__ = [
    "relu", "leaky_relu", "sigmoid", "tanh", "softmax",
    "relu_grad", "leaky_relu_grad", "sigmoid_grad", "tanh_grad", "softmax_grad",
    "bias_add_grad", "dense_activation_grad",
    "exp", "log", "exp_grad", "log_grad",
    "KERAS_ACTIVATIONS", "activation", "activation_grad",
]

# The Keras 3 activations with a one-pass kernel each (forward and derivative); "gelu_tanh" is gelu(approximate=True).
KERAS_ACTIVATIONS = ("gelu", "gelu_tanh", "elu", "selu", "swish", "softplus", "softsign", "hard_sigmoid",
                     "hard_swish", "relu6", "mish")

_FUSABLE_ACTIVATIONS = ("linear", "relu", "leaky_relu", "sigmoid", "tanh")


def _as_alpha(alpha):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"`alpha` must be a real number, received {alpha!r}")
    return float(alpha)


def _as_axis(axis, ndim):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"`axis` must be an int, received {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"`axis` {axis} is out of bounds for an input of rank {ndim}")
    return int(axis) % ndim


def _unary(x, name, op, alpha=0.2):
    # as_f32 (np.ascontiguousarray) turns a 0-d input into shape (1,): restore the caller's shape.
    arr = as_f32(x, name)
    return _core.unary(arr, op, alpha).reshape(np.shape(x))


def _unary_grad(dy, dy_name, v, v_name, op, alpha=0.2):
    g, a = as_f32(dy, dy_name), as_f32(v, v_name)
    if np.shape(dy) != np.shape(v):
        raise ValueError(f"`{dy_name}` and `{v_name}` must have the same shape, received {np.shape(dy)} and "
                         f"{np.shape(v)}")
    return _core.unary_grad(g, a, op, alpha).reshape(np.shape(dy))


def relu(features: ArrayLike) -> np.ndarray:
    """max(features, 0), elementwise.

    Args:
        features: A real numeric array-like (converted to float32).

    Returns:
        A float32 numpy array.
    """
    return _unary(features, "features", "relu")


def leaky_relu(features: ArrayLike, alpha: float = 0.2) -> np.ndarray:
    """features if features > 0 else alpha·features (`tf.nn.leaky_relu`; note keras.layers.LeakyReLU uses 0.3).

    Args:
        features: A real numeric array-like (converted to float32).
        alpha: The slope for negative inputs of leaky_relu.

    Returns:
        A float32 numpy array.
    """
    return _unary(features, "features", "leaky_relu", _as_alpha(alpha))


def sigmoid(x: ArrayLike) -> np.ndarray:
    """1 / (1 + exp(−x)), elementwise.

    Args:
        x: A real numeric array-like (converted to float32).

    Returns:
        A float32 numpy array.
    """
    return _unary(x, "x", "sigmoid")


def tanh(x: ArrayLike) -> np.ndarray:
    """tanh(x), elementwise.

    Args:
        x: A real numeric array-like (converted to float32).

    Returns:
        A float32 numpy array.
    """
    return _unary(x, "x", "tanh")


def _along_last_axis(fn, arrays, axis):
    """fn(*arrays) computed over `axis` by moving it last and back."""
    ndim = arrays[0].ndim
    axis = _as_axis(axis, ndim)
    if axis == ndim - 1:
        return fn(*arrays)
    moved = [np.ascontiguousarray(np.moveaxis(a, axis, -1)) for a in arrays]
    return np.moveaxis(fn(*moved), -1, axis)


def softmax(logits: ArrayLike, axis: int = -1) -> np.ndarray:
    """exp(logits) / Σ exp(logits) along `axis` (computed as exp(z − max) · 1/Σ, as TF does).

    Args:
        logits: Logits, a real numeric array-like.
        axis: The axis to normalise over.

    Returns:
        A float32 numpy array.
    """
    if np.ndim(logits) == 0:  # checked before as_f32, which turns a scalar into shape (1,)
        raise ValueError("softmax needs an input of rank >= 1, received a scalar")
    return _along_last_axis(_core.softmax, [as_f32(logits, "logits")], axis)


def relu_grad(dy: ArrayLike, x: ArrayLike) -> np.ndarray:
    """dy · (x > 0); `x` may be relu's input or its output.

    Args:
        dy: The gradient of the loss with respect to the op's output, of its shape.
        x: relu's input or output.

    Returns:
        A float32 numpy array.
    """
    return _unary_grad(dy, "dy", x, "x", "relu")


def leaky_relu_grad(dy: ArrayLike, x: ArrayLike, alpha: float = 0.2) -> np.ndarray:
    """dy if x > 0 else alpha·dy; `x` may be the input or (for alpha > 0) the output.

    Args:
        dy: The gradient of the loss with respect to the op's output, of its shape.
        x: leaky_relu's input (or, for alpha > 0, its output).
        alpha: The slope for negative inputs of leaky_relu.

    Returns:
        A float32 numpy array.
    """
    return _unary_grad(dy, "dy", x, "x", "leaky_relu", _as_alpha(alpha))


def sigmoid_grad(dy: ArrayLike, y: ArrayLike) -> np.ndarray:
    """dy · y · (1 − y) from the sigmoid output y.

    Args:
        dy: The gradient of the loss with respect to the op's output, of its shape.
        y: The sigmoid output.

    Returns:
        A float32 numpy array.
    """
    return _unary_grad(dy, "dy", y, "y", "sigmoid")


def tanh_grad(dy: ArrayLike, y: ArrayLike) -> np.ndarray:
    """dy · (1 − y²) from the tanh output y.

    Args:
        dy: The gradient of the loss with respect to the op's output, of its shape.
        y: The tanh output.

    Returns:
        A float32 numpy array.
    """
    return _unary_grad(dy, "dy", y, "y", "tanh")


def softmax_grad(dy: ArrayLike, y: ArrayLike, axis: int = -1) -> np.ndarray:
    """y · (dy − Σ dy·y) along `axis`, from the softmax output y.

    Args:
        dy: The gradient of the loss with respect to the op's output, of its shape.
        y: The softmax output.
        axis: The axis to normalise over.

    Returns:
        A float32 numpy array.
    """
    if np.ndim(y) == 0:
        raise ValueError("softmax_grad needs inputs of rank >= 1, received a scalar `y`")
    dy = as_f32(dy, "dy")
    y = as_f32(y, "y")
    if dy.shape != y.shape:
        raise ValueError(f"`dy` and `y` must have the same shape, received {dy.shape} and {y.shape}")
    return _along_last_axis(_core.softmax_grad, [dy, y], axis)


def bias_add_grad(dy: ArrayLike) -> np.ndarray:
    """Σ dy over every axis but the last (the bias gradient of `tf.nn.bias_add`, channels last).

    Args:
        dy: The gradient of the loss with respect to the op's output, of its shape.

    Returns:
        A float32 numpy array.
    """
    return _core.bias_add_grad(as_f32(dy, "dy"))


def dense_activation_grad(dy: ArrayLike, y: ArrayLike | None = None, activation: str = "linear",
                          alpha: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Backward prologue of Dense(activation): (dz, db) with dz = dy ⊙ act'(y) [B, N] and db = Σ_rows dz [N],
    in one pass. `y` is the activation output (unused for linear). The column sums are deterministic.

    Args:
        dy: The gradient of the loss with respect to the op's output, of its shape.
        y: The activation output `[B, N]` (unused for linear).
        activation: The Dense layer's activation name.
        alpha: The slope for negative inputs of leaky_relu.

    Returns:
        A tuple `(dz, db)` of float32 arrays.
    """
    if activation is None:
        activation = "linear"
    if activation not in _FUSABLE_ACTIVATIONS:
        raise ValueError(
            f"`activation` must be one of {', '.join(_FUSABLE_ACTIVATIONS)}, received {activation!r}"
        )
    dy = as_f32(dy, "dy")
    y = None if y is None else as_f32(y, "y")
    return _core.dense_activation_grad(dy, y, activation, _as_alpha(alpha))


def exp(x: ArrayLike) -> np.ndarray:
    """e^x, elementwise (0 below ln(FLT_MIN) ≈ −87.34, as TF with denormals flushed; inf above ≈ 88.72).

    Args:
        x: The input (array-like, converted to float32).

    Returns:
        A float32 numpy array of the shape of `x`.
    """
    return _unary(x, "x", "exp")


def log(x: ArrayLike) -> np.ndarray:
    """Natural logarithm, elementwise: −inf at 0 (and for denormals), NaN below 0.

    Args:
        x: The input (array-like, converted to float32).

    Returns:
        A float32 numpy array of the shape of `x`.
    """
    return _unary(x, "x", "log")


def exp_grad(dy: ArrayLike, y: ArrayLike) -> np.ndarray:
    """dy · y, from the output y = exp(x).

    Args:
        dy: The gradient with respect to the output of `exp`.
        y: The output of `exp` (`exp(x)`), of the shape of `dy`.

    Returns:
        A float32 numpy array, the gradient with respect to `x`.
    """
    return _unary_grad(dy, "dy", y, "y", "exp")


def log_grad(dy: ArrayLike, x: ArrayLike) -> np.ndarray:
    """dy · (1/x), from the input x.

    Args:
        dy: The gradient with respect to the output of `log`.
        x: The input of `log`, of the shape of `dy`.

    Returns:
        A float32 numpy array, the gradient with respect to `x`.
    """
    return _unary_grad(dy, "dy", x, "x", "log")


def _keras_activation_name(name):
    if name not in KERAS_ACTIVATIONS:
        raise ValueError(f"`name` must be one of {', '.join(KERAS_ACTIVATIONS)}. Received: name={name!r}")
    return name


def activation(x: ArrayLike, name: str, alpha: float = 1.0) -> np.ndarray:
    """A Keras 3 activation in one vectorised pass: y = f(x), with TF's formulas (`tf.nn.gelu`, `tf.nn.elu`, ...).

    gelu is `0.5·x·(1 + erf(x/√2))`, gelu_tanh `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, elu
    `x if x > 0 else alpha·(eˣ − 1)`, selu `scale·x if x >= 0 else scale·alpha·(eˣ − 1)` (Keras' constants), swish
    `x·sigmoid(x)`, softplus `log(1 + eˣ)` (no overflow), softsign `x/(1 + |x|)`, hard_sigmoid `relu6(x + 3)/6`,
    hard_swish `x·hard_sigmoid(x)`, relu6 `min(max(x, 0), 6)`, mish `x·tanh(softplus(x))`.

    Args:
        x: A real numeric array-like (converted to float32), any shape.
        name: One of `KERAS_ACTIVATIONS`.
        alpha: elu's scale of the negative part (ignored by the others).

    Returns:
        A float32 numpy array of `x`'s shape.

    Example:

    ```python
    import fastnn

    print(fastnn.kernels.activation([-1.0, 0.0, 8.0], "relu6"))  # [0. 0. 6.]
    ```
    """
    return _unary(x, "x", _keras_activation_name(name), _as_alpha(alpha))


def activation_grad(dy: ArrayLike, x: ArrayLike, name: str, alpha: float = 1.0) -> np.ndarray:
    """dy · f'(x) for a Keras 3 activation (see `activation`), from the forward input x, in one pass.

    Args:
        dy: The gradient of the loss with respect to the activation's output.
        x: The activation's input, of the shape of `dy`.
        name: One of `KERAS_ACTIVATIONS`.
        alpha: elu's scale of the negative part (ignored by the others).

    Returns:
        A float32 numpy array, the gradient with respect to `x`.
    """
    return _unary_grad(dy, "dy", x, "x", _keras_activation_name(name), _as_alpha(alpha))

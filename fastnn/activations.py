"""fastnn.activations — Keras' activation functions on tensors (differentiable), and `get` by name.

Layers with relu / leaky_relu / sigmoid / tanh / linear fuse the activation into their kernel (see
fastnn.ops.fused_ops); these functions are what every other activation, and user code, calls. gelu, elu, selu,
silu, softplus, softsign, hard_sigmoid, hard_silu, relu6 and mish each run as one C++ pass forward and one backward
(`fastnn.kernels.activation`). Names and defaults are Keras 3's (`serialize(swish)` is `"silu"`).
"""
from __future__ import annotations

from collections.abc import Callable

from numpy.typing import ArrayLike

from . import ops
from .saving import serialization
from .tensor import Tensor

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "elu", "selu", "softplus",
           "softsign", "swish", "silu", "relu6", "hard_sigmoid", "exponential", "get", "serialize", "gelu",
           "hard_silu", "hard_swish", "mish"]


def relu(x: ArrayLike, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float | None = 0.0) -> Tensor:
    """Applies the rectified linear unit activation: `max(x, 0)`, with Keras' options.

    With the defaults it is `fastnn.nn.relu` (one kernel); otherwise `x` if `x > threshold`, else
    `negative_slope * (x - threshold)`, capped at `max_value` — composed exactly as Keras 3 does (so clipped values
    are +0.0, never -0.0, and `max_value=6` runs `relu6`).

    Args:
        x: Input tensor-like.
        negative_slope: The slope below `threshold` (default 0: plain relu).
        max_value: None, or the value to cap the output at.
        threshold: The value below which the slope applies.

    Returns:
        A Tensor of `x`'s shape.

    Example:

    ```python
    import fastnn

    print(fastnn.activations.relu([-2.0, 1.0, 8.0], max_value=6.0).numpy())  # [0. 1. 6.])
    ```
    """
    # keras/src/activations/activations.py ReLU.static_call, step for step.
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    x = ops.convert_to_tensor(x, dtype="float32")
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return ops.leaky_relu(x, alpha=negative_slope)
        negative_part = ops.relu(ops.add(ops.negative(x), threshold) if threshold != 0 else ops.negative(x))
    clip_max = max_value is not None
    if threshold != 0:
        x = ops.where(ops.greater(x, threshold), x, 0.0)
    elif max_value == 6:
        x = ops.relu6(x)
        clip_max = False
    else:
        x = ops.relu(x)
    if clip_max:
        x = ops.clip_by_value(x, 0.0, max_value)
    if negative_slope != 0.0:
        x = ops.subtract(x, ops.multiply(negative_part, negative_slope))
    return x


def leaky_relu(x: ArrayLike, negative_slope: float = 0.2) -> Tensor:
    """Leaky relu: `x` if `x > 0`, else `negative_slope * x`.

    Args:
        x: Input tensor-like.
        negative_slope: The slope for negative inputs (the function's default is 0.2; the `LeakyReLU` layer's 0.3).

    Returns:
        A Tensor of `x`'s shape.

    Example:

    ```python
    import fastnn

    print(fastnn.activations.leaky_relu([-1.0, 1.0]).numpy())  # [-0.2  1. ])
    ```
    """
    return ops.leaky_relu(x, alpha=negative_slope)


def sigmoid(x: ArrayLike) -> Tensor:
    """Sigmoid activation: `1 / (1 + exp(-x))`.

    Args:
        x: Input tensor-like.

    Returns:
        A Tensor of `x`'s shape.

    Example:

    ```python
    import fastnn

    print(fastnn.activations.sigmoid([0.0]).numpy())  # [0.5])
    ```
    """
    return ops.sigmoid(x)


def tanh(x: ArrayLike) -> Tensor:
    """Hyperbolic tangent activation.

    Args:
        x: Input tensor-like.

    Returns:
        A Tensor of `x`'s shape.

    Example:

    ```python
    import fastnn

    print(fastnn.activations.tanh([0.0]).numpy())  # [0.])
    ```
    """
    return ops.tanh(x)


def softmax(x: ArrayLike, axis: int = -1) -> Tensor:
    """Softmax: `exp(x) / sum(exp(x))` along an axis, computed stably.

    Args:
        x: Input tensor-like.
        axis: The axis to normalise over.

    Returns:
        A Tensor of `x`'s shape.

    Example:

    ```python
    import fastnn

    print(fastnn.activations.softmax([[1.0, 1.0]]).numpy())  # [[0.5 0.5]])
    ```
    """
    return ops.softmax(x, axis=axis)


def log_softmax(x: ArrayLike, axis: int = -1) -> Tensor:
    """Log-softmax: `x - log(sum(exp(x)))` along an axis.

    Args:
        x: Input tensor-like.
        axis: The axis to normalise over.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.log_softmax(x, axis=axis)


def linear(x: ArrayLike) -> ArrayLike:
    """Linear (identity) activation: returns `x` unchanged.

    Args:
        x: Input tensor-like.

    Returns:
        `x` itself.
    """
    return x


def elu(x: ArrayLike, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`.

    Args:
        x: Input tensor-like.
        alpha: The scale of the negative part.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.elu(x, alpha)


def selu(x: ArrayLike) -> Tensor:
    """Scaled exponential linear unit: `scale * elu(x, alpha)` with the self-normalising constants.

    `alpha = 1.67326324` and `scale = 1.05070098` (Klambauer et al., 2017), as in Keras.

    Args:
        x: Input tensor-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.selu(x)


def softplus(x: ArrayLike) -> Tensor:
    """Softplus activation: `log(1 + exp(x))`.

    Computed as `max(x, 0) + log(1 + exp(-|x|))`, so it never overflows.

    Args:
        x: Input tensor-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.softplus(x)


def softsign(x: ArrayLike) -> Tensor:
    """Softsign activation: `x / (1 + |x|)`.

    Args:
        x: Input tensor-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.softsign(x)


def silu(x: ArrayLike) -> Tensor:
    """SiLU (swish) activation: `x * sigmoid(x)`; `swish` is the same function (Keras 3 serializes it "silu").

    Args:
        x: Input tensor-like.

    Returns:
        A Tensor of `x`'s shape.

    Example:

    ```python
    import fastnn

    print(fastnn.activations.get("swish") is fastnn.activations.silu)  # True
    ```
    """
    return ops.silu(x)


swish = silu


def gelu(x: ArrayLike, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit: `x * Phi(x)`, Phi the standard normal CDF (Keras 3's default is exact).

    Exact: `0.5 * x * (1 + erf(x / sqrt(2)))`; `approximate=True`:
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))`.

    Args:
        x: Input tensor-like.
        approximate: Whether to use the tanh approximation.

    Returns:
        A Tensor of `x`'s shape.

    Example:

    ```python
    import fastnn

    print(fastnn.activations.gelu([-1.0, 0.0, 1.0]).numpy())  # [-0.15865529  0.          0.8413447 ]
    ```
    """
    return ops.gelu(x, approximate=approximate)


def hard_silu(x: ArrayLike) -> Tensor:
    """Hard SiLU (hard swish) activation: `x * hard_sigmoid(x)` = `x * relu6(x + 3) / 6`.

    Args:
        x: Input tensor-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.hard_silu(x)


hard_swish = hard_silu


def mish(x: ArrayLike) -> Tensor:
    """Mish activation: `x * tanh(softplus(x))`.

    Args:
        x: Input tensor-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.mish(x)


def relu6(x: ArrayLike) -> Tensor:
    """Relu capped at 6: `min(max(x, 0), 6)`.

    The gradient is 0 at both kinks (TF's relu6).

    Args:
        x: Input tensor-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.relu6(x)


def hard_sigmoid(x: ArrayLike) -> Tensor:
    """Hard sigmoid: `relu6(x + 3) / 6` (Keras 3's definition).

    Args:
        x: Input tensor-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.hard_sigmoid(x)


def exponential(x: ArrayLike) -> Tensor:
    """Exponential activation: `exp(x)`.

    Args:
        x: Input tensor-like.

    Returns:
        A Tensor of `x`'s shape.
    """
    return ops.exp(x)


# Keras 3's names (serialize returns the first name registered for a function) then its aliases.
_BY_NAME = {f.__name__: f for f in (relu, leaky_relu, sigmoid, tanh, softmax, log_softmax, linear, elu, selu,
                                    softplus, softsign, silu, relu6, hard_sigmoid, exponential, gelu, hard_silu,
                                    mish)}
_BY_NAME["swish"] = silu
_BY_NAME["hard_swish"] = hard_silu


def get(identifier: str | Callable | None) -> Callable:
    """Retrieves an activation function from its name, or returns a callable as is.

    Args:
        identifier: A name (`"relu"`, `"softmax"`, `"silu"`, ...), None (linear), or a callable.

    Returns:
        The activation function.

    Raises:
        ValueError: if the identifier names no activation.

    Example:

    ```python
    import fastnn

    print(fastnn.activations.get("relu") is fastnn.activations.relu)  # True
    ```
    """
    return serialization.get(identifier, "activation function", _BY_NAME, none=linear, callables="any",
                             expected=f"one of {sorted(_BY_NAME)} or a callable")


def serialize(activation: Callable) -> str:
    """Returns the name of an activation function (what a layer's `get_config` stores).

    Args:
        activation: An activation function.

    Returns:
        Its Keras 3 name for a built-in activation (`swish` gives `"silu"`, `hard_swish` `"hard_silu"`), else the
        function's `__name__`.
    """
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return name
    return getattr(activation, "__name__", repr(activation))



"""fastnn.activations — Keras' activation functions on tensors (differentiable), and `get` by name.

Layers with relu / leaky_relu / sigmoid / tanh / linear fuse the activation into their kernel (see
fastnn.ops.fused_ops); these functions are what every other activation, and user code, calls.
"""

from . import ops
from .saving import serialization

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "elu", "selu", "softplus",
           "softsign", "swish", "silu", "relu6", "hard_sigmoid", "exponential", "get", "serialize"]


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0) (Keras' options: a slope below `threshold`, a cap at `max_value`)."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    y = ops.where(ops.greater(x, threshold), x, ops.multiply(ops.subtract(x, threshold), negative_slope))
    return y if max_value is None else ops.minimum(y, max_value)


def leaky_relu(x, negative_slope=0.2):
    return ops.leaky_relu(x, alpha=negative_slope)


def sigmoid(x):
    return ops.sigmoid(x)


def tanh(x):
    return ops.tanh(x)


def softmax(x, axis=-1):
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return ops.log_softmax(x, axis=axis)


def linear(x):
    return x


def elu(x, alpha=1.0):
    """x if x > 0 else alpha·(e^x − 1)."""
    return ops.where(ops.greater(x, 0.0), x, ops.multiply(ops.subtract(ops.exp(ops.minimum(x, 0.0)), 1.0), alpha))


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def selu(x):
    """scale · elu(x, alpha) with the self-normalising constants."""
    return ops.multiply(elu(x, _SELU_ALPHA), _SELU_SCALE)


def softplus(x):
    """log(1 + e^x), computed as max(x, 0) + log(1 + e^−|x|) so it never overflows."""
    return ops.add(ops.maximum(x, 0.0), ops.log(ops.add(ops.exp(ops.negative(ops.abs(x))), 1.0)))


def softsign(x):
    """x / (1 + |x|)."""
    return ops.divide(x, ops.add(ops.abs(x), 1.0))


def swish(x):
    """x · sigmoid(x) (also called silu)."""
    return ops.multiply(x, ops.sigmoid(x))


silu = swish


def relu6(x):
    """min(max(x, 0), 6); the gradient is 0 at both kinks (TF's relu6)."""
    return ops.where(ops.less(x, 6.0), ops.relu(x), 6.0)


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (Keras 3's definition)."""
    return ops.divide(relu6(ops.add(x, 3.0)), 6.0)


def exponential(x):
    return ops.exp(x)


_BY_NAME = {f.__name__: f for f in (relu, leaky_relu, sigmoid, tanh, softmax, log_softmax, linear, elu, selu,
                                    softplus, softsign, swish, relu6, hard_sigmoid, exponential)}
_BY_NAME["silu"] = swish


def get(identifier):
    """An activation function from its name (None means linear) or a callable as is."""
    return serialization.get(identifier, "activation function", _BY_NAME, none=linear, callables="any",
                             expected=f"one of {sorted(_BY_NAME)} or a callable")


def serialize(activation):
    """The name of a built-in activation (what get_config stores)."""
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return name
    return getattr(activation, "__name__", repr(activation))



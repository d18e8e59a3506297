"""`Dense`: act(inputs · kernel + bias) over the last axis — one fused GEMM forward, one fused backward."""
from __future__ import annotations

from collections.abc import Callable

from .. import activations, ops
from .._validation import positive_int
from ..ops.fused_ops import FUSABLE_ACTIVATIONS
from ..saving.serialization import serialize_object
from .layer import Layer

__all__ = ["Dense"]


_positive_int = positive_int  # the name other layer modules import


class Dense(Layer):
    """Just your regular densely-connected layer: `activation(inputs @ kernel + bias)`.

    The product runs as one fused GEMM with the bias and a relu / leaky_relu / tanh activation in its epilogue, and
    the backward pass as one fused kernel. A softmax or sigmoid activation runs after the GEMM; compiled with a
    matching cross-entropy, `fit` trains on the logits (as Keras does). Weights have Keras' layout: `kernel` is
    `(input_dim, units)`, `bias` is `(units,)`. An input of rank > 2 is multiplied along its last axis.

    Args:
        units: Positive int, the dimensionality of the output space.
        activation: Activation name or callable (see `fastnn.activations`); None means linear.
        use_bias: Whether the layer adds a bias vector.
        kernel_initializer: Initializer for the kernel (name, instance or callable).
        bias_initializer: Initializer for the bias.
        kernel_regularizer: Regularizer applied to the kernel (its penalty joins the model's losses).
        bias_regularizer: Regularizer applied to the bias.
        kernel_constraint: Constraint applied to the kernel after each optimizer step.
        bias_constraint: Constraint applied to the bias after each optimizer step.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`, `input_dim`).

    Input shape:
        N-D tensor of shape `(batch_size, ..., input_dim)`, N >= 2; most often `(batch_size, input_dim)`.

    Output shape:
        N-D tensor of shape `(batch_size, ..., units)`.

    Raises:
        ValueError: if `units` is not a positive int, or the input has rank < 2 or an unknown last dimension.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    layer = layers.Dense(32, activation="relu")
    y = layer(np.ones((4, 16), "float32"))
    print(y.shape, layer.kernel.shape)  # (4, 32) (16, 32)
    ```
    """

    supports_masking = True  # as Keras: an input mask passes through to the output

    def __init__(self, units: int, activation: str | Callable | None = None, use_bias: bool = True,
                 kernel_initializer: str | Callable | None = "glorot_uniform",
                 bias_initializer: str | Callable | None = "zeros", kernel_regularizer: str | Callable | None = None,
                 bias_regularizer: str | Callable | None = None, kernel_constraint: str | Callable | None = None,
                 bias_constraint: str | Callable | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units = _positive_int(units, "units")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        name = activations.serialize(self.activation)
        # fused in the GEMM epilogue; softmax/sigmoid run after it and keep their logits for the loss (Keras)
        self._fused = "linear" if name == "linear" else (name if name in FUSABLE_ACTIVATIONS and name != "sigmoid"
                                                          else None)

    def _check_rank(self, shape):
        if len(shape) < 2:  # Keras' InputSpec(min_ndim=2)
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected min_ndim=2, "
                             f"found ndim={len(shape)}. Full shape received: {tuple(shape)}")

    def build(self, input_shape):
        self._check_rank(input_shape)
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Dense layer {self.name!r} needs a known last input dimension, received shape "
                             f"{input_shape}")
        self.kernel = self.add_weight((input_dim, self.units), self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight((self.units,), self.bias_initializer, name="bias",
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None

    def call(self, inputs):
        self._check_rank(inputs.shape)
        if inputs.shape[-1] != self.kernel.shape[0]:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected last axis "
                             f"{self.kernel.shape[0]}, received shape {inputs.shape}")
        if self._fused is not None:
            return ops.dense(inputs, self.kernel, self.bias, activation=self._fused)
        logits = ops.dense(inputs, self.kernel, self.bias)
        outputs = self.activation(logits)
        if self.activation in (activations.softmax, activations.sigmoid):
            outputs._keras_logits = logits
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias, "kernel_initializer": _ser(self.kernel_initializer),
                "bias_initializer": _ser(self.bias_initializer),
                **_regularization_config(self)}


def _ser(value):
    return serialize_object(value)


def _regularization_config(layer):
    return {key: _ser(getattr(layer, key)) for key in ("kernel_regularizer", "bias_regularizer",
                                                       "kernel_constraint", "bias_constraint")}

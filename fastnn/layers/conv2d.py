"""`Conv2D` (channels-last): one fused convolution + bias + activation forward, one fused backward."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from .. import activations, ops
from .._validation import layer_data_format, layer_padding, spatial_pair
from ..ops.fused_ops import FUSABLE_ACTIVATIONS
from .dense import _positive_int, _regularization_config, _ser
from .layer import Layer

__all__ = ["Conv2D"]


class Conv2D(Layer):
    """2D convolution layer over NHWC images: `activation(conv2d(inputs, kernel) + bias)`.

    The convolution runs in fastnn's C++ kernel with the bias and a relu / leaky_relu / tanh activation fused into its
    epilogue; the backward pass computes the input, kernel and bias gradients in fused kernels. Weights have Keras'
    layout: `kernel` is `(kernel_h, kernel_w, in_channels, filters)`, `bias` is `(filters,)`.

    Args:
        filters: Positive int, the number of output channels.
        kernel_size: An int or a pair of ints, the height and width of the convolution window.
        strides: An int or a pair of ints, the step of the window along height and width.
        padding: `"valid"` (no padding) or `"same"` (zero padding so that the output has `ceil(input / stride)`
            rows and columns).
        data_format: `"channels_last"` or None; fastnn works channels-last only.
        dilation_rate: An int or a pair of ints, the dilation of the window.
        activation: Activation name or callable; None means linear.
        use_bias: Whether the layer adds a bias vector.
        kernel_initializer: Initializer for the kernel.
        bias_initializer: Initializer for the bias.
        kernel_regularizer: Regularizer applied to the kernel.
        bias_regularizer: Regularizer applied to the bias.
        kernel_constraint: Constraint applied to the kernel after each optimizer step.
        bias_constraint: Constraint applied to the bias after each optimizer step.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        4D tensor of shape `(batch_size, height, width, channels)`.

    Output shape:
        4D tensor of shape `(batch_size, new_height, new_width, filters)`.

    Raises:
        ValueError: for a non-positive `filters`, `kernel_size`, `strides` or `dilation_rate`, an unknown `padding`,
            `data_format="channels_first"`, or an input that is not 4D.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    y = layers.Conv2D(8, 3, padding="same", activation="relu")(np.ones((2, 28, 28, 1), "float32"))
    print(y.shape)  # (2, 28, 28, 8)
    ```
    """
    def __init__(self, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = (1, 1),
                 padding: str = "valid", data_format: str | None = None, dilation_rate: int | Sequence[int] = (1, 1),
                 activation: str | Callable | None = None, use_bias: bool = True,
                 kernel_initializer: str | Callable | None = "glorot_uniform",
                 bias_initializer: str | Callable | None = "zeros", kernel_regularizer: str | Callable | None = None,
                 bias_regularizer: str | Callable | None = None, kernel_constraint: str | Callable | None = None,
                 bias_constraint: str | Callable | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.filters = _positive_int(filters, "filters")
        self.kernel_size = spatial_pair(kernel_size, "kernel_size")
        self.strides = spatial_pair(strides, "strides")
        self.dilation_rate = spatial_pair(dilation_rate, "dilation_rate")
        self.padding = layer_padding(padding)
        layer_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        name = activations.serialize(self.activation)
        self._fused = name if name in FUSABLE_ACTIVATIONS and name != "sigmoid" else None

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(f"Conv2D layer {self.name!r} expects inputs (batch, height, width, channels), "
                             f"received shape {input_shape}")
        self.kernel = self.add_weight(self.kernel_size + (input_shape[-1], self.filters), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None

    def call(self, inputs):
        if len(inputs.shape) != 4 or inputs.shape[-1] != self.kernel.shape[2]:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                             f"(batch, h, w, {self.kernel.shape[2]}), received shape {inputs.shape}")
        act = self._fused or "linear"
        outputs = ops.conv2d_bias_activation(inputs, self.kernel, self.bias, self.strides, self.padding,
                                             self.dilation_rate, activation=act)
        if self._fused is None:
            logits, outputs = outputs, self.activation(outputs)
            if self.activation in (activations.softmax, activations.sigmoid):
                outputs._keras_logits = logits
        return outputs

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        out = []
        for size, k, s, d in zip((h, w), self.kernel_size, self.strides, self.dilation_rate):
            if size is None:
                out.append(None)
            elif self.padding == "same":
                out.append(-(-size // s))
            else:
                out.append(max(0, (size - (k - 1) * d - 1) // s + 1))
        return (n, out[0], out[1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": _ser(self.kernel_initializer), "bias_initializer": _ser(self.bias_initializer),
                **_regularization_config(self)}

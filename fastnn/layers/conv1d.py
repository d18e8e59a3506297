"""`Conv1D` (channels-last, 'causal' padding too): the 2-D convolution kernels over images of height 1."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from .. import activations, ops
from ._conv_common import (
    activate,
    check_channels_last,
    check_strides_and_dilation,
    conv_output_length,
    conv_padding,
    fused_activation,
    single,
)
from .dense import _positive_int, _regularization_config, _ser
from .layer import Layer

__all__ = ["Conv1D", "Convolution1D"]


class Conv1D(Layer):
    """1-D convolution over sequences (temporal convolution), channels-last.

    (batch, steps, channels) -> (batch, new_steps, filters), computed by the fused Conv2D kernel (bias and
    activation in its epilogue) on images of height 1.

    Args:
        filters: int, the number of output channels.
        kernel_size: int (or 1-tuple), the window length.
        strides: int (or 1-tuple). `strides > 1` is incompatible with `dilation_rate > 1`.
        padding: "valid", "same" or "causal" (zeros only before the sequence, so output t never sees inputs
            after t: `output[t]` depends on `input[:t + 1]`, for autoregressive models such as WaveNet).
        data_format: "channels_last" or None.
        dilation_rate: int (or 1-tuple).
        groups: 1 (grouped convolutions are not supported).
        activation: Activation name or callable (see `fastnn.activations`); None means linear.
        use_bias: Whether the layer adds a bias vector.
        kernel_initializer: Initializer for the kernel (name, instance or callable).
        bias_initializer: Initializer for the bias.
        kernel_regularizer: Regularizer applied to the kernel (its penalty joins the model's losses).
        bias_regularizer: Regularizer applied to the bias.
        kernel_constraint: Constraint applied to the kernel after each optimizer step.
        bias_constraint: Constraint applied to the bias after each optimizer step.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Weights: `kernel` (kernel_size, in_channels, filters) and `bias` (filters,), Keras' layout.

    Input shape:
        3-D tensor of shape `(batch_size, steps, channels)`.

    Output shape:
        3-D tensor of shape `(batch_size, new_steps, filters)`; `new_steps` is `steps` with "same" or "causal"
        padding and strides 1.

    Example:

    >>> fastnn.layers.Conv1D(4, 3, padding="causal")(np.zeros((2, 10, 3), np.float32)).shape
    (2, 10, 4)
    """

    def __init__(self, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = 1,
                 padding: str = "valid", data_format: str | None = None, dilation_rate: int | Sequence[int] = 1,
                 groups: int = 1, activation: str | Callable | None = None, use_bias: bool = True,
                 kernel_initializer: str | Callable | None = "glorot_uniform",
                 bias_initializer: str | Callable | None = "zeros", kernel_regularizer: str | Callable | None = None,
                 bias_regularizer: str | Callable | None = None, kernel_constraint: str | Callable | None = None,
                 bias_constraint: str | Callable | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.filters = _positive_int(filters, "filters")
        self.kernel_size = single(kernel_size, "kernel_size")
        self.strides = single(strides, "strides")
        self.dilation_rate = single(dilation_rate, "dilation_rate")
        self.padding = conv_padding(padding, ("valid", "same", "causal"))
        check_channels_last(data_format)
        check_strides_and_dilation(self.strides, self.dilation_rate)
        if groups != 1:
            raise ValueError(f"fastnn's Conv1D supports only `groups=1`. Received: groups={groups!r}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self._fused = fused_activation(self.activation)

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"Conv1D layer {self.name!r} expects inputs (batch, steps, channels), received shape "
                             f"{input_shape}")
        self.kernel = self.add_weight(self.kernel_size + (input_shape[-1], self.filters), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None

    def call(self, inputs):
        if len(inputs.shape) != 3 or inputs.shape[-1] != self.kernel.shape[1]:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                             f"(batch, steps, {self.kernel.shape[1]}), received shape {inputs.shape}")
        padding = self.padding
        if padding == "causal":  # left padding only, then a valid convolution (as Keras)
            inputs = ops.pad(inputs, [[0, 0], [(self.kernel_size[0] - 1) * self.dilation_rate[0], 0], [0, 0]])
            padding = "valid"
        n, steps, channels = inputs.shape
        x = ops.reshape(inputs, (n, 1, steps, channels))
        w = ops.reshape(self.kernel, (1,) + tuple(self.kernel.shape))
        outputs = ops.conv2d_bias_activation(x, w, self.bias, (1, self.strides[0]), padding,
                                             (1, self.dilation_rate[0]), activation=self._fused or "linear")
        outputs = ops.reshape(outputs, (n, outputs.shape[2], self.filters))
        return outputs if self._fused else activate(self, outputs)

    def compute_output_shape(self, input_shape):
        n, steps, _ = input_shape
        padding = self.padding
        if padding == "causal":
            steps = None if steps is None else steps + (self.kernel_size[0] - 1) * self.dilation_rate[0]
            padding = "valid"
        return (n, conv_output_length(steps, self.kernel_size[0], padding, self.strides[0], self.dilation_rate[0]),
                self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": "channels_last",
                "dilation_rate": self.dilation_rate, "groups": 1,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": _ser(self.kernel_initializer), "bias_initializer": _ser(self.bias_initializer),
                **_regularization_config(self)}


Convolution1D = Conv1D

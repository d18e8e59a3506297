"""`DepthwiseConv2D` and `SeparableConv2D` (channels-last), on fastnn's depthwise convolution kernel."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from .. import activations, ops
from .._validation import spatial_pair
from ._conv_common import (
    activate,
    check_channels_last,
    check_strides_and_dilation,
    conv_output_length,
    conv_padding,
    fused_activation,
)
from .dense import _positive_int, _ser
from .layer import Layer

__all__ = ["DepthwiseConv2D", "SeparableConv2D", "SeparableConvolution2D"]


def _regularization(layer, *keys):
    return {key: _ser(getattr(layer, key)) for key in keys}


class _DepthwiseBase(Layer):
    def __init__(self, kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation,
                 use_bias, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = spatial_pair(kernel_size, "kernel_size")
        self.strides = spatial_pair(strides, "strides")
        self.dilation_rate = spatial_pair(dilation_rate, "dilation_rate")
        self.padding = conv_padding(padding)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier")
        check_channels_last(data_format)
        check_strides_and_dilation(self.strides, self.dilation_rate)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self._fused = fused_activation(self.activation)

    def _check_input(self, shape):
        if len(shape) != 4 or shape[-1] is None:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} expects inputs (batch, height, width, "
                             f"channels), received shape {tuple(shape)}")

    def _spatial_output(self, input_shape):
        return tuple(conv_output_length(size, k, self.padding, s, d) for size, k, s, d in
                     zip(input_shape[1:3], self.kernel_size, self.strides, self.dilation_rate))

    def _base_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": "channels_last",
                "dilation_rate": self.dilation_rate, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias}


class DepthwiseConv2D(_DepthwiseBase):
    """Depthwise 2-D convolution, channels-last: each input channel is convolved with its own
    `depth_multiplier` filters, without mixing channels (MobileNet's and Xception's spatial step).

    (batch, h, w, channels) -> (batch, new_h, new_w, channels·depth_multiplier); output channel
    c·depth_multiplier + m comes from input channel c and filter m. Runs fastnn's depthwise kernel (vectorised
    over channels, bias and activation fused into its epilogue), forward and both gradients.

    Args:
        kernel_size: int or pair, the window size.
        strides: int or pair. `strides > 1` is incompatible with `dilation_rate > 1`.
        padding: "valid" or "same".
        depth_multiplier: int, output channels per input channel (default 1).
        data_format: "channels_last" or None.
        dilation_rate: int or pair.
        activation: activation function or its name; None is linear.
        use_bias: bool.
        depthwise_initializer: Initializer for the depthwise kernel (default "glorot_uniform").
        bias_initializer: Initializer for the bias (default "zeros").
        depthwise_regularizer: Regularizer applied to the depthwise kernel (its penalty joins the model's losses).
        bias_regularizer: Regularizer applied to the bias.
        depthwise_constraint: Constraint applied to the depthwise kernel after each optimizer step.
        bias_constraint: Constraint applied to the bias after each optimizer step.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Weights: `kernel` (kh, kw, channels, depth_multiplier) and `bias` (channels·depth_multiplier,), as Keras.

    Input shape:
        4-D tensor of shape `(batch_size, rows, cols, channels)`.

    Output shape:
        4-D tensor of shape `(batch_size, new_rows, new_cols, channels * depth_multiplier)`.

    Example:

    >>> fastnn.layers.DepthwiseConv2D(3, depth_multiplier=2)(np.zeros((1, 5, 5, 4), np.float32)).shape
    (1, 3, 3, 8)
    """

    def __init__(self, kernel_size: int | Sequence[int], strides: int | Sequence[int] = (1, 1), padding: str = "valid",
                 depth_multiplier: int = 1, data_format: str | None = None, dilation_rate: int | Sequence[int] = (1, 1),
                 activation: str | Callable | None = None, use_bias: bool = True,
                 depthwise_initializer: str | Callable | None = "glorot_uniform",
                 bias_initializer: str | Callable | None = "zeros", depthwise_regularizer: str | Callable | None = None,
                 bias_regularizer: str | Callable | None = None, depthwise_constraint: str | Callable | None = None,
                 bias_constraint: str | Callable | None = None, **kwargs) -> None:
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation,
                         use_bias, **kwargs)
        self.depthwise_initializer, self.bias_initializer = depthwise_initializer, bias_initializer
        self.depthwise_regularizer, self.bias_regularizer = depthwise_regularizer, bias_regularizer
        self.depthwise_constraint, self.bias_constraint = depthwise_constraint, bias_constraint

    def build(self, input_shape):
        self._check_input(input_shape)
        channels = input_shape[-1]
        self.kernel = self.add_weight(self.kernel_size + (channels, self.depth_multiplier),
                                      self.depthwise_initializer, name="kernel",
                                      regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.bias = self.add_weight((channels * self.depth_multiplier,), self.bias_initializer, name="bias",
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None

    def call(self, inputs):
        self._check_input(inputs.shape)
        if inputs.shape[-1] != self.kernel.shape[2]:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                             f"(batch, h, w, {self.kernel.shape[2]}), received shape {inputs.shape}")
        outputs = ops.depthwise_conv2d(inputs, self.kernel, self.strides, self.padding.upper(),
                                       dilations=self.dilation_rate, bias=self.bias,
                                       activation=self._fused or "linear")
        return outputs if self._fused else activate(self, outputs)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._spatial_output(input_shape) + (input_shape[-1] * self.depth_multiplier,)

    def get_config(self):
        return {**self._base_config(), "depthwise_initializer": _ser(self.depthwise_initializer),
                "bias_initializer": _ser(self.bias_initializer),
                **_regularization(self, "depthwise_regularizer", "bias_regularizer", "depthwise_constraint",
                                  "bias_constraint")}


class SeparableConv2D(_DepthwiseBase):
    """Depthwise separable 2-D convolution, channels-last: a depthwise convolution (each channel on its own,
    `depth_multiplier` filters each) followed by a 1×1 convolution mixing the channels into `filters` outputs.

    (batch, h, w, channels) -> (batch, new_h, new_w, filters). The depthwise step runs fastnn's depthwise
    kernel, the pointwise step the Conv2D kernel with bias and activation fused.

    Args:
        filters: int, the number of output channels.
        kernel_size: int or pair, the depthwise window size.
        strides: int or pair, the depthwise step. `strides > 1` is incompatible with `dilation_rate > 1`.
        padding: "valid" or "same".
        data_format: "channels_last" or None.
        dilation_rate: int or pair, the dilation of the depthwise kernel.
        depth_multiplier: int, depthwise output channels per input channel (default 1).
        activation: Activation name or callable (see `fastnn.activations`); None means linear.
        use_bias: Whether the layer adds a bias vector (after the pointwise step).
        depthwise_initializer: Initializer for the depthwise kernel (default "glorot_uniform").
        pointwise_initializer: Initializer for the pointwise kernel (default "glorot_uniform").
        bias_initializer: Initializer for the bias (default "zeros").
        depthwise_regularizer: Regularizer applied to the depthwise kernel (its penalty joins the model's losses).
        pointwise_regularizer: Regularizer applied to the pointwise kernel.
        bias_regularizer: Regularizer applied to the bias.
        depthwise_constraint: Constraint applied to the depthwise kernel after each optimizer step.
        pointwise_constraint: Constraint applied to the pointwise kernel after each optimizer step.
        bias_constraint: Constraint applied to the bias after each optimizer step.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Weights: `depthwise_kernel` (kh, kw, channels, depth_multiplier), `pointwise_kernel`
    (1, 1, channels·depth_multiplier, filters) and `bias` (filters,), in that order, as Keras.

    Input shape:
        4-D tensor of shape `(batch_size, rows, cols, channels)`.

    Output shape:
        4-D tensor of shape `(batch_size, new_rows, new_cols, filters)`.

    Example:

    >>> fastnn.layers.SeparableConv2D(8, 3, padding="same")(np.zeros((1, 5, 5, 4), np.float32)).shape
    (1, 5, 5, 8)
    """

    def __init__(self, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = (1, 1),
                 padding: str = "valid", data_format: str | None = None, dilation_rate: int | Sequence[int] = (1, 1),
                 depth_multiplier: int = 1, activation: str | Callable | None = None, use_bias: bool = True,
                 depthwise_initializer: str | Callable | None = "glorot_uniform",
                 pointwise_initializer: str | Callable | None = "glorot_uniform",
                 bias_initializer: str | Callable | None = "zeros", depthwise_regularizer: str | Callable | None = None,
                 pointwise_regularizer: str | Callable | None = None, bias_regularizer: str | Callable | None = None,
                 depthwise_constraint: str | Callable | None = None, pointwise_constraint: str | Callable | None = None,
                 bias_constraint: str | Callable | None = None, **kwargs) -> None:
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation,
                         use_bias, **kwargs)
        self.filters = _positive_int(filters, "filters")
        self.depthwise_initializer, self.pointwise_initializer = depthwise_initializer, pointwise_initializer
        self.bias_initializer = bias_initializer
        self.depthwise_regularizer, self.pointwise_regularizer = depthwise_regularizer, pointwise_regularizer
        self.bias_regularizer = bias_regularizer
        self.depthwise_constraint, self.pointwise_constraint = depthwise_constraint, pointwise_constraint
        self.bias_constraint = bias_constraint

    def build(self, input_shape):
        self._check_input(input_shape)
        channels = input_shape[-1]
        self.depthwise_kernel = self.add_weight(self.kernel_size + (channels, self.depth_multiplier),
                                                self.depthwise_initializer, name="depthwise_kernel",
                                                regularizer=self.depthwise_regularizer,
                                                constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight((1, 1, channels * self.depth_multiplier, self.filters),
                                                self.pointwise_initializer, name="pointwise_kernel",
                                                regularizer=self.pointwise_regularizer,
                                                constraint=self.pointwise_constraint)
        self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None

    def call(self, inputs):
        self._check_input(inputs.shape)
        if inputs.shape[-1] != self.depthwise_kernel.shape[2]:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                             f"(batch, h, w, {self.depthwise_kernel.shape[2]}), received shape {inputs.shape}")
        mid = ops.depthwise_conv2d(inputs, self.depthwise_kernel, self.strides, self.padding.upper(),
                                   dilations=self.dilation_rate)
        outputs = ops.conv2d_bias_activation(mid, self.pointwise_kernel, self.bias, 1, "VALID",
                                             activation=self._fused or "linear")
        return outputs if self._fused else activate(self, outputs)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._spatial_output(input_shape) + (self.filters,)

    def get_config(self):
        return {**self._base_config(), "filters": self.filters,
                "depthwise_initializer": _ser(self.depthwise_initializer),
                "pointwise_initializer": _ser(self.pointwise_initializer),
                "bias_initializer": _ser(self.bias_initializer),
                **_regularization(self, "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer",
                                  "depthwise_constraint", "pointwise_constraint", "bias_constraint")}


SeparableConvolution2D = SeparableConv2D

"""`Conv2DTranspose` (channels-last): the transpose of a convolution, on the conv backprop-input kernel."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from .. import activations, ops
from .._validation import spatial_pair
from ._conv_common import activate, check_channels_last, check_strides_and_dilation, conv_padding, deconv_output_length
from .dense import _positive_int, _regularization_config, _ser
from .layer import Layer

__all__ = ["Conv2DTranspose"]


class Conv2DTranspose(Layer):
    """2-D transposed convolution (sometimes called deconvolution), channels-last.

    The gradient of a `Conv2D` with respect to its input, used to upsample (autoencoders, GANs): an input of
    (batch, h, w, in_channels) becomes (batch, new_h, new_w, filters), with
    new_h = (h − 1)·strides + kernel_size − 2·pad + output_padding for `output_padding` set, else h·strides
    ('same') or h·strides + max(kernel_size − strides, 0) ('valid'), as in Keras.

    Args:
        filters: int, the number of output channels.
        kernel_size: int or pair, the window size.
        strides: int or pair. `strides > 1` is incompatible with `dilation_rate > 1`.
        padding: "valid" or "same" (case-insensitive).
        output_padding: None, or an int or pair (each strictly less than its stride): extra rows/columns
            at the bottom/right of the output.
        data_format: "channels_last" or None (fastnn is channels-last).
        dilation_rate: int or pair.
        activation: activation function or its name; None is linear.
        use_bias: bool.
        kernel_initializer: Initializer for the kernel (name, instance or callable).
        bias_initializer: Initializer for the bias.
        kernel_regularizer: Regularizer applied to the kernel (its penalty joins the model's losses).
        bias_regularizer: Regularizer applied to the bias.
        kernel_constraint: Constraint applied to the kernel after each optimizer step.
        bias_constraint: Constraint applied to the bias after each optimizer step.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Weights: `kernel` of shape (kh, kw, filters, in_channels) — Keras' layout, output channels before input
    channels — and `bias` of shape (filters,).

    Input shape:
        4-D tensor of shape `(batch_size, rows, cols, channels)`.

    Output shape:
        4-D tensor of shape `(batch_size, new_rows, new_cols, filters)` (new sizes as above).

    Example:

    >>> layer = fastnn.layers.Conv2DTranspose(8, 3, strides=2, padding="same")
    >>> layer(np.zeros((1, 4, 4, 3), np.float32)).shape
    (1, 8, 8, 8)
    """

    def __init__(self, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = (1, 1),
                 padding: str = "valid", output_padding: int | Sequence[int] | None = None,
                 data_format: str | None = None, dilation_rate: int | Sequence[int] = (1, 1),
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
        self.padding = conv_padding(padding)
        check_channels_last(data_format)
        check_strides_and_dilation(self.strides, self.dilation_rate)
        if output_padding is None:
            self.output_padding = None
        else:
            pair = (output_padding, output_padding) if isinstance(output_padding, int) else output_padding
            try:
                pair = tuple(pair)
            except TypeError:
                pair = ()
            if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in pair):
                raise ValueError(f"`output_padding` must be None, a non-negative int or a pair of them. Received: "
                                 f"output_padding={output_padding!r}")
            for i, (op, s) in enumerate(zip(pair, self.strides)):
                if op >= s:
                    raise ValueError(f"Invalid `output_padding` argument. Each value in `output_padding` must be "
                                     f"strictly less than the corresponding `strides` value. At index {i}, "
                                     f"`output_padding` is {op} and `strides` is {s}. Received: "
                                     f"output_padding={pair}, strides={self.strides}.")
            self.output_padding = pair
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(f"Conv2DTranspose layer {self.name!r} expects inputs (batch, height, width, channels), "
                             f"received shape {input_shape}")
        self.kernel = self.add_weight(self.kernel_size + (self.filters, input_shape[-1]), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None

    def call(self, inputs):
        if len(inputs.shape) != 4 or inputs.shape[-1] != self.kernel.shape[3]:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                             f"(batch, h, w, {self.kernel.shape[3]}), received shape {inputs.shape}")
        out_shape = self.compute_output_shape(inputs.shape)
        outputs = ops.conv2d_transpose(inputs, self.kernel, out_shape, self.strides, self.padding.upper(),
                                       dilations=self.dilation_rate)
        if self.bias is not None:
            outputs = ops.bias_add(outputs, self.bias)
        return activate(self, outputs)

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        op = self.output_padding or (None, None)
        out = [deconv_output_length(size, k, self.padding, p, s, d) for size, k, p, s, d in
               zip((h, w), self.kernel_size, op, self.strides, self.dilation_rate)]
        return (n, out[0], out[1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "output_padding": self.output_padding,
                "data_format": "channels_last", "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": _ser(self.kernel_initializer), "bias_initializer": _ser(self.bias_initializer),
                **_regularization_config(self)}

"""Argument checks and helpers shared by the convolution-family layers (Keras' messages)."""
from .. import activations
from ..ops.fused_ops import FUSABLE_ACTIVATIONS


def conv_output_length(size, kernel_size, padding, stride, dilation):
    """TF's output size along one spatial axis ('same': ceil(size/stride); 'valid': the full windows)."""
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    return max(0, (size - (kernel_size - 1) * dilation - 1) // stride + 1)


def deconv_output_length(size, kernel_size, padding, output_padding, stride, dilation):
    """Keras' `deconv_output_length`: the output size along one spatial axis (None stays None)."""
    if size is None:
        return None
    k = (kernel_size - 1) * dilation + 1
    if output_padding is None:
        return size * stride + (max(k - stride, 0) if padding == "valid" else 0)
    pad = k // 2 if padding == "same" else 0
    return (size - 1) * stride + k - 2 * pad + output_padding


def check_strides_and_dilation(strides, dilation_rate):
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                         f"strides={strides} and dilation_rate={dilation_rate}")


def check_channels_last(data_format):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"fastnn layers are channels-last: `data_format` must be 'channels_last' or None, "
                         f"received {data_format!r}")


def conv_padding(padding, allowed=("valid", "same")):
    if not isinstance(padding, str) or padding.lower() not in allowed:
        raise ValueError(f"The `padding` argument must be one of {', '.join(repr(a) for a in allowed)}. "
                         f"Received: padding={padding!r}")
    return padding.lower()


def activate(layer, outputs):
    """layer.activation(outputs), keeping the logits for losses that take them (as Conv2D does)."""
    if layer.activation is activations.linear:
        return outputs
    logits, outputs = outputs, layer.activation(outputs)
    if layer.activation in (activations.softmax, activations.sigmoid):
        outputs._keras_logits = logits
    return outputs


def single(value, name, allow_zero=False):
    """A 1-tuple (n,) from an int or a 1-sequence (Keras' standardize_tuple for rank 1)."""
    v = value
    if isinstance(v, (list, tuple)) and len(v) == 1:
        v = v[0]
    if isinstance(v, bool) or not isinstance(v, int) or v < (0 if allow_zero else 1):
        raise ValueError(f"The `{name}` argument must be a tuple of 1 {'non-negative' if allow_zero else 'positive'} "
                         f"integers. Received: {name}={value!r}")
    return (v,)


def fused_activation(activation):
    """The name of `activation` when the conv kernels' epilogue can apply it (as Conv2D does), else None."""

    name = activations.serialize(activation)
    return name if name in FUSABLE_ACTIVATIONS and name != "sigmoid" else None

"""`MaxPooling2D` / `MaxPool2D` and `AveragePooling2D` / `AvgPool2D` (channels-last); Keras' default stride is
the pool size."""
from __future__ import annotations

from collections.abc import Sequence

from .. import ops
from .._validation import layer_data_format, layer_padding, spatial_pair
from ._conv_common import check_channels_last, conv_output_length, conv_padding, single
from .layer import Layer

__all__ = ["MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D", "MaxPooling1D", "MaxPool1D",
           "AveragePooling1D", "AvgPool1D", "GlobalMaxPooling1D", "GlobalMaxPool1D", "GlobalMaxPooling2D",
           "GlobalMaxPool2D", "GlobalAveragePooling1D", "GlobalAvgPool1D", "GlobalAveragePooling2D",
           "GlobalAvgPool2D"]


class _Pooling2D(Layer):
    _op = None

    def __init__(self, pool_size: int | Sequence[int] = (2, 2), strides: int | Sequence[int] | None = None,
                 padding: str = "valid", data_format: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pool_size = spatial_pair(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else spatial_pair(strides, "strides")
        self.padding = layer_padding(padding)
        layer_data_format(data_format)

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} expects inputs (batch, height, width, "
                             f"channels), received shape {input_shape}")

    def call(self, inputs):
        return type(self)._op(inputs, self.pool_size, self.strides, self.padding.upper())

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        out = []
        for size, k, s in zip((h, w), self.pool_size, self.strides):
            if size is None:
                out.append(None)
            elif self.padding == "same":
                out.append(-(-size // s))
            else:
                out.append(max(0, (size - k) // s + 1))
        return (n, out[0], out[1], c)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding}


class MaxPooling2D(_Pooling2D):
    """Max pooling over 2D spatial windows (`MaxPool2D` is the same class).

    Each output is the maximum of its window. Keras' default stride is the pool size.

    Args:
        pool_size: An int or a pair of ints, the window's height and width.
        strides: An int, a pair of ints, or None (the default: `pool_size`), the step of the window.
        padding: `"valid"` (windows inside the input) or `"same"` (output of `ceil(input / stride)` rows and columns).
        data_format: `"channels_last"` or None; fastnn works channels-last only.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        4D tensor of shape `(batch_size, height, width, channels)`.

    Output shape:
        4D tensor of shape `(batch_size, pooled_height, pooled_width, channels)`.

    Raises:
        ValueError: for a non-positive `pool_size` or `strides`, an unknown `padding`, `data_format="channels_first"`,
            or an input that is not 4D.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    print(layers.MaxPooling2D()(x).numpy()[0, :, :, 0])  # [[ 5.  7.] [13. 15.]])
    ```
    """
    _op = staticmethod(ops.max_pool2d)


class AveragePooling2D(_Pooling2D):
    """Average pooling over 2D spatial windows (`AvgPool2D` is the same class).

    Each output is the mean of its window; with `"same"` padding, padded cells are not counted. Keras' default
    stride is the pool size.

    Args:
        pool_size: An int or a pair of ints, the window's height and width.
        strides: An int, a pair of ints, or None (the default: `pool_size`), the step of the window.
        padding: `"valid"` (windows inside the input) or `"same"` (output of `ceil(input / stride)` rows and columns).
        data_format: `"channels_last"` or None; fastnn works channels-last only.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        4D tensor of shape `(batch_size, height, width, channels)`.

    Output shape:
        4D tensor of shape `(batch_size, pooled_height, pooled_width, channels)`.

    Raises:
        ValueError: for a non-positive `pool_size` or `strides`, an unknown `padding`, `data_format="channels_first"`,
            or an input that is not 4D.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    print(layers.AveragePooling2D()(x).numpy()[0, :, :, 0])  # [[ 2.5  4.5] [10.5 12.5]])
    ```
    """
    _op = staticmethod(ops.avg_pool2d)


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D


class _Pooling1D(Layer):
    _op = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = single(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else single(strides, "strides")
        self.padding = conv_padding(padding)
        check_channels_last(data_format)

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} expects inputs (batch, steps, channels), "
                             f"received shape {input_shape}")

    def call(self, inputs):
        return type(self)._op(inputs, self.pool_size[0], self.strides[0], self.padding.upper())

    def compute_output_shape(self, input_shape):
        n, steps, c = input_shape
        return (n, conv_output_length(steps, self.pool_size[0], self.padding, self.strides[0], 1), c)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding, "data_format": "channels_last"}


class MaxPooling1D(_Pooling1D):
    """Max pooling over windows along the steps axis, channels-last.

    (batch, steps, channels) -> (batch, new_steps, channels); runs the MaxPooling2D kernel on height-1 images
    (the gradient goes to each window's first maximum, as TF's CPU kernel).

    Args:
        pool_size: int (or 1-tuple), the window length (default 2).
        strides: int (or 1-tuple), default `pool_size`.
        padding: "valid" or "same" (TF's output sizes; padded cells are ignored).
        data_format: "channels_last" or None.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        3-D tensor of shape `(batch_size, steps, channels)`.

    Output shape:
        3-D tensor of shape `(batch_size, new_steps, channels)`.
    """
    _op = staticmethod(ops.max_pool1d)


class AveragePooling1D(_Pooling1D):
    """Average pooling over windows along the steps axis, channels-last.

    (batch, steps, channels) -> (batch, new_steps, channels); the mean over each window's valid (non-padded)
    cells.

    Args:
        pool_size: int (or 1-tuple), the window length (default 2).
        strides: int (or 1-tuple), default `pool_size`.
        padding: "valid" or "same" (TF's output sizes; padded cells are not counted in the mean).
        data_format: "channels_last" or None.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        3-D tensor of shape `(batch_size, steps, channels)`.

    Output shape:
        3-D tensor of shape `(batch_size, new_steps, channels)`.
    """
    _op = staticmethod(ops.avg_pool1d)


class _GlobalPooling(Layer):
    _rank = None     # spatial axes
    _reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        check_channels_last(data_format)
        self.keepdims = bool(keepdims)

    def build(self, input_shape):
        if len(input_shape) != self._rank + 2:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} expects inputs of rank {self._rank + 2} "
                             f"(batch, spatial..., channels), received shape {input_shape}")

    def call(self, inputs):
        return type(self)._reduce(inputs, axis=list(range(1, self._rank + 1)), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return (input_shape[0],) + (1,) * self._rank + (input_shape[-1],)
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "data_format": "channels_last", "keepdims": self.keepdims}


class GlobalMaxPooling1D(_GlobalPooling):
    """Global max pooling over the steps axis of temporal data, channels-last.

    Tied maxima share the gradient equally (as TF's reduce_max).

    Args:
        data_format: `"channels_last"` or None; fastnn works channels-last only.
        keepdims: Whether to keep the reduced spatial axes (with length 1), as Keras' `keepdims`. Default False.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        3-D tensor of shape `(batch_size, steps, channels)`.

    Output shape:
        2-D tensor of shape `(batch_size, channels)`, or `(batch_size, 1, channels)` with `keepdims=True`.
    """
    _rank = 1
    _reduce = staticmethod(ops.reduce_max)


class GlobalMaxPooling2D(_GlobalPooling):
    """Global max pooling over the height and width of images, channels-last.

    Tied maxima share the gradient equally (as TF's reduce_max).

    Args:
        data_format: `"channels_last"` or None; fastnn works channels-last only.
        keepdims: Whether to keep the reduced spatial axes (with length 1), as Keras' `keepdims`. Default False.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        4-D tensor of shape `(batch_size, rows, cols, channels)`.

    Output shape:
        2-D tensor of shape `(batch_size, channels)`, or `(batch_size, 1, 1, channels)` with `keepdims=True`.
    """
    _rank = 2
    _reduce = staticmethod(ops.reduce_max)


class GlobalAveragePooling1D(_GlobalPooling):
    """Global average pooling over the steps axis of temporal data, channels-last.

    Each output channel is the mean over all steps, or over the unmasked steps when the input carries a mask
    (an `Embedding` with `mask_zero=True` upstream), as Keras 3.

    Args:
        data_format: `"channels_last"` or None; fastnn works channels-last only.
        keepdims: Whether to keep the reduced spatial axes (with length 1), as Keras' `keepdims`. Default False.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        3-D tensor of shape `(batch_size, steps, channels)`.

    Output shape:
        2-D tensor of shape `(batch_size, channels)`, or `(batch_size, 1, channels)` with `keepdims=True`.
    """
    _rank = 1
    _reduce = staticmethod(ops.reduce_mean)
    supports_masking = True  # a mask (Embedding's mask_zero) limits the mean to the unmasked steps

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        # Keras 3: sum(where(mask, x, 0)) / count(mask) over the steps (0/0 = NaN for an all-masked row, as Keras)
        weights = ops.cast(ops.expand_dims(mask, 2), "float32")
        total = ops.reduce_sum(ops.where(ops.cast(weights, "bool"), inputs, 0.0), axis=1, keepdims=self.keepdims)
        return ops.divide(total, ops.reduce_sum(weights, axis=1, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Global average pooling over the height and width of images, channels-last.

    Each output channel is the mean over all rows and columns.

    Args:
        data_format: `"channels_last"` or None; fastnn works channels-last only.
        keepdims: Whether to keep the reduced spatial axes (with length 1), as Keras' `keepdims`. Default False.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        4-D tensor of shape `(batch_size, rows, cols, channels)`.

    Output shape:
        2-D tensor of shape `(batch_size, channels)`, or `(batch_size, 1, 1, channels)` with `keepdims=True`.
    """
    _rank = 2
    _reduce = staticmethod(ops.reduce_mean)


MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D

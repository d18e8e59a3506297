"""`MaxPooling2D` / `MaxPool2D` and `AveragePooling2D` / `AvgPool2D` (channels-last); Keras' default stride is
the pool size."""
from __future__ import annotations

from collections.abc import Sequence

from .. import ops
from .._validation import layer_data_format, layer_padding, spatial_pair
from .layer import Layer

__all__ = ["MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D"]


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

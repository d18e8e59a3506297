"""`MaxPooling2D` / `MaxPool2D` and `AveragePooling2D` / `AvgPool2D` (channels-last); Keras' default stride is
the pool size."""
from .. import ops
from .._validation import layer_data_format, layer_padding, spatial_pair
from .layer import Layer

__all__ = ["MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D"]


class _Pooling2D(Layer):
    _op = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
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
    """Max over each pool window."""
    _op = staticmethod(ops.max_pool2d)


class AveragePooling2D(_Pooling2D):
    """Mean over each pool window (padding cells not counted)."""
    _op = staticmethod(ops.avg_pool2d)


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D

"""`TimeDistributed` — applies a layer to every temporal slice of its input (Keras' wrapper)."""
from __future__ import annotations

import inspect

from .. import ops
from ..saving.serialization import deserialize_layer
from .layer import Layer

__all__ = ["TimeDistributed"]


class TimeDistributed(Layer):
    """Applies `layer` to every temporal slice of an input: `(batch, time, ...)` -> `(batch, time, ...)`, with one
    set of weights shared by all timesteps (Keras' TimeDistributed).

    As Keras 3 does, the wrapped layer is called once per timestep (so a BatchNormalization inside sees each
    step's batch, and Dropout draws a mask per step) and the results are stacked on axis 1. A mask on the input
    (from an `Embedding` with `mask_zero=True`) is passed to the layer per step when its `call` takes `mask`, and
    passes through to the output.

    Args:
        layer: a `fastnn.layers.Layer` instance.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Weights: those of `layer` (the same names, shapes and order as Keras).

    Input shape:
        Tensor of rank >= 3, `(batch_size, timesteps, ...)`.

    Output shape:
        `(batch_size, timesteps) + layer's output shape without its batch axis`.

    Example:

    ```python
    import numpy as np
    import fastnn

    layer = fastnn.layers.TimeDistributed(fastnn.layers.Dense(8))
    print(layer(np.zeros((4, 10, 16), np.float32)).shape)  # (4, 10, 8)
    ```
    """

    supports_masking = True

    def __init__(self, layer: Layer, **kwargs) -> None:
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a `fastnn.layers.Layer` instance. "
                             f"Received: layer={layer!r}")
        super().__init__(**kwargs)
        self.layer = layer

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, "
                             f"received: {input_shape}")
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape):
        child = self._child_shape(tuple(input_shape))
        if not self.layer.built:
            self.layer.build(child)

    def compute_output_shape(self, input_shape):
        child_out = self.layer.compute_output_shape(self._child_shape(tuple(input_shape)))
        return (input_shape[0], input_shape[1]) + tuple(child_out[1:])

    def call(self, inputs, training=None, mask=None):
        self._child_shape(tuple(inputs.shape))
        params = inspect.signature(self.layer.call).parameters
        steps = []
        for t in range(inputs.shape[1]):
            kwargs = {}
            if "mask" in params and mask is not None:
                kwargs["mask"] = ops.getitem(mask, (slice(None), t))
            if "training" in params:
                kwargs["training"] = training
            steps.append(self.layer.call(ops.getitem(inputs, (slice(None), t)), **kwargs))
        return ops.stack(steps, axis=1)

    def _keras_h5_children(self):
        """The sublayers Keras' weights files store under this layer's group (`<group>/layer/vars`)."""
        return [("layer", self.layer)]

    def get_config(self):
        return {**super().get_config(),
                "layer": {"class_name": type(self.layer).__name__, "config": self.layer.get_config()}}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        layer = config.pop("layer")
        if not isinstance(layer, Layer):
            layer = deserialize_layer(layer)
        return cls(layer, **config)

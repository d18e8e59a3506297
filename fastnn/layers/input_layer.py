"""`InputLayer`, the layer form of `Input` (`Input` and `KerasTensor` live in `fastnn.keras_tensor`, below the
base `Layer`; they are importable from here too)."""
from __future__ import annotations

from collections.abc import Sequence

from ..keras_tensor import Input, InputSpec, KerasTensor
from .layer import Layer

__all__ = ["InputLayer", "Input", "KerasTensor", "InputSpec"]


class InputLayer(Layer):
    """The layer form of `Input`, as a Sequential model's first entry.

    Args:
        shape: A tuple of ints, the shape of one sample without the batch axis.
        batch_size: An optional fixed batch size.
        input_shape: The older spelling of `shape`.
        name: The layer's name.
        **kwargs: Base layer arguments (`trainable`, `dtype`).

    Example:

    ```python
    import numpy as np
    import fastnn
    from fastnn import layers

    model = fastnn.Sequential([layers.InputLayer(shape=(784,)), layers.Dense(10)])
    print(model.predict(np.zeros((2, 784), "float32"), verbose=0).shape)  # (2, 10)
    ```
    """

    def __init__(self, shape: Sequence[int | None] | None = None, batch_size: int | None = None,
                 input_shape: Sequence[int | None] | None = None, name: str | None = None, **kwargs) -> None:
        shape = shape if shape is not None else input_shape
        super().__init__(name=name, **kwargs)
        self.spec = Input(shape=shape, batch_size=batch_size, name=self.name)
        self._input_shape_arg = self.spec.shape[1:]
        self.built = True

    @classmethod
    def _for_tensor(cls, tensor):
        """The InputLayer a functional model lists for its input `tensor` (made without a new Input)."""
        layer = cls.__new__(cls)
        Layer.__init__(layer, name=tensor.name or "input_layer")
        layer.spec = tensor
        layer._input_shape_arg = tensor.shape[1:]
        layer.built = True
        return layer

    def get_config(self):
        return {**super().get_config(), "shape": self.spec.shape[1:]}

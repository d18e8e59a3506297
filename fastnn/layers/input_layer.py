"""`InputLayer`, the layer form of `Input` (`Input` and `KerasTensor` live in `fastnn.keras_tensor`, below the
base `Layer`; they are importable from here too)."""
from ..keras_tensor import Input, InputSpec, KerasTensor
from .layer import Layer

__all__ = ["InputLayer", "Input", "KerasTensor", "InputSpec"]


class InputLayer(Layer):
    """The layer form of `Input`, for Sequential([InputLayer(shape=(784,)), ...])."""

    def __init__(self, shape=None, batch_size=None, input_shape=None, name=None, **kwargs):
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

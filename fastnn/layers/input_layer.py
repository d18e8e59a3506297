"""`Input` / `InputLayer` and `KerasTensor`: the symbolic tensors the functional API is built from.

`Input(shape)` returns a KerasTensor (a batch of `shape`, batch axis None). Calling a layer on KerasTensors
builds the layer and returns a new KerasTensor that remembers (layer, inputs); `fastnn.Model(inputs, outputs)`
then runs that graph. A Sequential model also accepts an Input as its first entry.
"""
import itertools

from .layer import Layer

__all__ = ["InputLayer", "Input", "KerasTensor", "InputSpec"]

_input_names = itertools.count()


class KerasTensor:
    """A symbolic batch: its shape (batch axis None), and the layer call that produces it (None for an Input)."""

    def __init__(self, shape, layer=None, inputs=None, name=None, dtype="float32"):
        self.shape = tuple(shape)
        self.layer = layer
        self.inputs = inputs
        self.name = name
        self.dtype = dtype

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        source = "Input" if self.layer is None else f"{type(self.layer).__name__} {self.layer.name!r}"
        return f"<KerasTensor shape={self.shape}, from {source}>"

    def __array__(self, *args, **kwargs):
        raise TypeError("a KerasTensor is symbolic (it has no values): build a fastnn.Model(inputs, outputs) and "
                        "call the model on data")


InputSpec = KerasTensor  # the name earlier fastnn code used


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None):  # noqa: N802  (Keras' name)
    """A symbolic model input of `shape` (excluding the batch axis)."""
    if batch_shape is not None:
        batch_size, shape = batch_shape[0], batch_shape[1:]
    if shape is None:
        raise ValueError("`Input` needs a `shape` (or `batch_shape`)")
    try:
        if isinstance(shape, str) or any(isinstance(d, (str, bytes, float)) for d in shape):
            raise TypeError
        shape = tuple(None if d is None else int(d) for d in shape)
    except TypeError:
        raise TypeError(f"`shape` must be a tuple of ints (or None), received {shape!r}") from None
    if any(d is not None and d < 0 for d in shape):
        raise ValueError(f"`shape` must be non-negative, received {shape!r}")
    n = next(_input_names)
    return KerasTensor((batch_size,) + shape, name=name or ("input_layer" if n == 0 else f"input_layer_{n}"),
                       dtype=dtype or "float32")


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

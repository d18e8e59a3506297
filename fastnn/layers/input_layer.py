"""`Input` / `InputLayer`: declare a model's input shape (without the batch axis), as in Keras."""
from .layer import Layer

__all__ = ["InputLayer", "Input", "InputSpec"]


class InputSpec:
    """What `Input(shape)` returns: a placeholder for a batch of inputs of `shape`, usable as the first entry of a
    Sequential model (the functional API is not implemented yet)."""

    def __init__(self, shape, batch_size=None, name=None, dtype=None):
        self.shape = (batch_size,) + tuple(shape)
        self.name = name
        self.dtype = dtype or "float32"

    def __repr__(self):
        return f"<fastnn.Input shape={self.shape}, name={self.name}>"


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None):  # noqa: N802  (Keras' name)
    """A symbolic model input of `shape` (excluding the batch axis)."""
    if batch_shape is not None:
        batch_size, shape = batch_shape[0], batch_shape[1:]
    if shape is None:
        raise ValueError("`Input` needs a `shape` (or `batch_shape`)")
    try:
        shape = tuple(None if d is None else int(d) for d in shape)
    except TypeError:
        raise TypeError(f"`shape` must be a tuple of ints (or None), received {shape!r}") from None
    if any(d is not None and d < 0 for d in shape):
        raise ValueError(f"`shape` must be non-negative, received {shape!r}")
    return InputSpec(shape, batch_size, name, dtype)


class InputLayer(Layer):
    """The layer form of `Input`, for Sequential([InputLayer(shape=(784,)), ...])."""

    def __init__(self, shape=None, batch_size=None, input_shape=None, name=None, **kwargs):
        shape = shape if shape is not None else input_shape
        super().__init__(name=name, **kwargs)
        self.spec = Input(shape=shape, batch_size=batch_size, name=self.name)
        self._input_shape_arg = self.spec.shape[1:]
        self.built = True

    def get_config(self):
        return {**super().get_config(), "shape": self.spec.shape[1:]}

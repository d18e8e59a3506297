"""`KerasTensor` and `Input`: the symbolic tensors the functional API is built from (a leaf module, as Keras'
`keras_tensor.py`: the base `Layer` checks for them on every call, so they must not live above it).

`Input(shape)` returns a KerasTensor (a batch of `shape`, batch axis None). Calling a layer on KerasTensors
builds the layer and returns a new KerasTensor that remembers (layer, inputs); `fastnn.Model(inputs, outputs)`
then runs that graph. A Sequential model also accepts an Input as its first entry.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence

__all__ = ["Input", "KerasTensor", "InputSpec"]

_input_names = itertools.count()
_serials = itertools.count()  # creation order: a shared layer's calls are numbered by it (Keras' node indices)


class KerasTensor:
    """A symbolic batch in a functional model: a shape and the layer call that produces it.

    `Input` creates one; calling a layer on KerasTensors returns a new one that remembers the layer and its inputs.
    It holds no values (`np.asarray` on it raises a TypeError).

    Args:
        shape: The shape, the batch axis first (None where unknown).
        layer: The layer whose call produces it, or None for an input.
        inputs: The KerasTensors that call took, or None.
        name: A name, or None.
        dtype: The dtype of the values it stands for.
    """

    def __init__(self, shape: Sequence[int | None], layer: object = None, inputs: Sequence[KerasTensor] | None = None,
                 name: str | None = None, dtype: str = "float32") -> None:
        self.shape = tuple(shape)
        self.layer = layer
        self.inputs = inputs
        self.name = name
        self.dtype = dtype
        self._serial = next(_serials)

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


def Input(shape: Sequence[int | None] | None = None, batch_size: int | None = None, name: str | None = None,
          dtype: str | None = None,
          batch_shape: Sequence[int | None] | None = None) -> KerasTensor:
    """Creates a symbolic model input (`keras.Input`).

    Calling layers on it builds a graph that `fastnn.Model(inputs, outputs)` runs; a Sequential model also accepts
    one as its first entry.

    Args:
        shape: A tuple of ints (None for an unknown size), the shape of one sample without the batch axis.
        batch_size: An optional fixed batch size.
        name: The input's name (unique by default).
        dtype: The input's dtype (default `"float32"`).
        batch_shape: The full shape including the batch axis, instead of `shape` and `batch_size`.

    Returns:
        A `KerasTensor` of shape `(batch_size, *shape)`.

    Raises:
        TypeError: if `shape` is not a tuple of ints.
        ValueError: if neither `shape` nor `batch_shape` is given, or a size is negative.

    Example:

    ```python
    import numpy as np
    import fastnn
    from fastnn import layers

    inputs = fastnn.Input((16,))
    outputs = layers.Dense(2)(layers.Dense(8, activation="relu")(inputs))
    model = fastnn.Model(inputs, outputs)
    print(inputs.shape, model(np.ones((3, 16), "float32")).shape)  # (None, 16) (3, 2)
    ```
    """
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

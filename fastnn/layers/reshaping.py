"""`Flatten` and `Reshape`: reshape everything but the batch axis."""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from .. import ops
from .layer import Layer

__all__ = ["Flatten", "Reshape"]


class Flatten(Layer):
    """Flattens each sample: `(batch, d1, d2, ...)` becomes `(batch, d1 * d2 * ...)`.

    Args:
        data_format: `"channels_last"` or None (accepted for Keras compatibility; the order is row-major).
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        N-D tensor of shape `(batch_size, ...)`, N >= 1.

    Output shape:
        2D tensor of shape `(batch_size, product of the other dimensions)`.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    print(layers.Flatten()(np.ones((2, 3, 4), "float32")).shape)  # (2, 12)
    ```
    """

    def __init__(self, data_format: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)

    def call(self, inputs):
        if len(inputs.shape) < 1:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected min_ndim=1, "
                             f"found ndim=0. Full shape received: {tuple(inputs.shape)}")
        return ops.reshape(inputs, (inputs.shape[0], -1) if inputs.shape[0] else (0, math.prod(inputs.shape[1:])))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if any(d is None for d in rest) else math.prod(rest))


class Reshape(Layer):
    """Reshapes each sample to `target_shape`: `(batch, ...)` becomes `(batch, *target_shape)`.

    Args:
        target_shape: A tuple of positive ints, the shape of one sample; one entry may be -1 (inferred).
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        Arbitrary, with a batch axis first.

    Output shape:
        `(batch_size, *target_shape)`.

    Raises:
        TypeError: if `target_shape` is not a tuple of ints.
        ValueError: for a zero or negative size other than a single -1.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    print(layers.Reshape((3, 4))(np.ones((2, 12), "float32")).shape)  # (2, 3, 4)
    ```
    """

    def __init__(self, target_shape: Sequence[int], **kwargs) -> None:
        super().__init__(**kwargs)
        try:
            dims = tuple(target_shape)
        except TypeError:
            dims = None
        if dims is None or isinstance(target_shape, str) or any(
                isinstance(d, bool) or not isinstance(d, numbers.Integral) for d in dims):
            raise TypeError(f"`target_shape` must be a tuple of ints, received {target_shape!r}")
        self.target_shape = tuple(int(d) for d in dims)
        if sum(d == -1 for d in self.target_shape) > 1 or any(d < -1 or d == 0 for d in self.target_shape):
            raise ValueError(f"`target_shape` must hold positive sizes and at most one -1, received {target_shape!r}")

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0],) + self.target_shape)

    def compute_output_shape(self, input_shape):
        if -1 in self.target_shape and all(d is not None for d in input_shape[1:]):
            known = math.prod(d for d in self.target_shape if d != -1)
            total = math.prod(input_shape[1:])
            return (input_shape[0],) + tuple(total // known if d == -1 else d for d in self.target_shape)
        return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}

"""`Dropout`: inverted dropout, active only when training."""
from __future__ import annotations

from collections.abc import Sequence

from .. import ops
from .._validation import real
from .layer import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Applies dropout to the input during training.

    With `training=True` (as in `fit`), each input is zeroed with probability `rate` and the others are scaled by
    `1 / (1 - rate)`, so the expected sum is unchanged; otherwise (`evaluate`, `predict`, plain calls) the layer is
    the identity.

    Args:
        rate: A float in [0, 1], the fraction of the inputs to drop.
        noise_shape: None, or the shape of the binary mask (None entries take the input's size), e.g.
            `(batch_size, 1, features)` to drop the same features at every timestep.
        seed: An int making the masks reproducible (each call still draws a new mask), or None.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        Arbitrary.

    Output shape:
        Same shape as the input.

    Raises:
        ValueError: if `rate` is not a number in [0, 1].

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    x = np.ones((2, 4), "float32")
    drop = layers.Dropout(0.5, seed=1)
    print(drop(x, training=True).numpy())  # zeros and 2.0s
    print(drop(x).numpy())                 # unchanged at inference
    ```
    """

    supports_masking = True  # as Keras: an input mask passes through to the output

    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None, seed: int | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        rate = real(rate, "rate", 0, 1, message="Invalid value received for argument `{name}`. Expected a float "
                                               "value between 0 and 1. Received: {name}={value!r}")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self._calls = 0

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return ops.multiply(inputs, 0.0)
        noise_shape = None
        if self.noise_shape is not None:
            noise_shape = [inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        seed = None
        if self.seed is not None:  # a fixed layer seed still gives a new mask every step, reproducibly
            seed = self.seed + self._calls
            self._calls += 1
        return ops.dropout(inputs, self.rate, noise_shape=noise_shape, seed=seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}

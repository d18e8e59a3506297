"""`Masking`: Keras' layer that marks the time steps whose features all equal `mask_value` as padding, for the
recurrent layers that follow."""
from __future__ import annotations

import numbers

import numpy as np

from .. import ops
from .layer import Layer

__all__ = ["Masking"]


class Masking(Layer):
    """Masks a sequence by using a mask value to skip timesteps, as `keras.layers.Masking`.

    A timestep is masked when all its features equal `mask_value`; its features are set to 0 and the boolean mask
    `(batch, timesteps)` is attached to the output (`output._keras_mask`), where the recurrent layers read it.

    Args:
        mask_value: The value marking padded timesteps.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, ...).

    Input shape:
        `(batch, timesteps, ...)`.

    Output shape:
        Same shape as input.

    Example:
    >>> x = np.array([[[1.0], [0.0], [2.0]]], np.float32)
    >>> fastnn.layers.Masking()(x)._keras_mask
    array([[ True, False,  True]])
    """

    def __init__(self, mask_value: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, numbers.Real):
            raise ValueError(f"`mask_value` must be a number. Received: mask_value={mask_value!r}")
        self.mask_value = float(mask_value)

    def call(self, inputs):
        if len(inputs.shape) < 2:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected min_ndim=2, "
                             f"found ndim={len(inputs.shape)}. Full shape received: {tuple(inputs.shape)}")
        keep = np.any(inputs.numpy() != np.float32(self.mask_value), axis=-1)
        outputs = ops.multiply(inputs, keep[..., None].astype(np.float32))
        outputs._keras_mask = keep
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}

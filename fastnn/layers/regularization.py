"""Regularization layers beyond `Dropout`, as Keras has them: `GaussianNoise`, `SpatialDropout2D`,
`ActivityRegularization`. The noise layers act only when `training` is True."""
from __future__ import annotations

import numbers

import numpy as np

from .. import ops, random
from .dropout import Dropout
from .layer import Layer

__all__ = ["GaussianNoise", "SpatialDropout2D", "ActivityRegularization"]


class GaussianNoise(Layer):
    """Adds zero-centered Gaussian noise of standard deviation `stddev` when training (the identity otherwise),
    as `keras.layers.GaussianNoise`.

    Args:
        stddev: float in `[0, 1]`, the noise's standard deviation.
        seed: optional int, for reproducible noise (a new draw every call).
        **kwargs: base layer arguments.

    Input shape:
        Arbitrary. Use the keyword argument `input_shape` when using this layer as the first layer in a model.

    Output shape:
        Same shape as input.
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, numbers.Real) or not 0 <= stddev <= 1:
            raise ValueError(f"Invalid value received for argument `stddev`. Expected a float value between 0 and "
                             f"1. Received: stddev={stddev!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"`seed` must be an int or None. Received: seed={seed!r}")
        self.stddev, self.seed = float(stddev), seed
        self._calls = 0

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs

        seed = None
        if self.seed is not None:  # a fixed layer seed still gives new noise every step, reproducibly
            seed = self.seed + self._calls
            self._calls += 1
        return ops.add(inputs, random.normal(tuple(inputs.shape), stddev=self.stddev, seed=seed))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class SpatialDropout2D(Dropout):
    """Dropout of whole feature maps, as `keras.layers.SpatialDropout2D`: when training, each (sample, channel)
    map of a 4-D channels-last input is zeroed with probability `rate` and the rest scaled by 1 / (1 - rate).

    Args:
        rate: float in `[0, 1]`, the fraction of feature maps to drop.
        data_format: 'channels_last' or None (fastnn layers are channels-last).
        seed: optional int, for reproducible masks.
        name: base layer argument, the layer's name.
        dtype: base layer argument, the layer's dtype.
        **kwargs: other base layer arguments (`trainable`, `input_shape`, ...), passed on to `Dropout`.

    Input shape:
        4-D tensor of shape `(batch_size, rows, cols, channels)`.

    Output shape:
        Same shape as input.
    """

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None, name: str | None = None,
                 dtype: str | None = None, **kwargs) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"fastnn layers are channels-last: `data_format` must be 'channels_last' or None. "
                             f"Received: data_format={data_format!r}")
        self.data_format = "channels_last"
        self.noise_shape = (None, 1, 1, None)  # one decision per (sample, channel), through Dropout's noise_shape

    def call(self, inputs, training=None):
        if len(inputs.shape) != 4:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected ndim=4, "
                             f"found ndim={len(inputs.shape)}. Full shape received: {tuple(inputs.shape)}")
        return super().call(inputs, training=training)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape", None)
        return {**config, "data_format": self.data_format}


class ActivityRegularization(Layer):
    """Passes its input through unchanged and adds the activity penalty
    `(l1 * sum(|x|) + l2 * sum(x**2)) / batch_size` to the model's losses, as `keras.layers.ActivityRegularization`
    (Keras 3 divides by the batch size).

    Args:
        l1: non-negative float, the L1 penalty factor (default 0).
        l2: non-negative float, the L2 penalty factor (default 0).
        **kwargs: base layer arguments.

    Input shape:
        Arbitrary. Use the keyword argument `input_shape` when using this layer as the first layer in a model.

    Output shape:
        Same shape as input.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        for key, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0 or \
                    not np.isfinite(value):
                raise ValueError(f"`{key}` must be a non-negative number. Received: {key}={value!r}")
        self.l1, self.l2 = float(l1), float(l2)

    def call(self, inputs):
        penalty = np.float32(0)
        if self.l1:
            penalty = ops.multiply(np.float32(self.l1), ops.reduce_sum(ops.abs(inputs)))
        if self.l2:
            penalty = ops.add(penalty, ops.multiply(np.float32(self.l2), ops.reduce_sum(ops.square(inputs))))
        if len(inputs.shape) > 0 and inputs.shape[0]:
            penalty = ops.divide(penalty, np.float32(inputs.shape[0]))
        self.add_loss(penalty)
        return ops.identity(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}

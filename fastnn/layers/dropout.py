"""`Dropout`: inverted dropout, active only when training."""
from .. import ops
from .._validation import real
from .layer import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Zeroes each input with probability `rate` and scales the rest by 1/(1 − rate) when `training` is True;
    the identity otherwise (inference, evaluate, predict)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
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

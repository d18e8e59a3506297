"""Normalization layers: `BatchNormalization` (Keras' names, defaults, weights and moving-statistics updates)."""
import numbers

import numpy as np

from .. import ops
from .dense import _ser
from .layer import Layer

__all__ = ["BatchNormalization"]


def _real(value, name, low=None, high=None, low_open=False):
    """`value` as a float, ValueError (Keras style) unless it is a real number in the given range."""
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and np.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        bounds = "" if low is None else (f" > {low}" if low_open else f" >= {low}")
        bounds += "" if high is None else f" and <= {high}"
        raise ValueError(f"`{name}` must be a finite number{bounds}. Received: {name}={value!r}")
    return float(value)


def _axis(value):
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"`axis` must be an int. Received: axis={value!r}")
    return int(value)


class BatchNormalization(Layer):
    """Layer that normalizes its inputs per channel, as `keras.layers.BatchNormalization`.

    While training (`training=True` and the layer trainable), it normalizes with the mean and (biased) variance of
    the current batch over every axis but `axis`, and updates the moving statistics as Keras 3 does:
    `moving_mean = moving_mean * momentum + mean * (1 - momentum)` (the same for `moving_variance`). Otherwise
    (inference, or `trainable=False` as when fine-tuning a frozen backbone) it normalizes with the moving
    statistics: `gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta`. Forward and backward each run
    as one fused C++ pass, bitwise equal for any thread count.

    Args:
        axis: int, the channel axis (the last by default: NHWC images, (batch, features) matrices).
        momentum: momentum of the moving average.
        epsilon: small float added to the variance to avoid dividing by zero.
        center: if True, add the learned offset `beta`.
        scale: if True, multiply by the learned scale `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer: initializers.
        beta_regularizer, gamma_regularizer: optional regularizers.
        beta_constraint, gamma_constraint: optional constraints.
        synchronized: only False (fastnn's data-parallel training keeps per-process statistics).
        **kwargs: base layer arguments (`name`, `trainable`, `dtype`, ...).

    Weights, in Keras' order: `gamma`, `beta` (trainable, when scale/center), `moving_mean`, `moving_variance`
    (non-trainable), each of shape `(input_shape[axis],)`.

    Example:
    >>> model = fastnn.Sequential([fastnn.layers.Input((28, 28, 1)), fastnn.layers.Conv2D(8, 3),
    ...                            fastnn.layers.BatchNormalization(), fastnn.layers.ReLU()])
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, **kwargs):
        for key in ("renorm", "renorm_clipping", "renorm_momentum"):  # Keras' batch renormalization: not here
            value = kwargs.pop(key, None)
            if value not in (None, False) and not (key == "renorm_momentum" and value == 0.99):
                raise ValueError(f"fastnn's BatchNormalization does not support batch renormalization. "
                                 f"Received: {key}={value!r}")
        super().__init__(**kwargs)
        self.axis = _axis(axis)
        self.momentum = _real(momentum, "momentum", 0.0, 1.0)
        self.epsilon = _real(epsilon, "epsilon", 0.0, low_open=True)
        self.center, self.scale = bool(center), bool(scale)
        if synchronized:
            raise ValueError("`synchronized=True` is not supported: fastnn keeps batch statistics per process. "
                             f"Received: synchronized={synchronized!r}")
        self.synchronized = False
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def _channel_axis(self, shape):
        if not -len(shape) <= self.axis < len(shape):
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape {tuple(shape)}. "
                             f"Received: axis={self.axis}")
        return self.axis % len(shape)

    def build(self, input_shape):
        channels = input_shape[self._channel_axis(input_shape)]
        if channels is None:
            raise ValueError(f"BatchNormalization layer {self.name!r} needs a known size on axis {self.axis}, "
                             f"received shape {tuple(input_shape)}")
        shape = (channels,)
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer, name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer, name="moving_variance",
                                               trainable=False)

    def call(self, inputs, training=None):
        shape = tuple(inputs.shape)
        axis = self._channel_axis(shape)
        if shape[axis] != self.moving_mean.shape[0]:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected axis "
                             f"{self.axis} of size {self.moving_mean.shape[0]}, received shape {shape}")
        if training and self.trainable:
            outputs, mean, variance = ops.batch_norm(inputs, self.gamma, self.beta, epsilon=self.epsilon, axis=axis)
            # Keras 3's update, in float32: moving * momentum + batch * (1 - momentum)
            momentum, rest = np.float32(self.momentum), np.float32(1.0 - self.momentum)
            self.moving_mean.assign(self.moving_mean.numpy() * momentum + mean.numpy() * rest)
            self.moving_variance.assign(self.moving_variance.numpy() * momentum + variance.numpy() * rest)
            return outputs
        outputs, _, _ = ops.batch_norm(inputs, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                       epsilon=self.epsilon, axis=axis)
        return outputs

    def compute_output_shape(self, input_shape):
        self._channel_axis(input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": _ser(self.beta_initializer), "gamma_initializer": _ser(self.gamma_initializer),
                "moving_mean_initializer": _ser(self.moving_mean_initializer),
                "moving_variance_initializer": _ser(self.moving_variance_initializer),
                "beta_regularizer": _ser(self.beta_regularizer), "gamma_regularizer": _ser(self.gamma_regularizer),
                "beta_constraint": _ser(self.beta_constraint), "gamma_constraint": _ser(self.gamma_constraint),
                "synchronized": self.synchronized, "renorm": False, "renorm_clipping": None,
                "renorm_momentum": 0.99}

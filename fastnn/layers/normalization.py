"""Normalization layers with Keras' names, defaults, weights and configs: `BatchNormalization`,
`LayerNormalization` (fused C++ passes), and the preprocessing layers `Normalization` (with `adapt`) and
`Rescaling`."""
from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .. import ops
from ..tensor import TensorLike, as_array
from .dense import _ser
from .layer import Layer

__all__ = ["BatchNormalization", "LayerNormalization", "Normalization", "Rescaling"]


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
        beta_initializer: Initializer for `beta` (default "zeros").
        gamma_initializer: Initializer for `gamma` (default "ones").
        moving_mean_initializer: Initializer for the moving mean (default "zeros").
        moving_variance_initializer: Initializer for the moving variance (default "ones").
        beta_regularizer: Optional regularizer applied to `beta`.
        gamma_regularizer: Optional regularizer applied to `gamma`.
        beta_constraint: Optional constraint applied to `beta` after each optimizer step.
        gamma_constraint: Optional constraint applied to `gamma` after each optimizer step.
        synchronized: only False (fastnn's data-parallel training keeps per-process statistics).
        **kwargs: base layer arguments (`name`, `trainable`, `dtype`, ...).

    Weights, in Keras' order: `gamma`, `beta` (trainable, when scale/center), `moving_mean`, `moving_variance`
    (non-trainable), each of shape `(input_shape[axis],)`.

    Input shape:
        Arbitrary. Use the keyword argument `input_shape` when using this layer as the first layer in a model.

    Output shape:
        Same shape as input.

    Example:
    >>> model = fastnn.Sequential([fastnn.layers.Input((28, 28, 1)), fastnn.layers.Conv2D(8, 3),
    ...                            fastnn.layers.BatchNormalization(), fastnn.layers.ReLU()])
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: str | Callable | None = "zeros",
                 gamma_initializer: str | Callable | None = "ones",
                 moving_mean_initializer: str | Callable | None = "zeros",
                 moving_variance_initializer: str | Callable | None = "ones",
                 beta_regularizer: str | Callable | None = None, gamma_regularizer: str | Callable | None = None,
                 beta_constraint: str | Callable | None = None, gamma_constraint: str | Callable | None = None,
                 synchronized: bool = False, **kwargs) -> None:
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


class LayerNormalization(Layer):
    """Layer that normalizes each sample over `axis`, as `keras.layers.LayerNormalization`.

    `outputs = gamma * (x - mean) / sqrt(variance + epsilon) + beta`, with the mean and (biased) variance of each
    sample over `axis`, the same in training and inference. Forward and backward are one fused C++ pass each.

    Args:
        axis: int or list/tuple of ints, the axes to normalize over (the last by default).
        epsilon: small float added to the variance.
        center: if True, add the learned offset `beta`.
        scale: if True, multiply by the learned scale `gamma`.
        beta_initializer: Initializer for `beta` (default "zeros").
        gamma_initializer: Initializer for `gamma` (default "ones").
        beta_regularizer: Optional regularizer applied to `beta`.
        gamma_regularizer: Optional regularizer applied to `gamma`.
        beta_constraint: Optional constraint applied to `beta` after each optimizer step.
        gamma_constraint: Optional constraint applied to `gamma` after each optimizer step.
        **kwargs: base layer arguments (`name`, `trainable`, `dtype`, ...).

    Weights: `gamma`, `beta` of shape `[input_shape[a] for a in sorted(axis)]`, as Keras.

    Input shape:
        Arbitrary. Use the keyword argument `input_shape` when using this layer as the first layer in a model.

    Output shape:
        Same shape as input.

    Example:
    >>> layer = fastnn.layers.LayerNormalization()
    >>> layer(np.array([[1.0, 2.0, 3.0]])).numpy().round(3)
    array([[-1.224,  0.   ,  1.224]], dtype=float32)
    """

    def __init__(self, axis: int | Sequence[int] = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer: str | Callable | None = "zeros", gamma_initializer: str | Callable | None = "ones",
                 beta_regularizer: str | Callable | None = None, gamma_regularizer: str | Callable | None = None,
                 beta_constraint: str | Callable | None = None, gamma_constraint: str | Callable | None = None,
                 **kwargs) -> None:
        if kwargs.pop("rms_scaling", False):
            raise ValueError("`rms_scaling=True` is deprecated in Keras and not supported by fastnn. "
                             "Received: rms_scaling=True")
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [_axis(a) for a in axis]
            if not self.axis:
                raise ValueError(f"`axis` must name at least one axis. Received: axis={axis!r}")
        elif isinstance(axis, (numbers.Integral, np.integer)) and not isinstance(axis, bool):
            self.axis = int(axis)
        else:
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', but received: "
                            f"{axis!r}")
        self.epsilon = _real(epsilon, "epsilon", 0.0, low_open=True)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.gamma = self.beta = None

    def _axes(self, shape):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -len(shape) <= a < len(shape):
                raise ValueError(f"Axis {a} is out of bounds for input shape {tuple(shape)}. "
                                 f"Received: axis={self.axis}")
        return sorted(a % len(shape) for a in axes)

    def build(self, input_shape):
        shape = tuple(input_shape[a] for a in self._axes(input_shape))
        if any(d is None for d in shape):
            raise ValueError(f"LayerNormalization layer {self.name!r} needs known sizes on axis {self.axis}, "
                             f"received shape {tuple(input_shape)}")
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)

    def call(self, inputs):
        axes = self._axes(inputs.shape)
        weight = self.gamma if self.gamma is not None else self.beta
        if weight is not None and tuple(inputs.shape[a] for a in axes) != weight.shape:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected sizes "
                             f"{weight.shape} on axis {self.axis}, received shape {tuple(inputs.shape)}")
        return ops.layer_norm(inputs, self.gamma, self.beta, axis=axes, epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        self._axes(input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, "rms_scaling": False,
                "beta_initializer": _ser(self.beta_initializer), "gamma_initializer": _ser(self.gamma_initializer),
                "beta_regularizer": _ser(self.beta_regularizer), "gamma_regularizer": _ser(self.gamma_regularizer),
                "beta_constraint": _ser(self.beta_constraint), "gamma_constraint": _ser(self.gamma_constraint)}


class Rescaling(Layer):
    """Multiplies inputs by `scale` and adds `offset`, as `keras.layers.Rescaling` (e.g. `Rescaling(1 / 255)` for
    uint8 images). Integer inputs are cast to float32 first.

    Args:
        scale: float, or a list/array broadcast against the inputs' last axes.
        offset: float, or a list/array, added after scaling.
        **kwargs: base layer arguments.

    Input shape:
        Arbitrary. Use the keyword argument `input_shape` when using this layer as the first layer in a model.

    Output shape:
        Same shape as input (float32).

    Example:
    >>> fastnn.layers.Rescaling(1.0 / 127.5, offset=-1)(np.array([[0, 255]], np.uint8)).numpy()
    array([[-1.,  1.]], dtype=float32)
    """

    def __init__(self, scale: float | ArrayLike, offset: float | ArrayLike = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self._scale, self._offset = self._value(scale, "scale"), self._value(offset, "offset")
        self.scale, self.offset = scale, offset

    @staticmethod
    def _value(value, name):
        try:
            array = np.asarray(value, dtype=np.float32)
        except (TypeError, ValueError):
            raise TypeError(f"`{name}` must be a number or an array of numbers. Received: {name}={value!r}") \
                from None
        if isinstance(value, (bool, np.bool_)) or array.dtype == object:
            raise TypeError(f"`{name}` must be a number or an array of numbers. Received: {name}={value!r}")
        return array

    def call(self, inputs):
        x = inputs if inputs.dtype == np.float32 else ops.cast(inputs, "float32")
        return ops.add(ops.multiply(x, self._scale), self._offset)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        def plain(v):
            return v.tolist() if isinstance(v, np.ndarray) else v
        return {**super().get_config(), "scale": plain(self.scale), "offset": plain(self.offset)}


def _first_of(batch):
    """The inputs of a batch that may be an (x, y[, sample_weight]) tuple (Keras' _extract_batch)."""
    return batch[0] if isinstance(batch, tuple) else batch


class Normalization(Layer):
    """Feature-wise normalization, as `keras.layers.Normalization`: `(x - mean) / max(sqrt(variance), 1e-7)`
    (or, with `invert=True`, `mean + x * max(sqrt(variance), 1e-7)`).

    The statistics are given (`mean`, `variance`) or learned from data with `adapt()` before training.

    Args:
        axis: int, tuple of ints or None: the axes that keep their own mean and variance (the feature axes; the
            last by default). None: one mean and variance over everything.
        mean: optional mean (a scalar or an array broadcast over the kept axes); give it with `variance` or not
            at all (then `adapt()` learns the statistics).
        variance: optional variance, of the shape of `mean`; given together with `mean`.
        invert: if True, apply the inverse transformation (undo a normalization).
        **kwargs: base layer arguments.

    Input shape:
        Arbitrary. Use the keyword argument `input_shape` when using this layer as the first layer in a model.

    Output shape:
        Same shape as input.

    Weights (when adapted rather than given), in Keras' order: `mean`, `variance` of the kept axes' shape and an
    integer `count` (all non-trainable).

    Example:
    >>> layer = fastnn.layers.Normalization()
    >>> layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
    >>> layer(np.array([[1.0, 20.0]])).numpy()
    array([[0., 0.]], dtype=float32)
    """

    def __init__(self, axis: int | Sequence[int] | None = -1, mean: ArrayLike | None = None,
                 variance: ArrayLike | None = None, invert: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (numbers.Integral, np.integer)) and not isinstance(axis, bool):
            axis = (int(axis),)
        elif isinstance(axis, (list, tuple)):
            axis = tuple(_axis(a) for a in axis)
        else:
            raise TypeError(f"`axis` must be an int, a tuple of ints or None. Received: axis={axis!r}")
        self.axis = axis
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set. "
                             f"Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError("When setting values directly, `mean` and `variance` must have the same shape. "
                                 f"Received: mean shape {np.shape(mean)} and variance shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(f"The rank of `mean` must be less than or equal to the number of axes "
                                 f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis {self.axis}")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.mean = self.variance = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                             f"ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[d] is None for d in self._keep_axis):
            raise ValueError(f"All `axis` values to be kept must have a known shape. Received axis={self.axis}, "
                             f"inputs.shape={tuple(input_shape)}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1 for d in range(ndim))
        self._input_shape = tuple(input_shape)
        shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(shape, "zeros", name="mean", trainable=False)
            self.adapt_variance = self.add_weight(shape, "ones", name="variance", trainable=False)
            self.count = self.add_weight((), "zeros", dtype="int64", name="count", trainable=False)
        else:
            mean, variance = (np.asarray(v, np.float32) for v in (self.input_mean, self.input_variance))
            if mean.ndim:  # the given statistics belong to the last kept axes
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                mean, variance = mean.reshape(expanded), variance.reshape(expanded)
            self.mean = np.ascontiguousarray(np.broadcast_to(mean, self._broadcast_shape))
            self.variance = np.ascontiguousarray(np.broadcast_to(variance, self._broadcast_shape))

    def adapt(self, data):
        """Computes the mean and variance of `data` over the non-kept axes and stores them.

        Args:
            data: a numpy array or Tensor, or batches: a `fastnn.data.Dataset` or any iterable of arrays (or of
                (x, y) tuples, whose x is used). Batches are merged with Keras' running update.
        """
        if isinstance(data, (np.ndarray, TensorLike)):
            batches, first = None, as_array(data, "data")
        elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
            iterator = iter(data)
            first = next(iterator, None)
            if first is None:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at least one batch.")
            first = as_array(_first_of(first), "data")
            batches = iterator
        else:
            raise TypeError(f"`adapt` supports numpy arrays, Tensors, fastnn Datasets and iterables of batches. "
                            f"Received: data of type {type(data).__name__}")
        if not self.built:
            self.build(first.shape)
            self.built = True
        elif len(first.shape) != len(self._input_shape) or \
                any(first.shape[d] != self._input_shape[d] for d in self._keep_axis):
            raise ValueError(f"The layer was built with input_shape={self._input_shape}, but adapt() is being "
                             f"called with data with an incompatible shape, data.shape={first.shape}")
        if self.input_mean is not None:
            raise ValueError("adapt() cannot change the `mean` and `variance` given to the constructor")
        if batches is None:
            values = first.astype(np.float64) if first.dtype != np.float64 else first
            total_mean = np.mean(values, axis=self._reduce_axis)
            total_var = np.var(values, axis=self._reduce_axis)
        else:
            total_mean = total_var = np.zeros(self.adapt_mean.shape, np.float32)
            total_count = 0
            for batch in _chain(first, batches):
                batch = as_array(_first_of(batch), "data").astype(np.float32)
                if len(batch.shape) != len(self._input_shape) or \
                        any(batch.shape[d] != self._input_shape[d] for d in self._keep_axis):
                    raise ValueError(f"adapt() yielded a batch with incompatible shape. Expected "
                                     f"{self._input_shape}, got {batch.shape}.")
                batch_mean = np.mean(batch, axis=self._reduce_axis)
                batch_var = np.var(batch, axis=self._reduce_axis)
                batch_count = int(np.prod([batch.shape[d] for d in self._reduce_axis]))
                total_count += batch_count
                batch_weight = float(batch_count) / total_count
                existing_weight = 1.0 - batch_weight
                new_mean = total_mean * existing_weight + batch_mean * batch_weight
                total_var = (total_var + (total_mean - new_mean) ** 2) * existing_weight + \
                    (batch_var + (batch_mean - new_mean) ** 2) * batch_weight
                total_mean = new_mean
        self.adapt_mean.assign(np.asarray(total_mean, np.float32))
        self.adapt_variance.assign(np.asarray(total_var, np.float32))

    def _statistics(self):
        if self.input_mean is not None:
            return self.mean, self.variance
        return (self.adapt_mean.numpy().reshape(self._broadcast_shape),
                self.adapt_variance.numpy().reshape(self._broadcast_shape))

    def call(self, inputs):
        mean, variance = self._statistics()
        x = inputs if inputs.dtype == np.float32 else ops.cast(inputs, "float32")
        spread = np.maximum(np.sqrt(variance), np.float32(1e-7))  # Keras: max(sqrt(variance), epsilon())
        if self.invert:
            return ops.add(mean, ops.multiply(x, spread))
        return ops.divide(ops.subtract(x, mean), spread)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        def plain(v):
            return None if v is None else np.array(v).tolist()
        return {**super().get_config(), "axis": self.axis, "invert": self.invert, "mean": plain(self.input_mean),
                "variance": plain(self.input_variance)}


def _chain(first, rest):
    yield first
    yield from rest

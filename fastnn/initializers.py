"""fastnn.initializers — Keras' weight initializers (`keras.initializers`), drawing from fastnn.random.

Fans follow Keras: a (in, out) kernel has fan_in = in, fan_out = out; a conv kernel (kh, kw, cin, cout) has
fan_in = kh·kw·cin and fan_out = kh·kw·cout. The numbers differ from Keras' (another generator), the
distributions do not.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import random as fastnn_random
from .saving import serialization

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
           "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal",
           "LecunUniform", "get", "Orthogonal"]


def compute_fans(shape):
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class of the initializers: `initializer(shape, dtype=None)` returns a float32 numpy array.

    Subclass it and implement `__call__(shape, dtype=None)` (and `get_config` if it takes arguments); any callable
    `(shape, dtype) -> array` is accepted where an initializer is.
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype)")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Zeros(Initializer):
    """Initializer that generates arrays of zeros (`"zeros"`): the default bias initializer.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.Zeros()((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """
    def __call__(self, shape, dtype=None):
        return np.zeros(shape, np.float32)


class Ones(Initializer):
    """Initializer that generates arrays of ones (`"ones"`).

    Example:

    ```python
    from fastnn import initializers

    values = initializers.Ones()((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """
    def __call__(self, shape, dtype=None):
        return np.ones(shape, np.float32)


class Constant(Initializer):
    """Initializer that fills arrays with one value (`"constant"`).

    Args:
        value: The float to fill with.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.Constant(0.5)((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """
    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, np.float32)

    def get_config(self):
        return {"value": self.value}


class _Seeded(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _generator(self):
        return fastnn_random._generator(self.seed)


class RandomNormal(_Seeded):
    """Initializer drawing from a normal distribution (`"random_normal"`).

    Args:
        mean: The mean of the distribution.
        stddev: Its standard deviation.
        seed: An int making the values reproducible, or None (follows `fastnn.utils.set_random_seed`); the same
            seed draws the same values every call.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.RandomNormal(stddev=0.1, seed=1)((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return (self._generator().standard_normal(shape, dtype=np.float32) * np.float32(self.stddev)
                + np.float32(self.mean))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    """Initializer drawing uniformly from `[minval, maxval)` (`"random_uniform"`).

    Args:
        minval: The lower bound.
        maxval: The upper bound.
        seed: An int making the values reproducible, or None (follows `fastnn.utils.set_random_seed`); the same
            seed draws the same values every call.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.RandomUniform(-1.0, 1.0, seed=1)((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """
    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return self._generator().uniform(self.minval, self.maxval, shape).astype(np.float32)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated(generator, shape, stddev, mean=0.0):
    values = generator.standard_normal(shape, dtype=np.float32)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = generator.standard_normal(int(outside.sum()), dtype=np.float32)
        outside = np.abs(values) > 2
    return values * np.float32(stddev) + np.float32(mean)


class TruncatedNormal(_Seeded):
    """Initializer drawing from a normal distribution truncated at two standard deviations (`"truncated_normal"`).

    Values further than `2 * stddev` from the mean are redrawn.

    Args:
        mean: The mean of the distribution.
        stddev: Its standard deviation (before truncation).
        seed: An int making the values reproducible, or None (follows `fastnn.utils.set_random_seed`); the same
            seed draws the same values every call.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.TruncatedNormal(seed=1)((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return _truncated(self._generator(), shape, self.stddev, self.mean)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Seeded):
    """Initializer whose scale adapts to the shape of the weight (`"variance_scaling"`).

    It draws with variance `scale / n`, where `n` is `fan_in`, `fan_out` or their mean (`mode`): from a normal
    truncated at two standard deviations (its stddev corrected for the truncation, as in Keras), an untruncated
    normal, or a uniform distribution in `±sqrt(3 * scale / n)`. A `(in, out)` kernel has `fan_in = in` and
    `fan_out = out`; a convolution kernel `(kh, kw, cin, cout)` has `fan_in = kh * kw * cin`.

    Args:
        scale: A positive float.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"`, `"untruncated_normal"` or `"uniform"`.
        seed: An int making the values reproducible, or None (follows `fastnn.utils.set_random_seed`); the same
            seed draws the same values every call.

    Raises:
        ValueError: for a non-positive `scale`, or an unknown `mode` or `distribution`.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.VarianceScaling(2.0, "fan_in", "uniform", seed=1)((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None) -> None:
        if scale <= 0:
            raise ValueError(f"`scale` must be positive, received {scale!r}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"`mode` must be 'fan_in', 'fan_out' or 'fan_avg', received {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"`distribution` must be 'truncated_normal', 'untruncated_normal' or 'uniform', "
                             f"received {distribution!r}")
        super().__init__(seed)
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        generator = self._generator()
        if self.distribution == "truncated_normal":
            return _truncated(generator, shape, math.sqrt(variance) / 0.87962566103423978)
        if self.distribution == "untruncated_normal":
            return generator.standard_normal(shape, dtype=np.float32) * np.float32(math.sqrt(variance))
        limit = math.sqrt(3.0 * variance)
        return generator.uniform(-limit, limit, shape).astype(np.float32)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class GlorotUniform(VarianceScaling):
    """The Glorot (Xavier) uniform initializer (`"glorot_uniform"`).

    It draws uniformly from `±sqrt(6 / (fan_in + fan_out))`, Keras' default for `Dense` and `Conv2D` kernels.

    Args:
        seed: An int making the values reproducible, or None (follows `fastnn.utils.set_random_seed`); the same
            seed draws the same values every call.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.GlorotUniform(seed=1)((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotNormal(VarianceScaling):
    """The Glorot (Xavier) normal initializer (`"glorot_normal"`).

    It draws from a truncated normal with stddev `sqrt(2 / (fan_in + fan_out))`.

    Args:
        seed: An int making the values reproducible, or None (follows `fastnn.utils.set_random_seed`); the same
            seed draws the same values every call.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.GlorotNormal(seed=1)((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class HeNormal(VarianceScaling):
    """The He normal initializer (`"he_normal"`).

    It draws from a truncated normal with stddev `sqrt(2 / fan_in)`, for relu layers.

    Args:
        seed: An int making the values reproducible, or None (follows `fastnn.utils.set_random_seed`); the same
            seed draws the same values every call.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.HeNormal(seed=1)((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(2.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class HeUniform(VarianceScaling):
    """The He uniform initializer (`"he_uniform"`).

    It draws uniformly from `±sqrt(6 / fan_in)`.

    Args:
        seed: An int making the values reproducible, or None (follows `fastnn.utils.set_random_seed`); the same
            seed draws the same values every call.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.HeUniform(seed=1)((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(2.0, "fan_in", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunNormal(VarianceScaling):
    """The LeCun normal initializer (`"lecun_normal"`).

    It draws from a truncated normal with stddev `sqrt(1 / fan_in)`.

    Args:
        seed: An int making the values reproducible, or None (follows `fastnn.utils.set_random_seed`); the same
            seed draws the same values every call.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.LecunNormal(seed=1)((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunUniform(VarianceScaling):
    """The LeCun uniform initializer (`"lecun_uniform"`).

    It draws uniformly from `±sqrt(3 / fan_in)`.

    Args:
        seed: An int making the values reproducible, or None (follows `fastnn.utils.set_random_seed`); the same
            seed draws the same values every call.

    Example:

    ```python
    from fastnn import initializers

    values = initializers.LecunUniform(seed=1)((3, 4))
    print(values.shape, values.dtype)  # (3, 4) float32
    ```
    """
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_in", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class Orthogonal(_Seeded):
    """Initializer that generates an orthogonal matrix (`"orthogonal"`): the default recurrent kernel
    initializer of Keras' recurrent layers.

    The shape is flattened to `(prod(shape[:-1]), shape[-1])`; the values are the Q factor of the QR decomposition
    of a standard-normal matrix (signs fixed by R's diagonal, as Keras), times `gain`. Rows or columns (whichever
    are fewer) are orthonormal.

    Args:
        gain: Multiplicative factor applied to the orthogonal matrix.
        seed: An int making the values reproducible, or None (follows `fastnn.utils.set_random_seed`).

    Example:

    ```python
    import numpy as np
    from fastnn import initializers

    q = initializers.Orthogonal(seed=1)((4, 4))
    print(abs(q @ q.T - np.eye(4)).max() < 1e-5)  # True
    ```
    """
    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. Received: shape={shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._generator().standard_normal((max(rows, cols), min(rows, cols))).astype(np.float64)
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(np.float32)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


_BY_NAME = {"zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
            "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
            "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
            "he_normal": HeNormal, "he_uniform": HeUniform, "lecun_normal": LecunNormal,
            "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
            "uniform": RandomUniform, "normal": RandomNormal}  # Keras' short aliases (Embedding's default)


def get(identifier: str | Initializer | Callable) -> Initializer | Callable:
    """Retrieves an initializer from its name, or returns an initializer / callable as is.

    Args:
        identifier: A name (`"glorot_uniform"`, `"he_normal"`, `"zeros"`, ...) or class name (`"GlorotUniform"`;
            gives a default-configured instance), an `Initializer` or a callable `(shape, dtype)`.

    Returns:
        The initializer.

    Raises:
        ValueError: if the identifier names no initializer.

    Example:

    ```python
    from fastnn import initializers

    print(type(initializers.get("he_normal")).__name__)  # HeNormal
    ```
    """
    return serialization.get(identifier, "initializer", {**{c.__name__: c for c in _BY_NAME.values()}, **_BY_NAME},
                             instance_of=Initializer, expected=f"one of {sorted(_BY_NAME)} or an Initializer")

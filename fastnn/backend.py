"""fastnn.backend — the global settings and helpers Keras code reaches through `keras.backend` (Keras 2's `K`).

It sits low in fastnn's import graph (it needs only `fastnn.random`): layers get their unique names from it, so
`clear_session()` resets the numbering (`dense`, `dense_1`, ... start again), as Keras does.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from numpy.typing import DTypeLike

from . import random
from ._validation import real

__all__ = ["backend", "epsilon", "set_epsilon", "floatx", "set_floatx", "image_data_format",
           "set_image_data_format", "clear_session", "unique_name", "random_normal", "random_uniform"]

_EPSILON = 1e-7
_name_counters = defaultdict(itertools.count)


def backend() -> str:
    """The name of the compute backend: 'fastnn' (Keras answers 'tensorflow', 'jax' or 'torch')."""
    return "fastnn"


def epsilon() -> float:
    """The fuzz factor Keras adds to avoid divisions by zero in losses and metrics (default 1e-7).

    Returns:
        A Python float.

    Example:
        >>> fastnn.backend.epsilon()
        1e-07
    """
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by `epsilon()`.

    Args:
        value: a non-negative float.
    """
    global _EPSILON
    _EPSILON = real(value, "value", low=0, message="`{name}` must be a non-negative float. Received: {name}={value!r}")


def floatx() -> str:
    """The default float type, 'float32' (fastnn computes in float32 only)."""
    return "float32"


def set_floatx(value: str) -> None:
    """Accepts only 'float32', the type fastnn computes in; anything else is a clear error, not a silent switch.

    Args:
        value: the dtype name.
    """
    if value != "float32" and getattr(value, "name", None) != "float32":
        raise ValueError(f"fastnn computes in float32 only. Received: value={value!r}")


def image_data_format() -> str:
    """'channels_last': images are (batch, height, width, channels), Keras' default and fastnn's only layout."""
    return "channels_last"


def set_image_data_format(data_format: str) -> None:
    """Accepts only 'channels_last' (NHWC), fastnn's layout.

    Args:
        data_format: the layout name.
    """
    if data_format != "channels_last":
        raise ValueError(f"fastnn supports data_format='channels_last' only. Received: data_format={data_format!r}")


def unique_name(base: str) -> str:
    """`base`, then `base_1`, `base_2`, ...: the default layer names, numbered per base since the last
    `clear_session()`.

    Args:
        base: The name's prefix.

    Returns:
        A str.
    """
    n = next(_name_counters[base])
    return base if n == 0 else f"{base}_{n}"


def clear_session(free_memory: bool = True) -> None:
    """Reset the global state models accumulate: layer name numbering starts again (as in Keras). Models built
    before keep working.

    Args:
        free_memory: accepted for Keras compatibility (fastnn holds no per-session graph or device memory).
    """
    _name_counters.clear()


def random_normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0, dtype: DTypeLike | None = None,
                  seed: int | None = None) -> np.ndarray:
    """Keras 2's `K.random_normal`: normal samples of `shape` (float32), as `fastnn.random.normal`.

    Args:
        shape: The output shape: a tuple or list of ints.
        mean: The mean of the distribution.
        stddev: The standard deviation.
        dtype: Accepted for Keras 2 compatibility (samples are float32).
        seed: An int (the same draw every call), a `SeedGenerator` (a new, reproducible draw every call) or None (the
            global generator: reproducible after `set_seed`).

    Returns:
        A float32 numpy array.
    """
    return random.normal(shape, mean=mean, stddev=stddev, dtype=dtype, seed=seed)


def random_uniform(shape: Sequence[int], minval: float = 0.0, maxval: float = 1.0, dtype: DTypeLike | None = None,
                   seed: int | None = None) -> np.ndarray:
    """Keras 2's `K.random_uniform`: uniform samples in [minval, maxval) of `shape` (float32).

    Args:
        shape: The output shape: a tuple or list of ints.
        minval: The lower bound (included).
        maxval: The upper bound (excluded).
        dtype: Accepted for Keras 2 compatibility (samples are float32).
        seed: An int (the same draw every call), a `SeedGenerator` (a new, reproducible draw every call) or None (the
            global generator: reproducible after `set_seed`).

    Returns:
        A float32 numpy array.
    """
    return random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype, seed=seed)

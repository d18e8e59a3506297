"""fastnn.random — seedable random tensors (`tf.random.*`), float32 by default.

Seeding contract (TF's): with an op-level `seed` the numbers are a function of (global seed, op seed) only, so the
same call gives the same numbers every time; without one, each call draws fresh numbers from the global generator,
whose sequence `set_seed` makes reproducible. The numbers come from numpy's PCG64, so they differ from TF's
Philox streams: only the contract is shared.

Keras 3's `keras.random` spelling works too: `seed` may be a `SeedGenerator` (each call draws new numbers from its
own reproducible stream), and `randint` and `dropout` are here.
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._tape import record
from ._validation import integer
from .tensor import Tensor, TensorLike, _as_dtype, _float_input, as_array

__all__ = ["set_seed", "normal", "uniform", "truncated_normal", "shuffle", "randint", "dropout", "SeedGenerator"]

_global_seed = None
_global_generator = np.random.default_rng()


def set_seed(seed: int | None) -> None:
    """Make every later random call reproducible (`tf.random.set_seed`); also used by dropout and initializers.

    Args:
        seed: An int, or None to go back to an unseeded generator.

    Returns:
        None.
    """
    global _global_seed, _global_generator
    _global_seed = integer(seed, "seed", allow_none=True, error=TypeError,
                           message="`{name}` must be an int or None, received {value!r}")
    _global_generator = np.random.default_rng(_global_seed)


def _get_state():
    """The global random state (seed and generator position) as JSON-able data, saved in training checkpoints."""
    return {"seed": _global_seed, "bit_generator": _global_generator.bit_generator.state}


def _checked_state(state):
    """(seed, bit generator state) of a `_get_state()` dict, validated in full; a ValueError says what is wrong."""
    if not isinstance(state, dict) or "seed" not in state or "bit_generator" not in state:
        raise ValueError(f"a random state is an object with 'seed' and 'bit_generator', received {state!r}"[:300])
    seed = state["seed"]
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise ValueError(f"the random state's seed must be an int or null, received {seed!r}"[:300])
    generator = np.random.default_rng()
    try:
        generator.bit_generator.state = state["bit_generator"]
    except (KeyError, TypeError, ValueError, OverflowError) as e:
        raise ValueError(f"the random state's 'bit_generator' is not a PCG64 state ({type(e).__name__}: {e})"[:300]) \
            from None
    return (None if seed is None else int(seed)), generator.bit_generator.state


def _set_state(state):
    """Restores a state from `_get_state()`: later shuffles, dropout masks and random ops continue from there.
    The state is validated in full first: a bad one raises ValueError and leaves the global generator as it was."""
    global _global_seed, _global_generator
    seed, bit_state = _checked_state(state)
    generator = np.random.default_rng()
    generator.bit_generator.state = bit_state
    _global_seed, _global_generator = seed, generator


class SeedGenerator:
    """A reproducible stream of random numbers for `seed=` arguments (`keras.random.SeedGenerator`): every call
    that draws from it gets new numbers, and the same initial `seed` gives the same sequence of calls.

    Args:
        seed: An int (or None: seeded from the global generator, so `set_seed` makes it reproducible).
        name: An optional name.
        **kwargs: Accepted for Keras compatibility (e.g. `backend`); ignored.

    Raises:
        TypeError: if `seed` is not an int or None.

    Example:

    ```python
    import fastnn

    gen = fastnn.random.SeedGenerator(42)
    a = fastnn.random.normal((2,), seed=gen)
    b = fastnn.random.normal((2,), seed=gen)  # different numbers from a; the same pair for seed 42
    print(bool(fastnn.reduce_any(a != b)))  # True
    ```
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs) -> None:
        integer(seed, "seed", allow_none=True, error=TypeError,
                message="`{name}` must be an int or None. Received: {name}={value!r}")
        self.seed = seed
        self.name = name
        start = int(seed) if seed is not None else int(_global_generator.integers(2**62))
        self._generator = np.random.default_rng([start & 0xFFFFFFFF, start >> 32])

    def next(self):
        """A new int seed drawn from this stream."""
        return int(self._generator.integers(2**31))

    def get_config(self):
        return {"seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _generator(seed=None):
    """The generator for one random op: a fresh one keyed by (global seed, op seed) when `seed` is an int, the
    SeedGenerator's own stream when it is one, otherwise the global stream."""
    if seed is None:
        return _global_generator
    if isinstance(seed, SeedGenerator):
        return seed._generator
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"`seed` must be an int or None, received {seed!r}")
    return np.random.default_rng([0 if _global_seed is None else _global_seed & 0xFFFFFFFF, int(seed) & 0xFFFFFFFF])


def _dim(d):
    """A dimension given as an int, a numpy int or a scalar integer Tensor (`fastnn.shape(x)[0]`)."""
    if isinstance(d, TensorLike) and d.ndim == 0 and d.dtype.kind in "iu":
        return int(as_array(d))
    return d


def _shape(shape):
    if isinstance(shape, (numbers.Integral, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    dims = [_dim(d) for d in shape] if isinstance(shape, (list, tuple)) else \
        as_array(shape, "shape").reshape(-1).tolist()
    if any(isinstance(d, bool) or not isinstance(d, (numbers.Integral, np.integer)) or d < 0 for d in dims):
        raise ValueError(f"`shape` must be a list of non-negative ints, received {shape!r}")
    return tuple(int(d) for d in dims)


def _float_dtype(dtype):
    dtype = _as_dtype(np.float32 if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(f"`dtype` must be a floating type, received {dtype}")
    return np.dtype(np.float32)  # fastnn computes in float32


def normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0, dtype: str | np.dtype | None = np.float32,
           seed: int | None = None) -> Tensor:
    """Normal(mean, stddev) samples of `shape`.

    Args:
        shape: The output shape: a tuple or list of ints.
        mean: The mean of the distribution.
        stddev: The standard deviation.
        dtype: The output dtype (float32 by default).
        seed: An int (the same draw every call), a `SeedGenerator` (a new, reproducible draw every call) or None (the
            global generator: reproducible after `set_seed`).

    Returns:
        A Tensor.

    Example:

    ```python
    import fastnn

    a = fastnn.random.normal((2, 3), stddev=0.1, seed=1)
    b = fastnn.random.normal((2, 3), stddev=0.1, seed=1)
    print(a.shape, bool(fastnn.reduce_all(a == b)))  # (2, 3) True
    ```
    """
    _float_dtype(dtype)
    if stddev < 0:
        raise ValueError(f"`stddev` must be >= 0, received {stddev!r}")
    values = _generator(seed).standard_normal(_shape(shape), dtype=np.float32)
    return Tensor(values * np.float32(stddev) + np.float32(mean))


def uniform(shape: Sequence[int], minval: float = 0, maxval: float | None = None,
            dtype: str | np.dtype | None = np.float32, seed: int | None = None) -> Tensor:
    """Uniform samples in [minval, maxval) (maxval defaults to 1 for floats; integer dtypes need it, as TF).

    Args:
        shape: The output shape: a tuple or list of ints.
        minval: The lower bound (included).
        maxval: The upper bound (excluded); None means 1 for floats, and is required for integer dtypes.
        dtype: The output dtype (float32 by default).
        seed: An int (the same draw every call), a `SeedGenerator` (a new, reproducible draw every call) or None (the
            global generator: reproducible after `set_seed`).

    Returns:
        A Tensor.
    """
    dtype = _as_dtype(np.float32 if dtype is None else dtype)
    shape = _shape(shape)
    if dtype.kind in "iu":
        if maxval is None:
            raise ValueError("`maxval` must be given for an integer dtype")
        if not minval < maxval:
            raise ValueError(f"need minval < maxval, received minval={minval!r}, maxval={maxval!r}")
        return Tensor(_generator(seed).integers(minval, maxval, size=shape).astype(dtype))
    _float_dtype(dtype)
    maxval = 1.0 if maxval is None else maxval
    if not minval <= maxval:
        raise ValueError(f"need minval <= maxval, received minval={minval!r}, maxval={maxval!r}")
    values = _generator(seed).random(shape, dtype=np.float32)
    return Tensor(values * np.float32(maxval - minval) + np.float32(minval))


def truncated_normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0,
                     dtype: str | np.dtype | None = np.float32, seed: int | None = None) -> Tensor:
    """Normal samples redrawn until within two standard deviations of the mean (as TF).

    Args:
        shape: The output shape: a tuple or list of ints.
        mean: The mean of the distribution.
        stddev: The standard deviation.
        dtype: The output dtype (float32 by default).
        seed: An int (the same draw every call), a `SeedGenerator` (a new, reproducible draw every call) or None (the
            global generator: reproducible after `set_seed`).

    Returns:
        A Tensor.
    """
    _float_dtype(dtype)
    if stddev < 0:
        raise ValueError(f"`stddev` must be >= 0, received {stddev!r}")
    generator = _generator(seed)
    values = generator.standard_normal(_shape(shape), dtype=np.float32)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = generator.standard_normal(int(outside.sum()), dtype=np.float32)
        outside = np.abs(values) > 2
    return Tensor(values * np.float32(stddev) + np.float32(mean))


def shuffle(value: ArrayLike, seed: int | None = None, axis: int = 0) -> Tensor:
    """`value` randomly permuted along `axis` (the first one by default; Keras 3 adds `axis`).

    Args:
        value: A tensor-like.
        seed: An int (the same draw every call), a `SeedGenerator` (a new, reproducible draw every call) or None (the
            global generator: reproducible after `set_seed`).
        axis: The axis to permute along.

    Returns:
        A Tensor.
    """
    arr = as_array(value, "value")
    if arr.ndim == 0:
        raise ValueError("shuffle needs a value of rank >= 1, received a scalar")
    if isinstance(axis, bool) or not isinstance(axis, (numbers.Integral, np.integer)) or \
            not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"`axis` must be an axis of `value` (rank {arr.ndim}). Received: axis={axis!r}")
    return Tensor(np.take(arr, _generator(seed).permutation(arr.shape[axis]), axis=int(axis)))


def randint(shape: Sequence[int], minval: float, maxval: float | None, dtype: str | np.dtype | None = "int32",
            seed: int | None = None) -> Tensor:
    """Integers drawn uniformly from [minval, maxval) (`keras.random.randint`).

    Args:
        shape: The output shape.
        minval: The lower bound (included).
        maxval: The upper bound (excluded), greater than `minval`.
        dtype: An integer dtype (default int32).
        seed: An int, a `SeedGenerator` or None.

    Returns:
        An integer Tensor of `shape`.

    Raises:
        TypeError: if `dtype` is not an integer dtype.

    Example:

    ```python
    import fastnn

    print(fastnn.random.randint((5,), 0, 3, seed=1).dtype)  # int32
    ```
    """
    dtype = _as_dtype(dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"`dtype` must be an integer type. Received: dtype={dtype}")
    return uniform(shape, minval=minval, maxval=maxval, dtype=dtype, seed=seed)


def dropout(inputs: ArrayLike, rate: float, noise_shape: Sequence[int] | None = None,
            seed: int | None = None) -> Tensor:
    """`inputs` with each entry zeroed with probability `rate` and the rest scaled by 1/(1 − rate)
    (`keras.random.dropout`); differentiable, as `fastnn.nn.dropout`.

    Args:
        inputs: A tensor-like.
        rate: The probability of zeroing each entry, in [0, 1).
        noise_shape: None, or a shape that broadcasts to `inputs`' shape: one decision per entry of it.
        seed: An int (the same draw every call), a `SeedGenerator` (a new, reproducible draw every call) or None (the
            global generator: reproducible after `set_seed`).

    Returns:
        A Tensor.
    """
    t = _float_input(inputs)
    a = t._value
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0.0 <= rate < 1.0:
        raise ValueError(f"`rate` must be a number in [0, 1), received {rate!r}")
    if rate == 0.0:
        return record([t], a, lambda g, needs: [g])
    shape = a.shape if noise_shape is None else tuple(int(d) for d in as_array(noise_shape, "noise_shape"))
    try:
        np.broadcast_shapes(shape, a.shape)
    except ValueError:
        raise ValueError(f"`noise_shape` {shape} does not broadcast to the input's shape {a.shape}") from None
    if len(shape) != a.ndim:
        raise ValueError(f"`noise_shape` must have the input's rank {a.ndim}, received {shape}")
    keep = _generator(seed).random(shape, dtype=np.float32) >= np.float32(rate)
    return _masked(t, keep.astype(np.float32) * np.float32(1.0 / (1.0 - rate)))


def _masked(t, scaled_mask):
    """t * scaled_mask (the mask broadcasts to t's shape), recorded: the map is linear in t and its own adjoint, so
    its backward is the same op on the gradient, recorded again for higher-order gradients."""
    return record([t], t._value * scaled_mask, lambda g, needs: [g * scaled_mask],
                  lambda g, out, needs: [_masked(g, scaled_mask)])

"""fastnn.random — seedable random tensors (`tf.random.*`), float32 by default.

Seeding contract (TF's): with an op-level `seed` the numbers are a function of (global seed, op seed) only, so the
same call gives the same numbers every time; without one, each call draws fresh numbers from the global generator,
whose sequence `set_seed` makes reproducible. The numbers come from numpy's PCG64, so they differ from TF's
Philox streams: only the contract is shared.
"""
import numbers

import numpy as np

from .tensor import Tensor, _as_dtype, as_array

__all__ = ["set_seed", "normal", "uniform", "truncated_normal", "shuffle"]

_global_seed = None
_global_generator = np.random.default_rng()


def set_seed(seed):
    """Make every later random call reproducible (`tf.random.set_seed`); also used by dropout and initializers."""
    global _global_seed, _global_generator
    if isinstance(seed, bool) or not isinstance(seed, (numbers.Integral, type(None))):
        raise TypeError(f"`seed` must be an int or None, received {seed!r}")
    _global_seed = None if seed is None else int(seed)
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


def _generator(seed=None):
    """The generator for one random op: a fresh one keyed by (global seed, op seed) when `seed` is given,
    otherwise the global stream."""
    if seed is None:
        return _global_generator
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"`seed` must be an int or None, received {seed!r}")
    return np.random.default_rng([0 if _global_seed is None else _global_seed & 0xFFFFFFFF, int(seed) & 0xFFFFFFFF])


def _shape(shape):
    if isinstance(shape, (numbers.Integral, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    dims = list(shape) if isinstance(shape, (list, tuple)) else as_array(shape, "shape").reshape(-1).tolist()
    if any(isinstance(d, bool) or not isinstance(d, (numbers.Integral, np.integer)) or d < 0 for d in dims):
        raise ValueError(f"`shape` must be a list of non-negative ints, received {shape!r}")
    return tuple(int(d) for d in dims)


def _float_dtype(dtype):
    dtype = _as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"`dtype` must be a floating type, received {dtype}")
    return np.dtype(np.float32)  # fastnn computes in float32


def normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None):
    """Normal(mean, stddev) samples of `shape`."""
    _float_dtype(dtype)
    if stddev < 0:
        raise ValueError(f"`stddev` must be >= 0, received {stddev!r}")
    values = _generator(seed).standard_normal(_shape(shape), dtype=np.float32)
    return Tensor(values * np.float32(stddev) + np.float32(mean))


def uniform(shape, minval=0, maxval=None, dtype=np.float32, seed=None):
    """Uniform samples in [minval, maxval) (maxval defaults to 1 for floats; integer dtypes need it, as TF)."""
    dtype = _as_dtype(dtype)
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


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None):
    """Normal samples redrawn until within two standard deviations of the mean (as TF)."""
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


def shuffle(value, seed=None):
    """`value` with its first axis randomly permuted."""
    arr = as_array(value, "value")
    if arr.ndim == 0:
        raise ValueError("shuffle needs a value of rank >= 1, received a scalar")
    return Tensor(arr[_generator(seed).permutation(arr.shape[0])])

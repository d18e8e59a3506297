"""Input conversion shared by every op: real numeric array-likes become C-contiguous float32 copies or views
(inputs are never modified); anything else raises TypeError naming the argument."""
import numpy as np


def as_f32(x, name):
    """`x` as a C-contiguous float32 array; TypeError for non-real dtypes (bool, complex, object, strings)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"`{name}` must be a real numeric array (float or int), received dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def require_ndim(arr, ndim, name):
    if arr.ndim != ndim:
        raise ValueError(f"`{name}` must be {ndim}-D, received shape {arr.shape}")
    return arr


def as_positive_int_pair(value, name):
    """An int or a pair of ints, each >= 1 (Keras' kernel_size / strides / pool_size convention)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = (int(value), int(value))
    else:
        try:
            pair = tuple(int(v) for v in value)
        except TypeError:
            raise TypeError(f"`{name}` must be an int or a tuple of 2 ints, received {value!r}") from None
        if len(pair) != 2 or any(isinstance(v, bool) for v in value):
            raise ValueError(f"`{name}` must be an int or a tuple of 2 ints, received {value!r}")
    if pair[0] < 1 or pair[1] < 1:
        raise ValueError(f"`{name}` must be positive, received {value!r}")
    return pair


def as_padding(value):
    if not isinstance(value, str) or value.lower() not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same', received {value!r}")
    return value.lower()

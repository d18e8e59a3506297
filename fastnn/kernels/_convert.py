"""Argument conversion shared by every op. Arrays: real numeric array-likes become C-contiguous float32 (copies or
views; inputs are never modified); anything else raises TypeError naming the argument. Geometry arguments follow
tf.nn's conventions; every error message names the argument and echoes the bad value."""
import numpy as np

from .._validation import data_format_arg, padding_arg, spatial_pair  # noqa: F401  (re-exported for the kernels)


def as_f32(x, name):
    """`x` as a C-contiguous float32 array; TypeError for non-real dtypes (bool, complex, object, strings)."""
    if type(x) is np.ndarray and x.dtype == np.float32 and x.flags.c_contiguous and x.ndim:
        return x  # already what the kernels take (the common case inside a training step)
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"`{name}` must be a real numeric array (float or int), received dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def require_ndim(arr, ndim, name):
    if arr.ndim != ndim:
        raise ValueError(f"`{name}` must be {ndim}-D, received shape {arr.shape}")
    return arr

"""Argument conversion shared by every op. Arrays: real numeric array-likes become C-contiguous float32 (copies or
views; inputs are never modified); anything else raises TypeError naming the argument. Geometry arguments follow
tf.nn's conventions; every error message names the argument and echoes the bad value."""
import numbers

import numpy as np


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


def spatial_pair(value, name):
    """(h, w) >= 1 from an int, a 1- or 2-sequence, or TF's NHWC 4-list [1, h, w, 1] (ksize, strides, dilations)."""
    # Fast path for what layers pass on every call: a pair of positive Python ints.
    if type(value) is tuple and len(value) == 2 and type(value[0]) is int and type(value[1]) is int \
            and value[0] >= 1 and value[1] >= 1:
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = [value]
    else:
        try:
            values = list(value)
        except TypeError:
            raise TypeError(f"`{name}` must be an int, a pair of ints or [1, h, w, 1], received {value!r}") from None
        if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in values):
            raise TypeError(f"`{name}` must contain ints, received {value!r}")
    if len(values) == 1:
        pair = (int(values[0]), int(values[0]))
    elif len(values) == 2:
        pair = (int(values[0]), int(values[1]))
    elif len(values) == 4:
        if values[0] != 1 or values[3] != 1:
            raise ValueError(f"`{name}` must be 1 along the batch and channel axes (NHWC), received {value!r}")
        pair = (int(values[1]), int(values[2]))
    else:
        raise ValueError(f"`{name}` must have 1, 2 or 4 elements, received {value!r}")
    if pair[0] < 1 or pair[1] < 1:
        raise ValueError(f"`{name}` must be positive, received {value!r}")
    return pair


def padding_arg(padding):
    """'valid' or 'same' from TF's 'VALID'/'SAME' in any case."""
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'VALID' or 'SAME', received {padding!r}")
    return padding.lower()


def data_format_arg(data_format):
    if data_format not in ("NHWC", "channels_last"):
        raise ValueError(f"`data_format` must be 'NHWC' (fastnn works channels-last), received {data_format!r}")

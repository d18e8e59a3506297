"""Turning what users pass to `fit` / `evaluate` / `predict` into batches: numpy-like arrays (checked, cast to
float32, batched in order or shuffled), `fastnn.data.Dataset`s and generators yielding x, (x, y) or (x, y,
sample_weight) batches. For multi-input / multi-output models x and y may be structures: a dict of arrays (keyed
by input / output names) always, a list or tuple of arrays when the model has several inputs (`multi_x`) or
outputs (`multi_y`) — for a single-input model a list stays what it was, an array-like."""
import inspect
import math

import numpy as np

from .. import random as fastnn_random
from .._validation import integer, one_of
from ..data import Dataset
from ..tensor import TensorLike, as_array
from ..utils.dataset_utils import pack_x_y_sample_weight, unpack_x_y_sample_weight

__all__ = ["as_batchable", "as_batchable_structure", "num_samples", "take", "is_data_stream",
           "unpack_x_y_sample_weight", "pack_x_y_sample_weight", "prepare_arrays",
           "batch_indices", "array_source", "stream_source", "positive_int", "verbose_level"]


def as_batchable(x, name):
    """`x` as a numeric numpy array with a batch axis (floats as float32), or None."""
    if x is None:
        return None
    if isinstance(x, TensorLike):
        x = as_array(x)
    try:
        arr = np.asarray(x)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"`{name}` must be an array-like of one shape, received a ragged {type(x).__name__} "
                         f"({e})") from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"`{name}` must be numeric, received dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"`{name}` must have a batch axis, received a scalar")
    if arr.dtype.kind == "f" and arr.dtype != np.float32:
        arr = arr.astype(np.float32)
    return arr


def as_batchable_structure(x, name, multi=False):
    """`x` as `as_batchable` makes it, or a dict / list (when `multi`) of such arrays."""
    if isinstance(x, dict):
        return {k: as_batchable(v, f"{name}[{k!r}]") for k, v in x.items()}
    if multi and isinstance(x, (list, tuple)):
        return [as_batchable(v, f"{name}[{i}]") for i, v in enumerate(x)]
    return as_batchable(x, name)


def _leaves(x):
    if isinstance(x, dict):
        return [v for v in x.values() if v is not None]
    if isinstance(x, list):
        return [v for v in x if v is not None]
    return [x]


def num_samples(x, name="x"):
    """The batch size of an array or a structure of arrays (which must agree)."""
    sizes = [len(v) for v in _leaves(x)]
    if not sizes:
        raise ValueError(f"`{name}` holds no arrays")
    if any(n != sizes[0] for n in sizes):
        raise ValueError(f"All arrays in `{name}` must have the same number of samples, received {sizes}")
    return sizes[0]


def take(x, index):
    """`x[index]` for an array or every array of a structure."""
    if isinstance(x, dict):
        return {k: None if v is None else v[index] for k, v in x.items()}
    if isinstance(x, list):
        return [None if v is None else v[index] for v in x]
    return x[index]


def positive_int(value, name, allow_none=False):
    return integer(value, name, minimum=1, allow_none=allow_none,
                   message="`{name}` must be a positive integer, received {value!r}")


def verbose_level(verbose):
    if verbose == "auto":
        return 1
    return one_of(verbose, "verbose", (0, 1, 2), "`{name}` must be 'auto', 0, 1 or 2, received {value!r}")


def is_data_stream(x):
    """A Dataset, generator or other iterator of batches (not an array-like)."""
    return isinstance(x, Dataset) or inspect.isgenerator(x) or (hasattr(x, "__next__") and hasattr(x, "__iter__"))


def prepare_arrays(x, y, sample_weight, class_weight=None, multi_x=False, multi_y=False):
    """Checked arrays: x (required), y and sample_weight with one entry per sample; class_weight folded into the
    sample weights. x and y may be structures (see the module docstring)."""
    x = as_batchable_structure(x, "x", multi_x)
    if x is None:
        raise ValueError("`x` is required")
    n = num_samples(x, "x")
    y = as_batchable_structure(y, "y", multi_y)
    if y is not None and num_samples(y, "y") != n:
        raise ValueError(f"`x` and `y` must have the same number of samples, received {n} and "
                         f"{num_samples(y, 'y')}")
    sample_weight = checked_sample_weight(sample_weight, n, multi_y)
    if class_weight is not None:
        if not isinstance(class_weight, dict):
            raise TypeError(f"`class_weight` must be a dict mapping class ids to weights, received "
                            f"{class_weight!r}")
        if y is None:
            raise ValueError("`class_weight` needs `y`")
        if isinstance(y, (list, dict)):
            raise ValueError("`class_weight` is only supported for models with a single output (use "
                             f"`sample_weight`). Received: class_weight={class_weight!r}")
        classes = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
        lookup = np.vectorize(lambda c: float(class_weight.get(int(c), 1.0)), otypes=[np.float32])
        weights = lookup(classes)
        sample_weight = weights if sample_weight is None else sample_weight * weights
    return x, y, sample_weight


def _per_output(sample_weight, multi_y):
    """Whether `sample_weight` is one entry per output (a dict, or a list of arrays/None) rather than one array."""
    if not multi_y or not isinstance(sample_weight, (list, tuple, dict)):
        return False
    items = sample_weight.values() if isinstance(sample_weight, dict) else sample_weight
    return isinstance(sample_weight, dict) or any(v is None or np.ndim(v) > 0 for v in items)


def checked_sample_weight(sample_weight, n, multi_y=False):
    """`sample_weight` as float32 with one entry per sample (n, or None for a stream's batch), or for a multi-output
    model a list / dict of such arrays (None for an output without weights), as Keras 3 takes it."""
    if sample_weight is None:
        return None
    if _per_output(sample_weight, multi_y):
        if isinstance(sample_weight, dict):
            return {k: checked_sample_weight(v, n) for k, v in sample_weight.items()}
        return [checked_sample_weight(v, n) for v in sample_weight]
    sample_weight = np.asarray(as_array(sample_weight, "sample_weight"), np.float32)
    if sample_weight.ndim == 0 or (n is not None and len(sample_weight) != n):
        raise ValueError(f"`sample_weight` must have one entry per sample ({n}), received shape "
                         f"{sample_weight.shape}")
    return sample_weight


def batch_indices(n, batch_size, order=None):
    """Index arrays of consecutive batches over `order` (default 0..n-1); the last batch may be smaller."""
    order = np.arange(n) if order is None else order
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def array_source(x, y, sample_weight, batch_size, shuffle, loop, steps_limit=None, what="fit()"):
    """(epoch_batches(), steps): epoch_batches() yields (x, y, sample_weight) batches of the arrays, as `loop`
    splits them (the local loop: all of each batch; the data-parallel one: this rank's part of a global batch)."""
    n = num_samples(x)
    steps = loop.steps(n, batch_size, what)
    if steps_limit is not None:
        steps = min(steps, steps_limit)

    def epoch_batches():
        order = fastnn_random._generator().permutation(n) if shuffle else None
        for step, idx in enumerate(loop.batches(n, batch_size, order)):
            if step >= steps:
                return
            yield take(x, idx), None if y is None else take(y, idx), \
                None if sample_weight is None else take(sample_weight, idx)
    return epoch_batches, steps


def stream_source(data, steps_limit=None, multi_x=False, multi_y=False):
    """(epoch_batches(), steps or None) for a Dataset (re-iterated every epoch) or a generator/iterator (consumed
    across epochs; `steps_per_epoch` says how much makes an epoch)."""
    reiterable = isinstance(data, Dataset)
    shared = None if reiterable else iter(data)
    steps = steps_limit
    if reiterable and data.cardinality() >= 0:
        steps = data.cardinality() if steps is None else min(steps, data.cardinality())

    def epoch_batches():
        source = iter(data) if reiterable else shared
        for step, element in enumerate(source):
            xb, yb, swb = unpack_x_y_sample_weight(element)
            yield (as_batchable_structure(xb, "x", multi_x), as_batchable_structure(yb, "y", multi_y),
                   checked_sample_weight(swb, None, multi_y))
            if steps is not None and step + 1 >= steps:
                return
    return epoch_batches, steps


def source(x, y, sample_weight, batch_size, shuffle, steps_limit, what, loop, class_weight=None, needs_y=True,
           multi_x=False, multi_y=False):
    """Batches for fit/evaluate from arrays or a data stream (`y` must then be None: the stream yields it)."""
    if is_data_stream(x):
        if y is not None:
            raise ValueError(f"`y` must not be given to {what} when `x` is a Dataset or generator (it yields (x, y) "
                             "batches)")
        return stream_source(x, steps_limit, multi_x, multi_y)
    x, y, sample_weight = prepare_arrays(x, y, sample_weight, class_weight, multi_x, multi_y)
    if (y is None and needs_y) or num_samples(x) == 0:
        raise ValueError(f"{what} needs non-empty `x` and `y`" if y is None else
                         f"{what} received empty data (0 samples)")
    return array_source(x, y, sample_weight, batch_size, shuffle, loop, steps_limit, what)


def ceil_steps(n, batch_size):
    return math.ceil(n / batch_size)

"""`split_dataset` (`keras.utils.split_dataset`): one data set into two `fastnn.data.Dataset`s; and how a batch
is packed for (and unpacked in) a `train_step`."""
from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from .. import random as fastnn_random
from ..data import Dataset
from ..tensor import TensorLike, as_array

__all__ = ["split_dataset", "unpack_x_y_sample_weight", "pack_x_y_sample_weight"]


def _size(value, total, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.number)):
        raise TypeError(f"`{name}` must be an int, a float in (0, 1) or None. Received: {name}={value!r}")
    if isinstance(value, (numbers.Integral, np.integer)):
        if not 0 < value <= total:
            raise ValueError(f"`{name}` must be in (0, {total}] samples. Received: {name}={value!r}")
        return int(value)
    if not 0 < value < 1:
        raise ValueError(f"A float `{name}` must be in (0, 1). Received: {name}={value!r}")
    return int(round(float(value) * total))


def _arrays(dataset):
    """The data set as a tuple of equally long numpy arrays (and whether it was a single array)."""
    if isinstance(dataset, Dataset):
        elements = list(dataset)
        if not elements:
            raise ValueError("`dataset` is empty")
        first = elements[0]
        parts = first if isinstance(first, tuple) else (first,)
        arrays = tuple(np.stack([np.asarray(as_array(e[i] if isinstance(e, tuple) else e)) for e in elements])
                       for i in range(len(parts)))
        return arrays, not isinstance(first, tuple)
    if isinstance(dataset, (np.ndarray, TensorLike)):
        return (np.asarray(as_array(dataset)),), True
    if isinstance(dataset, (list, tuple)) and dataset and all(
            isinstance(a, (np.ndarray, TensorLike, list)) for a in dataset):
        arrays = tuple(np.asarray(as_array(a)) for a in dataset)
        if len({len(a) for a in arrays}) != 1:
            raise ValueError(f"The arrays in `dataset` must have the same length. Received lengths "
                             f"{[len(a) for a in arrays]}")
        return arrays, False
    raise TypeError(f"`dataset` must be a numpy array, a Tensor, a list/tuple of them or a fastnn.data.Dataset. "
                    f"Received: {type(dataset).__name__}")


def split_dataset(dataset: Dataset | ArrayLike | tuple | list | dict, left_size: int | float | None = None,
                  right_size: int | float | None = None, shuffle: bool = False, seed: int | None = None
                  ) -> tuple[Dataset, Dataset]:
    """Split `dataset` into a left and a right `fastnn.data.Dataset` of single samples.

    Args:
        dataset: a numpy array, a tuple/list of arrays of equal length (e.g. `(x, y)`), or a `fastnn.data.Dataset`
            of single samples.
        left_size: samples in the left part: an int count, a float fraction in (0, 1), or None for the rest.
        right_size: the same for the right part; at least one of the two must be given.
        shuffle: shuffle the samples before splitting.
        seed: the seed for the shuffle.

    Returns:
        `(left, right)`, two Datasets (batch them with `.batch(n)`).

    Example:
        >>> left, right = fastnn.utils.split_dataset((x, y), left_size=0.8)
    """
    arrays, single = _arrays(dataset)
    total = len(arrays[0])
    left, right = _size(left_size, total, "left_size"), _size(right_size, total, "right_size")
    if left is None and right is None:
        raise ValueError("You must specify either `left_size` or `right_size`.")
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"`left_size` + `right_size` = {left + right} samples, more than the dataset's {total}")
    if left == 0 or right == 0:
        raise ValueError(f"Both parts must hold samples: left_size={left_size!r} and right_size={right_size!r} "
                         f"give {left} and {right} of {total}")
    order = fastnn_random._generator(seed).permutation(total) if shuffle else np.arange(total)

    def part(index):
        pieces = tuple(a[index] for a in arrays)
        return Dataset.from_tensor_slices(pieces[0] if single else pieces)
    return part(order[:left]), part(order[total - right:])  # the right part runs to the end (Keras)


def unpack_x_y_sample_weight(data: object) -> tuple:
    """A batch as (x, y, sample_weight): `data` is x, or a tuple (x,), (x, y) or (x, y, sample_weight)
    (`keras.utils.unpack_x_y_sample_weight`).

    Args:
        data: A batch: `x`, or a tuple `(x,)`, `(x, y)` or `(x, y, sample_weight)`.

    Returns:
        A tuple `(x, y, sample_weight)`; missing parts are None.
    """
    if isinstance(data, list):
        data = tuple(data)
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        raise ValueError(f"a data element must be x, (x, y) or (x, y, sample_weight); received a tuple of "
                         f"{len(data)}")
    return data, None, None


def pack_x_y_sample_weight(x: object, y: object = None, sample_weight: object = None) -> object:
    """The batch `train_step(data)` receives, packed as Keras packs it: a lone `x` stays bare (so that
    `fit(images)` hands `train_step` the image batch itself), else `(x,)`, `(x, y)` or `(x, y, sample_weight)`.

    Args:
        x: Inputs (an array, a Tensor, or a list/tuple/dict of them).
        y: Targets, or None.
        sample_weight: Per-sample weights, or None.

    Returns:
        `x` itself when `y` is None and `x` is not a list or tuple (a list or tuple of inputs is wrapped as `(x,)`
        so that it cannot be read as `(x, y)`); otherwise the tuple `(x, y)` or `(x, y, sample_weight)`.

    Example:
        >>> fastnn.utils.pack_x_y_sample_weight(np.ones(2)).shape
        (2,)
        >>> len(fastnn.utils.pack_x_y_sample_weight(np.ones(2), np.zeros(2)))
        2
    """
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)

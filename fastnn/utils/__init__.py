"""fastnn.utils — helpers users reach for: `to_categorical`, `normalize`, `set_random_seed`, `split_dataset`,
`array_to_img` / `img_to_array`, `plot_history`, `Progbar`."""
from __future__ import annotations

import random as python_random  # the standard library's, for set_random_seed

import numpy as np
from numpy.typing import ArrayLike

from .. import random as _random
from ..tensor import as_array
from .dataset_utils import pack_x_y_sample_weight, split_dataset, unpack_x_y_sample_weight
from .image_utils import array_to_img, img_to_array
from .numerical_utils import normalize
from .plotting import plot_history
from .progbar import Progbar

__all__ = ["Progbar", "set_random_seed", "to_categorical", "normalize", "split_dataset", "array_to_img",
           "img_to_array", "plot_history", "unpack_x_y_sample_weight", "pack_x_y_sample_weight"]


def set_random_seed(seed: int | None) -> None:
    """Seed Python's `random`, numpy's global generator and fastnn's random ops, initializers, dropout and fit's
    shuffling, as `keras.utils.set_random_seed` does.

    Args:
        seed: an int.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"`seed` must be an int. Received: seed={seed!r}")
    python_random.seed(seed)
    np.random.seed(seed % 2**32)
    _random.set_seed(seed)


def to_categorical(x: ArrayLike, num_classes: int | None = None,
                   dtype: str | np.dtype | None = "float32") -> np.ndarray:
    """Integer class labels -> one-hot rows (`keras.utils.to_categorical`); a trailing axis of 1 is dropped.

    Args:
        x: Integer class labels (floats holding whole numbers are accepted).
        num_classes: The number of classes, or None for `max(x) + 1`.
        dtype: The dtype of the result.

    Returns:
        A numpy array `(..., num_classes)` of one-hot rows.

    Raises:
        ValueError: for non-integer or negative labels, or a label >= `num_classes`.

    Example:

    ```python
    import fastnn

    print(fastnn.utils.to_categorical([0, 2], num_classes=3))  # [[1. 0. 0.] [0. 0. 1.]]
    ```
    """
    labels = np.asarray(as_array(x, "x"))
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind == "f" and np.all(labels == np.floor(labels)):
            labels = labels.astype(np.int64)
        else:
            raise ValueError(f"to_categorical needs integer class labels, received dtype {labels.dtype}")
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.size and labels.min() < 0:
        raise ValueError(f"class labels must be non-negative, received {labels.min()}")
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    elif labels.size and labels.max() >= num_classes:
        raise ValueError(f"label {labels.max()} is out of range for num_classes={num_classes}")
    return np.eye(num_classes, dtype=dtype)[labels]

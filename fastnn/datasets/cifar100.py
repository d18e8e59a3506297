"""CIFAR-100 (Krizhevsky, 2009), as `keras.datasets.cifar100.load_data(label_mode)`: 32x32 colour images of 100
fine classes grouped into 20 coarse ones, from the python-version archive at Keras' origin, cached in
`$FASTNN_HOME/datasets/cifar100` with its SHA-256 checked."""
from __future__ import annotations

import os

import numpy as np

from .cifar import load_archive

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FNAME = "cifar-100-python.tar.gz"
SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode: str = "fine", path: str | os.PathLike | None = None
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads CIFAR-100.

    Args:
        label_mode: "fine" (100 classes) or "coarse" (20 superclasses).
        path: optional local copy of `cifar-100-python.tar.gz` (its SHA-256 checked) or a folder holding the
            extracted `train` and `test` files; by default the archive is downloaded once.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (50000, 32, 32, 3) / (10000, 32, 32, 3) and int64
        labels of shape (50000, 1) / (10000, 1) (the dtype Keras 3 returns; its docstring says uint8).

    Raises:
        ValueError: for another `label_mode`.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode!r}.')
    return load_archive(path, FNAME, ORIGIN, SHA256, "cifar100", (["train"], "test"), label_mode + "_labels",
                        np.int64)

"""CIFAR-10 (Krizhevsky, 2009), as `keras.datasets.cifar10.load_data()`: 32x32 colour images of 10 classes
(0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship, 9 truck), from the
python-version archive at Keras' origin, cached in `$FASTNN_HOME/datasets/cifar10` with its SHA-256 checked."""
from __future__ import annotations

import os

import numpy as np

from .cifar import load_archive

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FNAME = "cifar-10-python.tar.gz"
SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data(path: str | os.PathLike | None = None
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads CIFAR-10.

    Args:
        path: optional local copy of `cifar-10-python.tar.gz` (its SHA-256 checked) or a folder holding the
            extracted batch files; by default the archive is downloaded once into `$FASTNN_HOME/datasets/cifar10`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (50000, 32, 32, 3) / (10000, 32, 32, 3) (channels
        last) and uint8 labels 0–9 of shape (50000, 1) / (10000, 1).
    """
    return load_archive(path, FNAME, ORIGIN, SHA256, "cifar10",
                        ([f"data_batch_{i}" for i in range(1, 6)], "test_batch"), "labels", np.uint8)

"""The 8×8 handwritten digits (1,797 images), shipped inside the package: no download, no network.

Licence: CC BY 4.0 (UCI Optical Recognition of Handwritten Digits, Alpaydin & Kaynak 1998); see data/README.md.
"""
from __future__ import annotations

import os

import numpy as np

_PATH = os.path.join(os.path.dirname(__file__), "data", "digits.npz")
TEST_SIZE = 360  # the last 360 images (20 %) form the fixed test split


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Returns `(x_train, y_train), (x_test, y_test)`: uint8 images (n, 8, 8) with values 0–16, uint8 labels 0–9.

    The split is fixed (first 1,437 train, last 360 test) so results are comparable between runs.
    """
    with np.load(_PATH, allow_pickle=False) as data:
        images, labels = data["images"], data["labels"]
    split = len(images) - TEST_SIZE
    return (images[:split], labels[:split]), (images[split:], labels[split:])

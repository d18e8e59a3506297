"""Fisher's iris flowers (150 samples, 4 features, 3 classes), shipped inside the package.

Licence: CC BY 4.0 (UCI Machine Learning Repository); see data/README.md.
"""
from __future__ import annotations

import os

import numpy as np

_PATH = os.path.join(os.path.dirname(__file__), "data", "iris.csv")
FEATURE_NAMES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")
TARGET_NAMES = ("setosa", "versicolor", "virginica")


def load_data() -> tuple[np.ndarray, np.ndarray]:
    """Returns `(x, y)`: float32 features (150, 4) in FEATURE_NAMES order and uint8 labels 0–2 (TARGET_NAMES),
    50 per class, in the data set's original order (no split: it is small enough to choose one per use)."""
    table = np.loadtxt(_PATH, delimiter=",", skiprows=1, dtype=np.float64)
    return table[:, :4].astype(np.float32), table[:, 4].astype(np.uint8)

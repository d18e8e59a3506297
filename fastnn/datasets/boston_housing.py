"""Boston Housing (StatLib), as `keras.datasets.boston_housing.load_data()`: 13 attributes of houses near Boston in
the 1970s and their median value in k$. As Keras warns, one attribute ("B") encodes a racial assumption: use the
data set only to illustrate such ethical problems. The `.npz` comes from Keras' origin, SHA-256 checked, cached in
`$FASTNN_HOME/datasets`; the train/test split shuffles with numpy's RandomState(seed), as Keras does."""
from __future__ import annotations

import numbers
import os

import numpy as np

from . import _download

__all__ = ["load_data"]

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path: str | os.PathLike = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads Boston Housing.

    Args:
        path: the cache file name (in `$FASTNN_HOME/datasets`), or the path of a local copy of the `.npz`.
        test_split: fraction of the samples kept for the test set, in [0, 1).
        seed: the seed of the shuffle before the split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float64 arrays (n, 13) and (n,) (404 / 102 samples by default).

    Raises:
        ValueError: `test_split` outside [0, 1), or a file that is not the published one.
    """
    if isinstance(test_split, bool) or not isinstance(test_split, numbers.Real) or not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be in [0, 1). Received: test_split={test_split!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"`seed` must be an integer. Received: seed={seed!r}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a file name or path. Received: path={path!r}")
    if os.path.isfile(path):
        filepath = os.fspath(path)
        got = _download.sha256_of(filepath)
        if got != SHA256:
            raise ValueError(f"{filepath} is not the published boston_housing.npz: SHA-256 {got}, expected {SHA256}")
    else:
        filepath = _download.get_file(os.path.basename(os.fspath(path)), ORIGIN, SHA256, "")
    try:
        with np.load(filepath, allow_pickle=False) as f:
            x, y = f["x"], f["y"]
    except (ValueError, KeyError, OSError) as e:
        raise ValueError(f"{filepath} is not a Boston Housing .npz ({e})") from None
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    split = int(len(x) * (1 - test_split))
    return (np.array(x[:split]), np.array(y[:split])), (np.array(x[split:]), np.array(y[split:]))

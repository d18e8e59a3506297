"""Fashion-MNIST (Zalando; MIT license), as `keras.datasets.fashion_mnist.load_data()`: 28x28 grayscale images of
10 clothing classes (0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag,
9 Ankle boot). The four gzip-compressed IDX files come from Keras' origin, cached in
`$FASTNN_HOME/datasets/fashion-mnist` with their SHA-256 checked (the same checks as Keras pins)."""
from __future__ import annotations

import gzip
import os

import numpy as np

from . import _download
from .mnist import read_idx

__all__ = ["load_data"]

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = {  # file -> SHA-256 of the published .gz
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}
_MAX_IDX_BYTES = 60000 * 28 * 28 + 64  # the largest file's content: a crafted .gz cannot inflate beyond it


def load_data(path: str | os.PathLike | None = None
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads Fashion-MNIST.

    Args:
        path: optional folder holding the four `.gz` files (checked against the published SHA-256s); by default
            they are downloaded once into `$FASTNN_HOME/datasets/fashion-mnist`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (60000, 28, 28) / (10000, 28, 28) and uint8 labels
        0–9 of shape (60000,) / (10000,).

    Raises:
        ValueError: a file is not the published one (wrong SHA-256) or is malformed.
    """
    arrays = {}
    for fname, sha in FILES.items():
        if path is not None:
            filepath = os.path.join(path, fname)
            if not os.path.isfile(filepath):
                raise FileNotFoundError(f"`path` {path!r} holds no {fname}")
            got = _download.sha256_of(filepath)
            if got != sha:
                raise ValueError(f"{filepath} is not the published {fname}: SHA-256 {got}, expected {sha}")
        else:
            filepath = _download.get_file(fname, ORIGIN + fname, sha, "fashion-mnist")
        with gzip.open(filepath, "rb") as f:
            data = f.read(_MAX_IDX_BYTES + 1)
        if len(data) > _MAX_IDX_BYTES:
            raise ValueError(f"{filepath} decompresses to more than a Fashion-MNIST file can hold")
        arrays[fname] = read_idx(data, filepath)
    y_train, x_train, y_test, x_test = (arrays[f] for f in FILES)
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise ValueError("the Fashion-MNIST image and label files disagree on their lengths")
    return (x_train, y_train), (x_test, y_test)

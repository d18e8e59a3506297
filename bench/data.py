"""MNIST for the train suite, read straight from the IDX files (no framework imported, so every worker loads it
the same way): $FASTNN_MNIST_DIR, else ../shared/datasets/mnist beside the repository, else fastnn's cache."""
import gzip
import os
import pathlib

import numpy as np

_ROOT = pathlib.Path(__file__).resolve().parents[1]
_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def mnist_dir():
    home = pathlib.Path(os.environ.get("FASTNN_HOME") or pathlib.Path.home() / ".fastnn")
    for candidate in (os.environ.get("FASTNN_MNIST_DIR"), _ROOT.parent / "shared" / "datasets" / "mnist",
                      home / "datasets" / "mnist"):
        if candidate and pathlib.Path(candidate, _FILES[0] + ".gz").is_file():
            return pathlib.Path(candidate)
    raise FileNotFoundError("MNIST IDX files not found: set FASTNN_MNIST_DIR, or run "
                            "`python -c 'import fastnn; fastnn.datasets.mnist.load_data()'` once to download them")


def _idx(path):
    data = gzip.open(path).read()
    rank = data[3]
    dims = np.frombuffer(data, ">i4", count=rank, offset=4)
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def load_mnist(flat):
    """(x_train, y_train, x_test, y_test): float32 in [0, 1], (n, 784) when `flat` else (n, 28, 28, 1)."""
    folder = mnist_dir()
    x_train, y_train, x_test, y_test = (_idx(folder / (name + ".gz")) for name in _FILES)
    shape = (-1, 784) if flat else (-1, 28, 28, 1)
    prep = lambda x: (x.reshape(shape) / np.float32(255)).astype(np.float32, copy=False)  # noqa: E731  (one copy)
    return prep(x_train), y_train.astype(np.int64), prep(x_test), y_test.astype(np.int64)

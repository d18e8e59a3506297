"""fashion_mnist, cifar10, cifar100, boston_housing (issue 15 item 5), offline: small files in each data set's
real format are synthesized, served from a loopback HTTP server, downloaded into FASTNN_HOME by fastnn's loaders
(SHA-256 pinned to the synthesized files), and compared with what Keras' own loaders return for the same files
(Keras' `get_file` pointed at them). A corrupt download is refused and leaves nothing in the cache."""
import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import tarfile
import threading

import numpy as np
import pytest

import fastnn
from fastnn.datasets import _download, boston_housing, cifar10, cifar100, fashion_mnist

R = np.random.default_rng(3)


@pytest.fixture
def server(tmp_path):
    """(folder served, base URL) of a loopback HTTP server for the test's files."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTNN_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _idx(array):
    return bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape) + array.tobytes()


def test_fashion_mnist_download_cache_and_keras_agreement(server, home, monkeypatch, tmp_path):
    root, url = server
    arrays = {"train-labels-idx1-ubyte.gz": R.integers(0, 10, 7, dtype=np.uint8),
              "train-images-idx3-ubyte.gz": R.integers(0, 256, (7, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte.gz": R.integers(0, 10, 3, dtype=np.uint8),
              "t10k-images-idx3-ubyte.gz": R.integers(0, 256, (3, 28, 28), dtype=np.uint8)}
    for name, array in arrays.items():
        (root / name).write_bytes(gzip.compress(_idx(array)))
    monkeypatch.setattr(fashion_mnist, "ORIGIN", url)
    monkeypatch.setattr(fashion_mnist, "FILES", {name: _sha(root / name) for name in arrays})
    (x_train, y_train), (x_test, y_test) = fastnn.datasets.fashion_mnist.load_data()
    assert x_train.shape == (7, 28, 28) and x_train.dtype == np.uint8 and y_test.shape == (3,)
    cached = home / "datasets" / "fashion-mnist"
    assert sorted(os.listdir(cached)) == sorted(arrays)
    for name in arrays:  # the cache is used from now on: the server may go away
        (root / name).unlink()
    again = fastnn.datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(again[0][0], x_train)
    # Keras' loader on the same files
    from keras.src.datasets import fashion_mnist as keras_fashion

    monkeypatch.setattr(keras_fashion, "get_file", lambda fname, **kwargs: str(cached / fname))
    for ours, theirs in zip(fastnn.datasets.fashion_mnist.load_data(path=str(cached)), keras_fashion.load_data()):
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype and a.shape == b.shape


def _cifar_archive(path, top, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, batch in members.items():
            data = pickle.dumps(batch, protocol=4)
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _batch(n, label_keys):
    batch = {b"batch_label": b"synthetic", b"data": R.integers(0, 256, (n, 3072), dtype=np.uint8),
             b"filenames": [b"f%d.png" % i for i in range(n)]}
    for key, classes in label_keys.items():
        batch[key.encode()] = [int(v) for v in R.integers(0, classes, n)]
    return batch


@pytest.mark.parametrize("which", ["cifar10", "cifar100-fine", "cifar100-coarse"])
def test_cifar_download_and_keras_agreement(which, server, home, monkeypatch, tmp_path):
    root, url = server
    if which == "cifar10":
        module, top, fname = cifar10, "cifar-10-batches-py", "cifar-10-python.tar.gz"
        members = {f"data_batch_{i}": _batch(4, {"labels": 10}) for i in range(1, 6)}
        members["test_batch"] = _batch(3, {"labels": 10})
        load, kwargs = fastnn.datasets.cifar10.load_data, {}
        n_train = 20
    else:
        module, top, fname = cifar100, "cifar-100-python", "cifar-100-python.tar.gz"
        labels = {"fine_labels": 100, "coarse_labels": 20}
        members = {"train": _batch(6, labels), "test": _batch(2, labels)}
        load, kwargs = fastnn.datasets.cifar100.load_data, {"label_mode": which.split("-")[1]}
        n_train = 6
    _cifar_archive(root / fname, top, members)
    monkeypatch.setattr(module, "ORIGIN", url + fname)
    monkeypatch.setattr(module, "SHA256", _sha(root / fname))
    (x_train, y_train), (x_test, y_test) = load(**kwargs)
    assert x_train.shape == (n_train, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (n_train, 1) and y_train.dtype == (np.uint8 if which == "cifar10" else np.int64)
    assert (home / "datasets" / which.split("-")[0] / fname).is_file()
    # Keras' loader on the same archive, extracted where its get_file would put it
    extracted = tmp_path / "extracted"
    with tarfile.open(root / fname) as tar:
        tar.extractall(extracted, filter="data")
    if which == "cifar10":  # Keras' cifar10 loader assumes 10000 images per batch: use its batch reader
        from keras.src.datasets.cifar import load_batch

        parts = [load_batch(str(extracted / top / f"data_batch_{i}")) for i in range(1, 6)]
        test_x, test_y = load_batch(str(extracted / top / "test_batch"))
        theirs = ((np.concatenate([p[0] for p in parts]).transpose(0, 2, 3, 1),
                   np.concatenate([p[1] for p in parts]).astype(np.uint8).reshape(-1, 1)),
                  (test_x.transpose(0, 2, 3, 1), np.asarray(test_y, np.uint8).reshape(-1, 1)))
    else:
        from keras.src.datasets import cifar100 as keras_module

        monkeypatch.setattr(keras_module, "get_file", lambda **kw: str(extracted))
        theirs = keras_module.load_data(**kwargs)
    for ours in ((x_train, y_train), (x_test, y_test)), load(path=str(extracted), **kwargs):
        for a, b in zip(ours, theirs):
            for u, v in zip(a, b):
                np.testing.assert_array_equal(u, v)
                assert u.dtype == v.dtype


def test_cifar_archive_with_code_in_a_pickle_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({b"data": Evil()}))
    with pytest.raises(ValueError, match="may hold only arrays, lists and bytes; this one asks for (posix|os).system"):
        cifar10.load_data(path=str(tmp_path))  # a folder of batches is read without a checksum


@pytest.mark.parametrize("test_split, seed", [(0.2, 113), (0.35, 7), (0.0, 1)])
def test_boston_housing_split_matches_keras(test_split, seed, server, home, monkeypatch):
    root, url = server
    x, y = R.standard_normal((23, 13)), R.random(23) * 50
    np.savez(root / "boston_housing.npz", x=x, y=y)
    monkeypatch.setattr(boston_housing, "ORIGIN", url + "boston_housing.npz")
    monkeypatch.setattr(boston_housing, "SHA256", _sha(root / "boston_housing.npz"))
    ours = fastnn.datasets.boston_housing.load_data(test_split=test_split, seed=seed)
    assert (home / "datasets" / "boston_housing.npz").is_file()
    from keras.src.datasets import boston_housing as keras_boston

    monkeypatch.setattr(keras_boston, "get_file", lambda path, **kw: str(root / "boston_housing.npz"))
    theirs = keras_boston.load_data(test_split=test_split, seed=seed)
    for a, b in zip(ours, theirs):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)
            assert u.dtype == v.dtype
    local = fastnn.datasets.boston_housing.load_data(path=str(root / "boston_housing.npz"), test_split=test_split,
                                                     seed=seed)
    np.testing.assert_array_equal(local[0][0], ours[0][0])


def test_bad_checksum_is_a_clear_error_and_caches_nothing(server, home, monkeypatch):
    root, url = server
    np.savez(root / "boston_housing.npz", x=np.zeros((5, 13)), y=np.zeros(5))
    monkeypatch.setattr(boston_housing, "ORIGIN", url + "boston_housing.npz")
    monkeypatch.setattr(boston_housing, "SHA256", "0" * 64)
    with pytest.raises(ValueError, match="SHA-256 is [0-9a-f]{64}, expected 0{64}"):
        fastnn.datasets.boston_housing.load_data()
    folder = home / "datasets"
    assert not folder.exists() or os.listdir(folder) == []
    # an unreachable origin is an OSError naming the URL
    monkeypatch.setattr(boston_housing, "ORIGIN", url + "missing.npz")
    with pytest.raises(OSError, match="missing.npz"):
        fastnn.datasets.boston_housing.load_data()
    assert not folder.exists() or os.listdir(folder) == []


def test_a_corrupted_cache_entry_is_downloaded_again(server, home, monkeypatch):
    root, url = server
    np.savez(root / "boston_housing.npz", x=np.ones((5, 13)), y=np.ones(5))
    monkeypatch.setattr(boston_housing, "ORIGIN", url + "boston_housing.npz")
    monkeypatch.setattr(boston_housing, "SHA256", _sha(root / "boston_housing.npz"))
    (home / "datasets").mkdir(parents=True)
    (home / "datasets" / "boston_housing.npz").write_bytes(b"planted")
    (x, _), _ = fastnn.datasets.boston_housing.load_data(test_split=0.0)
    assert x.shape == (5, 13) and _download.sha256_of(home / "datasets" / "boston_housing.npz") == _sha(
        root / "boston_housing.npz")


def test_bad_dataset_arguments():
    with pytest.raises(ValueError, match="label_mode='medium'"):
        fastnn.datasets.cifar100.load_data(label_mode="medium")
    with pytest.raises(ValueError, match="test_split=1.5"):
        fastnn.datasets.boston_housing.load_data(test_split=1.5)
    with pytest.raises(TypeError, match="seed='x'"):
        fastnn.datasets.boston_housing.load_data(seed="x")

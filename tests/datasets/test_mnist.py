"""MNIST loader: the real files (from this machine's copy), the download path through a loopback HTTP server
(mirror fallback, hash mismatch, truncation, 404: nothing bad stays in the cache) and the IDX parser's errors."""
import functools
import gzip
import hashlib
import http.server
import os
import shutil
import threading

import numpy as np
import pytest

from fastnn.datasets import mnist

PUBLISHED_MD5 = {  # of the uncompressed files, as published with MNIST
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


def test_load_data_from_a_folder(mnist_dir):
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=mnist_dir)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == y_train.dtype == np.uint8
    np.testing.assert_array_equal(y_train[:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    np.testing.assert_array_equal(y_test[:10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    np.testing.assert_array_equal(np.bincount(y_test), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    assert int(x_train.max()) == 255 and int(x_train[0].sum()) == 27525


def test_pinned_hashes_are_of_the_published_files(mnist_dir):
    for name, sha in mnist.FILES.items():
        data = gzip.open(os.path.join(mnist_dir, name + ".gz")).read()
        assert hashlib.md5(data).hexdigest() == PUBLISHED_MD5[name]
        assert hashlib.sha256(data).hexdigest() == sha


def test_env_var_folder(mnist_dir, monkeypatch):
    monkeypatch.setenv("FASTNN_MNIST_DIR", mnist_dir)
    (_, y_train), _ = mnist.load_data()
    assert len(y_train) == 60000


@pytest.fixture
def server(tmp_path):
    """Two loopback 'mirrors' served from tmp_path/a and tmp_path/b."""
    root = tmp_path / "www"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield root, (base + "a/", base + "b/")
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def publish_local_copies(monkeypatch, mnist_dir):
    """This machine's copies are re-compressed (same content, other .gz bytes): pin their hashes for the test."""
    hashes = {}
    for name in mnist.FILES:
        with open(os.path.join(mnist_dir, name + ".gz"), "rb") as f:
            hashes[name] = hashlib.sha256(f.read()).hexdigest()
    monkeypatch.setattr(mnist, "PUBLISHED_GZ_SHA256", hashes)


def test_download_falls_back_and_never_keeps_bad_files(server, tmp_path, mnist_dir, monkeypatch):
    root, mirrors = server
    for name in mnist.FILES:
        good = os.path.join(mnist_dir, name + ".gz")
        shutil.copy(good, root / "b" / (name + ".gz"))
    # mirror a: a corrupted labels file, a truncated images file, the rest missing (404)
    labels = bytearray(gzip.open(os.path.join(mnist_dir, "t10k-labels-idx1-ubyte.gz")).read())
    labels[100] ^= 1
    (root / "a" / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(labels)))
    raw = (root / "b" / "t10k-images-idx3-ubyte.gz").read_bytes()
    (root / "a" / "t10k-images-idx3-ubyte.gz").write_bytes(raw[: len(raw) // 2])
    publish_local_copies(monkeypatch, mnist_dir)
    monkeypatch.setattr(mnist, "MIRRORS", mirrors)
    monkeypatch.delenv("FASTNN_MNIST_DIR", raising=False)
    monkeypatch.setenv("FASTNN_HOME", str(tmp_path / "home"))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and y_test[0] == 7
    cached = sorted(os.listdir(mnist.cache_dir()))
    assert cached == sorted(name + ".gz" for name in mnist.FILES)  # no temporary or bad file left


def test_download_failure_names_every_mirror_and_leaves_nothing(server, tmp_path, monkeypatch):
    root, mirrors = server
    (root / "a" / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07"))
    monkeypatch.setattr(mnist, "MIRRORS", mirrors)
    monkeypatch.delenv("FASTNN_MNIST_DIR", raising=False)
    monkeypatch.setenv("FASTNN_HOME", str(tmp_path / "home"))
    with pytest.raises(OSError) as info:
        mnist.load_data()
    message = str(info.value)
    assert mirrors[0] in message and mirrors[1] in message and "SHA-256" in message and "404" in message
    assert os.listdir(mnist.cache_dir()) == []


def test_a_wrong_file_in_a_folder_is_refused(tmp_path, mnist_dir):
    for name in mnist.FILES:
        shutil.copy(os.path.join(mnist_dir, name + ".gz"), tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07"))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz is not the MNIST file .* IDX header"):
        mnist.load_data(path=str(tmp_path))
    labels = bytearray(gzip.open(os.path.join(mnist_dir, "t10k-labels-idx1-ubyte.gz")).read())
    labels[100] ^= 1  # right shape and size, wrong content
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(labels)))
    with pytest.raises(ValueError, match="SHA-256 of its content"):
        mnist.load_data(path=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not a folder"):
        mnist.load_data(path=str(tmp_path / "missing"))


@pytest.mark.parametrize("data, message", [
    (b"\x01\x00\x08\x01", "bad magic"),
    (b"\x00\x00\x0d\x01\x00\x00\x00\x01", "element type 0x0d"),
    (b"\x00\x00\x08\x03\x00\x00", "truncated IDX header"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", r"\(5,\) = 5 values but the file holds 2"),
    (b"\x00\x00\x08\x02\x7f\xff\xff\xff\x7f\xff\xff\xff", "values but the file holds 0"),
])
def test_idx_parser_rejects_malformed_data(data, message):
    with pytest.raises(ValueError, match=message):
        mnist.read_idx(data)


def test_idx_parser_reads_a_small_file():
    data = b"\x00\x00\x08\x02\x00\x00\x00\x02\x00\x00\x00\x03" + bytes(range(6))
    np.testing.assert_array_equal(mnist.read_idx(data), [[0, 1, 2], [3, 4, 5]])


def test_a_download_must_be_the_published_gz(server, tmp_path, mnist_dir, monkeypatch):
    # same content, compressed differently: refused by the .gz's own SHA-256, before it is decompressed
    root, mirrors = server
    publish_local_copies(monkeypatch, mnist_dir)
    for name in mnist.FILES:
        content = gzip.open(os.path.join(mnist_dir, name + ".gz")).read()
        (root / "a" / (name + ".gz")).write_bytes(gzip.compress(content, compresslevel=1))
    monkeypatch.setattr(mnist, "MIRRORS", mirrors[:1])
    monkeypatch.delenv("FASTNN_MNIST_DIR", raising=False)
    monkeypatch.setenv("FASTNN_HOME", str(tmp_path / "home"))
    with pytest.raises(OSError, match="SHA-256 of the download .* != published"):
        mnist.load_data()
    assert os.listdir(mnist.cache_dir()) == []


def test_folder_gz_is_decompressed_within_bounds(tmp_path, mnist_dir):
    for name in mnist.FILES:
        shutil.copy(os.path.join(mnist_dir, name + ".gz"), tmp_path)
    # the right header, then more values than MNIST has: decompression stops one byte past the expected size
    bomb = mnist._expected_header("t10k-labels-idx1-ubyte") + bytes(1 << 20)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bomb))
    with pytest.raises(ValueError, match="decompresses to more than the 10008 bytes"):
        mnist.load_data(path=str(tmp_path))
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bomb[:5000]))
    with pytest.raises(ValueError, match="truncated"):
        mnist.load_data(path=str(tmp_path))

"""MNIST handwritten digits (LeCun, Cortes & Burges; CC BY-SA 3.0), as `keras.datasets.mnist.load_data()`.

Where the four standard IDX files (`train-images-idx3-ubyte.gz`, ...) come from, first match wins:
1. `load_data(path=FOLDER)`, a folder holding them (gzip-compressed or not);
2. the environment variable `FASTNN_MNIST_DIR`, the same kind of folder;
3. the cache, `$FASTNN_HOME/datasets/mnist` (default `~/.fastnn/datasets/mnist`), filled on first use by
   downloading from public mirrors (tried in order).
Every file's uncompressed content is checked against its SHA-256 (so mirrors may gzip differently); a download is
written to a temporary file beside the cache entry and renamed into place only once it has passed, so a partial or
corrupt download never stays in the cache.
"""
import gzip
import hashlib
import math
import os
import sys
import tempfile
import urllib.error
import urllib.request

import numpy as np

FILES = {  # name -> SHA-256 of the uncompressed IDX content (MD5s as published: see the test)
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_IDX_TYPES = {0x08: np.uint8}


def load_data(path=None):
    """Returns `(x_train, y_train), (x_test, y_test)`: uint8 images (60000, 28, 28) / (10000, 28, 28) and uint8
    labels 0–9, in the original order."""
    folder = _source_folder(path)
    arrays = [_read_checked(folder, name, sha) for name, sha in FILES.items()]
    x_train, y_train, x_test, y_test = arrays
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise ValueError(f"MNIST files in {folder} disagree on their lengths")
    return (x_train, y_train), (x_test, y_test)


def cache_dir():
    """Where downloads are kept: $FASTNN_HOME/datasets/mnist (default ~/.fastnn/datasets/mnist)."""
    home = os.environ.get("FASTNN_HOME") or os.path.join(os.path.expanduser("~"), ".fastnn")
    return os.path.join(home, "datasets", "mnist")


def read_idx(data, what="IDX data"):
    """Parse IDX bytes (magic 0, 0, type, rank; big-endian int32 dims; the values) into a numpy array.
    Anything malformed (wrong magic or type, truncated or oversized payload) raises ValueError."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{what} is not an IDX file (bad magic number)")
    dtype = _IDX_TYPES.get(data[2])
    if dtype is None:
        raise ValueError(f"{what}: unsupported IDX element type 0x{data[2]:02x} (MNIST uses 0x08, unsigned byte)")
    rank = data[3]
    header = 4 + 4 * rank
    if rank == 0 or len(data) < header:
        raise ValueError(f"{what}: truncated IDX header")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">i4", count=rank, offset=4))
    if any(d < 0 for d in dims):
        raise ValueError(f"{what}: IDX header announces negative dimensions {dims}")
    expected = math.prod(dims)  # Python ints: a crafted header cannot wrap the product around int64
    if len(data) - header != expected:
        raise ValueError(f"{what}: IDX header announces {dims} = {expected} values but the file holds "
                         f"{len(data) - header}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims).copy()


def _source_folder(path):
    for folder, origin in ((path, "`path`"), (os.environ.get("FASTNN_MNIST_DIR"), "FASTNN_MNIST_DIR")):
        if folder:
            if not os.path.isdir(folder):
                raise FileNotFoundError(f"{origin} names {folder!r}, which is not a folder")
            return folder
    folder = cache_dir()
    for name, sha in FILES.items():
        if _find(folder, name) is None:
            _download(name, sha, folder)
    return folder


def _find(folder, name):
    for candidate in (name + ".gz", name):
        full = os.path.join(folder, candidate)
        if os.path.isfile(full):
            return full
    return None


def _content(raw, where):
    try:
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    except (OSError, EOFError) as e:
        raise ValueError(f"{where} is not a valid gzip file ({e})") from None


def _read_checked(folder, name, sha):
    full = _find(folder, name)
    if full is None:
        raise FileNotFoundError(f"MNIST file {name}(.gz) not found in {folder}")
    with open(full, "rb") as f:
        data = _content(f.read(), full)
    got = hashlib.sha256(data).hexdigest()
    if got != sha:
        raise ValueError(f"{full} is not the MNIST file it is named after: SHA-256 of its content is {got}, "
                         f"expected {sha}")
    return read_idx(data, full)


def _download(name, sha, folder, mirrors=None):
    """Fetch name.gz from the first mirror that serves the right content; raise with every mirror's failure."""
    os.makedirs(folder, exist_ok=True)
    failures = []
    for mirror in MIRRORS if mirrors is None else mirrors:
        url = mirror + name + ".gz"
        tmp = None
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
                with os.fdopen(fd, "wb") as out:
                    _copy_with_progress(response, out, name)
                    out.flush()
                    os.fsync(out.fileno())
            with open(tmp, "rb") as f:
                got = hashlib.sha256(_content(f.read(), url)).hexdigest()
            if got != sha:
                raise ValueError(f"content SHA-256 {got} != expected {sha}")
            os.replace(tmp, os.path.join(folder, name + ".gz"))
            tmp = None
            return
        except (urllib.error.URLError, OSError, ValueError) as e:
            failures.append(f"{url}: {e}")
        finally:
            if tmp is not None and os.path.exists(tmp):
                os.remove(tmp)
    raise OSError(f"could not download MNIST file {name}.gz:\n  " + "\n  ".join(failures)
                  + "\n(or point FASTNN_MNIST_DIR / load_data(path=...) at a folder holding the IDX files)")


def _copy_with_progress(response, out, name, chunk=1 << 16):
    total = int(response.headers.get("Content-Length") or 0)
    show = total > (1 << 20) and sys.stderr.isatty()
    done = 0
    while True:
        block = response.read(chunk)
        if not block:
            break
        out.write(block)
        done += len(block)
        if show:
            print(f"\rDownloading {name}.gz: {done * 100 // total:3d}% of {total / 1e6:.1f} MB", end="",
                  file=sys.stderr, flush=True)
    if show:
        print(file=sys.stderr)
    if total and done != total:
        raise OSError(f"connection closed after {done} of {total} bytes")

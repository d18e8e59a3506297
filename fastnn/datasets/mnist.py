"""MNIST handwritten digits (LeCun, Cortes & Burges; CC BY-SA 3.0), as `keras.datasets.mnist.load_data()`.

Where the four standard IDX files (`train-images-idx3-ubyte.gz`, ...) come from, first match wins:
1. `load_data(path=FOLDER)`, a folder holding them (gzip-compressed or not);
2. the environment variable `FASTNN_MNIST_DIR`, the same kind of folder;
3. the cache, `$FASTNN_HOME/datasets/mnist` (default `~/.fastnn/datasets/mnist`), filled on first use by
   downloading from public mirrors (tried in order).
Every file's uncompressed content is checked against its SHA-256. A download must also be byte for byte the
published `.gz` (its SHA-256 is checked before it is decompressed); it is written to a temporary file beside the
cache entry and renamed into place only once it has passed, so a partial or corrupt download never stays in the
cache. A `.gz` in a folder of your own may be compressed differently: it is decompressed only if its IDX header
announces the expected shape, and never beyond the expected size, so a crafted file cannot exhaust memory.
"""
from __future__ import annotations

import hashlib
import math
import os
import tempfile
import zlib

import numpy as np

from . import _download as _download_helper

FILES = {  # name -> SHA-256 of the uncompressed IDX content (MD5s as published: see the test)
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
PUBLISHED_GZ_SHA256 = {  # name -> SHA-256 of the .gz files the mirrors serve (as pinned by tensorflow_datasets)
    "train-images-idx3-ubyte": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
SHAPES = {"train-images-idx3-ubyte": (60000, 28, 28), "train-labels-idx1-ubyte": (60000,),
          "t10k-images-idx3-ubyte": (10000, 28, 28), "t10k-labels-idx1-ubyte": (10000,)}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_IDX_TYPES = {0x08: np.uint8}


def load_data(path: str | os.PathLike | None = None
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Returns `(x_train, y_train), (x_test, y_test)`: uint8 images (60000, 28, 28) / (10000, 28, 28) and uint8
    labels 0–9, in the original order.

    Args:
        path: None, or a folder holding the four standard IDX `.gz` files (then nothing is downloaded).

    Returns:
        `(x_train, y_train), (x_test, y_test)`.

    Raises:
        ValueError: if a file is missing, damaged or fails its SHA-256 check.

    Example:

    ```python
    import os
    import fastnn

    if os.environ.get("FASTNN_MNIST_DIR"):  # offline: a folder with the four IDX files
        (x_train, y_train), (x_test, y_test) = fastnn.datasets.mnist.load_data()
        print(x_train.shape, x_test.shape)  # (60000, 28, 28) (10000, 28, 28)
    ```
    """
    folder = _source_folder(path)
    arrays = [_read_checked(folder, name, sha) for name, sha in FILES.items()]
    x_train, y_train, x_test, y_test = arrays
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise ValueError(f"MNIST files in {folder} disagree on their lengths")
    return (x_train, y_train), (x_test, y_test)


def cache_dir() -> str:
    """Where downloads are kept: $FASTNN_HOME/datasets/mnist (default ~/.fastnn/datasets/mnist)."""
    return _download_helper.cache_dir("mnist")


def read_idx(data: bytes, what: str = "IDX data") -> np.ndarray:
    """Parse IDX bytes (magic 0, 0, type, rank; big-endian int32 dims; the values) into a numpy array.
    Anything malformed (wrong magic or type, truncated or oversized payload) raises ValueError.

    Args:
        data: The bytes of an IDX file (uncompressed).
        what: What the data is, named in error messages.

    Returns:
        A numpy array of the file's dtype and shape.
    """
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


def _idx_size(name):
    """Bytes of the uncompressed IDX file `name`: its header (4 + 4 per dimension) and one byte per value."""
    shape = SHAPES[name]
    return 4 + 4 * len(shape) + math.prod(shape)


def _expected_header(name):
    shape = SHAPES[name]
    return bytes([0, 0, 0x08, len(shape)]) + b"".join(d.to_bytes(4, "big") for d in shape)


def _gunzip(raw, name, where):
    """The IDX content of the gzip bytes `raw`, decompressing at most the expected size of `name` (plus one byte,
    to detect more): the header must announce the expected shape before the rest is decompressed."""
    header, size = _expected_header(name), _idx_size(name)
    try:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
        head = inflater.decompress(raw, len(header))
        if head != header:
            raise ValueError(f"its IDX header {head.hex()} is not the expected {header.hex()} (shape "
                             f"{SHAPES[name]})")
        rest = inflater.decompress(inflater.unconsumed_tail, size - len(header) + 1)
        if len(head) + len(rest) > size or inflater.unconsumed_tail:
            raise ValueError(f"it decompresses to more than the {size} bytes of {name}")
        if not inflater.eof or inflater.unused_data or len(head) + len(rest) != size:
            raise ValueError(f"truncated ({len(head) + len(rest)} of {size} bytes), or followed by other data")
    except zlib.error as e:
        raise ValueError(f"{where} is not a valid gzip file ({e})") from None
    except ValueError as e:
        raise ValueError(f"{where} is not the MNIST file it is named after: {e}") from None
    return head + rest


def _read_checked(folder, name, sha):
    full = _find(folder, name)
    if full is None:
        raise FileNotFoundError(f"MNIST file {name}(.gz) not found in {folder}")
    size, limit = os.path.getsize(full), _idx_size(name)
    if full.endswith(".gz"):
        if size > limit + (1 << 16):  # gzip never grows incompressible data by more than a few bytes per block
            raise ValueError(f"{full} is not the MNIST file it is named after: {size} bytes, larger than its "
                             f"uncompressed content ({limit} bytes)")
        with open(full, "rb") as f:
            data = _gunzip(f.read(), name, full)
    else:
        if size != limit:
            raise ValueError(f"{full} is not the MNIST file it is named after: {size} bytes, expected {limit}")
        with open(full, "rb") as f:
            data = f.read()
    got = hashlib.sha256(data).hexdigest()
    if got != sha:
        raise ValueError(f"{full} is not the MNIST file it is named after: SHA-256 of its content is {got}, "
                         f"expected {sha}")
    return read_idx(data, full)


def _download(name, sha, folder, mirrors=None):
    """Fetch name.gz from the first mirror that serves the right content; raise with every mirror's failure."""
    import urllib.request  # noqa: PLC0415  (network code loads on first download, not with `import fastnn`)

    os.makedirs(folder, exist_ok=True)
    failures = []
    for mirror in MIRRORS if mirrors is None else mirrors:
        url = mirror + name + ".gz"
        tmp = None
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
                with os.fdopen(fd, "wb") as out:
                    _download_helper.copy_with_progress(response, out, name + ".gz",
                                                        limit=_idx_size(name) + (1 << 16))
                    out.flush()
                    os.fsync(out.fileno())
            with open(tmp, "rb") as f:
                raw = f.read()
            got = hashlib.sha256(raw).hexdigest()
            if got != PUBLISHED_GZ_SHA256[name]:  # checked before decompressing anything
                raise ValueError(f"SHA-256 of the download {got} != published {PUBLISHED_GZ_SHA256[name]}")
            got = hashlib.sha256(_gunzip(raw, name, url)).hexdigest()
            if got != sha:
                raise ValueError(f"content SHA-256 {got} != expected {sha}")
            os.replace(tmp, os.path.join(folder, name + ".gz"))
            tmp = None
            return
        except (OSError, ValueError) as e:  # URLError is an OSError
            failures.append(f"{url}: {e}")
        finally:
            if tmp is not None and os.path.exists(tmp):
                os.remove(tmp)
    raise OSError(f"could not download MNIST file {name}.gz:\n  " + "\n  ".join(failures)
                  + "\n(or point FASTNN_MNIST_DIR / load_data(path=...) at a folder holding the IDX files)")

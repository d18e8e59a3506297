"""What CIFAR-10 and CIFAR-100 share: reading the python-version archives (`.tar.gz` of pickled batches) without
extracting them, and unpickling each batch with an unpickler that builds only dicts, lists, bytes and numpy
arrays (a pickle can otherwise run code: the archive's SHA-256 is checked too)."""
import io
import os
import pickle
import tarfile

import numpy as np

from . import _download

__all__ = ["load_archive"]

_ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
            ("numpy._core.multiarray", "scalar")}


class _DataOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise ValueError(f"a CIFAR batch may hold only arrays, lists and bytes; this one asks for {module}.{name}")


def _unpickle(data, what):
    try:
        batch = _DataOnlyUnpickler(io.BytesIO(data), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as e:
        raise ValueError(f"{what} is not a CIFAR batch ({e})") from None
    if not isinstance(batch, dict):
        raise ValueError(f"{what} is not a CIFAR batch (no dict inside)")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}


def _images_and_labels(batch, label_key, what, label_dtype):
    try:
        data, labels = np.asarray(batch["data"], np.uint8), np.asarray(batch[label_key], label_dtype)
    except KeyError as e:
        raise ValueError(f"{what} has no {e} entry") from None
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ValueError(f"{what} holds data of shape {data.shape} and {len(labels)} labels, expected (n, 3072) "
                         "and n labels")
    # stored channels first (n, 3, 32, 32); Keras returns channels last
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels.reshape(-1, 1)


def load_archive(path, fname, origin, sha256, subdir, batches, label_key, label_dtype):
    """((x_train, y_train), (x_test, y_test)) from the named `batches` (train members, test member) of a CIFAR
    archive: `path` (an archive or a folder of extracted batch files) or the cached download; labels as
    `label_dtype` (Keras returns uint8 for CIFAR-10 and int64 for CIFAR-100)."""
    train_names, test_name = batches
    if path is not None and os.path.isdir(path):
        def read(member):
            for root, _, files in os.walk(path):
                if member in files:
                    with open(os.path.join(root, member), "rb") as f:
                        return f.read()
            raise FileNotFoundError(f"`path` {path!r} holds no CIFAR batch {member!r}")
        return _split(read, train_names, test_name, label_key, path, label_dtype)
    if path is not None:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"`path` {path!r} is neither a CIFAR archive nor a folder")
        got = _download.sha256_of(path)
        if got != sha256:
            raise ValueError(f"{path} is not the published {fname}: SHA-256 {got}, expected {sha256}")
        archive = path
    else:
        archive = _download.get_file(fname, origin, sha256, subdir)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = {os.path.basename(m.name): m for m in tar.getmembers() if m.isfile()}

            def read(member):
                if member not in members:
                    raise ValueError(f"{archive} has no member {member!r}")
                return tar.extractfile(members[member]).read()
            return _split(read, train_names, test_name, label_key, archive, label_dtype)
    except (tarfile.TarError, EOFError, OSError) as e:
        raise ValueError(f"{archive} is not a readable CIFAR archive ({e})") from None


def _split(read, train_names, test_name, label_key, where, label_dtype):
    parts = [_images_and_labels(_unpickle(read(n), f"{where}:{n}"), label_key, f"{where}:{n}", label_dtype)
             for n in train_names]
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    x_test, y_test = _images_and_labels(_unpickle(read(test_name), f"{where}:{test_name}"), label_key,
                                        f"{where}:{test_name}", label_dtype)
    return (x_train, y_train), (x_test, y_test)

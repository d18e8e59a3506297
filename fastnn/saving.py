"""Saving and loading: weights files and whole-model files (`.npz` archives), and Keras `.weights.h5` files.

- weights file: `__fastnn__` = b"weights", then `weight_000`, `weight_001`, ..., `weight_1000`, ... in
  `model.weights` order. Readers parse the integer index and require exactly 0..n-1, so the order is exact at any
  count (files written before this rule carry the same names and read back correctly too).
- model file: `__fastnn__` = b"model", `__config__` = the architecture (and compile settings) as JSON bytes, the
  weights as above, and optionally the training state: the optimizer's (`optimizer_iterations`,
  `optimizer_slot_<w>_<s>`) and fastnn's global random state (`__random_state__`, JSON), so that a model loaded from
  a checkpoint and trained on with `fit(..., initial_epoch=e)` shuffles, drops out and updates exactly as the
  uninterrupted run would have.

Writing (`atomic_write_bytes`): a temporary file `.<name>.<pid>.<random>.tmp` in the target's folder, fsync, rename,
so readers see the old file or the complete new one, never a torn one. A new file gets the usual mode (0666 minus
the umask, like `open(path, "w")`); overwriting keeps the existing file's mode (and, as root, its owner and group).
A symlink at the destination is followed: the file it points to is replaced atomically and the link stays. A
directory, FIFO, device or socket at the destination is refused before anything is written. Temporary files left
by a killed process (same target, pid no longer alive) are removed by the next save to that target.

Reading treats every file as untrusted: it never runs code (`allow_pickle` is never used), never reads another file
(HDF5 external storage, external or soft links and virtual datasets are refused), checks each stored array's declared
dtype and shape against the model before reading a byte of it, never decompresses more than those shapes announce,
and reports any problem as a `ValueError` naming the file.
"""
import io
import json
import math
import os
import re
import secrets
import stat
import zipfile

import numpy as np

from . import random as random_module

__all__ = ["save_weights", "load_weights", "save_model", "load_model", "serialize_object", "deserialize_object",
           "atomic_write_bytes"]

_FORMAT_VERSION = 1
_MAX_JSON_BYTES = 16 << 20   # a saved config or random state; real ones are a few KB to a few MB
_MAX_JSON_DEPTH = 100        # real configs nest ~10 deep (model > layers > layer > initializer > config)
_MAX_NPY_HEADER = 1 << 16    # numpy writes headers of ~128 bytes
_MAX_SAMPLE_ELEMENTS = 1 << 24  # values (64 MiB) of the one sample load_model builds with, or the weights if larger


# ------------------------------------------------------------------------------------------- files
def _filepath(filepath):
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"`filepath` must be a str or os.PathLike, received {filepath!r}")
    return os.fspath(filepath)


def _file_kind(mode):
    for test, name in ((stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "directory")):
        if test(mode):
            return name
    return "special file"


def _existing_file(path, kind):
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {path!r}") from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"`filepath` {path!r} is a directory, not a fastnn {kind} file")
    if not stat.S_ISREG(mode):  # opening a FIFO would block, a device could stream forever
        raise ValueError(f"`filepath` {path!r} is a {_file_kind(mode)}, not a regular file: refusing to read it")


def atomic_write_bytes(path, data):
    """Write `data` to `path` so that readers see either the old file or the complete new one.

    The bytes go to a temporary file `.<name>.<pid>.<random>.tmp` beside the target, are fsynced, and the file is
    renamed over the target. A new file's mode is 0666 minus the umask (as `open(path, "w")`); an existing file
    keeps its mode (and, when running as root, its owner and group). A symlink at `path` is followed: its target is
    replaced atomically and the link itself is kept. Stale temporary files of the same target, left by a process
    that was killed mid-save (their pid is no longer alive), are removed; a live writer's are never touched.

    Args:
        path: str or os.PathLike, the file to write.
        data: bytes-like, the complete new content.

    Raises:
        IsADirectoryError: `path` is a directory.
        ValueError: `path` is a FIFO, device or socket (nothing is written).
        FileNotFoundError: the folder does not exist.
    """
    path = _filepath(path)
    target = os.path.realpath(path)  # through symlinks: replace the file the link points to, keep the link
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(f"cannot write {path!r}: it is a directory (give a file name inside it)")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise ValueError(f"cannot write {path!r}: it is a {_file_kind(existing.st_mode)}, not a regular file; "
                         "nothing was written (remove it or choose another name)")
    folder, name = os.path.split(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {folder!r} does not exist")
    _remove_stale_temporaries(folder, name)
    fd, tmp = _create_temporary(folder, name, existing)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        tmp = None
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        except OSError:  # some filesystems do not support fsync on directories
            pass
        finally:
            os.close(dir_fd)
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.remove(tmp)


def _temporary_pattern(name):
    return re.compile(r"\." + re.escape(name) + r"\.([0-9]+)\.[0-9a-f]+\.tmp")


def _create_temporary(folder, name, existing):
    """(fd, path) of a new temporary file for `name`, with the mode (and owner) the final file should have."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            # a new file: 0666 minus the umask (the kernel applies it); an existing one: private until its own
            # mode is copied below
            fd = os.open(tmp, flags, 0o666 if existing is None else 0o600)
            break
        except FileExistsError:
            continue
    try:
        if existing is not None:
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                try:
                    os.fchown(fd, existing.st_uid, existing.st_gid)
                except OSError:  # e.g. a filesystem without ownership: keep the file anyway
                    pass
            os.fchmod(fd, stat.S_IMODE(existing.st_mode))
    except BaseException:
        os.close(fd)
        os.remove(tmp)
        raise
    return fd, tmp


def _remove_stale_temporaries(folder, name):
    """Remove `.<name>.<pid>.<random>.tmp` files whose writer process is gone (killed mid-save). Pids are this
    machine's: on a folder shared between machines, another machine's live writer may lose its temporary file, and
    its save then fails loudly at the rename (the target is never torn)."""
    pattern, prefix = _temporary_pattern(name), f".{name}."
    try:
        entries = [entry for entry in os.scandir(folder) if entry.name.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or _pid_alive(int(match.group(1))):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.remove(entry.path)
        except OSError:  # already gone (another saver cleaned it), or not ours to remove
            pass


def _pid_alive(pid):
    if pid <= 0 or pid == os.getpid():
        return True  # never ours to judge: keep the file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:  # larger than any pid: no process wrote it
        return False
    except OSError:  # EPERM: alive, owned by someone else
        return True
    return True


# ------------------------------------------------------------------------------------------- .npz archives
def _npz_bytes(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _marker(kind):
    return np.frombuffer(kind.encode("ascii"), np.uint8)


def _weight_name(i):
    return f"weight_{i:03d}"


def _slot_name(i, j):
    return f"optimizer_slot_{i:03d}_{j}"


_WEIGHT = re.compile(r"weight_([0-9]{3,})")
_SLOT = re.compile(r"optimizer_slot_([0-9]{3,})_([0-9]+)")
_MEMBERS = {  # what each kind of file may hold (anything else is refused unread)
    "weights": ({"__fastnn__"}, (_WEIGHT,)),
    "model": ({"__fastnn__", "__config__", "__random_state__", "optimizer_iterations"}, (_WEIGHT, _SLOT)),
}


def _json_type(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


class _NpzArchive:
    """A fastnn `.npz` file opened for checked reading.

    Opening reads the zip directory and each member's `.npy` header only: members must be ones a fastnn file of
    this kind holds, and each must declare a real numeric dtype and a shape whose size agrees with the member's
    uncompressed size. `read` then checks the declared dtype and shape against what the caller expects before
    decompressing exactly the announced number of bytes. Every problem is a ValueError naming the file."""

    def __init__(self, path, kind):
        self.path, self.kind = path, kind
        _existing_file(path, kind)
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            raise self._error(f"is not a readable fastnn {kind} file (truncated or another format: {e})") from None
        try:
            self._open()
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._zip.close()

    def _error(self, what):
        return ValueError(f"{self.path!r} {what}")

    def _open(self):
        size = os.path.getsize(self.path)
        infos = {}
        for info in self._zip.infolist():
            if info.filename in infos:
                raise self._error(f"is not a readable fastnn {self.kind} file (zip member {info.filename!r} is "
                                  "repeated)")
            if info.compress_size > size or info.flag_bits & 0x1:
                raise self._error(f"is not a readable fastnn {self.kind} file (zip member {info.filename!r} is "
                                  "encrypted or larger than the file)")
            infos[info.filename] = info
        self._infos, self._headers = {"__fastnn__": infos.get("__fastnn__.npy")}, {}
        if self._infos["__fastnn__"] is None:
            raise self._error(f"is not a fastnn {self.kind} file (no fastnn marker)")
        marker = self.read("__fastnn__", dtype=np.uint8, max_bytes=64)
        found = bytes(marker).decode("ascii", "replace")
        if found != self.kind:
            raise self._error(f"is a fastnn {found} file, not a {self.kind} file")
        names, patterns = _MEMBERS[self.kind]
        self._infos = {name[:-4] if name.endswith(".npy") else name: info for name, info in infos.items()}
        for name, key in zip(infos, self._infos):
            if not name.endswith(".npy") or key not in names and not any(p.fullmatch(key) for p in patterns):
                raise self._error(f"holds an unexpected member {name!r}: a fastnn {self.kind} file holds only "
                                  f"{sorted(names)}, weight_<i>" + (" and optimizer_slot_<i>_<j>" if
                                                                    self.kind == "model" else "") + " (.npy)")
        for key in self._infos:
            self._header(key)

    def __contains__(self, key):
        return key in self._infos

    def _header(self, key):
        """(dtype, shape, fortran_order, data offset) from the member's .npy header, checked for consistency
        (reads the header only: a few hundred bytes whatever the member's size)."""
        if key in self._headers:
            return self._headers[key]
        info = self._infos[key]
        try:
            with self._zip.open(info) as f:
                magic = f.read(8)
                if len(magic) != 8 or magic[:6] != b"\x93NUMPY" or magic[6:] not in (b"\x01\x00", b"\x02\x00"):
                    raise ValueError("not a .npy array of format 1.0 or 2.0")
                length_bytes = f.read(2 if magic[6] == 1 else 4)
                length = int.from_bytes(length_bytes, "little")
                if len(length_bytes) not in (2, 4) or length > _MAX_NPY_HEADER:
                    raise ValueError(f"array header of {length} bytes")
                header = f.read(length)
                if len(header) != length:
                    raise ValueError("truncated array header")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
            raise self._error(f"is not a readable fastnn {self.kind} file (member {key!r}: {e})") from None
        buffer = io.BytesIO(magic + length_bytes + header)
        np.lib.format.read_magic(buffer)
        read = np.lib.format.read_array_header_1_0 if magic[6] == 1 else np.lib.format.read_array_header_2_0
        try:
            shape, fortran, dtype = read(buffer, max_header_size=_MAX_NPY_HEADER)
        except (ValueError, TypeError, SyntaxError) as e:
            raise self._error(f"is not a readable fastnn {self.kind} file (member {key!r}: bad array header: "
                              f"{e})") from None
        if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in "biuf":
            raise self._error(f"member {key!r} holds dtype {dtype}: fastnn files hold only numbers (object arrays "
                              "would need pickle, which is never used)")
        if any(d < 0 for d in shape):
            raise self._error(f"member {key!r} declares the invalid shape {shape}")
        offset = 8 + len(length_bytes) + length
        nbytes = math.prod(shape) * dtype.itemsize  # Python ints: a crafted shape cannot wrap around
        if info.file_size != offset + nbytes:
            raise self._error(f"member {key!r} declares shape {shape} of {dtype} ({nbytes} bytes) but its zip "
                              f"entry holds {info.file_size - offset} bytes of data")
        self._headers[key] = (dtype, tuple(shape), fortran, offset)
        return self._headers[key]

    def shape(self, key):
        return self._header(key)[1]

    def read(self, key, shape=None, dtype=None, max_bytes=None, what=None):
        """The member `key` as a numpy array, after checking its declared `shape` (a tuple, or None for any),
        that its dtype casts to `dtype` within its kind, and that it holds at most `max_bytes`."""
        what = what or f"member {key!r}"
        if key not in self._infos:
            raise self._error(f"has no {what} (member {key!r} is missing)")
        found, declared, fortran, offset = self._header(key)
        nbytes = math.prod(declared) * found.itemsize
        if shape is not None and declared != tuple(shape):
            raise self._error(f"holds {what} of shape {declared}, but the model's has shape {tuple(shape)}")
        if dtype is not None and not np.can_cast(found, dtype, "same_kind"):
            raise self._error(f"holds {what} of dtype {found}, which does not convert to {np.dtype(dtype)}")
        if max_bytes is not None and nbytes > max_bytes:
            raise self._error(f"holds {what} of {nbytes} bytes, more than the {max_bytes} such an entry may hold")
        try:
            with self._zip.open(self._infos[key]) as f:
                f.read(offset)
                data = f.read(nbytes)  # zipfile stops at the entry's declared size and checks its CRC at the end
                if len(data) != nbytes or f.read(1):
                    raise EOFError(f"holds {len(data)} of {nbytes} bytes")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
            raise self._error(f"is damaged ({what}: {e})") from None
        array = np.frombuffer(data, found).reshape(declared, order="F" if fortran else "C")
        return array.astype(found.newbyteorder("="))  # a writable, native-order copy

    def json(self, key, what):
        """The JSON document stored under `key` by `_json_bytes`."""
        if key not in self._infos:
            raise self._error(f"has no {what} (member {key!r} is missing)")
        dtype, shape, _, _ = self._header(key)
        if dtype != np.uint8 or len(shape) != 1:
            raise self._error(f"has a damaged {what} (a {dtype} array of shape {shape}, not a byte string)")
        data = bytes(self.read(key, max_bytes=_MAX_JSON_BYTES, what=f"a {what}"))
        return _parse_json(data, f"{self.path!r} has a damaged {what}")

    def weight_count(self):
        """The number of weights, requiring members weight_000 ... weight_<n-1> exactly."""
        indices = sorted(int(m.group(1)) for m in map(_WEIGHT.fullmatch, self._infos) if m)
        names = [k for k in self._infos if _WEIGHT.fullmatch(k)]
        if indices != list(range(len(indices))) or sorted(names) != sorted(map(_weight_name, indices)):
            raise self._error(f"has damaged weight names: expected weight_000 ... in order without gaps, found "
                              f"{sorted(names, key=lambda n: (len(n), n))[:8]}{' ...' if len(names) > 8 else ''}")
        return len(indices)

    def weight_elements(self):
        return sum(math.prod(self.shape(k)) for k in self._infos if _WEIGHT.fullmatch(k))

    def weights(self, variables, owner):
        """The stored weights, checked one by one against `variables` (shape and dtype) before reading."""
        count = self.weight_count()
        if count != len(variables):
            raise self._error(f"holds {count} weights, but {owner} has {len(variables)}")
        return [self.read(_weight_name(i), shape=w.shape, dtype=w.dtype,
                          what=f"weight {i} ({_weight_name(i)}, for {w.name!r})") for i, w in enumerate(variables)]

    def slot_keys(self):
        return [k for k in self._infos if _SLOT.fullmatch(k)]


def _parse_json(data, context):
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{context} ({e})") from None
    except RecursionError:
        raise ValueError(f"{context} (JSON nested too deeply)") from None
    depth, stack = 0, [(value, 1)]
    while stack:  # no recursion: a deep document must not exhaust the stack later either
        item, level = stack.pop()
        depth = max(depth, level)
        if depth > _MAX_JSON_DEPTH:
            raise ValueError(f"{context} (JSON nested more than {_MAX_JSON_DEPTH} levels deep)")
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return value


def _weights_dict(model):
    return {_weight_name(i): np.asarray(w.numpy()) for i, w in enumerate(model.weights)}


# ------------------------------------------------------------------------------------------- weights
def save_weights(model, filepath, overwrite=True):
    filepath = _filepath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists and overwrite=False")
    if filepath.endswith(".h5"):
        atomic_write_bytes(filepath, _keras_h5_bytes(model))
        return
    atomic_write_bytes(filepath, _npz_bytes({"__fastnn__": _marker("weights"), **_weights_dict(model)}))


def load_weights(model, filepath):
    filepath = _filepath(filepath)
    if filepath.endswith(".h5"):
        return _load_keras_h5(model, filepath)
    with _NpzArchive(filepath, "weights") as archive:
        if not model.built or len(model.weights) == 0:
            raise ValueError(f"model {model.name!r} has no weights yet: build it (call it on data or build(shape)) "
                             "before load_weights")
        values = archive.weights(model.weights, f"model {model.name!r}")
    model.set_weights(values)


# ------------------------------------------------------------------------------------------- Keras .weights.h5
# Keras 3's layout: a Sequential or functional model stores each layer under layers/<snake class name>[_<n>]
# (numbered per class in model order), a subclassed model under its attribute names; a layer's own variables
# are <group>/vars/0, 1, ... in creation order.
def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("Keras .h5 weights need h5py: pip install 'fastnn[h5]' (or h5py)") from None
    return h5py


def _h5_groups(model):
    """[(group path, layer)] in Keras' layout."""
    from .layers.layer import _snake_case  # noqa: PLC0415
    from .models import Sequential  # noqa: PLC0415
    from .models.functional import Functional  # noqa: PLC0415

    if isinstance(model, (Sequential, Functional)):
        counts, out = {}, []
        if isinstance(model, Functional):
            for _ in model.inputs:
                base = "input_layer"
                n = counts.get(base, 0)
                counts[base] = n + 1
                out.append((f"layers/{base}" + (f"_{n}" if n else ""), None))
        for layer in model.layers:
            base = _snake_case(type(layer).__name__)
            n = counts.get(base, 0)
            counts[base] = n + 1
            out.append((f"layers/{base}" + (f"_{n}" if n else ""), layer))
        return out
    # a subclassed model: Keras walks attributes in sorted order, and its `layers` list (reached between
    # attribute names) stores every layer not stored yet under layers/<snake class name>[_<n>]
    attributes = {name: value for name, value in vars(model).items()
                  if not name.startswith("_") and any(value is layer for layer in model._tracked_layers)}
    visited, out = set(), []
    for name in sorted(set(attributes) | {"layers"}):
        if name != "layers":
            if id(attributes[name]) not in visited:
                visited.add(id(attributes[name]))
                out.append((name, attributes[name]))
            continue
        counts = {}
        for layer in model._tracked_layers:
            base = _snake_case(type(layer).__name__)
            n = counts.get(base, 0)
            counts[base] = n + 1
            if id(layer) not in visited:
                visited.add(id(layer))
                out.append((f"layers/{base}" + (f"_{n}" if n else ""), layer))
    return out


def _keras_h5_bytes(model):
    h5py = _h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars").attrs["name"] = model.name
        for path, layer in _h5_groups(model):
            group = f.create_group(path + "/vars")
            group.attrs["name"] = path.rsplit("/", 1)[-1] if layer is None else layer.name
            for i, w in enumerate([] if layer is None else layer.weights):
                group.create_dataset(str(i), data=w.numpy())
    return buffer.getvalue()


def _load_keras_h5(model, filepath):
    h5py = _h5py()
    filepath = _filepath(filepath)
    _existing_file(filepath, "weights")
    if not model.built:
        raise ValueError(f"model {model.name!r} has no weights yet: build it before load_weights")
    try:
        f = h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError(f"{filepath!r} is not a readable HDF5 weights file ({e})") from None
    try:
        with f:
            values = []
            for path, layer in _h5_groups(model):
                if layer is None or not layer.weights:
                    continue
                group = _h5_local(h5py, f, path + "/vars", filepath, layer)
                expected = [str(i) for i in range(len(layer.weights))]
                names = sorted(group.keys())  # link names only: nothing is resolved yet
                if len(names) != len(expected):
                    raise ValueError(f"{filepath!r} holds {len(names)} weights for layer {layer.name!r}, which has "
                                     f"{len(layer.weights)}")
                if names != sorted(expected):
                    raise ValueError(f"{filepath!r}: {path + '/vars'!r} holds {names[:8]}, expected the datasets "
                                     f"0 ... {len(expected) - 1}")
                for i, w in enumerate(layer.weights):
                    values.append(_h5_value(h5py, group, str(i), w, f"{path}/vars/{i}", filepath))
    except OSError as e:  # HDF5 errors inside a damaged file
        raise ValueError(f"{filepath!r} is a damaged HDF5 weights file ({e})") from None
    model.set_weights(values)


def _h5_local(h5py, f, path, filepath, layer):
    """The group at `path`, reached through hard links only (a soft or external link is refused, not followed)."""
    node = f
    for depth, name in enumerate(path.split("/")):
        link = node.get(name, getlink=True)
        where = "/".join(path.split("/")[:depth + 1])
        if link is None:
            raise ValueError(f"{filepath!r} has no weights for layer {layer.name!r} (expected group {path!r})")
        if not isinstance(link, h5py.HardLink):
            raise ValueError(f"{filepath!r}: {where!r} is a {type(link).__name__} to another location; fastnn reads "
                             "only data stored in the file itself")
        node = node[name]
        if not isinstance(node, h5py.Group):
            raise ValueError(f"{filepath!r}: {where!r} is not a group")
    return node


def _h5_value(h5py, group, name, variable, where, filepath):
    """The dataset `name` of `group` for `variable`, refused unless stored in this file with the variable's shape
    and a numeric dtype (checked before reading any data)."""
    link = group.get(name, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"{filepath!r}: {where!r} is a {type(link).__name__} to another location; fastnn reads "
                         "only data stored in the file itself")
    dataset = group[name]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"{filepath!r}: {where!r} is not a dataset")
    plist = dataset.id.get_create_plist()
    if plist.get_layout() == h5py.h5d.VIRTUAL:
        raise ValueError(f"{filepath!r}: {where!r} is a virtual dataset (its data lives in other files): refused")
    if plist.get_external_count() > 0:
        raise ValueError(f"{filepath!r}: {where!r} keeps its data in external files: refused")
    if plist.get_nfilters() > 0:  # Keras and fastnn never compress weights: a filter can only be a bomb here
        raise ValueError(f"{filepath!r}: {where!r} is compressed or filtered, which Keras weights files never are")
    dtype, shape = dataset.dtype, dataset.shape
    if shape != variable.shape:
        raise ValueError(f"{filepath!r}: {where!r} has shape {shape}, but weight {variable.name!r} has shape "
                         f"{variable.shape}")
    if dtype.kind not in "biuf" or dtype.fields is not None or not np.can_cast(dtype, variable.dtype, "same_kind"):
        raise ValueError(f"{filepath!r}: {where!r} has dtype {dtype}, which does not convert to weight "
                         f"{variable.name!r}'s {np.dtype(variable.dtype)}")
    return np.asarray(dataset[()])


# ------------------------------------------------------------------------------------------- objects
def serialize_object(obj):
    """None, a name string, or {"class_name", "config"} for objects with get_config (initializers, regularizers,
    constraints, losses, optimizers, schedules, layers)."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if hasattr(obj, "get_config"):
        config = obj.get_config()
        return {"class_name": type(obj).__name__, "config": {k: serialize_object(v) if not isinstance(
            v, (list, tuple, dict)) else v for k, v in config.items()}}
    name = getattr(obj, "__name__", None)
    if name is None:
        raise TypeError(f"cannot serialize {obj!r}: give it a get_config() or use a built-in by name")
    return name


def _public_class(modules, name):
    """The class `name` exported by one of `modules` (listed in its `__all__`), else None: a saved config names
    classes, never arbitrary module attributes (`os`, `__class__`, functions)."""
    for module in modules:
        if name in getattr(module, "__all__", ()):
            cls = getattr(module, name, None)
            if isinstance(cls, type) and hasattr(cls, "from_config"):
                return cls
    return None


def deserialize_object(spec, modules, custom_objects=None, base=None):
    """The inverse of serialize_object: the class named by spec["class_name"], looked up in `custom_objects`, then
    among the classes `modules` export (and, with `base`, only subclasses of it), built with its from_config."""
    if not isinstance(spec, dict):
        return spec
    name, config = spec.get("class_name"), spec.get("config")
    if not isinstance(name, str):
        raise ValueError(f"`class_name` must be a string, received {name!r}")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ValueError(f"the config of {name!r} must be a JSON object, received {_json_type(config)}")
    config = dict(config)
    cls = (custom_objects or {}).get(name) or _public_class(modules, name)
    if cls is None:
        raise ValueError(f"Unknown object {name!r} in the saved config: pass it in custom_objects={{'{name}': ...}}")
    if base is not None and not (isinstance(cls, type) and issubclass(cls, base)):
        raise ValueError(f"{name!r} in the saved config is not a {base.__name__}")
    for key, value in config.items():
        if isinstance(value, dict) and "class_name" in value:
            config[key] = deserialize_object(value, modules, custom_objects)
    return cls.from_config(config)


def deserialize_layer(spec, custom_objects=None):
    """A layer from {"class_name", "config"} (fastnn.layers or custom_objects)."""
    from . import constraints, initializers, layers, models, regularizers  # noqa: PLC0415
    from .layers.layer import Layer  # noqa: PLC0415

    if not isinstance(spec, dict):
        raise ValueError(f"a layer must be saved as a JSON object, received {_json_type(spec)}")
    return deserialize_object(spec, [layers, models, initializers, regularizers, constraints], custom_objects,
                              base=Layer)


# ------------------------------------------------------------------------------------------- whole models
def save_model(model, filepath, overwrite=True, include_optimizer=True):
    from . import models  # noqa: PLC0415

    filepath = _filepath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists and overwrite=False")
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built yet: call it on data or build(shape) before saving")
    config = {"format_version": _FORMAT_VERSION, "class_name": type(model).__name__,
              "config": model.get_config(), "build_input_shape": model._saved_input_shape(),
              "is_sequential": isinstance(model, models.Sequential)}
    arrays = {"__fastnn__": _marker("model"), **_weights_dict(model)}
    compiled = getattr(model, "_compiled", None)
    if compiled is not None:
        config["compile"] = {"optimizer": serialize_object(model.optimizer),
                             "loss": _loss_spec(compiled),
                             "metrics": [m if isinstance(m, str) else serialize_object(m)
                                         for m in compiled.metric_specs],
                             "weighted_metrics": [m if isinstance(m, str) else serialize_object(m)
                                                  for m in getattr(compiled, "weighted_metric_specs", [])]}
        if include_optimizer:
            opt = model.optimizer
            arrays["optimizer_iterations"] = np.asarray(int(opt.iterations), np.int64)
            for i, w in enumerate(model.trainable_weights):
                entry = opt._slots.get(id(w))
                for j, slot in enumerate(entry[1] if entry else []):
                    arrays[_slot_name(i, j)] = slot.numpy()
            # seeded Dropout / augmentation layers count their calls to vary the mask reproducibly
            counters = [getattr(layer, "_calls", None) for layer in model._all_layers()]
            arrays["__random_state__"] = _json_bytes({**random_module._get_state(), "layer_calls": counters})
    arrays["__config__"] = _json_bytes(config)
    atomic_write_bytes(filepath, _npz_bytes(arrays))


def _json_bytes(data):
    return np.frombuffer(json.dumps(data).encode("utf-8"), np.uint8)


def _loss_spec(compiled):
    identifier = getattr(compiled, "loss_identifier", compiled.loss)
    if isinstance(identifier, str):
        return identifier
    return serialize_object(identifier)


# Errors a damaged (or hostile) config can raise while the model is rebuilt from it
_REBUILD_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, MemoryError,
                   OverflowError)


def load_model(filepath, custom_objects=None, compile=True):  # noqa: A002  (Keras' name)
    """The model saved by `model.save(filepath)`.

    With `compile=True` and a file saved with its optimizer (the default, and what `ModelCheckpoint` writes), the
    training state comes back too: optimizer step and slots, and the global random state at save time, so
    `fit(..., initial_epoch=e)` resumes exactly where the run stopped. The file is untrusted input: see the module
    docstring for what is checked. Nothing global changes unless the whole load succeeds.

    Args:
        filepath: str or os.PathLike, a file written by `model.save` or `fastnn.saving.save_model`.
        custom_objects: dict mapping class names in the saved config to your own classes.
        compile: whether to compile the model with the saved settings (and restore the training state).

    Returns:
        The model.

    Raises:
        ValueError: the file is not a fastnn model file, or is damaged: the message names the file and the problem.
        FileNotFoundError / IsADirectoryError: `filepath` is missing or a directory.
    """
    filepath = _filepath(filepath)
    saved_random_state = random_module._get_state()  # rebuilding draws initial weights from the global generator
    try:
        with _NpzArchive(filepath, "model") as archive:
            return _load_model(archive, filepath, custom_objects, compile)
    except BaseException:
        random_module._set_state(saved_random_state)
        raise


def _load_model(archive, filepath, custom_objects, compile):  # noqa: A002
    from . import losses, metrics, optimizers  # noqa: PLC0415

    config = _checked_model_config(archive.json("__config__", "model config"), filepath,
                                   max(_MAX_SAMPLE_ELEMENTS, archive.weight_elements()))
    restore = compile and "compile" in config
    random_state = None
    if restore and "__random_state__" in archive:
        random_state = archive.json("__random_state__", "random state")
    model = _rebuild(config, filepath, custom_objects, archive.weight_elements())
    model.set_weights(archive.weights(model.weights, f"the model its config describes ({model.name!r})"))
    if not restore:
        return model
    spec = config["compile"]
    try:
        optimizer = deserialize_object(spec["optimizer"], [optimizers, optimizers.schedules], custom_objects,
                                       base=optimizers.Optimizer)
        loss = deserialize_object(spec["loss"], [losses], custom_objects)
        metric_specs = [deserialize_object(m, [metrics], custom_objects) for m in spec["metrics"]]
        weighted_specs = [deserialize_object(m, [metrics], custom_objects) for m in spec.get("weighted_metrics", [])]
        model.compile(optimizer=optimizer, loss=loss, metrics=metric_specs, weighted_metrics=weighted_specs or None)
    except _REBUILD_ERRORS as e:
        raise ValueError(f"{filepath!r} has damaged compile settings ({type(e).__name__}: {e})") from e
    if "optimizer_iterations" in archive:
        _restore_optimizer(archive, model, filepath)
    if random_state is not None:
        layers = list(model._all_layers())
        seed, generator, calls = _checked_random_state(random_state, len(layers), filepath)
        random_module._set_state({"seed": seed, "bit_generator": generator})
        for layer, count in zip(layers, calls):
            if count is not None and hasattr(layer, "_calls"):
                layer._calls = count
    return model


def _checked_model_config(config, filepath, max_sample_elements):
    """`config` if it has the structure `save_model` writes, else a ValueError saying what is wrong."""
    def damaged(what):
        return ValueError(f"{filepath!r} has a damaged model config: {what}")

    if not isinstance(config, dict):
        raise damaged(f"expected a JSON object, found {_json_type(config)}")
    for key, kind in (("class_name", str), ("config", dict)):
        if key not in config:
            raise damaged(f"the key {key!r} is missing")
        if not isinstance(config[key], kind):
            raise damaged(f"{key!r} must be {_json_type(kind())}, found {_json_type(config[key])}")
    version = config.get("format_version", _FORMAT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version > _FORMAT_VERSION:
        raise damaged(f"format_version {version!r} (this fastnn reads version {_FORMAT_VERSION} and older)")
    if config.get("is_sequential") and not isinstance(config["config"].get("layers"), list):
        raise damaged(f"a Sequential model's 'layers' must be a list, found "
                      f"{_json_type(config['config'].get('layers'))}")
    shape = config.get("build_input_shape")
    if shape is not None:
        dims = shape[1:] if isinstance(shape, list) else None
        if (dims is None or not dims
                or any(d is not None and (not isinstance(d, int) or isinstance(d, bool) or d < 1) for d in dims)):
            raise damaged(f"build_input_shape must be a list [None, d1, ...] of positive dimensions, found "
                          f"{shape!r}"[:300])
        elements = math.prod(1 if d is None else d for d in dims)
        if elements > max_sample_elements:
            raise damaged(f"build_input_shape {shape!r} describes samples of {elements} values, more than the "
                          f"{max_sample_elements} the file's weights could justify")
    spec = config.get("compile")
    if spec is not None:
        if not isinstance(spec, dict) or any(key not in spec for key in ("optimizer", "loss", "metrics")):
            raise damaged("'compile' must be an object with 'optimizer', 'loss' and 'metrics'")
        if not isinstance(spec["metrics"], list):
            raise damaged(f"'compile.metrics' must be a list, found {_json_type(spec['metrics'])}")
    return config


class _WeightBudget:
    """The weight values a file holds; `take` refuses weights beyond them (see layers.layer._weight_budget)."""

    def __init__(self, values, filepath):
        self.left, self.filepath = values, filepath

    def take(self, values, name):
        if values > self.left:
            raise ValueError(f"its layers create more weight values than {self.filepath!r} holds (weight {name!r} "
                             f"of {values} values, {self.left} left)")
        self.left -= values


def _rebuild(config, filepath, custom_objects, weight_values):
    from . import constraints, initializers, layers, losses, metrics, models, optimizers, regularizers  # noqa
    from .layers.layer import _weight_budget  # noqa: PLC0415
    from .models.model import Model  # noqa: PLC0415

    modules = [layers, models, initializers, regularizers, constraints, losses, optimizers, optimizers.schedules,
               metrics]
    token = _weight_budget.set(_WeightBudget(weight_values, filepath))
    try:
        if config.get("is_sequential"):
            model = models.Sequential(name=config["config"].get("name"))
            for spec in config["config"]["layers"]:
                model.add(deserialize_layer(spec, custom_objects))
        elif config["class_name"] == "Functional":
            from .models.functional import Functional  # noqa: PLC0415

            model = Functional.from_config(config["config"], custom_objects)
        else:
            model = deserialize_object({"class_name": config["class_name"], "config": config["config"]}, modules,
                                       custom_objects, base=Model)
        shape = config.get("build_input_shape")
        if shape is not None and not model.built:
            model._build_for_loading(tuple(shape))
    except _REBUILD_ERRORS as e:
        raise ValueError(f"{filepath!r}: cannot rebuild the model from its saved config ({type(e).__name__}: "
                         f"{e})") from e
    finally:
        _weight_budget.reset(token)
    return model


def _restore_optimizer(archive, model, filepath):
    optimizer = model.optimizer
    iterations = archive.read("optimizer_iterations", shape=(), dtype=np.int64, what="optimizer step count")
    if int(iterations) < 0:
        raise ValueError(f"{filepath!r} has a damaged optimizer step count ({int(iterations)})")
    optimizer.build(model.trainable_weights)
    slots = {}
    for i, w in enumerate(model.trainable_weights):
        for j, slot in enumerate(optimizer._slots[id(w)][1]):
            slots[_slot_name(i, j)] = slot
    unexpected = sorted(set(archive.slot_keys()) - set(slots))
    if unexpected:
        raise ValueError(f"{filepath!r} holds optimizer slots the model's optimizer does not have: {unexpected[:5]}")
    values = {key: archive.read(key, shape=slot.shape, dtype=slot.dtype, what=f"optimizer slot {key!r}")
              for key, slot in slots.items() if key in archive}  # a slot never updated before saving is absent
    optimizer.iterations.assign(int(iterations))
    for key, value in values.items():
        slots[key].assign(value)


def _checked_random_state(state, n_layers, filepath):
    """(seed, bit generator state, layer call counts) from a saved random state, validated in full before anything
    is applied, so a damaged entry can never leave the global generator half-set."""
    try:
        if not isinstance(state, dict):
            raise ValueError(f"expected a JSON object, found {_json_type(state)}")
        seed, generator = random_module._checked_state(state)
        calls = state.get("layer_calls", [])
        if not isinstance(calls, list) or len(calls) > n_layers or any(
                c is not None and (not isinstance(c, int) or isinstance(c, bool) or c < 0) for c in calls):
            raise ValueError(f"layer_calls must be a list of at most {n_layers} counts, found {calls!r}"[:300])
    except ValueError as e:
        raise ValueError(f"{filepath!r} has a damaged random state ({e})") from None
    return seed, generator, calls

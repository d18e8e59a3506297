"""Files: atomic writes (temporary-file naming and cleanup, destination checks) and fastnn's `.npz` archives
(the writer, and the checked reader that treats every file as untrusted).

Writing (`atomic_write_bytes`): a temporary file `.<name>.<pid>.<random>.tmp` in the target's folder, fsync, rename,
so readers see the old file or the complete new one, never a torn one. A new file gets the usual mode (0666 minus
the umask, like `open(path, "w")`); overwriting keeps the existing file's mode (and, as root, its owner and group).
A symlink at the destination is followed: the file it points to is replaced atomically and the link stays. A
directory, FIFO, device or socket at the destination is refused before anything is written. Temporary files left
by a killed process (same target, pid no longer alive) are removed by the next save to that target.

Reading (`_NpzArchive`) never runs code (`allow_pickle` is never used), checks each stored array's declared dtype
and shape against what the caller expects before reading a byte of it, never decompresses more than those shapes
announce, and reports any problem as a ValueError naming the file.
"""
from __future__ import annotations

import contextlib
import inspect
import io
import json
import math
import os
import re
import secrets
import stat
import zipfile

import numpy as np

__all__ = ["atomic_write_bytes"]

_MAX_JSON_BYTES = 16 << 20   # a saved config or random state; real ones are a few KB to a few MB
_MAX_JSON_DEPTH = 100        # real configs nest ~10 deep (model > layers > layer > initializer > config)
_MAX_NPY_HEADER = 1 << 16    # numpy writes headers of ~128 bytes
# numpy >= 1.24 refuses headers above 10000 bytes unless told the limit; older numpy has no such argument (and the
# header length was checked against _MAX_NPY_HEADER before numpy sees it)
_HEADER_LIMIT = ({"max_header_size": _MAX_NPY_HEADER}
                 if "max_header_size" in inspect.signature(np.lib.format.read_array_header_1_0).parameters else {})


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


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
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
        TypeError: `path` is not a str or os.PathLike.
        IsADirectoryError: `path` is a directory.
        ValueError: `path` is a FIFO, device or socket (nothing is written).
        FileNotFoundError: the folder does not exist.

    Example:

    >>> atomic_write_bytes("results.json", b'{"accuracy": 0.98}')
    """
    path = _filepath(path)
    target, existing = _checked_destination(path)
    folder, name = os.path.split(target)
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


def _checked_destination(path):
    """(the file to replace, its os.stat or None) for writing `path`, refusing a directory, a special file or a
    missing folder before anything is written."""
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
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {folder!r} does not exist")
    return target, existing


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
                with contextlib.suppress(OSError):  # e.g. a filesystem without ownership: keep the file anyway
                    os.fchown(fd, existing.st_uid, existing.st_gid)
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
        error = ValueError(f"{self.path!r} {what}")
        error.names_file = True  # callers that add context re-raise it unchanged (it already names the file)
        return error

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
            shape, fortran, dtype = read(buffer, **_HEADER_LIMIT)
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

    def store(self, prefix, what):
        """The members named `<prefix><key>` as a read-only `{key: _StoredArray}` mapping, for an object's
        `load_own_variables(store)`: nothing is read until a value is converted to an array."""
        return _ArchiveStore(self, prefix, what)


class _ArchiveStore:
    """A Keras-style variable store over members of an `_NpzArchive` (keys without their prefix)."""

    def __init__(self, archive, prefix, what):
        self._archive, self._prefix, self._what = archive, prefix, what
        self._keys = [k[len(prefix):] for k in archive._infos if k.startswith(prefix)]

    def keys(self):
        return list(self._keys)

    def __contains__(self, key):
        return key in self._keys

    def __getitem__(self, key):
        if key not in self._keys:
            raise KeyError(key)
        return _StoredArray(self._archive, self._prefix + key, f"{self._what} {self._prefix + key!r}")


class _StoredArray:
    """One array of a file, read lazily: `shape` and `dtype` come from its header (checked when the archive was
    opened); `np.asarray(value, dtype)` reads it, refusing a dtype that does not convert within its kind."""

    def __init__(self, archive, key, what):
        self._archive, self._key, self._what = archive, key, what
        self.dtype, self.shape = archive._header(key)[:2]

    def __array__(self, dtype=None, copy=None):
        array = self._archive.read(self._key, dtype=dtype, what=self._what)
        return array if dtype is None else array.astype(dtype, copy=False)


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



def _json_bytes(data):
    return np.frombuffer(json.dumps(data).encode("utf-8"), np.uint8)

"""The one download-and-cache helper the data sets share: `get_file(fname, origin, sha256, subdir)` returns the
path of `$FASTNN_HOME/datasets/<subdir>/<fname>` (default `~/.fastnn`), downloading it first if it is missing or
its SHA-256 is not the expected one. A download goes to a temporary file beside the cache entry and is renamed into
place only after its SHA-256 matched, so a partial or corrupt download never stays in the cache."""
import hashlib
import os
import sys
import tempfile

__all__ = ["cache_dir", "get_file", "sha256_of", "copy_with_progress"]


def cache_dir(subdir):
    """$FASTNN_HOME/datasets/<subdir> (FASTNN_HOME defaults to ~/.fastnn)."""
    home = os.environ.get("FASTNN_HOME") or os.path.join(os.path.expanduser("~"), ".fastnn")
    return os.path.join(home, "datasets", subdir)


def sha256_of(filepath, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(filepath, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def get_file(fname, origin, sha256, subdir, max_bytes=1 << 31):
    """The cached copy of `origin` (its SHA-256 checked), downloaded on first use.

    Raises:
        ValueError: the downloaded bytes do not have the expected SHA-256 (nothing is left in the cache).
        OSError: the download failed.
    """
    folder = cache_dir(subdir)
    target = os.path.join(folder, fname)
    if os.path.isfile(target) and sha256_of(target) == sha256:
        return target
    import urllib.request  # noqa: PLC0415  (network code loads on first download, not with `import fastnn`)

    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{fname}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(origin, timeout=60) as response:
                    copy_with_progress(response, out, fname, max_bytes)
            except OSError as e:  # URLError is an OSError
                raise OSError(f"could not download {fname} from {origin}: {e}") from e
        got = sha256_of(tmp)
        if got != sha256:
            raise ValueError(f"the download of {fname} from {origin} is corrupt or not the published file: its "
                             f"SHA-256 is {got}, expected {sha256} (nothing was cached; try again)")
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
    return target


def copy_with_progress(response, out, name, limit, chunk=1 << 16):
    """Copy an HTTP response to `out` (at most `limit` bytes), with a progress line on a terminal."""
    total = int(response.headers.get("Content-Length") or 0)
    if total > limit:
        raise OSError(f"the server announces {total} bytes, more than {name} can be ({limit})")
    show = total > (1 << 20) and sys.stderr.isatty()
    done = 0
    while True:
        block = response.read(chunk)
        if not block:
            break
        out.write(block)
        done += len(block)
        if done > limit:
            raise OSError(f"the server sent more than {limit} bytes, more than {name} can be")
        if show:
            print(f"\rDownloading {name}: {done * 100 // total:3d}% of {total / 1e6:.1f} MB", end="",
                  file=sys.stderr, flush=True)
    if show:
        print(file=sys.stderr)
    if total and done != total:
        raise OSError(f"connection closed after {done} of {total} bytes")

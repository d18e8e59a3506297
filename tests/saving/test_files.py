"""Files (fastnn.saving.files): writes are atomic (a killed save leaves the previous file), special files at the
destination are refused, file modes follow the umask or the existing file, symlinks are followed and kept, and
stale temporaries of dead writers are removed."""
import os
import socket
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

import fastnn
from fastnn import layers

_SAVE_FOREVER = """
import sys
import fastnn
from fastnn import layers
model = fastnn.Sequential([layers.Input((1000,)), layers.Dense(1000)])
open(sys.argv[2], "w").close()
while True:
    model.save(sys.argv[1])
"""


def test_killed_mid_save_leaves_the_previous_file_intact(tmp_path):
    path, started = str(tmp_path / "big.npz"), tmp_path / "started"
    first = fastnn.Sequential([layers.Input((1000,)), layers.Dense(1000)])
    first.save(path)
    expected = first.get_weights()
    proc = subprocess.Popen([sys.executable, "-c", _SAVE_FOREVER, path, str(started)])
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the saving process did not start"
            time.sleep(0.05)
        time.sleep(0.5)  # several saves are under way
    finally:
        proc.kill()
        proc.wait()
    loaded = fastnn.models.load_model(path)  # either the first file or a complete later one: never torn
    assert [w.shape for w in loaded.get_weights()] == [w.shape for w in expected]


def special_files(tmp_path):
    for name in ("fifo", "fifo.weights.h5"):
        os.mkfifo(tmp_path / name)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock"))
    out = [(tmp_path / "fifo", "FIFO"), (tmp_path / "fifo.weights.h5", "FIFO"), (tmp_path / "sock", "socket")]
    if os.geteuid() == 0:  # a device node of our own, never the system's /dev/null
        os.mknod(tmp_path / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        out.append((tmp_path / "null", "character device"))
    return server, out


def test_saving_onto_a_special_file_is_refused_and_leaves_it(tmp_path):
    model = fastnn.Sequential([layers.Input((3,)), layers.Dense(2)])
    server, targets = special_files(tmp_path)
    with server:
        for path, kind in targets:
            before = os.lstat(path)
            for save in (model.save, model.save_weights):
                with pytest.raises(ValueError, match=f"it is a {kind}.*nothing was written"):
                    save(path)
            assert os.lstat(path).st_mode == before.st_mode and os.lstat(path).st_ino == before.st_ino
            with pytest.raises(ValueError, match=f"is a {kind}.*, not a regular file"):
                fastnn.models.load_model(path)
            with pytest.raises(ValueError, match=f"is a {kind}.*, not a regular file"):
                model.load_weights(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p, _ in targets)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_files_honour_the_umask_and_overwrites_keep_the_mode(tmp_path, umask):
    model = fastnn.Sequential([layers.Input((3,)), layers.Dense(2)])
    old = os.umask(umask)
    try:
        model.save(tmp_path / "m.npz")
        model.save_weights(tmp_path / "w.weights.h5")
    finally:
        os.umask(old)
    for name in ("m.npz", "w.weights.h5"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask
    os.chmod(tmp_path / "m.npz", 0o640)
    model.save(tmp_path / "m.npz")
    assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o640


def test_a_symlink_at_the_destination_is_followed_and_kept(tmp_path):
    model = fastnn.Sequential([layers.Input((3,)), layers.Dense(2)])
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "m.npz"
    fastnn.Sequential([layers.Input((3,)), layers.Dense(2)]).save(target)
    os.chmod(target, 0o604)
    os.symlink(target, tmp_path / "link.npz")
    model.save(tmp_path / "link.npz")
    assert os.path.islink(tmp_path / "link.npz") and os.readlink(tmp_path / "link.npz") == str(target)
    assert target.stat().st_mode & 0o777 == 0o604
    np.testing.assert_array_equal(fastnn.models.load_model(target).get_weights()[0], model.get_weights()[0])
    assert sorted(os.listdir(tmp_path / "real")) == ["m.npz"]  # the temporary lived beside the target


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_save_removes_stale_temporaries_of_dead_writers_only(tmp_path):
    model = fastnn.Sequential([layers.Input((3,)), layers.Dense(2)])
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".m.npz.{dead_pid()}.0123abcd.tmp"
        kept = [tmp_path / f".m.npz.{live.pid}.89abcdef.tmp",      # a concurrent writer in another process
                tmp_path / f".m.npz.{os.getpid()}.fedcba98.tmp",   # one in this process (another thread)
                tmp_path / ".m.npz.x1y2z3.tmp",                    # not our pattern (older fastnn): left alone
                tmp_path / f".other.npz.{dead_pid()}.0123abcd.tmp"]  # another target's
        for path in [stale] + kept:
            path.write_bytes(b"partial")
        model.save(tmp_path / "m.npz")
        assert not stale.exists() and all(path.exists() for path in kept)
    finally:
        live.kill()
        live.wait()

"""Thread policy: set_num_threads, OMP_NUM_THREADS, threadpoolctl, fork safety, 1-vs-2-thread determinism."""
import multiprocessing
import os
import subprocess
import sys

import numpy as np
import pytest

import fastnn
from fastnn import _core


@pytest.fixture
def restore_threads():
    yield
    fastnn.set_num_threads(None)


def test_set_and_get_num_threads(restore_threads):
    fastnn.set_num_threads(1)
    assert fastnn.get_num_threads() == 1
    fastnn.set_num_threads(2)
    assert fastnn.get_num_threads() == 2
    fastnn.set_num_threads(np.int64(1))  # numpy ints are ints
    assert fastnn.get_num_threads() == 1
    fastnn.set_num_threads(None)
    assert 1 <= fastnn.get_num_threads() <= _core.max_threads()


def test_none_returns_to_the_openmp_default(restore_threads):
    default = fastnn.get_num_threads()
    fastnn.set_num_threads(1)
    fastnn.set_num_threads(None)
    assert fastnn.get_num_threads() == default


@pytest.mark.parametrize("bad", [1.5, "2", True, [2]])
def test_set_num_threads_rejects_non_int(bad):
    with pytest.raises(TypeError, match="set_num_threads expects an int"):
        fastnn.set_num_threads(bad)


@pytest.mark.parametrize("bad", [0, -1, -(2 ** 70)])
def test_set_num_threads_rejects_non_positive(bad, restore_threads):
    fastnn.set_num_threads(1)
    with pytest.raises(ValueError, match=f"Received: n={bad}"):
        fastnn.set_num_threads(bad)
    assert fastnn.get_num_threads() == 1  # unchanged


def test_max_threads_is_the_cpus_this_process_may_use():
    assert _core.max_threads() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("n", [4096, 2 ** 40])
def test_set_num_threads_caps_at_the_cpus_with_a_warning(n, restore_threads):
    with pytest.warns(RuntimeWarning, match=f"set_num_threads\\({n}\\): using {_core.max_threads()} threads"):
        fastnn.set_num_threads(n)
    assert fastnn.get_num_threads() == _core.max_threads()
    a = np.ones((600, 600), np.float32)
    assert np.array_equal(fastnn.kernels.matmul(a, a), np.full((600, 600), 600, np.float32))


def test_huge_thread_counts_from_the_environment_are_capped():
    """OMP_NUM_THREADS=4096 used to make libgomp print "Thread creation failed" and exit; now it is capped."""
    code = ("import numpy as np, fastnn; a = np.ones((600, 600), np.float32); "
            "assert (fastnn.kernels.matmul(a, a) == 600).all(); print(fastnn.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, OMP_NUM_THREADS="4096"),
                         capture_output=True, text=True, timeout=120, cwd=os.path.dirname(__file__))
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == len(os.sched_getaffinity(0))


def test_omp_num_threads_is_honoured():
    code = "import fastnn; print(fastnn.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, OMP_NUM_THREADS="1"),
                         capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(__file__))  # not the repo root: import the installed package
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"


@pytest.mark.skipif(not _core.has_openmp(), reason="built without OpenMP")
def test_threadpoolctl_openmp_limit_is_honoured():
    threadpoolctl = pytest.importorskip("threadpoolctl")  # part of the `test` extra
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert fastnn.get_num_threads() == 1
    with threadpoolctl.threadpool_limits(limits=4096, user_api="openmp"):  # capped like set_num_threads
        assert fastnn.get_num_threads() == _core.max_threads()


def test_one_and_two_threads_bitwise_equal(restore_threads, rng):
    a = rng.standard_normal((300, 257)).astype(np.float32)
    b = rng.standard_normal((257, 513)).astype(np.float32)
    fastnn.set_num_threads(1)
    one = fastnn.kernels.matmul(a, b)
    fastnn.set_num_threads(2)
    two = fastnn.kernels.matmul(a, b)
    assert np.array_equal(one, two)


def _child_matmul(queue):
    a = np.ones((256, 256), np.float32)
    queue.put(float(fastnn.kernels.matmul(a, a)[0, 0]))


@pytest.mark.skipif(sys.platform == "win32", reason="fork start method is POSIX-only")
def test_forked_child_runs_kernels_without_hanging(restore_threads):
    fastnn.set_num_threads(2)
    big = np.ones((512, 512), np.float32)
    fastnn.kernels.matmul(big, big)  # the parent has used its OpenMP pool
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_matmul, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0, "forked child hung or crashed"
    assert queue.get(timeout=5) == 256.0


def test_gil_is_released_inside_kernels():
    """While a long kernel runs in one Python thread, another Python thread keeps running."""
    import threading

    a = np.ones((1500, 1500), np.float32)
    done = threading.Event()
    ticks = 0

    def work():
        for _ in range(3):
            fastnn.kernels.matmul(a, a)
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    while not done.is_set():
        ticks += 1
        done.wait(0.0005)
    worker.join()
    # With the GIL held through each multiply, this thread would only run between the three calls.
    assert ticks > 50

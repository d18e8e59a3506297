"""CPU contention (issue 13): the adaptive thread policy (csrc/parallel.cpp) runs kernels serially for a back-off
when 2-thread regions lose to one thread — e.g. a partner thread descheduled by another busy process — and tries 2
threads again afterwards. Timing is never asserted: a late partner is simulated deterministically with
`_core._debug_late_partner` (thread 1 sleeps at the start of every region, far longer than the region's work), and
the policy is observed through `_core.thread_policy()`.
"""
import multiprocessing
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import fastnn
from fastnn import _core

pytestmark = pytest.mark.skipif(not _core.has_openmp() or sys.platform == "win32",
                                reason="needs OpenMP threads and a per-thread CPU clock")

LATE_US = 30000  # a region's GEMM below does ~1 ms of work: a 30 ms late partner always loses


@pytest.fixture
def policy():
    fastnn.set_num_threads(2)
    _core.set_thread_policy("adaptive")  # also forgets earlier tests' history
    yield
    _core._debug_late_partner(0)
    _core.set_thread_policy("adaptive")
    fastnn.set_num_threads(None)


def gemm_inputs():
    rng = np.random.default_rng(5)
    return (rng.standard_normal((256, 300)).astype(np.float32), rng.standard_normal((300, 256)).astype(np.float32))


def test_idle_regions_are_timed_and_keep_two_threads(policy):
    a, b = gemm_inputs()
    _core.gemm(a, b)
    stats = _core.thread_policy()
    assert stats["adaptive"] and stats["timed_regions"] == 1  # the region ran on 2 threads and was judged


def test_late_partner_makes_kernels_back_off_to_one_thread(policy):
    a, b = gemm_inputs()
    fastnn.set_num_threads(1)
    want = _core.gemm(a, b)
    fastnn.set_num_threads(2)
    _core._debug_late_partner(LATE_US)
    got = [_core.gemm(a, b)]  # loses by ~30 ms: the ledger (2 ms of debt allowed) trips at once
    stats = _core.thread_policy()
    assert stats["trips"] == 1 and stats["timed_regions"] == 1
    assert stats["backoff_regions"] == 4 and stats["serial_remaining_ms"] > 0
    got += [_core.gemm(a, b) for _ in range(3)]  # the back-off: serial, not timed
    stats = _core.thread_policy()
    assert stats["serial_regions"] == 3 and stats["timed_regions"] == 1
    assert all(g.tobytes() == want.tobytes() for g in got)


def wait_out_backoff(a, b):
    """Runs serial regions until the back-off's region count and time have both run out."""
    while _core.thread_policy()["serial_remaining_ms"] > 0:
        time.sleep(0.005)
    for _ in range(_core.thread_policy()["backoff_regions"]):
        _core.gemm(a, b)


def test_back_off_grows_while_the_partner_stays_late_and_ends_when_it_is_back(policy):
    a, b = gemm_inputs()
    _core._debug_late_partner(LATE_US)
    _core.gemm(a, b)
    first = _core.thread_policy()
    wait_out_backoff(a, b)
    _core.gemm(a, b)  # the probe after the back-off loses again: 4 times the back-off
    second = _core.thread_policy()
    assert (first["trips"], second["trips"]) == (1, 2)
    assert second["backoff_regions"] == 4 * first["backoff_regions"]
    assert second["backoff_ms"] == pytest.approx(4 * first["backoff_ms"])
    _core._debug_late_partner(0)
    wait_out_backoff(a, b)
    timed = _core.thread_policy()["timed_regions"]
    _core.gemm(a, b)  # 2 threads again (the region is timed); whether it wins depends on the machine's load
    assert _core.thread_policy()["timed_regions"] == timed + 1


def test_static_policy_never_backs_off(policy):
    a, b = gemm_inputs()
    _core.set_thread_policy("static")
    _core._debug_late_partner(2000)
    for _ in range(2):
        _core.gemm(a, b)
    stats = _core.thread_policy()
    assert not stats["adaptive"]
    assert stats["trips"] == stats["timed_regions"] == stats["serial_regions"] == 0


def test_unknown_thread_policy_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown thread policy: 'fast'"):
        _core.set_thread_policy("fast")


def train_mlp():
    fastnn.utils.set_random_seed(7)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((256, 96)).astype(np.float32), rng.integers(0, 10, 256)
    L = fastnn.layers
    model = fastnn.Sequential([L.Input((96,)), L.Dense(256, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(optimizer=fastnn.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=128, epochs=3, shuffle=True, verbose=0)
    return [w.tobytes() for w in model.get_weights()], history.history["loss"]


def test_training_is_bitwise_identical_when_regions_switch_between_one_and_two_threads(policy):
    fastnn.set_num_threads(1)
    want = train_mlp()
    fastnn.set_num_threads(2)
    _core._debug_late_partner(5000)  # trips, back-offs and 2-thread probes alternate during the run
    got = train_mlp()
    stats = _core.thread_policy()
    assert stats["trips"] >= 1 and stats["serial_regions"] >= 1 and stats["timed_regions"] >= 1
    assert got == want


def _child_policy(queue):
    a, b = gemm_inputs()
    fastnn.set_num_threads(2)
    before = _core.thread_policy()["timed_regions"]
    out = _core.gemm(a, b)
    peak = _core.measure_fma_peak_gflops(2, 0.01)  # asks for 2 threads explicitly: still serial in the child
    queue.put((_core.thread_policy()["timed_regions"] - before, float(out.sum()), peak > 0))


def test_forked_child_runs_serially(policy):
    a, b = gemm_inputs()
    _core.gemm(a, b)  # the parent has used its OpenMP pool
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_policy, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0, "forked child hung or crashed"
    timed, total, peak_ok = queue.get(timeout=5)
    assert timed == 0 and peak_ok  # no 2-thread region was opened in the child
    assert total == float(_core.gemm(a, b).sum())


def run_python(code, **env):
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120, cwd=os.path.dirname(__file__))


def test_environment_selects_the_static_policy_and_warns_on_unknown_values():
    code = "import fastnn; print(fastnn._core.thread_policy()['adaptive'])"
    assert run_python(code, FASTNN_THREAD_POLICY="static").stdout.strip() == "False"
    out = run_python("import warnings; warnings.simplefilter('error'); " + code, FASTNN_THREAD_POLICY="fast")
    assert out.returncode != 0 and "FASTNN_THREAD_POLICY='fast'" in out.stderr


def test_users_openmp_wait_policy_and_spin_count_are_left_alone():
    code = "import numpy as np, fastnn; a = np.ones((256, 256), np.float32); fastnn.kernels.matmul(a, a)"
    out = run_python(code, OMP_WAIT_POLICY="passive", GOMP_SPINCOUNT="1234", OMP_DISPLAY_ENV="verbose")
    assert out.returncode == 0, out.stderr
    assert "OMP_WAIT_POLICY = 'PASSIVE'" in out.stderr and "GOMP_SPINCOUNT = '1234'" in out.stderr

"""Concurrency beyond tests/test_threads.py (which covers set/get_num_threads, OMP_NUM_THREADS, threadpoolctl, a
forked child's matmul and GIL release): kernels, `model.predict` and GradientTape gradients from 4 Python threads
at once equal the serial results bitwise; `set_num_threads` called repeatedly from another thread while kernels
run is safe; a forked child runs every kernel family, a model and `set_num_threads(2)` without hanging, also when
the parent forked while another of its threads was inside a kernel; kernels inside a user's ThreadPoolExecutor
complete with the serial result. Every wait has a timeout: a deadlock fails the test instead of hanging it."""
import concurrent.futures
import multiprocessing
import sys
import threading

import numpy as np
import pytest

import fastnn
from fastnn import _core
from fastnn import kernels as K

TIMEOUT = 120  # seconds; generous: the machine is shared, a deadlock never finishes
R = np.random.default_rng(5)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


# Sizes past the parallel work threshold (csrc/parallel.h), so each call opens an OpenMP region.
A, B, BIAS = f32(96, 200), f32(200, 160), f32(160)
IMG, FILT, CBIAS = f32(4, 20, 20, 6), f32(3, 3, 6, 16), f32(16)
LOGITS, LABELS = f32(256, 100), R.integers(0, 100, 256)
VEC = f32(300_000)
GRAD = f32(50_000)


def _adam():
    var, m, v = np.ones(50_000, np.float32), np.zeros(50_000, np.float32), np.zeros(50_000, np.float32)
    for step in (1, 2, 3):
        K.adam_update(var, GRAD, m, v, step)
    return var, m, v


JOBS = {
    "matmul_tn": lambda: K.matmul(A.T.copy(), B, transpose_a=True),
    "dense_relu": lambda: K.dense(A, B, BIAS, activation="relu"),
    "conv2d": lambda: K.conv2d(IMG, FILT, 1, "SAME", bias=CBIAS, activation="tanh"),
    "conv2d_backprop": lambda: (K.conv2d_backprop_input(IMG.shape, FILT, IMG[..., :1].repeat(16, -1), 1, "SAME"),
                                *K.conv2d_backprop_filter_and_bias(IMG, FILT.shape, IMG[..., :1].repeat(16, -1), 1,
                                                                   "SAME")),
    "max_pool": lambda: (K.max_pool2d(IMG, 2, 2, "SAME"), K.max_pool2d_grad(IMG, IMG[:, ::2, ::2], 2, 2, "SAME")),
    "avg_pool": lambda: (K.avg_pool2d(IMG, 3, 1, "SAME"), K.avg_pool2d_grad(IMG.shape, IMG, 3, 1, "SAME")),
    "softmax_xent": lambda: K.sparse_softmax_cross_entropy_with_logits_and_grad(LABELS, LOGITS, 1 / 256),
    "elementwise": lambda: (K.tanh(VEC), K.sigmoid(VEC), K.softmax(VEC.reshape(-1, 100))),
    "adam_update": _adam,
}


def _flat(result):
    return [np.asarray(r) for r in (result if isinstance(result, tuple) else (result,))]


def _assert_same(got, expected, what):
    for g, e in zip(_flat(got), _flat(expected)):
        assert g.tobytes() == e.tobytes(), f"{what}: concurrent result differs from serial"


def run_threads(target, n, args=()):
    """Runs target(i, *args) on n daemon threads started together; re-raises the first error; fails on timeout."""
    barrier = threading.Barrier(n)
    errors = []

    def body(i):
        try:
            barrier.wait(timeout=TIMEOUT)
            target(i, *args)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "threads still running after the timeout: deadlock?"
    if errors:
        raise errors[0]


@pytest.fixture
def restore_threads():
    yield
    fastnn.set_num_threads(None)


def test_kernels_from_four_threads_equal_serial(isa, restore_threads):
    fastnn.set_num_threads(2)
    serial = {name: job() for name, job in JOBS.items()}
    names = sorted(JOBS)

    def worker(i):
        for r in range(3):
            for name in names[i % len(names):] + names[:i % len(names)]:  # each thread in another order
                _assert_same(JOBS[name](), serial[name], f"{name} (thread {i}, round {r})")
    run_threads(worker, 4)


def _lenet(seed=0):
    fastnn.utils.set_random_seed(seed)
    L = fastnn.layers
    return fastnn.Sequential([L.Input((16, 16, 1)), L.Conv2D(8, 3, activation="relu"), L.MaxPool2D(),
                              L.Conv2D(16, 3, activation="relu", padding="same"), L.AveragePooling2D(), L.Flatten(),
                              L.Dropout(0.5), L.Dense(10, activation="softmax")])


def test_model_predict_from_four_threads_equals_serial(restore_threads):
    model = _lenet()
    x = R.random((96, 16, 16, 1)).astype(np.float32)
    serial = {bs: model.predict(x, batch_size=bs, verbose=0) for bs in (7, 32, 96)}

    def worker(i):
        for r in range(4):
            bs = (7, 32, 96)[(i + r) % 3]
            got = model.predict(x, batch_size=bs, verbose=0)
            assert got.tobytes() == serial[bs].tobytes(), f"predict(batch_size={bs}) in thread {i} differs"
    run_threads(worker, 4)


def _tape_grads(weights, x, labels):
    w1, b1, w2 = weights
    with fastnn.GradientTape() as tape:
        h = fastnn.nn.relu(fastnn.matmul(x, w1) + b1)
        loss = fastnn.reduce_mean(fastnn.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=fastnn.matmul(h, w2)))
    watched = tape.watched_variables()  # a non-persistent tape forgets them in gradient()
    grads = tape.gradient(loss, [w1, b1, w2])
    return [g.numpy() for g in grads], watched


def test_gradient_tapes_in_four_threads_equal_serial():
    """Each thread differentiates its own model with its own tape; tapes of other threads must not interfere."""
    rng = np.random.default_rng(1)
    problems = []
    for _ in range(4):
        weights = [fastnn.Variable(rng.standard_normal(s).astype(np.float32)) for s in ((64, 128), (128,), (128, 10))]
        problems.append((weights, rng.standard_normal((64, 64)).astype(np.float32), rng.integers(0, 10, 64)))
    serial = [_tape_grads(*p)[0] for p in problems]

    def worker(i):
        weights = problems[i][0]
        for _ in range(20):
            grads, watched = _tape_grads(*problems[i])
            for g, e in zip(grads, serial[i]):
                assert g.tobytes() == e.tobytes(), f"gradient in thread {i} differs from serial"
            assert {id(v) for v in watched} == {id(v) for v in weights}, \
                f"thread {i}'s tape watched another thread's variables"
    run_threads(worker, 4)


def test_stop_recording_in_one_thread_leaves_other_threads_tapes_recording():
    rng = np.random.default_rng(2)
    weights = [fastnn.Variable(rng.standard_normal(s).astype(np.float32)) for s in ((64, 128), (128,), (128, 10))]
    problem = (weights, rng.standard_normal((64, 64)).astype(np.float32), rng.integers(0, 10, 64))
    serial = _tape_grads(*problem)[0]
    stop = threading.Event()

    def pauser():
        while not stop.is_set():
            with fastnn.gradient_tape.stop_recording():
                fastnn.matmul(problem[1], weights[0])

    other = threading.Thread(target=pauser, daemon=True)
    other.start()
    try:
        def worker(i):
            for _ in range(50):
                grads = _tape_grads(*problem)[0]
                for g, e in zip(grads, serial):
                    assert g.tobytes() == e.tobytes()
        run_threads(worker, 1)
    finally:
        stop.set()
        other.join(TIMEOUT)


def test_set_num_threads_from_another_thread_while_kernels_run(restore_threads):
    serial = {name: job() for name, job in JOBS.items()}
    stop = threading.Event()
    flips = [0]

    def flipper():
        # None: the default; 3 and 4 go through _core, which caps them at the CPUs silently (the public call
        # would warn, and filterwarnings=error would end this thread).
        counts = [1, 2, 3, None, 4, 1, 2]
        while not stop.is_set():
            n = counts[flips[0] % len(counts)]
            if n is not None and n > _core.max_threads():
                _core.set_num_threads(n)
            else:
                fastnn.set_num_threads(n)
            flips[0] += 1

    flip_thread = threading.Thread(target=flipper, daemon=True)
    flip_thread.start()
    try:
        def worker(i):
            for _ in range(3):
                for name, job in JOBS.items():
                    _assert_same(job(), serial[name], f"{name} while set_num_threads flips (thread {i})")
        run_threads(worker, 2)
    finally:
        stop.set()
        flip_thread.join(TIMEOUT)
    assert not flip_thread.is_alive()
    assert flips[0] > 100  # the thread count really changed while the kernels ran


def _child_runs_everything(queue):
    try:
        out = {name: [r.tobytes() for r in _flat(job())] for name, job in JOBS.items()}
        fastnn.set_num_threads(2)  # asking for threads in a forked child must not hang either
        out["matmul_tn_2"] = [r.tobytes() for r in _flat(JOBS["matmul_tn"]())]
        model = _lenet()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        x = np.random.default_rng(0).random((32, 16, 16, 1)).astype(np.float32)
        model.train_on_batch(x, np.arange(32) % 10)
        out["predict_finite"] = bool(np.isfinite(model.predict(x, verbose=0)).all())
        queue.put(out)
    except BaseException as e:  # noqa: BLE001
        queue.put(repr(e))


def _fork_and_check(serial):
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_runs_everything, args=(queue,))
    child.start()
    try:
        result = queue.get(timeout=TIMEOUT)
    finally:
        child.join(TIMEOUT)
        if child.is_alive():
            child.kill()
    assert child.exitcode == 0, "forked child hung or crashed"
    assert isinstance(result, dict), result
    assert result.pop("predict_finite")
    assert result.pop("matmul_tn_2") == result["matmul_tn"]
    for name, expected in serial.items():
        assert result[name] == [r.tobytes() for r in _flat(expected)], f"{name} differs in the forked child"


@pytest.mark.skipif(sys.platform == "win32", reason="fork start method is POSIX-only")
def test_forked_child_runs_every_kernel_family(restore_threads):
    fastnn.set_num_threads(2)
    serial = {name: job() for name, job in JOBS.items()}  # the parent's OpenMP pool is up
    _fork_and_check(serial)


@pytest.mark.skipif(sys.platform == "win32", reason="fork start method is POSIX-only")
def test_fork_while_another_thread_is_inside_kernels(restore_threads):
    fastnn.set_num_threads(2)
    serial = {name: job() for name, job in JOBS.items()}
    stop = threading.Event()

    def busy():
        while not stop.is_set():
            JOBS["conv2d"]()
            JOBS["dense_relu"]()

    worker = threading.Thread(target=busy, daemon=True)
    worker.start()
    try:
        for _ in range(3):
            _fork_and_check(serial)
    finally:
        stop.set()
        worker.join(TIMEOUT)
    assert not worker.is_alive()


def test_kernels_inside_a_user_thread_pool(restore_threads):
    fastnn.set_num_threads(2)
    serial = {name: job() for name, job in JOBS.items()}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [(name, pool.submit(job)) for _ in range(6) for name, job in JOBS.items()]
        for name, future in futures:
            _assert_same(future.result(timeout=TIMEOUT), serial[name], f"{name} in a ThreadPoolExecutor")
        # nested: a pool task that itself waits on the pool's other worker
        nested = pool.submit(lambda: pool.submit(JOBS["conv2d"]).result(timeout=TIMEOUT))
        _assert_same(nested.result(timeout=TIMEOUT), serial["conv2d"], "nested pool task")

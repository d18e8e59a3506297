"""Crashes become Python exceptions (issue 13): running out of memory inside a kernel is a MemoryError (never an
abort from an exception escaping an OpenMP region), impossible convolution geometries are a ValueError before any
allocation, Ctrl-C stops long kernels within a fraction of a second, and the interruptible pieces a call is cut into
never change a bit. Thread-count validation lives in tests/test_threads.py and the bad-input table.

Out-of-memory and Ctrl-C cases run in a child process (RLIMIT_AS / SIGINT), which must exit normally.
"""
import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import fastnn
from fastnn import _core, layers
from fastnn import kernels as K

HERE = os.path.dirname(__file__)
# AddressSanitizer reserves terabytes of address space for its shadow memory: no RLIMIT_AS can hold it.
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")
no_rlimit_as = pytest.mark.skipif(not sys.platform.startswith("linux") or UNDER_ASAN,
                                  reason="RLIMIT_AS and /proc are Linux's; ASan's shadow memory exceeds any RLIMIT_AS")


def run_child(code, timeout=300):
    """Runs `code` in a fresh interpreter (the installed fastnn, as other subprocess tests do)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, cwd=HERE, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))


# ------------------------------------------------------------------------------------------- impossible geometry
def test_huge_dilation_is_a_value_error_naming_it():
    """The issue's reproducer: 1.2 TiB of zero-padded copies per thread used to abort with std::bad_alloc."""
    x = np.random.rand(64, 8, 8, 8).astype("f")
    with pytest.raises(ValueError, match=r"(?s)needs [\d.]+ TiB of scratch.*dilation_rate.*"
                                         r"Received: dilations=\(100000, 100000\), padding='same'"):
        layers.Conv2D(8, 3, padding="same", dilation_rate=100000)(x)


@pytest.mark.parametrize("which", ["input", "filter", "filter_and_bias"])
def test_huge_dilation_in_the_gradients_is_a_value_error(which):
    x, w, dy = np.ones((2, 8, 8, 8), np.float32), np.ones((3, 3, 8, 8), np.float32), np.ones((2, 8, 8, 8), np.float32)
    kw = dict(strides=1, padding="SAME", dilations=100000)
    with pytest.raises(ValueError, match=r"needs .* of scratch .*Received: dilations=\(100000, 100000\)"):
        if which == "input":
            K.conv2d_backprop_input([2, 8, 8, 8], w, dy, **kw)
        elif which == "filter":
            K.conv2d_backprop_filter(x, [3, 3, 8, 8], dy, **kw)
        else:
            K.conv2d_backprop_filter_and_bias(x, [3, 3, 8, 8], dy, **kw)


def test_huge_filter_sizes_are_a_value_error():
    """filter_sizes is only a shape: nothing of that size exists yet, but the partial sums would."""
    x, dy = np.ones((1, 8, 8, 8), np.float32), np.ones((1, 8, 8, 8), np.float32)
    with pytest.raises(ValueError, match=r"needs .* of scratch.*filters 20000x20000x8x8"):
        K.conv2d_backprop_filter(x, [20000, 20000, 8, 8], dy, strides=1, padding="SAME")


def test_scratch_guard_leaves_ordinary_convs_alone(rng):
    x = rng.standard_normal((2, 9, 9, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    y = K.conv2d(x, w, padding="SAME", dilations=4)  # effective 9x9 filter: padded copies of 17x17, fine
    assert y.shape == (2, 9, 9, 4) and np.isfinite(y).all()


# ------------------------------------------------------------------------------------------- out of memory
# The child allocates its inputs and the output's worth of room, then caps its address space a little above
# that: the kernel's scratch cannot be allocated. Before issue 13 conv2d allocated it per thread inside the
# OpenMP region, where std::bad_alloc calls std::terminate (SIGABRT).
OOM_CHILD = """
    import resource, sys, numpy as np, fastnn
    from fastnn import _core, kernels as K
    assert fastnn.get_num_threads() == min(2, _core.max_threads())
    x = np.ones({xshape}, np.float32); w = np.ones({wshape}, np.float32); dy = np.ones({yshape}, np.float32)
    calls = {{
        "conv2d": lambda: K.conv2d(x, w, padding="SAME"),
        "conv2d_backprop_input": lambda: K.conv2d_backprop_input(list(x.shape), w, dy, 1, "SAME"),
        "conv2d_backprop_filter": lambda: K.conv2d_backprop_filter(x, list(w.shape), dy, 1, "SAME"),
        "max_pool2d_grad": lambda: K.max_pool2d_grad(x, dy, 3, 1, "SAME"),
        "matmul": lambda: K.matmul(x.reshape(-1, x.shape[-1] * 8), w.reshape(-1, 8)[:x.shape[-1] * 8]),
    }}
    call = calls[sys.argv[1]]
    vm = int([l for l in open("/proc/self/status") if l.startswith("VmSize")][0].split()[1]) * 1024
    limit = vm + x.nbytes + {margin}  # room for the output array, not for the scratch
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    try:
        call()
        print("no error")
    except MemoryError as e:
        print("MemoryError:", e)
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    np.testing.assert_array_equal(x, 1)  # inputs intact
    print("child exits normally")
"""


@no_rlimit_as
@pytest.mark.parametrize("kernel", ["conv2d", "conv2d_backprop_input", "conv2d_backprop_filter",
                                    "max_pool2d_grad"])
def test_out_of_memory_in_a_kernel_is_a_memory_error(kernel):
    # 1 image, 2 threads: each thread needs its own 514x514x32 padded copy (34 MiB): the kernel's scratch.
    code = OOM_CHILD.format(xshape=(1, 512, 512, 32), wshape=(3, 3, 32, 32), yshape=(1, 512, 512, 32),
                            margin=4 << 20)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code), kernel], capture_output=True, text=True,
                         timeout=300, cwd=HERE)
    assert out.returncode == 0, f"child died with {out.returncode}: {out.stderr[-2000:]}"
    assert "MemoryError:" in out.stdout, out.stdout + out.stderr[-2000:]
    assert "child exits normally" in out.stdout
    if kernel.startswith("conv"):  # the message names the op and the scratch it needed
        assert f"{kernel}: out of memory for the kernel's working buffers (it needs" in out.stdout


@no_rlimit_as
def test_out_of_memory_inside_a_parallel_region_is_a_memory_error():
    """GEMM grows a thread-local packing buffer on every thread inside its region: a failure there is caught and
    rethrown after the region (parallel_region), instead of terminating the process."""
    code = OOM_CHILD.format(xshape=(1024, 1024), wshape=(1024, 1024), yshape=(1,), margin=1 << 16)
    code = code.replace("x.reshape(-1, x.shape[-1] * 8), w.reshape(-1, 8)[:x.shape[-1] * 8]", "x, w")
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code), "matmul"], capture_output=True, text=True,
                         timeout=300, cwd=HERE)
    assert out.returncode == 0, f"child died with {out.returncode}: {out.stderr[-2000:]}"
    assert "child exits normally" in out.stdout, out.stdout + out.stderr[-2000:]
    assert "MemoryError:" in out.stdout, out.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_STACK sizes glibc's thread stacks")
def test_thread_creation_failure_runs_serially():
    """With 1 TiB default thread stacks no thread can be created: libgomp used to print "Thread creation failed"
    and end the process at the first parallel kernel; now the kernels run on the calling thread."""
    import resource

    def huge_stacks():
        resource.setrlimit(resource.RLIMIT_STACK, (1 << 40, resource.getrlimit(resource.RLIMIT_STACK)[1]))

    code = ("import numpy as np, fastnn; a = np.ones((600, 600), np.float32); "
            "assert (fastnn.kernels.matmul(a, a) == 600).all(); print('threads', fastnn.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=HERE,
                         preexec_fn=huge_stacks, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "threads 1"


# ------------------------------------------------------------------------------------------- Ctrl-C
SIGINT_CHILD = """
    import signal, sys, time, numpy as np, fastnn
    from fastnn import kernels as K
    # Python's own Ctrl-C handler, as in a terminal: a process started in the background by a non-interactive shell
    # (nohup ... &, some CI runners) inherits SIGINT as ignored, and Python then installs no handler at all
    signal.signal(signal.SIGINT, signal.default_int_handler)
    kind = sys.argv[1]
    if kind == "matmul":
        a = np.ones((8192, 8192), np.float32); b = np.ones((8192, 8192), np.float32)
        inputs, call = (a, b), lambda: K.matmul(a, b)
    elif kind.startswith("conv") or kind == "max_pool2d":
        x = np.ones((8, 256, 256, 64), np.float32); w = np.ones((7, 7, 64, 64), np.float32)
        inputs = (x, w)
        call = {"conv2d": lambda: K.conv2d(x, w, padding="SAME"),
                "conv2d_backprop_input": lambda: K.conv2d_backprop_input(list(x.shape), w, x, 1, "SAME"),
                "conv2d_backprop_filter": lambda: K.conv2d_backprop_filter(x, list(w.shape), x, 1, "SAME"),
                "max_pool2d": lambda: K.max_pool2d(x, 31, 1, "SAME")}[kind]
    elif kind.startswith("depthwise"):
        x = np.ones((8, 256, 256, 64), np.float32); w = np.ones((31, 31, 64, 1), np.float32)
        inputs = (x, w)
        call = {"depthwise_conv2d": lambda: K.depthwise_conv2d(x, w, 1, "SAME"),
                "depthwise_conv2d_backprop_input":
                    lambda: K.depthwise_conv2d_backprop_input(list(x.shape), w, x, 1, "SAME"),
                "depthwise_conv2d_backprop_filter":
                    lambda: K.depthwise_conv2d_backprop_filter(x, list(w.shape), x, 1, "SAME")}[kind]
    print("start", flush=True)
    t0 = time.perf_counter()
    try:
        call()
        print("finished after %.2f s" % (time.perf_counter() - t0), flush=True)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", flush=True)
    assert all((v == 1).all() for v in inputs), "an input was modified"
    assert (K.matmul(np.ones((300, 300), np.float32), np.ones((300, 300), np.float32)) == 300).all()
    print("child exits normally", flush=True)
"""


def readline(proc, timeout):
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline() if ready else ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals")
@pytest.mark.parametrize("kind", ["matmul", "conv2d", "conv2d_backprop_input", "conv2d_backprop_filter",
                                  "max_pool2d", "depthwise_conv2d", "depthwise_conv2d_backprop_input",
                                  "depthwise_conv2d_backprop_filter"])
def test_ctrl_c_stops_a_long_kernel(kind):
    """The kernel runs for seconds (8192³ matmul: ~20 s on 2 cores); SIGINT must raise KeyboardInterrupt within
    2 s (measured ~0.1-0.3 s), with inputs intact and the process able to go on."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SIGINT_CHILD), kind], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=HERE)
    try:
        assert readline(proc, 120) == "start\n", proc.stderr.read() if proc.poll() is not None else "no start"
        time.sleep(0.7)  # well inside the kernel
        sent = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        line = readline(proc, 60)
        reaction = time.perf_counter() - sent
        assert line == "KeyboardInterrupt\n", f"got {line!r} {reaction:.2f} s after SIGINT"
        assert reaction < 2.0, f"KeyboardInterrupt took {reaction:.2f} s"
        assert readline(proc, 60) == "child exits normally\n"
        assert proc.wait(60) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


# ------------------------------------------------------------------------------------------- pieces change no bit
def _family_calls(rng):
    f = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    a, b = f(1300, 300), f(300, 700)  # > one MC slice of rows on every path, A packed (M >= 256)
    at, bt = f(300, 1300), f(700, 300)
    x, w = f(3, 21, 23, 20), f(3, 3, 20, 24)
    xs, ws, ws24 = f(3, 21, 23, 1), f(3, 3, 1, 8), f(3, 3, 1, 24)  # single-channel input
    dy_same, dy_s2 = f(3, 21, 23, 24), f(3, 11, 12, 24)
    p = f(4, 33, 35, 20)
    big = f(200_000)
    logits, labels = f(3000, 37), rng.integers(0, 37, 3000)
    onehot = np.eye(37, dtype=np.float32)[labels]
    return {
        "matmul": lambda: K.matmul(a, b),
        "matmul_tt": lambda: K.matmul(at, bt, transpose_a=True, transpose_b=True),
        "dense": lambda: K.dense(a, b, bias=b[0], activation="tanh"),
        "conv2d": lambda: K.conv2d(x, w, padding="SAME", bias=w[0, 0, 0], activation="relu"),
        "conv2d_dilated": lambda: K.conv2d(x, w, strides=2, padding="VALID", dilations=2),
        "conv2d_backprop_input": lambda: K.conv2d_backprop_input(list(x.shape), w, dy_same, 1, "SAME"),
        "conv2d_backprop_input_strided": lambda: K.conv2d_backprop_input(list(x.shape), w, dy_s2, 2, "SAME"),
        "conv2d_backprop_input_1ch": lambda: K.conv2d_backprop_input(list(xs.shape), ws24, dy_same, 1, "SAME"),
        "conv2d_backprop_filter": lambda: K.conv2d_backprop_filter_and_bias(x, list(w.shape), dy_same, 1, "SAME"),
        "conv2d_1ch": lambda: K.conv2d(xs, ws, padding="SAME"),
        "max_pool2d": lambda: K.max_pool2d(p, 3, 2, "SAME"),
        "max_pool2d_grad": lambda: K.max_pool2d_grad(p, K.max_pool2d(p, 3, 1, "SAME"), 3, 1, "SAME"),
        "avg_pool2d_grad": lambda: K.avg_pool2d_grad(list(p.shape), K.avg_pool2d(p, 3, 1, "SAME"), 3, 1, "SAME"),
        "exp": lambda: K.exp(big),
        "sigmoid_grad": lambda: K.sigmoid_grad(big, big),
        "softmax": lambda: K.softmax(logits),
        "softmax_grad": lambda: K.softmax_grad(logits, K.softmax(logits)),
        "softmax_xent": lambda: K.softmax_cross_entropy_with_logits_and_grad(onehot, logits),
        "sparse_softmax_xent": lambda: K.sparse_softmax_cross_entropy_with_logits_and_grad(labels, logits),
        "bias_add_grad": lambda: K.bias_add_grad(logits),
        "dense_activation_grad": lambda: K.dense_activation_grad(logits, K.sigmoid(logits), "sigmoid"),
        "depthwise_conv2d": lambda: K.depthwise_conv2d(x, w[..., :2], 2, "SAME", bias=w[0, 0, 0, :2].repeat(20),
                                                       activation="tanh"),
        "depthwise_conv2d_backprop_input": lambda: K.depthwise_conv2d_backprop_input(
            list(x.shape), w[..., :1], dy_same[..., :20], 1, "SAME"),
        "depthwise_conv2d_backprop_filter": lambda: K.depthwise_conv2d_backprop_filter_and_bias(
            x, [3, 3, 20, 1], dy_same[..., :20], 1, "SAME"),
    }


def _off_main_thread(fn):
    """Calls fn on a worker thread: no interrupt scope there, so the kernel runs unsplit, as before issue 13."""
    box = []
    t = threading.Thread(target=lambda: box.append(fn()))
    t.start()
    t.join()
    return box[0]


def _bits(result):
    parts = result if isinstance(result, tuple) else (result,)
    return [np.asarray(r).tobytes() for r in parts]


@pytest.fixture
def tiny_pieces():
    old = _core._set_interrupt_piece_work(1)  # every piece is one item: the most cuts possible
    yield
    _core._set_interrupt_piece_work(old)
    fastnn.set_num_threads(None)


def test_pieces_change_no_bit(isa, rng, tiny_pieces):
    calls = _family_calls(rng)
    for threads in (1, 2):
        fastnn.set_num_threads(threads)
        for name, fn in calls.items():
            assert _bits(fn()) == _bits(_off_main_thread(fn)), f"{name} on {isa} with {threads} threads"


def test_piece_knob_default_is_restored():
    old = _core._set_interrupt_piece_work(5)
    assert _core._set_interrupt_piece_work(old) == 5
    assert old >= 1 << 20


def test_measure_fma_peak_rejects_more_threads_than_cpus():
    n = _core.max_threads()
    with pytest.raises(ValueError, match=rf"`threads` must be in \[1, max_threads\(\) = {n}\], received 4096"):
        _core.measure_fma_peak_gflops(4096, 0.01)

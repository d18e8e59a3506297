"""Fused optimizer updates (fastnn.kernels.sgd_update / adam_update / rmsprop_update) vs Keras 3's optimizers
(apply_gradients on tf.Variables, the TF backend that `fit` uses) and a float64 numpy reference, on every ISA path."""
import re

import numpy as np
import pytest
from references import adam_ref, rmsprop_ref, sgd_ref
from tolerances import assert_close_elementwise, max_errors

import fastnn
from fastnn import kernels as ops

STEPS = 5
SHAPES = [(1,), (7,), (33, 5), (3, 1030)]  # scalar-ish, sub-vector tail, odd, more than one 1024-block

SGD_CONFIGS = [dict(learning_rate=0.01), dict(learning_rate=0.05, momentum=0.9),
               dict(learning_rate=0.05, momentum=0.9, nesterov=True), dict(learning_rate=0.1, momentum=0.5)]
ADAM_CONFIGS = [dict(), dict(learning_rate=0.01, amsgrad=True),
                dict(learning_rate=0.003, beta_1=0.8, beta_2=0.99, epsilon=1e-3)]
RMSPROP_CONFIGS = [dict(), dict(momentum=0.9), dict(centered=True), dict(centered=True, momentum=0.5, rho=0.8),
                   dict(learning_rate=0.01, epsilon=1e-4)]


def _gradients(shape, seed):
    rng = np.random.default_rng(seed)
    # Mixed magnitudes, a few exact zeros, and sign changes across steps exercise the state updates.
    grads = [(rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 2, shape)).astype(np.float32)
             for _ in range(STEPS)]
    grads[1].flat[::3] = 0.0
    return rng.standard_normal(shape).astype(np.float32), grads


def _keras_run(tf, optimizer, w0, grads):
    var = tf.Variable(w0)
    for g in grads:
        optimizer.apply_gradients([(tf.constant(g), var)])
    return var.numpy()


class _State:
    """Zero-initialised state arrays for one parameter, as Keras creates them."""

    def __init__(self, w0, names):
        self.w = w0.copy()
        for n in names:
            setattr(self, n, np.zeros_like(w0))


def _run_sgd(w0, grads, cfg):
    s = _State(w0, ["velocity"])
    for g in grads:
        ops.sgd_update(s.w, g, velocity=s.velocity, **cfg)
    return s.w


def _run_adam(w0, grads, cfg):
    s = _State(w0, ["m", "v", "vhat"])
    for t, g in enumerate(grads, start=1):
        ops.adam_update(s.w, g, s.m, s.v, t, vhat=s.vhat if cfg.get("amsgrad") else None, **cfg)
    return s.w


def _run_rmsprop(w0, grads, cfg):
    s = _State(w0, ["velocity", "momentum_buf", "average_grad"])
    for g in grads:
        ops.rmsprop_update(s.w, g, s.velocity, momentum_buf=s.momentum_buf,
                           average_grad=s.average_grad if cfg.get("centered") else None, **cfg)
    return s.w


def _check(actual, keras_w, ref_w, label):
    # Elementwise ops in Keras' order: within 1e-6 of Keras (measured: equal or ~1 ULP), and close to float64.
    assert_close_elementwise(actual, keras_w, err_msg=f"{label} vs Keras")
    assert_close_elementwise(actual, ref_w.astype(np.float32), atol=1e-5, rtol=1e-5, err_msg=f"{label} vs float64")


@pytest.mark.parametrize("cfg", SGD_CONFIGS, ids=str)
def test_sgd_matches_keras(isa, tf, cfg):
    for i, shape in enumerate(SHAPES):
        w0, grads = _gradients(shape, i)
        keras_w = _keras_run(tf, tf.keras.optimizers.SGD(**cfg), w0, grads)
        _check(_run_sgd(w0, grads, cfg), keras_w, sgd_ref(w0, grads, **cfg), f"SGD{cfg} {shape}")


@pytest.mark.parametrize("cfg", ADAM_CONFIGS, ids=str)
def test_adam_matches_keras(isa, tf, cfg):
    for i, shape in enumerate(SHAPES):
        w0, grads = _gradients(shape, 10 + i)
        keras_w = _keras_run(tf, tf.keras.optimizers.Adam(**cfg), w0, grads)
        _check(_run_adam(w0, grads, cfg), keras_w, adam_ref(w0, grads, **cfg), f"Adam{cfg} {shape}")


@pytest.mark.parametrize("cfg", RMSPROP_CONFIGS, ids=str)
def test_rmsprop_matches_keras(isa, tf, cfg):
    for i, shape in enumerate(SHAPES):
        w0, grads = _gradients(shape, 20 + i)
        keras_w = _keras_run(tf, tf.keras.optimizers.RMSprop(**cfg), w0, grads)
        _check(_run_rmsprop(w0, grads, cfg), keras_w, rmsprop_ref(w0, grads, **cfg), f"RMSprop{cfg} {shape}")


def test_adam_late_step_and_state_match_keras(isa, tf):
    """Step counts far from 1 (bias correction ~1) and the moment buffers themselves."""
    w0, grads = _gradients((257,), 99)
    opt = tf.keras.optimizers.Adam(learning_rate=0.01, amsgrad=True)
    var = tf.Variable(w0)
    opt.iterations.assign(1000)
    m, v, vhat, w = np.zeros_like(w0), np.zeros_like(w0), np.zeros_like(w0), w0.copy()
    for t, g in enumerate(grads, start=1001):
        opt.apply_gradients([(tf.constant(g), var)])
        ops.adam_update(w, g, m, v, t, learning_rate=0.01, amsgrad=True, vhat=vhat)
    assert_close_elementwise(w, var.numpy())
    assert_close_elementwise(m, opt._momentums[0].numpy())
    assert_close_elementwise(v, opt._velocities[0].numpy())


def test_graph_mode_keras_matches(tf):
    """Inside tf.function (what `fit` runs) grappler may reorder RMSprop's ops by an ULP; still within 1e-6."""
    w0, grads = _gradients((64, 33), 42)
    for cls, run, cfg in [(tf.keras.optimizers.Adam, _run_adam, dict(amsgrad=True)),
                          (tf.keras.optimizers.RMSprop, _run_rmsprop, dict(centered=True, momentum=0.9)),
                          (tf.keras.optimizers.SGD, _run_sgd, dict(momentum=0.9, nesterov=True))]:
        opt, var = cls(**cfg), tf.Variable(w0)
        step = tf.function(lambda g: opt.apply_gradients([(g, var)]))  # noqa: B023  (called at once, inside the loop)
        for g in grads:
            step(tf.constant(g))
        assert_close_elementwise(run(w0, grads, cfg), var.numpy(), err_msg=f"{cls.__name__} in tf.function")


def test_mlp_sized_update_threads_bitwise_equal():
    """Above the parallel threshold (407,050 params = the MLP 784-512-10): 1 and 2 threads give equal bits."""
    rng = np.random.default_rng(5)
    n = 407_050
    w0 = rng.standard_normal(n).astype(np.float32)
    g = rng.standard_normal(n).astype(np.float32)
    results = []
    try:
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            w, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
            w2, vel = w0.copy(), np.zeros_like(w0)
            for t in (1, 2):
                ops.adam_update(w, g, m, v, t)
                ops.rmsprop_update(w2, g, vel, centered=False)
            results.append((w, m, v, w2, vel))
    finally:
        fastnn.set_num_threads(None)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_grad_is_converted_and_not_modified():
    w = np.ones(5, np.float32)
    g64 = np.arange(10, dtype=np.float64)[::2]  # non-contiguous float64: converted, read-only use
    before = g64.copy()
    ops.sgd_update(w, g64, learning_rate=0.5)
    np.testing.assert_array_equal(w, np.float32(1) - np.float32(0.5) * before.astype(np.float32))
    np.testing.assert_array_equal(g64, before)
    ops.sgd_update(w, [1, 1, 1, 1, 1], learning_rate=1)  # int list
    np.testing.assert_array_equal(w, np.float32(1) - np.float32(0.5) * before.astype(np.float32) - 1)


def _bad_inplace_cases():
    ro = np.zeros(4, np.float32)
    ro.flags.writeable = False
    return [
        (np.zeros(4, np.float64), TypeError, "float32"),
        (np.zeros(8, np.float32)[::2], ValueError, "C-contiguous"),
        (ro, ValueError, "writeable"),
        ([0.0, 0.0, 0.0, 0.0], TypeError, "numpy.ndarray"),
        (np.zeros(5, np.float32), ValueError, "shape"),
    ]


@pytest.mark.parametrize("bad,exc,what", _bad_inplace_cases(), ids=["f64", "strided", "readonly", "list", "shape"])
def test_inplace_arrays_are_refused_when_they_would_be_copied(bad, exc, what):
    w, g, z = np.zeros(4, np.float32), np.ones(4, np.float32), lambda: np.zeros(4, np.float32)
    with pytest.raises(exc, match=rf"`m`.*{what}|{what}.*`m`|`m` must"):
        ops.adam_update(w, g, bad, z(), 1)
    with pytest.raises(exc, match="`velocity`"):
        ops.sgd_update(w, g, momentum=0.9, velocity=bad)
    with pytest.raises(exc, match="`average_grad`"):
        ops.rmsprop_update(w, g, z(), centered=True, average_grad=bad)
    if what != "shape":
        with pytest.raises(exc, match="`var`"):
            ops.rmsprop_update(bad, g, z())


def test_argument_errors():
    w, g, z = np.zeros(4, np.float32), np.ones(4, np.float32), lambda: np.zeros(4, np.float32)
    with pytest.raises(ValueError, match="`grad`.*shape"):
        ops.sgd_update(w, np.ones(3))
    with pytest.raises(TypeError, match="`grad`"):
        ops.sgd_update(w, np.array(["a"] * 4))
    with pytest.raises(ValueError, match="`velocity` is required"):
        ops.sgd_update(w, g, momentum=0.9)
    with pytest.raises(ValueError, match="`momentum`"):
        ops.sgd_update(w, g, momentum=1.5, velocity=z())
    with pytest.raises(ValueError, match="`step`"):
        ops.adam_update(w, g, z(), z(), 0)
    with pytest.raises(TypeError, match="`step`"):
        ops.adam_update(w, g, z(), z(), 1.5)
    with pytest.raises(ValueError, match="`vhat` is required"):
        ops.adam_update(w, g, z(), z(), 1, amsgrad=True)
    with pytest.raises(TypeError, match="`learning_rate`"):
        ops.adam_update(w, g, z(), z(), 1, learning_rate="fast")
    with pytest.raises(ValueError, match="`momentum_buf` is required"):
        ops.rmsprop_update(w, g, z(), momentum=0.9)
    with pytest.raises(ValueError, match="`average_grad` is required"):
        ops.rmsprop_update(w, g, z(), centered=True)
    # Bypassing the Python layer: the binding refuses copies (TypeError) and bad shapes (ValueError), no crash.
    with pytest.raises(TypeError):
        fastnn._core.adam_update(w, g, np.zeros(4), z(), 0.001, 0.9, 0.999, 1e-7, 1)
    with pytest.raises(ValueError, match="`v` must have the shape"):
        fastnn._core.adam_update(w, g, z(), np.zeros(3, np.float32), 0.001, 0.9, 0.999, 1e-7, 1)
    with pytest.raises(ValueError, match="`step`"):
        fastnn._core.adam_update(w, g, z(), z(), 0.001, 0.9, 0.999, 1e-7, 0)


def test_scalar_variable(tf):
    w0, grads = np.array(0.5, np.float32), [np.float32(0.3), 2.0, -1]
    w, m, v = w0.copy(), np.zeros((), np.float32), np.zeros((), np.float32)
    for t, g in enumerate(grads, start=1):
        ops.adam_update(w, g, m, v, t)
    assert w.shape == ()
    assert_close_elementwise(w, _keras_run(tf, tf.keras.optimizers.Adam(), w0, [np.float32(g) for g in grads]))


def test_empty_and_zero_gradients(isa):
    w = np.zeros(0, np.float32)
    ops.adam_update(w, w.copy(), np.zeros(0, np.float32), np.zeros(0, np.float32), 1)
    w = np.full(9, 2.0, np.float32)
    m, v = np.zeros_like(w), np.zeros_like(w)
    ops.adam_update(w, np.zeros_like(w), m, v, 1)  # m = v = 0: 0/(0+eps) = 0, var unchanged
    np.testing.assert_array_equal(w, 2.0)
    vel = np.zeros_like(w)
    ops.rmsprop_update(w, np.zeros_like(w), vel)  # 0/sqrt(eps)
    np.testing.assert_array_equal(w, 2.0)


def test_report_errors_vs_keras(tf, capsys):
    """Not an assertion beyond the others: prints the max abs/rel error vs Keras for the report (-s)."""
    w0, grads = _gradients((3, 1030), 7)
    for name, cls, run, cfg in [("sgd", tf.keras.optimizers.SGD, _run_sgd, dict(momentum=0.9, nesterov=True)),
                                ("adam", tf.keras.optimizers.Adam, _run_adam, dict(amsgrad=True)),
                                ("rmsprop", tf.keras.optimizers.RMSprop, _run_rmsprop,
                                 dict(centered=True, momentum=0.9))]:
        err = max_errors(run(w0, grads, cfg), _keras_run(tf, cls(**cfg), w0, grads))
        print(f"{name} {cfg}: max abs {err[0]:.3g}, max rel {err[1]:.3g}")


# --- Adagrad, Nadam, Adamax, Lion, Adadelta kernels (issue 16): bitwise vs Keras on every ISA path
def _run_new_kernel(name, w0, grads, cfg):
    s = _State(w0, ["a", "b"])
    if name == "Adagrad":
        s.a[...] = cfg.get("initial_accumulator_value", 0.1)
        kw = {k: v for k, v in cfg.items() if k != "initial_accumulator_value"}
    else:
        kw = cfg
    for t, g in enumerate(grads, start=1):
        if name == "Adagrad":
            ops.adagrad_update(s.w, g, s.a, **kw)
        elif name == "Nadam":
            ops.nadam_update(s.w, g, s.a, s.b, t, **kw)
        elif name == "Adamax":
            ops.adamax_update(s.w, g, s.a, s.b, t, **kw)
        elif name == "Lion":
            ops.lion_update(s.w, g, s.a, **kw)
        else:
            ops.adadelta_update(s.w, g, s.a, s.b, **kw)
    return s.w


NEW_KERNEL_CONFIGS = [("Adagrad", {}), ("Adagrad", dict(learning_rate=0.1, initial_accumulator_value=0.0)),
                      ("Nadam", {}), ("Nadam", dict(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-4)),
                      ("Adamax", {}), ("Adamax", dict(learning_rate=0.01, beta_2=0.9)),
                      ("Lion", {}), ("Lion", dict(learning_rate=0.01, beta_1=0.5)),
                      ("Adadelta", {}), ("Adadelta", dict(learning_rate=1.0, rho=0.9, epsilon=1e-5))]


@pytest.mark.parametrize("name, cfg", NEW_KERNEL_CONFIGS, ids=str)
def test_new_kernels_match_keras_bitwise(isa, tf, name, cfg):
    for i, shape in enumerate(SHAPES):
        w0, grads = _gradients(shape, 30 + i)
        keras_w = _keras_run(tf, getattr(tf.keras.optimizers, name)(**cfg), w0, grads)
        np.testing.assert_array_equal(_run_new_kernel(name, w0, grads, cfg), keras_w, err_msg=f"{name}{cfg} {shape}")


def test_new_kernels_threads_bitwise_equal():
    """Above the parallel threshold: 1 and 2 threads give equal bits for every new kernel."""
    rng = np.random.default_rng(6)
    n = 407_050
    w0 = rng.standard_normal(n).astype(np.float32)
    g = rng.standard_normal(n).astype(np.float32)
    results = []
    try:
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            results.append([_run_new_kernel(name, w0, [g, -g * 0.5], cfg) for name, cfg in NEW_KERNEL_CONFIGS[::2]])
    finally:
        fastnn.set_num_threads(None)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("call, error, message", [
    (lambda: ops.adagrad_update(np.ones(3, np.float32), np.ones(3), np.ones(3)), TypeError,
     "`accumulator` must have dtype float32"),
    (lambda: ops.nadam_update(np.ones(3, np.float32), np.ones(3), np.zeros(3, np.float32), np.zeros(3, np.float32), 0),
     ValueError, r"`step` must be >= 1 .*received 0"),
    (lambda: ops.adamax_update(np.ones(3, np.float32), np.ones(3), np.zeros(3, np.float32), np.zeros(2, np.float32), 1),
     ValueError, r"`u` must have the shape of `var` \(3,\), received shape \(2,\)"),
    (lambda: ops.lion_update(np.ones(3, np.float32), np.ones(4), np.zeros(3, np.float32)), ValueError,
     "`grad` must have the shape"),
    (lambda: ops.adadelta_update(np.ones(3, np.float32), np.ones(3), np.zeros(3, np.float32),
                                 np.zeros(3, np.float32), rho="x"),
     TypeError, "`rho` must be a real number, received 'x'"),
])
def test_new_kernels_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- multi-tensor updates (issue 17): one region for every parameter, bitwise equal to per-tensor calls
MULTI_SHAPES = [(1,), (7,), (33, 5), (3, 1030), (784, 512), (512,)]  # the MLP's: one region spans them all
MULTI_CASES = [  # (multi kernel, per-tensor kernel, slots per tensor, kwargs of both, per-tensor slot names)
    ("sgd_update_multi", "sgd_update", 1, dict(learning_rate=0.05, momentum=0.9, nesterov=True), ["velocity"]),
    ("sgd_update_multi", "sgd_update", 1, dict(learning_rate=0.05), ["velocity"]),
    ("adam_update_multi", "adam_update", 3, dict(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
     ["m", "v", "vhat"]),
    ("adam_update_multi", "adam_update", 2, dict(learning_rate=0.001, beta_1=0.8, beta_2=0.99, epsilon=1e-3),
     ["m", "v"]),
    ("rmsprop_update_multi", "rmsprop_update", 3, dict(learning_rate=0.001, rho=0.9, epsilon=1e-7, momentum=0.5),
     ["velocity", "momentum_buf", "average_grad"]),
    ("rmsprop_update_multi", "rmsprop_update", 1, dict(learning_rate=0.01, rho=0.8, epsilon=1e-4),
     ["velocity"]),
]


def _multi_state(seed):
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal(s).astype(np.float32) for s in MULTI_SHAPES]
    grads = [[(rng.standard_normal(s) * 10.0 ** rng.integers(-3, 2, s)).astype(np.float32) for s in MULTI_SHAPES]
             for _ in range(3)]
    return ws, grads


@pytest.mark.parametrize("multi, single, nslots, kwargs, names", MULTI_CASES)
def test_multi_tensor_updates_equal_per_tensor_calls_bitwise(isa, multi, single, nslots, kwargs, names):
    ws, grads = _multi_state(17)
    results = []
    try:
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            for path in ("multi", "single"):
                w = [a.copy() for a in ws]
                slots = [[np.zeros_like(a) for _ in range(nslots)] for a in ws]
                for step, gs in enumerate(grads, start=1):
                    extra = {"step": step} if "adam" in multi else {}
                    if path == "multi":
                        getattr(fastnn._core, multi)(w, gs, slots, **kwargs, **extra)
                    else:
                        for a, g, s in zip(w, gs, slots):
                            getattr(fastnn._core, single)(a, g, **dict(zip(names, s)), **kwargs, **extra)
                results.append((threads, path, w + [x for s in slots for x in s]))
    finally:
        fastnn.set_num_threads(None)
    reference = results[-1][2]  # 2 threads, per-tensor calls
    for threads, path, arrays in results:
        for got, want in zip(arrays, reference):
            np.testing.assert_array_equal(got, want, err_msg=f"{multi} {path} at {threads} thread(s)")


@pytest.mark.parametrize("call, error, message", [
    (lambda w, g, s: fastnn._core.rmsprop_update_multi(w, g[:1], s, 1e-3, 0.9, 1e-7), ValueError,
     "same length"),
    (lambda w, g, s: fastnn._core.rmsprop_update_multi([w[0].astype(np.float64)], g[:1], s[:1], 1e-3, 0.9, 1e-7),
     TypeError, "vars[0]` must be a C-contiguous float32"),
    (lambda w, g, s: fastnn._core.rmsprop_update_multi([w[0], w[0]], [g[0], g[0]], [s[0], s[0]], 1e-3, 0.9,
                                                         1e-7), ValueError,
     "distinct"),
    (lambda w, g, s: fastnn._core.rmsprop_update_multi(w, g, [[None], s[1]], 1e-3, 0.9, 1e-7), ValueError,
     "slots[0][0]` is required"),
    (lambda w, g, s: fastnn._core.adam_update_multi(w, g, s, 1e-3, 0.9, 0.999, 1e-7, 0), ValueError,
     "`step` must be >= 1"),
    (lambda w, g, s: fastnn._core.sgd_update_multi(w, [g[0], g[0]], s, 0.1), ValueError, "grads[1]"),
    (lambda w, g, s: fastnn._core.sgd_update_multi(w, g, [[np.zeros(3, np.float32)], s[1]], 0.1, 0.9),
     ValueError, "slots[0][0]"),
])
def test_multi_tensor_update_bad_arguments(call, error, message):
    w = [np.ones(4, np.float32), np.ones((2, 3), np.float32)]
    g = [np.ones(4, np.float32), np.ones((2, 3), np.float32)]
    s = [[np.zeros(4, np.float32), np.zeros(4, np.float32)], [np.zeros((2, 3), np.float32)] * 2]
    before = [a.copy() for a in w]
    with pytest.raises(error, match=re.escape(message)):
        call(w, g, s)
    for a, b in zip(w, before):  # refused before any update
        np.testing.assert_array_equal(a, b)

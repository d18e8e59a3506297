"""Property tests (hypothesis) of the kernels in fastnn.kernels against the float64 references (tests/references.py), on
every ISA path: random shapes (1, primes, sizes past a micro-tile / vector width / K block), random memory layouts
(Fortran order, strided, negative-stride and transposed views, float64) and random values (normal at several
magnitudes, small integers with ties).

Hypothesis settings come from tests/conftest.py (`CI=1` loads the derandomized "ci" profile); each property fixes
only its own modest example count. Every property also checks that its inputs were not modified and that the
layout of an input never changes the result's bits. The number of examples run per property is counted in
EXAMPLES and checked at the end of each test (a property whose examples were all rejected would pass vacuously).
"""
import collections
import math
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from references import (  # noqa: E402
    activation_ref,
    bias_add_grad_ref,
    conv2d_geometry,
    conv2d_ref,
    dense_activation_grad_ref,
    gemm_ref,
    pool2d_geometry,
    pool2d_ref,
    softmax_grad_ref,
    softmax_ref,
    softmax_xent_ref,
    unary_grad_ref,
    unary_ref,
)
from tolerances import assert_close_elementwise, assert_close_reduction  # noqa: E402

from fastnn import _core  # noqa: E402
from fastnn import kernels as K  # noqa: E402

# FASTNN_PROPERTY_SCALE=N multiplies every example count (a longer local hunt; CI uses 1).
SCALE = int(os.environ.get("FASTNN_PROPERTY_SCALE", "1"))
EXAMPLES = collections.Counter()  # property name -> examples run (all ISA paths together)

# ------------------------------------------------------------------------------------------------ strategies
PRIMES = [2, 3, 5, 7, 11, 13, 17, 31, 37, 61, 67]


def dims(hi, extra=()):
    """A dimension: 1, a prime, a value near a vector width / micro-tile edge, or anything in [1, hi]."""
    specials = sorted({1, *[p for p in PRIMES if p <= hi], *[d for d in (8, 15, 16, 17, 32, 33) if d <= hi],
                       *extra})
    return st.one_of(st.sampled_from(specials), st.integers(1, hi))


LAYOUTS = ["c", "fortran", "strided", "negative", "permuted", "float64"]
VALUES = ["normal", "tiny", "large", "ints"]


def relayout(arr, kind):
    """`arr`'s values (bitwise, as float32) in another memory layout."""
    if kind == "c" or arr.ndim == 0:
        return arr
    if kind == "fortran":
        return np.asfortranarray(arr)
    if kind == "strided":  # every other element of a buffer twice as large along every axis
        big = np.full(tuple(2 * s for s in arr.shape), np.nan, np.float32)
        view = big[tuple(slice(None, None, 2) for _ in arr.shape)]
        view[...] = arr
        return view
    if kind == "negative":  # negative strides on every axis
        return np.flip(np.ascontiguousarray(np.flip(arr)))
    if kind == "permuted":  # a transposed view of a contiguous array
        perm = tuple(reversed(range(arr.ndim)))
        return np.transpose(np.ascontiguousarray(np.transpose(arr, perm)), perm)
    if kind == "float64":
        return arr.astype(np.float64)
    raise AssertionError(kind)


def values(rng, shape, kind):
    if kind == "normal":
        return rng.standard_normal(shape).astype(np.float32)
    if kind == "tiny":
        return (rng.standard_normal(shape) * 1e-3).astype(np.float32)
    if kind == "large":
        return (rng.standard_normal(shape) * 1e3).astype(np.float32)
    if kind == "ints":  # exact products, many ties
        return rng.integers(-3, 4, shape).astype(np.float32)
    raise AssertionError(kind)


def amax(*arrays):
    return max(float(np.abs(a).max(initial=0.0)) for a in arrays)


def check_unchanged(originals, views):
    for before, after in zip(originals, views):
        np.testing.assert_array_equal(np.asarray(after, np.float32), before, err_msg="an input was modified")


@pytest.fixture
def count():
    """count(name) records one example; after the test, the property must have run at least 5 (not all rejected)."""
    seen = collections.Counter()

    def record(name):
        seen[name] += 1
        EXAMPLES[name] += 1
    yield record
    for name, n in seen.items():
        assert n >= 5, f"property {name} ran only {n} examples"


# ------------------------------------------------------------------------------------------------ GEMM
ACTIVATIONS = ["linear", "relu", "leaky_relu", "sigmoid", "tanh"]


def test_gemm_property(isa, count):
    @settings(max_examples=100 * SCALE)
    @given(m=dims(70, (12, 13, 24, 25)), k=dims(300, (256, 257)), n=dims(70, (64, 65)),
           trans_a=st.booleans(), trans_b=st.booleans(), bias=st.booleans(),
           activation=st.sampled_from(ACTIVATIONS), alpha=st.floats(0.0, 1.0), accumulate=st.booleans(),
           layout_a=st.sampled_from(LAYOUTS), layout_b=st.sampled_from(LAYOUTS),
           value_kind=st.sampled_from(VALUES), seed=st.integers(0, 2**32 - 1))
    def check(m, k, n, trans_a, trans_b, bias, activation, alpha, accumulate, layout_a, layout_b, value_kind, seed):
        rng = np.random.default_rng(seed)
        a = values(rng, (k, m) if trans_a else (m, k), value_kind)
        b = values(rng, (n, k) if trans_b else (k, n), value_kind)
        bvec = values(rng, (n,), value_kind) if bias else None
        c = values(rng, (m, n), value_kind) if accumulate else None
        expected = gemm_ref(a, b, trans_a, trans_b, bias=bvec, activation=activation, alpha=np.float32(alpha), c=c)
        scale = max(amax(a) * amax(b), amax(c) if c is not None else 0, amax(bvec) if bias else 0)
        va, vb = relayout(a, layout_a), relayout(b, layout_b)

        # the raw kernel: every transpose case, bias, activation and C accumulation together
        out = _core.gemm(a, b, transpose_a=trans_a, transpose_b=trans_b, bias=bvec, activation=activation,
                         alpha=alpha, c=None if c is None else c.copy())
        assert out.shape == (m, n) and out.dtype == np.float32
        assert_close_reduction(out, expected, k, scale, err_msg=f"{activation} bias={bias} c={accumulate}")
        # the public wrappers on views: same bits as the contiguous call
        plain = _core.gemm(a, b, transpose_a=trans_a, transpose_b=trans_b)
        np.testing.assert_array_equal(K.matmul(va, vb, transpose_a=trans_a, transpose_b=trans_b), plain)
        if not trans_a and not trans_b and c is None:
            np.testing.assert_array_equal(K.dense(va, vb, bvec, activation=activation, alpha=alpha), out)
        check_unchanged([a, b], [va, vb])
        count("gemm")

    check()


def test_batched_matmul_property(isa, count):
    @settings(max_examples=30 * SCALE)
    @given(batch_a=st.lists(dims(3), min_size=0, max_size=2), m=dims(20), k=dims(40), n=dims(40),
           broadcast=st.booleans(), trans_a=st.booleans(), trans_b=st.booleans(),
           layout=st.sampled_from(LAYOUTS), seed=st.integers(0, 2**32 - 1))
    def check(batch_a, m, k, n, broadcast, trans_a, trans_b, layout, seed):
        rng = np.random.default_rng(seed)
        batch_b = [1] * len(batch_a) if broadcast else list(batch_a)
        a = values(rng, (*batch_a, *((k, m) if trans_a else (m, k))), "normal")
        b = values(rng, (*batch_b, *((n, k) if trans_b else (k, n))), "normal")
        out = K.matmul(relayout(a, layout), relayout(b, layout), transpose_a=trans_a, transpose_b=trans_b)
        assert_close_reduction(out, gemm_ref(a, b, trans_a, trans_b), k, amax(a) * amax(b))
        count("batched_matmul")

    check()


# ------------------------------------------------------------------------------------------------ conv2d
def test_conv2d_property(isa, count):
    @settings(max_examples=80 * SCALE)
    @given(n=st.integers(1, 3), h=dims(14), w=dims(14), cin=dims(20, (1, 1)), cout=dims(40, (16, 17, 33)),
           kh=st.integers(1, 5), kw=st.integers(1, 5), sh=st.integers(1, 3), sw=st.integers(1, 3),
           dh=st.integers(1, 3), dw=st.integers(1, 3), padding=st.sampled_from(["valid", "same"]),
           bias=st.booleans(), activation=st.sampled_from(ACTIVATIONS + [None]),
           layout=st.sampled_from(LAYOUTS), value_kind=st.sampled_from(VALUES), seed=st.integers(0, 2**32 - 1))
    def check(n, h, w, cin, cout, kh, kw, sh, sw, dh, dw, padding, bias, activation, layout, value_kind, seed):
        if padding == "valid":
            assume((kh - 1) * dh + 1 <= h and (kw - 1) * dw + 1 <= w)
        rng = np.random.default_rng(seed)
        x = values(rng, (n, h, w, cin), value_kind)
        f = values(rng, (kh, kw, cin, cout), value_kind)
        b = values(rng, (cout,), value_kind) if bias else None
        oh, _ = conv2d_geometry(h, kh, sh, dh, padding)
        ow, _ = conv2d_geometry(w, kw, sw, dw, padding)
        dy = values(rng, (n, oh, ow, cout), value_kind)
        y64, dx64, dw64 = conv2d_ref(x, f, dy, (sh, sw), padding, (dh, dw))
        geometry = dict(strides=(sh, sw), padding=padding.upper(), dilations=(dh, dw))
        vx, vf, vdy = relayout(x, layout), relayout(f, layout), relayout(dy, layout)

        z = y64 + (0 if b is None else b)
        y = K.conv2d(vx, vf, bias=b, activation=activation, alpha=0.3, **geometry)
        assert y.shape == (n, oh, ow, cout)
        scale = max(amax(x) * amax(f), amax(b) if bias else 0)
        assert_close_reduction(y, activation_ref(z, activation, np.float32(0.3)), kh * kw * cin, scale)
        np.testing.assert_array_equal(y, K.conv2d(x, f, bias=b, activation=activation, alpha=0.3, **geometry))

        dx = K.conv2d_backprop_input(x.shape, vf, vdy, **geometry)
        assert_close_reduction(dx, dx64, kh * kw * cout, amax(dy) * amax(f), err_msg="dx")
        dwt, db = K.conv2d_backprop_filter_and_bias(vx, f.shape, vdy, **geometry)
        assert_close_reduction(dwt, dw64, n * oh * ow, amax(dy) * amax(x), err_msg="dw")
        assert_close_reduction(db, bias_add_grad_ref(dy), n * oh * ow, amax(dy), err_msg="db")
        np.testing.assert_array_equal(dwt, K.conv2d_backprop_filter(x, f.shape, dy, **geometry))
        check_unchanged([x, f, dy], [vx, vf, vdy])
        count("conv2d")

    check()


# ------------------------------------------------------------------------------------------------ pooling
def test_pool_property(isa, count):
    @settings(max_examples=80 * SCALE)
    @given(n=st.integers(1, 3), h=dims(13), w=dims(13), c=dims(40, (4, 8, 16, 17, 33)),
           kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 4), sw=st.integers(1, 4),
           padding=st.sampled_from(["valid", "same"]), layout=st.sampled_from(LAYOUTS),
           value_kind=st.sampled_from(VALUES), seed=st.integers(0, 2**32 - 1))
    def check(n, h, w, c, kh, kw, sh, sw, padding, layout, value_kind, seed):
        if padding == "valid":
            assume(kh <= h and kw <= w)
        rng = np.random.default_rng(seed)
        x = values(rng, (n, h, w, c), value_kind)
        oh, _ = pool2d_geometry(h, kh, sh, padding)
        ow, _ = pool2d_geometry(w, kw, sw, padding)
        dy = values(rng, (n, oh, ow, c), value_kind)
        ymax64, yavg64, dmax64, davg64 = pool2d_ref(x, dy, (kh, kw), (sh, sw), padding)
        vx, vdy = relayout(x, layout), relayout(dy, layout)
        geometry = dict(ksize=(kh, kw), strides=(sh, sw), padding=padding.upper())
        overlap = math.ceil(kh / sh) * math.ceil(kw / sw)  # windows one input cell can belong to

        ymax = K.max_pool2d(vx, **geometry)
        np.testing.assert_array_equal(ymax, ymax64.astype(np.float32))  # a max is exact
        y2, argmax = K.max_pool2d_with_argmax(vx, **geometry)
        np.testing.assert_array_equal(y2, ymax)
        dmax = K.max_pool2d_grad(vx, vdy, **geometry)
        assert_close_reduction(dmax, dmax64, overlap, amax(dy), err_msg="max grad")
        np.testing.assert_array_equal(K.max_pool2d_grad_with_argmax(x.shape, vdy, argmax, **geometry), dmax)
        yavg = K.avg_pool2d(vx, **geometry)
        assert_close_reduction(yavg, yavg64, kh * kw, amax(x), err_msg="avg")
        davg = K.avg_pool2d_grad(x.shape, vdy, **geometry)
        assert_close_reduction(davg, davg64, overlap, amax(dy), err_msg="avg grad")
        check_unchanged([x, dy], [vx, vdy])
        count("pool")

    check()


# ------------------------------------------------------------------------------------------------ softmax xent
def test_softmax_xent_property(isa, count):
    @settings(max_examples=80 * SCALE)
    @given(lead=st.lists(dims(40), min_size=1, max_size=2), classes=dims(1100, (1, 2, 10, 16, 17, 1000)),
           scale=st.sampled_from([1e-3, 1.0, 30.0, 1e4]), soft=st.booleans(),
           grad_scale=st.sampled_from([1.0, 0.5, 1 / 7, 3.0]), axis_last=st.booleans(),
           layout=st.sampled_from(LAYOUTS), seed=st.integers(0, 2**32 - 1))
    def check(lead, classes, scale, soft, grad_scale, axis_last, layout, seed):
        rng = np.random.default_rng(seed)
        shape = (*lead, classes)
        logits = (rng.standard_normal(shape) * scale).astype(np.float32)
        ids = rng.integers(0, classes, size=tuple(lead))
        if soft:
            labels = rng.random(shape).astype(np.float32)
            labels /= np.maximum(labels.sum(-1, keepdims=True), np.float32(1e-6))
        else:
            labels = np.eye(classes, dtype=np.float32)[ids]
        ref_loss, ref_grad = softmax_xent_ref(labels, logits)
        # A loss of size ~scale is a difference of ~scale-sized floats: relative error grows with the scale.
        rtol = 1e-6 if scale < 1e3 else 2e-6
        vlogits, vlabels = relayout(logits, layout), relayout(labels, layout)

        if axis_last:
            loss, grad = K.softmax_cross_entropy_with_logits_and_grad(vlabels, vlogits, grad_scale=grad_scale)
        else:  # the classes on axis 0: the wrapper moves them last and back
            moved_loss, moved_grad = K.softmax_cross_entropy_with_logits_and_grad(
                np.moveaxis(vlabels, -1, 0), np.moveaxis(vlogits, -1, 0), grad_scale=grad_scale, axis=0)
            loss, grad = moved_loss, np.moveaxis(moved_grad, 0, -1)
        assert loss.shape == tuple(lead) and grad.shape == shape
        assert np.isfinite(loss).all() and np.isfinite(grad).all()
        assert_close_elementwise(loss, ref_loss, rtol=rtol, err_msg="dense loss")
        assert_close_elementwise(grad, ref_grad * grad_scale, err_msg="dense dlogits")
        np.testing.assert_array_equal(K.softmax_cross_entropy_with_logits(labels=labels, logits=logits),
                                      K.softmax_cross_entropy_with_logits_and_grad(labels, logits)[0])

        if not soft:
            sloss, sgrad = K.sparse_softmax_cross_entropy_with_logits_and_grad(ids, vlogits, grad_scale=grad_scale)
            assert_close_elementwise(sloss, ref_loss, rtol=rtol, err_msg="sparse loss")
            assert_close_elementwise(sgrad, ref_grad * grad_scale, err_msg="sparse dlogits")
            np.testing.assert_array_equal(K.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=logits),
                                          sloss)
        check_unchanged([logits, labels], [vlogits, vlabels])
        count("softmax_xent")

    check()


# ------------------------------------------------------------------------------------------------ elementwise
FLT_MIN = float(np.finfo(np.float32).tiny)
UNARY = {  # op: our forward(x, alpha); the float64 reference is references.unary_ref
    "relu": lambda x, a: K.relu(x),
    "leaky_relu": lambda x, a: K.leaky_relu(x, alpha=a),
    "sigmoid": lambda x, a: K.sigmoid(x),
    "tanh": lambda x, a: K.tanh(x),
    "exp": lambda x, a: K.exp(x),
    "log": lambda x, a: K.log(x),
}
UNARY_GRAD = {  # op: our grad(dy, x, y, alpha); the float64 reference is references.unary_grad_ref
    "relu": lambda dy, x, y, a: K.relu_grad(dy, x),
    "leaky_relu": lambda dy, x, y, a: K.leaky_relu_grad(dy, x, alpha=a),
    "sigmoid": lambda dy, x, y, a: K.sigmoid_grad(dy, y),
    "tanh": lambda dy, x, y, a: K.tanh_grad(dy, y),
    "exp": lambda dy, x, y, a: K.exp_grad(dy, y),
    "log": lambda dy, x, y, a: K.log_grad(dy, x),
}
shapes = st.lists(dims(40, (16, 17, 32, 33)), min_size=0, max_size=4).filter(lambda s: math.prod(s) <= 20000)


def _unary_input(rng, op, shape, scale):
    x = (rng.standard_normal(shape) * scale).astype(np.float32)
    if op == "exp":
        return np.clip(x, -80, 80)  # inside float32's normal range; overflow/underflow: tests/csrc/test_vmath.py
    if op == "log":
        return np.maximum(np.abs(x), np.float32(FLT_MIN))
    return x


def test_unary_property(isa, count):
    @settings(max_examples=120 * SCALE)
    @given(op=st.sampled_from(sorted(UNARY)), shape=shapes, scale=st.sampled_from([1e-3, 1.0, 30.0, 1e4]),
           alpha=st.sampled_from([0.0, 0.2, 0.3, 1.0]), layout=st.sampled_from(LAYOUTS),
           seed=st.integers(0, 2**32 - 1))
    def check(op, shape, scale, alpha, layout, seed):
        rng = np.random.default_rng(seed)
        x = _unary_input(rng, op, tuple(shape), scale)
        ours = UNARY[op]
        vx = relayout(x, layout)
        y = ours(vx, alpha)
        assert y.shape == x.shape and y.dtype == np.float32
        expected = unary_ref(op, x, np.float64(np.float32(alpha)))
        assert_close_elementwise(y, expected, err_msg=op)
        np.testing.assert_array_equal(y, ours(x, alpha))

        dy = rng.standard_normal(x.shape).astype(np.float32)
        vdy = relayout(dy, layout)
        g = UNARY_GRAD[op](vdy, vx, y, np.float32(alpha))
        expected_g = unary_grad_ref(op, dy, x, y, np.float64(np.float32(alpha)))
        assert_close_elementwise(g, expected_g, err_msg=f"{op} grad")
        check_unchanged([x, dy], [vx, vdy])
        count("unary")

    check()


def test_softmax_and_reductions_property(isa, count):
    @settings(max_examples=60 * SCALE)
    @given(shape=st.lists(dims(40, (16, 17, 33)), min_size=1, max_size=3).filter(lambda s: math.prod(s) <= 20000),
           last=dims(1100, (1000,)), axis=st.integers(-4, 3), scale=st.sampled_from([1e-3, 1.0, 30.0]),
           activation=st.sampled_from(ACTIVATIONS), layout=st.sampled_from(LAYOUTS),
           seed=st.integers(0, 2**32 - 1))
    def check(shape, last, axis, scale, activation, layout, seed):
        shape = (*shape, last)
        assume(math.prod(shape) <= 40000)
        axis = axis % len(shape)
        rng = np.random.default_rng(seed)
        x = (rng.standard_normal(shape) * scale).astype(np.float32)
        dy = rng.standard_normal(shape).astype(np.float32)
        vx, vdy = relayout(x, layout), relayout(dy, layout)

        y = K.softmax(vx, axis=axis)
        assert_close_elementwise(y, softmax_ref(x, axis), err_msg="softmax")
        dx = K.softmax_grad(vdy, y, axis=axis)
        assert_close_reduction(dx, softmax_grad_ref(dy, y, axis), shape[axis], amax(dy), err_msg="softmax_grad")

        rows = math.prod(shape[:-1])
        db = K.bias_add_grad(vdy)
        assert_close_reduction(db, bias_add_grad_ref(dy), rows, amax(dy), err_msg="bias_add_grad")

        # the Dense-backward prologue on 2-D [rows, last]: dz = dy * act'(y), db = column sums of dz
        z = x.reshape(rows, last)
        act_y = {"linear": z, "relu": K.relu(z), "leaky_relu": K.leaky_relu(z), "sigmoid": K.sigmoid(z),
                 "tanh": K.tanh(z)}[activation]
        g = dy.reshape(rows, last)
        dz64, db64 = dense_activation_grad_ref(g, act_y, activation)
        dz, dbias = K.dense_activation_grad(relayout(g, layout), None if activation == "linear" else act_y,
                                            activation=activation)
        assert_close_elementwise(dz, dz64, err_msg=f"dense_activation_grad {activation}")
        assert_close_reduction(dbias, db64, rows, amax(g), err_msg="dense_activation_grad db")
        check_unchanged([x, dy], [vx, vdy])
        count("softmax_and_reductions")

    check()


@pytest.fixture(scope="module", autouse=True)
def report_examples():
    """Prints the examples run per property (shown with `pytest -s`)."""
    yield
    print(f"\nhypothesis examples run (all ISA paths): {dict(EXAMPLES)}, total {sum(EXAMPLES.values())}")

"""GEMM: fastnn._core.gemm (C = act(op(A)·op(B) [+ C] [+ bias])) and fastnn.kernels.matmul, on every ISA path,
against a float64 numpy reference and against TensorFlow (matmul + bias_add + activation)."""
import numpy as np
import pytest
from references import activation_ref, gemm_ref
from tolerances import assert_close_reduction, max_errors

import fastnn
from fastnn import _core
from fastnn import kernels as ops

# (M, K, N): unit, primes, the MLP layer shapes and their gradients, vectors, a K of three uneven blocks.
SHAPES = [
    (1, 1, 1),
    (7, 13, 29),
    (13, 29, 7),
    (128, 784, 512),   # Dense 784 -> 512 forward (dW and dX via the transpose cases)
    (128, 512, 10),    # output layer forward
    (128, 10, 512),    # output layer dX
    (1, 300, 77),      # a single row: B read in place
    (50, 1, 33),       # K = 1
    (31, 1000, 41),    # K split into blocks, odd tails everywhere
    (5, 0, 9),         # K = 0: bias only
]
TRANSPOSES = [(False, False), (True, False), (False, True), (True, True)]
ACTIVATIONS = ["linear", "relu", "leaky_relu", "sigmoid", "tanh"]


def operands(rng, m, k, n, trans_a, trans_b, scale=1.0):
    a = (rng.standard_normal((k, m) if trans_a else (m, k)) * scale).astype(np.float32)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    return a, b


def scale_of(a, b):
    return float(np.abs(a).max(initial=0.0) * np.abs(b).max(initial=0.0)) or 1.0


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("m,k,n", SHAPES)
def test_matches_float64_reference(isa, rng, m, k, n, trans_a, trans_b):
    a, b = operands(rng, m, k, n, trans_a, trans_b)
    out = _core.gemm(a, b, transpose_a=trans_a, transpose_b=trans_b)
    assert out.shape == (m, n) and out.dtype == np.float32
    assert_close_reduction(out, gemm_ref(a, b, trans_a, trans_b), k, scale_of(a, b))


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
def test_large_magnitudes(isa, rng, trans_a, trans_b):
    a, b = operands(rng, 37, 300, 45, trans_a, trans_b, scale=1e4)
    out = _core.gemm(a, b, transpose_a=trans_a, transpose_b=trans_b)
    assert_close_reduction(out, gemm_ref(a, b, trans_a, trans_b), 300, scale_of(a, b))


@pytest.mark.parametrize("m,n", [(0, 5), (4, 0), (0, 0)])
@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
def test_empty_outputs(isa, m, n, trans_a, trans_b):
    a = np.ones((3, m) if trans_a else (m, 3), np.float32)
    b = np.ones((n, 3) if trans_b else (3, n), np.float32)
    out = _core.gemm(a, b, transpose_a=trans_a, transpose_b=trans_b, bias=np.ones(n, np.float32))
    assert out.shape == (m, n)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_k_zero_gives_activation_of_bias(isa, rng, activation):
    bias = rng.standard_normal(9).astype(np.float32)
    out = _core.gemm(np.zeros((5, 0), np.float32), np.zeros((0, 9), np.float32), bias=bias,
                     activation=activation, alpha=0.3)
    assert_close_reduction(out, np.broadcast_to(activation_ref(bias, activation, 0.3), (5, 9)), 1)
    c = rng.standard_normal((5, 9)).astype(np.float32)
    expected = activation_ref(c.astype(np.float64) + bias, activation, 0.3)
    out = _core.gemm(np.zeros((5, 0), np.float32), np.zeros((0, 9), np.float32), bias=bias,
                     activation=activation, alpha=0.3, c=c)
    assert_close_reduction(out, expected, 1)


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("m,k,n", [(7, 13, 29), (128, 784, 512), (128, 512, 10), (1, 300, 77), (31, 1000, 41)])
def test_accumulate_in_place(isa, rng, m, k, n, trans_a, trans_b):
    a, b = operands(rng, m, k, n, trans_a, trans_b)
    c = rng.standard_normal((m, n)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    expected = gemm_ref(a, b, trans_a, trans_b, bias=bias, c=c.astype(np.float64))
    out = _core.gemm(a, b, transpose_a=trans_a, transpose_b=trans_b, bias=bias, c=c)
    assert np.shares_memory(out, c)
    assert_close_reduction(c, expected, k, scale_of(a, b))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("m,k,n", [(128, 784, 512), (128, 512, 10), (7, 13, 29)])
def test_bias_and_activation_match_tensorflow(isa, tf, rng, m, k, n, trans_a, trans_b, activation):
    a, b = operands(rng, m, k, n, trans_a, trans_b, scale=0.1)
    bias = rng.standard_normal(n).astype(np.float32)
    alpha = 0.3
    out = _core.gemm(a, b, transpose_a=trans_a, transpose_b=trans_b, bias=bias, activation=activation,
                     alpha=alpha)
    z = tf.nn.bias_add(tf.linalg.matmul(a, b, transpose_a=trans_a, transpose_b=trans_b), bias)
    tf_act = {
        "linear": lambda x: x,
        "relu": tf.nn.relu,
        "leaky_relu": lambda x: tf.nn.leaky_relu(x, alpha=alpha),
        "sigmoid": tf.nn.sigmoid,
        "tanh": tf.nn.tanh,
    }[activation]
    expected_tf = tf_act(z).numpy()
    assert_close_reduction(out, expected_tf, k, scale_of(a, b))
    assert_close_reduction(out, gemm_ref(a, b, trans_a, trans_b, bias, activation, alpha), k, scale_of(a, b))


def test_relu_propagates_nan(isa):
    a = np.array([[np.nan, 1.0]], np.float32)
    b = np.ones((2, 3), np.float32)
    out = _core.gemm(a, b, activation="relu")
    assert np.isnan(out).all()


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("m,k,n", [(300, 784, 512), (512, 128, 10), (130, 70, 1000)])
def test_one_and_two_threads_bitwise_equal(isa, rng, m, k, n, trans_a, trans_b):
    a, b = operands(rng, m, k, n, trans_a, trans_b)
    bias = rng.standard_normal(n).astype(np.float32)
    try:
        fastnn.set_num_threads(1)
        one = _core.gemm(a, b, trans_a, trans_b, bias=bias, activation="tanh")
        fastnn.set_num_threads(2)
        two = _core.gemm(a, b, trans_a, trans_b, bias=bias, activation="tanh")
    finally:
        fastnn.set_num_threads(None)
    np.testing.assert_array_equal(one, two)


# Tall A (M >= 256 with a few B panels) is packed into MR-row panels per MC slice: power-of-two row lengths
# (lda = 512, 256, 1024 in A or Aᵀ storage), M tails and several MC slices (MC = 240 rows on AVX2), K in blocks.
PACKED_A_SHAPES = [
    (517, 512, 70),    # 3 MC slices, M tail of 1 row, N tail panel, lda = 512 (A) / 517 (Aᵀ)
    (256, 1024, 64),   # lda = 1024 (A) / 256 (Aᵀ), K in 3 blocks
    (784, 128, 512),   # the dW shape (Xᵀ·dZ)
]


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("m,k,n", PACKED_A_SHAPES)
def test_packed_a_path(isa, rng, m, k, n, trans_a, trans_b):
    a, b = operands(rng, m, k, n, trans_a, trans_b, scale=0.1)
    c = rng.standard_normal((m, n)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    expected = gemm_ref(a, b, trans_a, trans_b, bias=bias, activation="leaky_relu", alpha=0.3,
                         c=c.astype(np.float64))
    try:
        fastnn.set_num_threads(1)
        one = _core.gemm(a, b, trans_a, trans_b, bias=bias, activation="leaky_relu", alpha=0.3, c=c.copy())
        fastnn.set_num_threads(2)
        two = _core.gemm(a, b, trans_a, trans_b, bias=bias, activation="leaky_relu", alpha=0.3, c=c.copy())
    finally:
        fastnn.set_num_threads(None)
    assert_close_reduction(one, expected, k, scale_of(a, b))
    np.testing.assert_array_equal(one, two)


# ------------------------------------------------------------------------------------------ fastnn.kernels.matmul
def test_matmul_converts_inputs(isa, rng):
    base_a = rng.standard_normal((20, 34))
    base_b = rng.standard_normal((17, 11))
    a = base_a[:, ::2]                           # float64, non-contiguous
    b = (rng.integers(-5, 6, size=(17, 11)))     # int
    out = ops.matmul(a, b)
    assert out.dtype == np.float32 and out.shape == (20, 11)
    assert_close_reduction(out, gemm_ref(a.astype(np.float32), b), 17, 5 * np.abs(a).max())
    out_t = ops.matmul(base_b, a.T, transpose_a=True)       # base_bᵀ(11×17)·aᵀ(17×20)
    assert_close_reduction(out_t, gemm_ref(base_b.astype(np.float32), a.T.astype(np.float32), transpose_a=True), 17,
                           scale_of(base_b, a))
    assert base_a.dtype == np.float64  # inputs untouched


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("shape_a,shape_b", [((3, 5, 7), (3, 7, 4)), ((2, 1, 5, 7), (3, 7, 4)),
                                             ((5, 7), (4, 7, 6)), ((0, 5, 7), (7, 4))])
def test_batched_matmul_matches_tensorflow(isa, tf, rng, shape_a, shape_b, trans_a, trans_b):
    def t(shape, flag):
        return shape[:-2] + (shape[-1], shape[-2]) if flag else shape

    a = rng.standard_normal(t(shape_a, trans_a)).astype(np.float32)
    b = rng.standard_normal(t(shape_b, trans_b)).astype(np.float32)
    out = ops.matmul(a, b, transpose_a=trans_a, transpose_b=trans_b)
    if a.ndim == b.ndim:
        expected = tf.linalg.matmul(a, b, transpose_a=trans_a, transpose_b=trans_b).numpy()
    else:  # tf.linalg.matmul wants equal ranks in graph-free eager mode for some versions: broadcast first
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        expected = tf.linalg.matmul(np.broadcast_to(a, batch + a.shape[-2:]),
                                    np.broadcast_to(b, batch + b.shape[-2:]),
                                    transpose_a=trans_a, transpose_b=trans_b).numpy()
    assert out.shape == expected.shape
    assert_close_reduction(out, expected, 7, scale_of(a, b))


def test_matmul_errors():
    with pytest.raises(ValueError, match="inner dimensions differ"):
        ops.matmul(np.ones((3, 4)), np.ones((5, 6)))
    with pytest.raises(ValueError, match="inner dimensions differ"):
        ops.matmul(np.ones((3, 4)), np.ones((5, 6)), transpose_b=True)
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.matmul(np.ones(4), np.ones((4, 2)))
    with pytest.raises(ValueError, match="batch dimensions do not broadcast"):
        ops.matmul(np.ones((2, 3, 4)), np.ones((3, 4, 5)))
    with pytest.raises(TypeError, match="`a` must be a real numeric array"):
        ops.matmul(np.ones((2, 2), bool), np.ones((2, 2)))
    with pytest.raises(TypeError, match="`b` must be a real numeric array"):
        ops.matmul(np.ones((2, 2)), np.ones((2, 2), np.complex64))


def test_core_gemm_errors():
    a = np.ones((3, 4), np.float32)
    b = np.ones((4, 5), np.float32)
    with pytest.raises(ValueError, match=r"inner dimensions differ: a has shape \(3, 4\), b has shape \(5, 4\)"):
        _core.gemm(a, np.ones((5, 4), np.float32))
    with pytest.raises(ValueError, match=r"`a` must be 2-D, received shape \(4,\)"):
        _core.gemm(np.ones(4, np.float32), b)
    with pytest.raises(ValueError, match=r"`b` must be 2-D, received shape \(1, 4, 5\)"):
        _core.gemm(a, np.ones((1, 4, 5), np.float32))
    with pytest.raises(ValueError, match=r"`bias` must have shape \(5,\), received \(4,\)"):
        _core.gemm(a, b, bias=np.ones(4, np.float32))
    with pytest.raises(ValueError, match=r"`bias` must have shape \(5,\), received \(1, 5\)"):
        _core.gemm(a, b, bias=np.ones((1, 5), np.float32))
    with pytest.raises(ValueError, match="Unknown activation: 'softmax'"):
        _core.gemm(a, b, activation="softmax")
    with pytest.raises(ValueError, match=r"`c` must have shape \(3, 5\), received \(5, 3\)"):
        _core.gemm(a, b, c=np.zeros((5, 3), np.float32))
    with pytest.raises(ValueError, match="`c` must be a writeable C-contiguous float32 array"):
        _core.gemm(a, b, c=np.zeros((3, 10), np.float32)[:, ::2])
    with pytest.raises(ValueError, match="`c` must be a writeable C-contiguous float32 array"):
        _core.gemm(a, b, c=np.zeros((3, 5), np.float64))
    readonly = np.zeros((3, 5), np.float32)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="`c` must be a writeable"):
        _core.gemm(a, b, c=readonly)
    with pytest.raises(TypeError):
        _core.gemm(a.astype(np.float64), b)  # the binding never casts: ops.matmul does


def test_report_errors_vs_tensorflow(tf, rng, capsys):
    """Not an assertion beyond the tolerance: prints max abs/rel error vs TF for the closing report (-s)."""
    a, b = operands(rng, 128, 784, 512, False, False, scale=0.1)
    bias = rng.standard_normal(512).astype(np.float32)
    for activation in ACTIVATIONS:
        out = _core.gemm(a, b, bias=bias, activation=activation)
        z = tf.nn.bias_add(tf.linalg.matmul(a, b), bias)
        ref = {"linear": z, "relu": tf.nn.relu(z), "leaky_relu": tf.nn.leaky_relu(z, alpha=0.2),
               "sigmoid": tf.nn.sigmoid(z), "tanh": tf.nn.tanh(z)}[activation].numpy()
        abs_err, rel_err = max_errors(out, ref)
        print(f"gemm 128x784x512 {activation}: max abs {abs_err:.2e}, max rel {rel_err:.2e}, "
              f"max abs / max|ref| {abs_err / np.abs(ref).max():.2e}")
        assert_close_reduction(out, ref, 784, scale_of(a, b))


@pytest.mark.parametrize("activation", [None, "relu", "leaky_relu", "sigmoid", "tanh"])
def test_ops_dense_matches_tf_dense_layer_math(isa, tf, rng, activation):
    x = rng.standard_normal((33, 70))
    w = rng.standard_normal((70, 19)) * 0.2
    b = rng.standard_normal(19)
    got = fastnn.kernels.dense(x, w, b, activation=activation, alpha=0.3)
    z = tf.nn.bias_add(tf.linalg.matmul(tf.constant(x, tf.float32), tf.constant(w, tf.float32)),
                       tf.constant(b, tf.float32))
    act = {None: lambda v: v, "relu": tf.nn.relu, "leaky_relu": lambda v: tf.nn.leaky_relu(v, 0.3),
           "sigmoid": tf.nn.sigmoid, "tanh": tf.nn.tanh}[activation]
    assert_close_reduction(got, act(z).numpy(), k=70, scale=float(np.abs(x).max() * np.abs(w).max()))


def test_ops_dense_rejects_bad_arguments():
    with pytest.raises(ValueError, match="Unknown activation: 'gelu'"):
        fastnn.kernels.dense(np.ones((2, 3)), np.ones((3, 4)), activation="gelu")
    with pytest.raises(ValueError, match="`bias` must have shape"):
        fastnn.kernels.dense(np.ones((2, 3)), np.ones((3, 4)), np.ones(5))
    with pytest.raises(TypeError, match="`kernel` must be a real numeric array"):
        fastnn.kernels.dense(np.ones((2, 3)), np.ones((3, 4), complex))


# Packing only copies, so a transposed operand gives bitwise the same C as the same matrix stored plainly. The
# shapes cover the 8×8 register transposes of a packed Bᵀ and their edges: widths with and without a tail of
# fewer than 8 columns (per panel and overall), K blocks that are not a multiple of 8, the dX shape.
@pytest.mark.parametrize("m,k,n", [(128, 512, 784), (13, 37, 23), (40, 801, 45), (7, 8, 8), (64, 1000, 17)])
def test_transposed_storage_bitwise_equal_to_plain(isa, rng, m, k, n):
    a, b = operands(rng, m, k, n, False, False)
    bias = rng.standard_normal(n).astype(np.float32)
    plain = _core.gemm(a, b, False, False, bias=bias, activation="relu")
    for trans_a, trans_b in TRANSPOSES[1:]:
        a_op = np.ascontiguousarray(a.T) if trans_a else a
        b_op = np.ascontiguousarray(b.T) if trans_b else b
        out = _core.gemm(a_op, b_op, trans_a, trans_b, bias=bias, activation="relu")
        np.testing.assert_array_equal(out, plain, err_msg=f"trans_a={trans_a} trans_b={trans_b}")


# Fewer columns than one B panel (NR = 16) with enough rows: the AVX2 path computes C as Cᵀ and transposes it in
# the store (the other paths compute C directly, which this checks as well). Each element is the same FMA chain
# as in the direct computation, which the first columns of the same GEMM padded to 40 columns (always the direct
# path) still use: bitwise equal, with bias, activation, accumulation, every transpose case, M tails and chunks
# of rows, at 1 and 2 threads.
@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("m,k,n", [(128, 512, 10), (4100, 33, 3), (37, 1000, 15), (32, 7, 1)])
def test_small_n_transposed_path_bitwise_equal_to_direct(isa, rng, m, k, n, trans_a, trans_b):
    a, b = operands(rng, m, k, n, trans_a, trans_b)
    c = rng.standard_normal((m, n)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    pad = 40 - n
    b_wide = np.concatenate([b, np.zeros((pad, k) if trans_b else (k, pad), np.float32)], axis=0 if trans_b else 1)
    c_wide = np.concatenate([c, np.zeros((m, pad), np.float32)], axis=1)
    bias_wide = np.concatenate([bias, np.zeros(pad, np.float32)])
    kwargs = dict(activation="sigmoid")
    direct = _core.gemm(a, b_wide, trans_a, trans_b, bias=bias_wide, c=c_wide, **kwargs)[:, :n]
    try:
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            out = _core.gemm(a, b, trans_a, trans_b, bias=bias, c=c.copy(), **kwargs)
            np.testing.assert_array_equal(out, direct, err_msg=f"threads={threads}")
    finally:
        fastnn.set_num_threads(None)
    expected = gemm_ref(a, b, trans_a, trans_b, bias=bias, activation="sigmoid", c=c.astype(np.float64))
    assert_close_reduction(out, expected, k, scale_of(a, b))

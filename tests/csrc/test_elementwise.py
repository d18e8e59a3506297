"""Elementwise family: activations, exp/log, softmax, their gradients and the fused Dense-backward prologue,
against TensorFlow (tf.nn.* and tf.GradientTape) and float64 numpy, on every ISA path."""
import numpy as np
import pytest
from references import bias_add_grad_ref, softmax_ref, unary_ref
from tolerances import assert_close_elementwise, assert_close_reduction, assert_close_scaled

import fastnn
import fastnn.kernels as F

SHAPES = [(0,), (1,), (7,), (13, 17), (128, 10), (3, 5, 7), (2, 3, 4, 5), (4, 0, 3)]
SCALES = [1.0, 30.0, 1e4]


def _data(rng, shape, scale, positive=False):
    x = (rng.standard_normal(shape) * scale).astype(np.float32)
    return np.abs(x) + np.float32(1e-3) if positive else x


def _tf_forward(tf, op, x):
    fns = {
        "relu": tf.nn.relu, "leaky_relu": tf.nn.leaky_relu, "sigmoid": tf.math.sigmoid, "tanh": tf.math.tanh,
        "exp": tf.math.exp, "log": tf.math.log, "softmax": tf.nn.softmax,
    }
    return fns[op](x).numpy()


OURS = {
    "relu": F.relu, "leaky_relu": F.leaky_relu, "sigmoid": F.sigmoid, "tanh": F.tanh, "exp": F.exp, "log": F.log,
    "softmax": F.softmax,
}
UNARY = ["relu", "leaky_relu", "sigmoid", "tanh", "exp", "log"]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("op", UNARY + ["softmax"])
def test_forward_matches_tf_and_float64(isa, tf, rng, op, shape):
    for scale in SCALES:
        if op in ("exp",) and scale > 30:
            scale = 80.0  # stays mostly finite; overflow is covered by test_vmath
        x = _data(rng, shape, scale, positive=(op == "log"))
        got = OURS[op](x)
        assert got.shape == x.shape and got.dtype == np.float32
        if 0 in shape and op == "softmax":
            continue
        expected_tf = _tf_forward(tf, op, x)
        assert_close_elementwise(got, expected_tf, err_msg=f"{op} vs TF, scale {scale}")
        ref = softmax_ref(x) if op == "softmax" else unary_ref(op, x)
        finite = np.isfinite(ref) & (np.abs(ref) < 3e38)
        assert_close_elementwise(got[finite], ref[finite].astype(np.float32), err_msg=f"{op} vs float64")


@pytest.mark.parametrize("op", UNARY + ["softmax"])
def test_nan_and_inf_propagate_like_tf(isa, tf, op):
    x = np.array([[np.nan, np.inf, -np.inf, 0.0, -0.0, 2.0, -3.0, 1e-3, 5.0, 1e4, -1e4, 0.5, 7.0]], np.float32)
    x = np.repeat(x, 3, axis=0)
    x[1] = np.abs(x[1])  # a row with +inf but no -inf
    x[2, :3] = 1.0       # a finite row
    ours, theirs = OURS[op](x), _tf_forward(tf, op, x)
    if op == "softmax":
        # A row holding NaN or +inf has no defined softmax. TF's Eigen kernel then returns a mix of NaN and 0 that
        # depends on the CPU's vector width (seen on AVX-512); we return a whole row of NaN, as numpy/PyTorch do.
        undefined = np.isnan(x).any(axis=1) | np.isposinf(x).any(axis=1)
        assert np.isnan(ours[undefined]).all()
        ours, theirs = ours[~undefined], theirs[~undefined]
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def test_leaky_relu_alpha_and_int_float64_noncontiguous_inputs(isa, tf, rng):
    x = rng.standard_normal((6, 10))
    np.testing.assert_allclose(F.leaky_relu(x, alpha=0.3), tf.nn.leaky_relu(x.astype(np.float32), alpha=0.3))
    strided = x.astype(np.float32)[:, ::3]
    assert_close_elementwise(F.sigmoid(strided), tf.math.sigmoid(np.ascontiguousarray(strided)).numpy())
    ints = np.arange(-5, 5)
    np.testing.assert_array_equal(F.relu(ints), np.maximum(ints, 0).astype(np.float32))
    before = x.copy()
    F.tanh(x)
    np.testing.assert_array_equal(x, before)  # inputs never modified
    assert F.exp(np.float64(1.0)).shape == ()
    assert F.softmax(x, axis=0).shape == x.shape
    assert_close_elementwise(F.softmax(x, axis=0), tf.nn.softmax(x.astype(np.float32), axis=0).numpy())


# ------------------------------------------------------------------------------------------------ gradients
def _tape_grad(tf, fn, x, dy):
    xv = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xv)
        y = fn(xv)
    return tape.gradient(y, xv, output_gradients=tf.constant(dy)).numpy(), y.numpy()


GRADS = {
    # op: (tf forward, our grad(dy, x, y))
    "relu": (lambda tf: tf.nn.relu, lambda dy, x, y: F.relu_grad(dy, x)),
    "relu_from_y": (lambda tf: tf.nn.relu, lambda dy, x, y: F.relu_grad(dy, y)),
    "leaky_relu": (lambda tf: tf.nn.leaky_relu, lambda dy, x, y: F.leaky_relu_grad(dy, x)),
    "leaky_relu_from_y": (lambda tf: tf.nn.leaky_relu, lambda dy, x, y: F.leaky_relu_grad(dy, y)),
    "sigmoid": (lambda tf: tf.math.sigmoid, lambda dy, x, y: F.sigmoid_grad(dy, y)),
    "tanh": (lambda tf: tf.math.tanh, lambda dy, x, y: F.tanh_grad(dy, y)),
    "exp": (lambda tf: tf.math.exp, lambda dy, x, y: F.exp_grad(dy, y)),
    "log": (lambda tf: tf.math.log, lambda dy, x, y: F.log_grad(dy, x)),
    "softmax": (lambda tf: tf.nn.softmax, lambda dy, x, y: F.softmax_grad(dy, y)),
}


@pytest.mark.parametrize("shape", [(1,), (13, 17), (128, 10), (3, 5, 7), (0, 4)], ids=str)
@pytest.mark.parametrize("op", list(GRADS))
def test_gradient_matches_tf_tape(isa, tf, rng, op, shape):
    tf_fn, ours = GRADS[op]
    for scale in (1.0, 10.0):
        x = _data(rng, shape, scale, positive=(op == "log"))
        dy = _data(rng, shape, 1.0)
        expected, y = _tape_grad(tf, tf_fn(tf), x, dy)
        got = ours(dy, x, y)
        assert got.shape == x.shape
        assert_close_elementwise(got, expected, err_msg=f"{op} grad, scale {scale}")


@pytest.mark.parametrize("activation", ["linear", "relu", "leaky_relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (13, 17), (128, 10), (300, 33), (0, 5), (5, 0)], ids=str)
def test_dense_activation_grad_matches_tf_tape(isa, tf, rng, activation, shape):
    z = _data(rng, shape, 2.0)
    b = _data(rng, shape[1:], 1.0)
    dy = _data(rng, shape, 1.0)
    act = {"linear": tf.identity, "relu": tf.nn.relu, "leaky_relu": tf.nn.leaky_relu, "sigmoid": tf.math.sigmoid,
           "tanh": tf.math.tanh}[activation]
    zv, bv = tf.constant(z), tf.Variable(b)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(zv)
        pre = tf.nn.bias_add(zv, bv)
        y = act(pre)
    dz_tf = tape.gradient(y, pre, output_gradients=tf.constant(dy)).numpy()
    db_tf = tape.gradient(y, bv, output_gradients=tf.constant(dy)).numpy()
    dz, db = F.dense_activation_grad(dy, y.numpy(), activation)
    assert_close_elementwise(dz, dz_tf)
    assert_close_reduction(db, db_tf, k=shape[0], scale=float(np.abs(dz_tf).max(initial=1.0)))
    dz_only_linear, db_linear = F.dense_activation_grad(dz, None, None)
    np.testing.assert_array_equal(dz_only_linear, dz)
    np.testing.assert_array_equal(db_linear, db)  # same chunked order, same bits


@pytest.mark.parametrize("shape", [(1, 3), (128, 10), (2, 5, 5, 6), (7,), (0, 3)], ids=str)
def test_bias_add_grad_matches_tf(isa, tf, rng, shape):
    dy = _data(rng, shape, 1.0)
    rows = int(np.prod(shape[:-1]))
    if len(shape) >= 2:  # tf.nn.bias_add needs rank >= 2; a 1-D dy is its own bias gradient
        bv = tf.Variable(np.zeros(shape[-1:], np.float32))
        with tf.GradientTape() as tape:
            y = tf.nn.bias_add(tf.zeros(shape), bv)
        expected = tape.gradient(y, bv, output_gradients=tf.constant(dy)).numpy()
        assert_close_reduction(F.bias_add_grad(dy), expected, k=rows, scale=1.0)
    ref = bias_add_grad_ref(dy)
    assert_close_reduction(F.bias_add_grad(dy), ref.astype(np.float32), k=rows, scale=1.0)


# ------------------------------------------------------------------------------------------------ determinism
def _with_threads(n, fn):
    fastnn.set_num_threads(n)
    try:
        return fn()
    finally:
        fastnn.set_num_threads(None)


@pytest.mark.parametrize("case", ["unary", "unary_grad", "softmax", "softmax_grad", "dense_grad", "bias_grad"])
def test_one_and_two_threads_bitwise_equal(isa, rng, case):
    big = _data(rng, (1 << 20) + 5, 3.0)
    mat = _data(rng, (20000, 67), 3.0)
    y = F.sigmoid(mat)
    fn = {
        "unary": lambda: F.tanh(big),
        "unary_grad": lambda: F.sigmoid_grad(big, F.sigmoid(big)),
        "softmax": lambda: F.softmax(mat),
        "softmax_grad": lambda: F.softmax_grad(mat, F.softmax(mat)),
        "dense_grad": lambda: np.concatenate([a.ravel() for a in F.dense_activation_grad(mat, y, "sigmoid")]),
        "bias_grad": lambda: F.bias_add_grad(mat),
    }[case]
    np.testing.assert_array_equal(_with_threads(1, fn), _with_threads(2, fn))


# ------------------------------------------------------------------------------------------------ bad inputs
def test_bad_inputs_raise_with_the_argument_name():
    with pytest.raises(TypeError, match="`features`"):
        F.relu(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="`x`"):
        F.sigmoid(np.array([True]))
    with pytest.raises(ValueError, match="`dy` and `y` must have the same shape"):
        F.tanh_grad(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="`dy` and `x`"):
        F.relu_grad(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="rank >= 1"):
        F.softmax(np.float32(1.0))
    with pytest.raises(ValueError, match="`axis` 2 is out of bounds"):
        F.softmax(np.zeros((2, 2)), axis=2)
    with pytest.raises(TypeError, match="`alpha`"):
        F.leaky_relu(np.zeros(2), alpha="0.2")
    with pytest.raises(ValueError, match="`activation` must be one of"):
        F.dense_activation_grad(np.zeros((2, 2)), np.zeros((2, 2)), "softmax")
    with pytest.raises(ValueError, match="`y` .* is required"):
        F.dense_activation_grad(np.zeros((2, 2)), None, "relu")
    with pytest.raises(ValueError, match="`dy` must be 2-D, received shape \\(2,\\)"):
        F.dense_activation_grad(np.zeros(2), np.zeros(2), "relu")
    with pytest.raises(ValueError, match="Unknown elementwise op: 'swishh'"):
        fastnn._core.unary(np.zeros(2, np.float32), "swishh")
    with pytest.raises(TypeError):  # the binding takes float32 only (no silent cast)
        fastnn._core.unary(np.zeros(2, np.float64), "relu")


# --- the Keras 3 activations (issue 16 item 4): one-pass kernels vs TF/Keras and the tape gradients
def _keras_tf_activation(tf, keras, name, alpha):
    return {
        "gelu": lambda x: tf.nn.gelu(x, approximate=False), "gelu_tanh": lambda x: tf.nn.gelu(x, approximate=True),
        "elu": lambda x: keras.activations.elu(x, alpha=alpha), "selu": tf.nn.selu, "swish": tf.nn.silu,
        "softplus": tf.math.softplus, "softsign": tf.nn.softsign, "hard_sigmoid": keras.activations.hard_sigmoid,
        "hard_swish": keras.activations.hard_silu, "relu6": tf.nn.relu6, "mish": keras.activations.mish,
    }[name]


@pytest.mark.parametrize("name, alpha", [(name, 1.0) for name in F.KERAS_ACTIVATIONS] + [("elu", 0.3)])
def test_keras_activation_kernels_match_tf(isa, tf, rng, name, alpha):
    """Forward within the elementwise tolerance of TF's values; the one-pass derivative within GRADIENT_RTOL of
    tf.GradientTape's (TF chains several float32 ops for gelu/mish/swish, each rounding)."""
    import keras
    fn = _keras_tf_activation(tf, keras, name, alpha)
    for shape, scale in [((0,), 1.0), ((7,), 1.0), ((13, 17), 3.0), ((128, 10), 30.0)]:
        x = _data(rng, shape, scale)
        if x.size >= 6:
            x.flat[:6] = [0.0, -0.0, -3.0, 3.0, 6.0, -6.0]  # the kinks of relu6 / hard_sigmoid and the branch at 0
        dy = _data(rng, shape, 1.0)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            yt = fn(xt)
        gt = tape.gradient(yt, xt, output_gradients=tf.constant(dy)).numpy()
        y = F.activation(x, name, alpha)
        assert y.shape == x.shape and y.dtype == np.float32
        assert_close_elementwise(y, yt.numpy(), err_msg=f"{name} forward, scale {scale}")
        assert_close_scaled(F.activation_grad(dy, x, name, alpha), gt, err_msg=f"{name} gradient, scale {scale}")


@pytest.mark.parametrize("name", F.KERAS_ACTIVATIONS)
def test_keras_activation_special_values_like_tf(isa, tf, name):
    import keras
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e4, -1e4, 88.0, -88.0, 3e38, -3e38], np.float32)
    ours = F.activation(x, name)
    theirs = _keras_tf_activation(tf, keras, name, 1.0)(tf.constant(x)).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=name)
    finite = ~np.isnan(theirs)
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-6, atol=1e-6, err_msg=name)


def test_keras_activation_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="gelu_tanh.*Received: name='geluu'"):
        F.activation([1.0], "geluu")

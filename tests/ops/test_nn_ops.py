"""Each nn op alone: forward value and input gradients vs TensorFlow (tf.nn.*), on every ISA path for the
kernel-backed ones; then dropout's statistics and argument errors."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import ops

R = np.random.default_rng(5)


def f32(*shape, scale=1.0):
    return (R.standard_normal(shape) * scale).astype(np.float32)


def probs(*shape):
    p = R.random(shape).astype(np.float32) + 0.05
    return p / p.sum(axis=-1, keepdims=True)


CASES = {
    "relu": (lambda M, x: M.nn.relu(x), [f32(6, 5)]),
    "leaky_relu": (lambda M, x: M.nn.leaky_relu(x, alpha=0.3), [f32(6, 5)]),
    "sigmoid": (lambda M, x: M.nn.sigmoid(x), [f32(6, 5, scale=4)]),
    "tanh": (lambda M, x: M.nn.tanh(x), [f32(6, 5, scale=2)]),
    "softmax": (lambda M, x: M.nn.softmax(x), [f32(6, 5, scale=3)]),
    "softmax_axis0": (lambda M, x: M.nn.softmax(x, axis=0), [f32(6, 5)]),
    "log_softmax": (lambda M, x: M.nn.log_softmax(x), [f32(4, 7, scale=3)]),
    "bias_add": (lambda M, x, b: M.nn.bias_add(x, b), [f32(2, 3, 4), f32(4)]),
    "softmax_xent": (lambda M, z, y: M.nn.softmax_cross_entropy_with_logits(labels=y, logits=z),
                     [f32(8, 5, scale=3), probs(8, 5)]),
    "softmax_xent_axis0": (lambda M, z, y: M.nn.softmax_cross_entropy_with_logits(labels=y, logits=z, axis=0),
                           [f32(5, 3), np.ascontiguousarray(probs(3, 5).T)]),
    "sparse_softmax_xent": (lambda M, z: M.nn.sparse_softmax_cross_entropy_with_logits(
        labels=np.array([0, 4, 2, 2, 1, 3]), logits=z), [f32(6, 5, scale=3)]),
    "sigmoid_xent": (lambda M, z, y: M.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z),
                     [f32(4, 3, scale=5), R.random((4, 3)).astype(np.float32)]),
    "conv2d_valid": (lambda M, x, w: M.nn.conv2d(x, w, strides=1, padding="VALID"),
                     [f32(2, 7, 7, 3), f32(3, 3, 3, 4)]),
    "conv2d_same_strided": (lambda M, x, w: M.nn.conv2d(x, w, strides=2, padding="SAME"),
                            [f32(2, 8, 9, 2), f32(3, 3, 2, 5)]),
    "max_pool2d": (lambda M, x: M.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID"), [f32(2, 6, 6, 3)]),
    "max_pool2d_same": (lambda M, x: M.nn.max_pool2d(x, ksize=3, strides=2, padding="SAME"), [f32(2, 7, 7, 2)]),
    "avg_pool2d": (lambda M, x: M.nn.avg_pool2d(x, ksize=2, strides=2, padding="VALID"), [f32(2, 6, 6, 3)]),
    "avg_pool2d_same": (lambda M, x: M.nn.avg_pool2d(x, ksize=3, strides=2, padding="SAME"), [f32(1, 7, 5, 2)]),
}
KERNEL_BACKED = {"relu", "sigmoid", "softmax", "softmax_xent", "sparse_softmax_xent", "conv2d_same_strided",
                 "max_pool2d_same", "avg_pool2d"}


def _check(name, tf):
    call, inputs = CASES[name]
    ours = [fastnn.Variable(x) for x in inputs]
    theirs = [tf.Variable(x) for x in inputs]
    with fastnn.GradientTape() as tape:
        y = call(fastnn, *ours)
    with tf.GradientTape() as tf_tape:
        ty = call(tf, *theirs)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float32
    assert_close_scaled(y.numpy(), ty.numpy(), tol=2e-6, err_msg=f"{name} forward")
    seed = f32(*y.shape)
    grads = tape.gradient(y, ours, output_gradients=seed)
    expected = tf_tape.gradient(ty, theirs, output_gradients=tf.constant(seed))
    for i, (g, e) in enumerate(zip(grads, expected)):
        assert_close_scaled(g.numpy(), tf.convert_to_tensor(e).numpy(), err_msg=f"{name} gradient {i}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_gradients_match_tf(name, tf):
    _check(name, tf)


@pytest.mark.parametrize("name", sorted(KERNEL_BACKED))
def test_kernel_backed_ops_on_every_isa_path(name, tf, isa):
    _check(name, tf)


def test_dilated_conv2d_equals_conv_with_a_zero_expanded_kernel(tf):
    # TF's CPU gradients refuse dilation > 1, so the oracle is the equivalent undilated convolution
    x, w = f32(2, 9, 9, 2), f32(3, 3, 2, 3)
    expanded = np.zeros((5, 5, 2, 3), np.float32)
    expanded[::2, ::2] = w
    xv, wv = fastnn.Variable(x), fastnn.Variable(w)
    with fastnn.GradientTape() as tape:
        y = fastnn.nn.conv2d(xv, wv, strides=1, padding="SAME", dilations=2)
    txv, twv = tf.Variable(x), tf.Variable(expanded)
    with tf.GradientTape() as tf_tape:
        ty = tf.nn.conv2d(txv, twv, strides=1, padding="SAME")
    assert_close_scaled(y.numpy(), ty.numpy(), tol=2e-6)
    seed = f32(*y.shape)
    gx, gw = tape.gradient(y, [xv, wv], output_gradients=seed)
    tgx, tgw = tf_tape.gradient(ty, [txv, twv], output_gradients=tf.constant(seed))
    assert_close_scaled(gx.numpy(), tgx.numpy())
    assert_close_scaled(gw.numpy(), tgw.numpy()[::2, ::2])


def test_first_layer_input_gradient_is_not_computed(monkeypatch):
    calls = []
    real = fastnn.kernels.conv2d_backprop_input
    monkeypatch.setattr(fastnn.kernels, "conv2d_backprop_input", lambda *a, **k: calls.append(1) or real(*a, **k))
    w = fastnn.Variable(f32(3, 3, 1, 2))
    with fastnn.GradientTape() as tape:
        y = fastnn.reduce_sum(fastnn.nn.conv2d(f32(1, 5, 5, 1), w, 1, "VALID"))
    assert tape.gradient(y, w) is not None and calls == []


def test_no_tape_means_no_fused_gradient_work(monkeypatch):
    monkeypatch.setattr(fastnn.kernels, "sparse_softmax_cross_entropy_with_logits_and_grad", None)
    loss = ops.sparse_softmax_cross_entropy_with_logits([1, 0], f32(2, 3))  # must not call the fused variant
    assert loss.shape == (2,)


def test_dropout_scales_kept_values_and_uses_one_mask():
    x = fastnn.Variable(np.ones((200, 50), np.float32))
    with fastnn.GradientTape() as tape:
        y = fastnn.nn.dropout(x, rate=0.25, seed=3)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75, rtol=1e-6)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_array_equal(g, y.numpy())  # d(sum y)/dx = mask·scale = y for x = 1
    same = fastnn.nn.dropout(np.ones((200, 50)), rate=0.25, seed=3).numpy()
    np.testing.assert_array_equal(same, y.numpy())  # an op seed makes it reproducible


def test_dropout_noise_shape_shares_decisions_and_rate_zero_is_identity():
    y = fastnn.nn.dropout(np.ones((4, 6, 3)), rate=0.5, noise_shape=[4, 1, 3], seed=1).numpy()
    assert (y == y[:, :1, :]).all()
    x = f32(3, 3)
    np.testing.assert_array_equal(fastnn.nn.dropout(x, rate=0.0).numpy(), x)


@pytest.mark.parametrize("call, error, message", [
    (lambda: ops.dropout(np.ones(3), rate=1.0), ValueError, r"\[0, 1\), received 1.0"),
    (lambda: ops.dropout(np.ones(3), rate=-0.1), ValueError, "rate"),
    (lambda: ops.dropout(np.ones((2, 3)), rate=0.5, noise_shape=[3, 3]), ValueError, "noise_shape"),
    (lambda: ops.bias_add(np.ones((2, 3)), np.ones(2)), ValueError, "bias"),
    (lambda: ops.sigmoid_cross_entropy_with_logits(np.ones(2), np.ones(3)), ValueError, "same shape"),
    (lambda: ops.sparse_softmax_cross_entropy_with_logits([0, 5], np.ones((2, 3))), ValueError,
     r"label value of 5.*\[0, 3\)"),
    (lambda: ops.softmax_cross_entropy_with_logits(np.ones((2, 3)), np.ones((2, 4))), ValueError, "same shape"),
    (lambda: ops.conv2d(np.ones((1, 5, 5)), np.ones((3, 3, 1, 1)), 1, "VALID"), ValueError, "4-D"),
    (lambda: ops.conv2d(np.ones((1, 5, 5, 2)), np.ones((3, 3, 1, 1)), 1, "VALID"), ValueError,
     "input depth must equal filter depth"),
    (lambda: ops.max_pool2d(np.ones((1, 4, 4, 1)), 2, 2, "full"), ValueError, "padding"),
    (lambda: ops.avg_pool2d(np.ones((1, 4, 4, 1)), 0, 2, "VALID"), ValueError, "ksize"),
    (lambda: ops.softmax(np.float32(1.0)), ValueError, "scalar"),
    (lambda: ops.relu(np.array(["x"])), TypeError, "dtype"),
])
def test_bad_arguments_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_dropout_is_one_op_with_keras_random_dropout_and_differentiates_twice():
    """The op lives beside the generators in fastnn.random (issue 14: no ops<->random cycle); the same seed gives
    the same mask through either name, and its backward is recorded for second-order gradients: for
    L = sum(dropout(x)^2) = sum((m x)^2), d2L/dx2 is diag(2 m^2)."""
    x = fastnn.Variable(np.linspace(0.5, 2.0, 12, dtype=np.float32).reshape(3, 4))
    np.testing.assert_array_equal(fastnn.nn.dropout(x, 0.4, seed=7).numpy(),
                                  fastnn.random.dropout(x, 0.4, seed=7).numpy())
    with fastnn.GradientTape() as outer:
        with fastnn.GradientTape() as inner:
            y = fastnn.nn.dropout(x, 0.4, seed=7)
            loss = ops.reduce_sum(ops.square(y))
        g = inner.gradient(loss, x)
    hessian = outer.jacobian(g, x).numpy().reshape(12, 12)
    m = (y.numpy() / x.numpy()).reshape(-1)  # 0 or 1/(1 - rate)
    assert np.all(np.isclose(m, 0) | np.isclose(m, 1 / 0.6)) and 0 < np.count_nonzero(m) < 12
    np.testing.assert_allclose(hessian, np.diag(2 * m * m), rtol=1e-6)
    np.testing.assert_allclose(g.numpy().reshape(-1), 2 * m * m * x.numpy().reshape(-1), rtol=1e-6)

"""GradientTape: the same small programs run on fastnn and on TensorFlow (each written once against a module `M`
that is either `fastnn` or `tf`), and every gradient must agree; then the tape's own semantics (persistent,
unconnected sources, watch rules, nesting, structures) as TF defines them."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import gradient_tape

R = np.random.default_rng(7)


def f32(*shape, scale=1.0):
    return (R.standard_normal(shape) * scale).astype(np.float32)


X = f32(8, 5)
LABELS = R.integers(0, 4, size=8)
IMAGES = f32(2, 6, 6, 2)


def mlp(M, v):
    hidden = M.nn.relu(M.matmul(X, v[0]) + v[1])
    logits = M.matmul(hidden, v[2]) + v[3]
    return M.reduce_mean(M.nn.sparse_softmax_cross_entropy_with_logits(labels=LABELS, logits=logits))


def convnet(M, v):
    y = M.nn.relu(M.nn.conv2d(IMAGES, v[0], strides=1, padding="SAME") + v[1])
    y = M.nn.max_pool2d(y, ksize=2, strides=2, padding="VALID")
    logits = M.matmul(M.reshape(y, (2, -1)), v[2])
    onehot = np.eye(3, dtype=np.float32)[[0, 2]]
    return M.reduce_sum(M.nn.softmax_cross_entropy_with_logits(labels=onehot, logits=logits))


def broadcasting(M, v):
    col, row, scalar = v  # (4, 1), (1, 3), ()
    y = (col * row + scalar) / (1.0 + M.square(row)) - col
    return M.reduce_sum(y * np.arange(12, dtype=np.float32).reshape(4, 3)) + M.reduce_mean(2.0 - row / col)


def reused(M, v):
    h = M.matmul(X, v[0])
    y = h * h + h
    return M.reduce_sum(y * h) + M.reduce_sum(M.nn.sigmoid(h) * M.nn.tanh(h))


def reductions(M, v):
    (a,) = v
    tied = M.maximum(a, 0.5)  # many ties at 0.5 in reduce_max / reduce_min
    return (M.reduce_sum(M.reduce_max(tied, axis=1)) + M.reduce_sum(M.reduce_mean(a, axis=[0, 2], keepdims=True))
            + M.reduce_sum(M.reduce_min(tied, axis=-1) * 3.0) + M.reduce_max(a) + M.reduce_sum(a, axis=-1)[1, 2])


def reshaping(M, v):
    a, b = v  # (2, 3, 4), (2, 3, 4)
    joined = M.concat([a, b * 2.0], axis=1)                # (2, 6, 4)
    stacked = M.stack([a, b], axis=-1)                      # (2, 3, 4, 2)
    t = M.transpose(joined, perm=[2, 0, 1])                 # (4, 2, 6)
    e = M.expand_dims(M.reshape(t, (8, 6)), 0)              # (1, 8, 6)
    picked = M.gather(a, [2, 0, 2], axis=1)                 # repeated index: gradients add up
    return (M.reduce_sum(e[0, 1:7:2, ::-1] * 1.5) + M.reduce_sum(stacked[..., 1] ** 2) + M.reduce_sum(picked * a[:, :1])
            + M.reduce_sum(M.squeeze(a[:, :1, :2])))


def elementwise(M, v):
    (a,) = v  # positive (3, 4)
    y = M.sqrt(a) + M.exp(-a) + M.math.log(a) + M.pow(a, 1.5) + M.abs(a - 1.0) + a ** 2
    y = y + M.clip_by_value(a, 0.5, 1.5) + M.where(a > 1.0, a * 3.0, -a) + M.minimum(a, 1.2) + M.nn.softmax(a)
    y = y + M.nn.leaky_relu(a - 1.0, alpha=0.1) + 1.0 / a
    return M.reduce_sum(y * y)


PROGRAMS = {
    "mlp": (mlp, lambda: [f32(5, 7, scale=0.5), f32(7, scale=0.1), f32(7, 4, scale=0.5), f32(4, scale=0.1)]),
    "convnet": (convnet, lambda: [f32(3, 3, 2, 4, scale=0.5), f32(4, scale=0.1), f32(36, 3, scale=0.3)]),
    "broadcasting": (broadcasting, lambda: [f32(4, 1), f32(1, 3), np.float32(0.7)]),
    "reused": (reused, lambda: [f32(5, 3, scale=0.5)]),
    "reductions": (reductions, lambda: [np.round(f32(3, 4, 5), 1)]),
    "reshaping": (reshaping, lambda: [f32(2, 3, 4), f32(2, 3, 4)]),
    "elementwise": (elementwise, lambda: [np.abs(f32(3, 4)) + 0.1]),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_gradients_agree_with_tf(name, tf):
    program, make = PROGRAMS[name]
    init = make()
    ours = [fastnn.Variable(v) for v in init]
    theirs = [tf.Variable(v) for v in init]
    with fastnn.GradientTape() as tape:
        loss = program(fastnn, ours)
    with tf.GradientTape() as tf_tape:
        tf_loss = program(tf, theirs)
    assert isinstance(loss, fastnn.Tensor)
    assert_close_scaled(loss.numpy(), tf_loss.numpy(), err_msg=f"{name}: loss")
    grads = tape.gradient(loss, ours)
    expected = tf_tape.gradient(tf_loss, theirs)
    for i, (g, e) in enumerate(zip(grads, expected)):
        assert g is not None and e is not None
        assert g.shape == tuple(e.shape) and g.dtype == np.float32
        assert_close_scaled(g.numpy(), tf.convert_to_tensor(e).numpy(), err_msg=f"{name}: gradient {i}")


def test_non_scalar_target_is_summed_and_output_gradients_seed_it(tf):
    w0 = f32(5, 3)
    w, tw = fastnn.Variable(w0), tf.Variable(w0)
    seed = f32(8, 3)
    with fastnn.GradientTape(persistent=True) as tape:
        y = fastnn.matmul(X, w)
        y2 = y * 2.0
    with tf.GradientTape(persistent=True) as tf_tape:
        ty = tf.matmul(X, tw)
    assert_close_scaled(tape.gradient(y, w).numpy(), tf_tape.gradient(ty, tw).numpy())
    assert_close_scaled(tape.gradient(y, w, output_gradients=seed).numpy(),
                        tf_tape.gradient(ty, tw, output_gradients=seed).numpy())
    # a list target sums its members' gradients
    assert_close_scaled(tape.gradient([y, y2], w).numpy(), 3 * tape.gradient(y, w).numpy(), tol=1e-6)


def test_second_gradient_call_needs_a_persistent_tape():
    v = fastnn.Variable([1.0, 2.0])
    with fastnn.GradientTape() as tape:
        y = fastnn.reduce_sum(v * v)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(y, v)
    with fastnn.GradientTape(persistent=True) as tape:
        y = fastnn.reduce_sum(v * v)
        z = fastnn.reduce_sum(v * 3.0)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(tape.gradient(z, v).numpy(), [3.0, 3.0])


def test_unconnected_sources_get_none_or_zeros():
    a, b = fastnn.Variable([1.0, 2.0]), fastnn.Variable([[3.0]])
    with fastnn.GradientTape(persistent=True) as tape:
        y = fastnn.reduce_sum(a * 2.0)
    assert tape.gradient(y, [a, b])[1] is None
    zero = tape.gradient(y, [a, b], unconnected_gradients="zero")[1]
    np.testing.assert_array_equal(zero.numpy(), [[0.0]])
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(y, a, unconnected_gradients="nan")
    const = fastnn.constant(5.0)
    assert tape.gradient(const, a) is None  # a target the tape never saw


def test_watch_rules():
    frozen = fastnn.Variable([1.0, 2.0], trainable=False)
    x = fastnn.constant([3.0, 4.0])
    v = fastnn.Variable([5.0, 6.0])
    with fastnn.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = fastnn.reduce_sum(frozen * x * v)
    gf, gx, gv = tape.gradient(y, [frozen, x, v])
    assert gf is None  # not trainable, never watched
    np.testing.assert_array_equal(gx.numpy(), [5.0, 12.0])
    np.testing.assert_array_equal(gv.numpy(), [3.0, 8.0])
    assert tape.watched_variables() == (v,)

    with fastnn.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(frozen)  # explicit watch works even for a non-trainable variable
        y = fastnn.reduce_sum(frozen * v)
    gf, gv = tape.gradient(y, [frozen, v])
    np.testing.assert_array_equal(gf.numpy(), [5.0, 6.0])
    assert gv is None

    with pytest.raises(TypeError, match="Tensors or Variables"):
        fastnn.GradientTape().watch(np.ones(3))
    with pytest.raises(TypeError, match="sources"):
        with fastnn.GradientTape() as tape:
            y = fastnn.reduce_sum(v * 2.0)
        tape.gradient(y, np.ones(2))


def test_nested_tapes_and_stop_recording():
    v = fastnn.Variable(3.0)
    with fastnn.GradientTape() as outer:
        a = v * v
        with fastnn.GradientTape() as inner:
            b = v * 4.0
            with inner.stop_recording():
                c = v * 100.0
            inner_target = b + c
        with gradient_tape.stop_recording():
            d = v * 1000.0
        outer_target = a + b + c + d
    assert float(inner.gradient(inner_target, v)) == 4.0  # inner did not record c
    assert float(outer.gradient(outer_target, v)) == 6.0 + 4.0 + 100.0  # nobody recorded d


def test_structures_of_sources():
    a, b, c = fastnn.Variable(1.0), fastnn.Variable(2.0), fastnn.Variable(3.0)
    with fastnn.GradientTape() as tape:
        y = a * 1.0 + b * 2.0 + c * 3.0
    grads = tape.gradient(y, {"z": a, "a": [b, (c,)]})
    assert list(grads) == ["z", "a"]
    assert float(grads["z"]) == 1.0 and float(grads["a"][0]) == 2.0 and float(grads["a"][1][0]) == 3.0
    assert isinstance(grads["a"][1], tuple)


def test_gradient_with_respect_to_an_intermediate_tensor():
    v = fastnn.Variable([1.0, -2.0])
    with fastnn.GradientTape() as tape:
        h = v * 3.0
        y = fastnn.reduce_sum(h * h)
    gh, gv = tape.gradient(y, [h, v])
    np.testing.assert_array_equal(gh.numpy(), [6.0, -12.0])
    np.testing.assert_array_equal(gv.numpy(), [18.0, -36.0])


def test_integer_values_are_not_differentiated():
    v = fastnn.Variable([1.0, 2.0, 3.0])
    with fastnn.GradientTape() as tape:
        idx = fastnn.argmax(v)
        y = v[idx] * 2.0 + fastnn.reduce_sum(fastnn.cast(fastnn.cast(v, "int32"), "float32"))
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [0.0, 0.0, 2.0])


def test_no_tape_records_nothing():
    v = fastnn.Variable(np.ones((3, 3)))
    y = fastnn.matmul(v, v)
    assert gradient_tape._local.tapes == []
    with fastnn.GradientTape() as tape:
        pass
    assert tape._records == [] and float(fastnn.reduce_sum(y)) == 27.0


def test_tape_does_not_keep_recording_after_exit():
    v = fastnn.Variable(2.0)
    with fastnn.GradientTape() as tape:
        y = v * v
    z = y * v  # after the block: not recorded
    assert tape.gradient(z, v) is None


def test_variable_updates_after_forward_do_not_change_view_ops():
    v = fastnn.Variable(np.arange(6.0).reshape(2, 3))
    r, t, s = fastnn.reshape(v, (3, 2)), fastnn.identity(v), v[0]
    v.assign_add(np.ones((2, 3)))
    np.testing.assert_array_equal(r.numpy().ravel(), np.arange(6.0))
    np.testing.assert_array_equal(t.numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(s.numpy(), [0.0, 1.0, 2.0])

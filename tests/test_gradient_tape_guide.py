"""GradientTape = TF's tape for the cases TensorFlow's autodiff guides show (issue 15): watched variables, a source
as its own target, gradients through where/indexing/control flow, persistent tapes, stop_gradient, jacobian and
batch_jacobian, nested tapes (second order) — each run as the same program on fastnn and on TF."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import layers

R = np.random.default_rng(21)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def _both(program):
    """program(M, L) with M = fastnn or tf and L = its layers module; returns (ours, theirs) as numpy."""
    import tensorflow as tf

    def numpy(result):
        if isinstance(result, (list, tuple)):
            return [numpy(r) for r in result]
        return None if result is None else np.asarray(result)
    return numpy(program(fastnn, fastnn.layers)), numpy(program(tf, tf.keras.layers))


def _same(ours, theirs, tol=2e-6):
    if isinstance(theirs, list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b, tol)
        return
    assert (ours is None) == (theirs is None), (ours, theirs)
    if theirs is not None:
        assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
        assert_close_scaled(ours, theirs, tol=tol)


def test_watched_variables_after_gradient_and_source_as_target(tf):
    for M in (fastnn, tf):
        w = M.Variable([1.0, 2.0])
        unused = M.Variable(3.0)
        with M.GradientTape() as tape:
            y = M.reduce_sum(w * w)
        tape.gradient(y, w)
        assert [v is w for v in tape.watched_variables()] == [True]
        with M.GradientTape() as tape2:
            pass
        np.testing.assert_array_equal(np.asarray(tape2.gradient(unused, unused)), 1.0)


def test_gradients_through_control_flow_indexing_and_where(tf):
    x0 = f32(6)

    def program(M, L):
        x = M.Variable(x0)
        with M.GradientTape() as tape:
            total = M.constant(0.0)
            for i in range(3):  # Python control flow: the tape sees the ops that ran
                if i % 2 == 0:
                    total = total + M.reduce_sum(x[i:i + 3] * x[::2][i % 3])
                else:
                    total = total + M.reduce_sum(M.where(x > 0, x * x, -x))
        return tape.gradient(total, x)
    _same(*_both(program))


def test_persistent_tape_reuse_and_stop_gradient(tf):
    def program(M, L):
        x = M.Variable(3.0)
        with M.GradientTape(persistent=True) as tape:
            y = x * x
            z = y * y + M.stop_gradient(y) * x
        return [tape.gradient(z, x), tape.gradient(y, x), tape.gradient(z, y)]
    _same(*_both(program))


def test_jacobian_of_a_layer_kernel_and_of_vectors(tf):
    x0 = f32(7, 5)

    def program(M, L):
        M.random.set_seed(0)
        layer = L.Dense(10, activation="sigmoid")
        layer.build((None, 5))
        layer.set_weights([np.linspace(-1, 1, 50, dtype=np.float32).reshape(5, 10), np.zeros(10, np.float32)])
        x = M.constant(x0)
        with M.GradientTape(persistent=True) as tape:
            y = layer(x)
            s = M.reduce_sum(y, axis=1)
        return [tape.jacobian(y, layer.kernel), tape.jacobian(s, x), tape.jacobian(s, [layer.bias])[0]]
    ours, theirs = _both(program)
    assert ours[0].shape == (7, 10, 5, 10)
    _same(ours, theirs)


def test_batch_jacobian(tf):
    x0 = f32(7, 5)

    def program(M, L):
        x = M.constant(x0)
        w = np.linspace(-0.5, 0.5, 40, dtype=np.float32).reshape(5, 8)
        with M.GradientTape() as tape:
            tape.watch(x)
            y = M.tanh(M.matmul(x, w)) * 2.0
        return tape.batch_jacobian(y, x)
    ours, theirs = _both(program)
    assert ours.shape == (7, 8, 5)
    _same(ours, theirs)


def test_second_order_through_nested_tapes(tf):
    def program(M, L):
        x = M.Variable(1.5)
        with M.GradientTape() as t2:
            with M.GradientTape() as t1:
                y = x * x * x + M.sin(x) * M.exp(x) / (x + 2.0)
            dy_dx = t1.gradient(y, x)
        return [dy_dx, t2.gradient(dy_dx, x)]
    _same(*_both(program), tol=1e-5)


def test_input_gradient_regularization_example(tf):
    """The autodiff guide's 'gradient of a gradient': the norm of d(out)/d(x) differentiated w.r.t. the layer."""
    x0 = f32(7, 5)

    def program(M, L):
        layer = L.Dense(10, activation="relu")
        layer.build((None, 5))
        layer.set_weights([np.linspace(-1, 1, 50, dtype=np.float32).reshape(5, 10),
                           np.linspace(-0.2, 0.2, 10, dtype=np.float32)])
        x = M.constant(x0)
        with M.GradientTape() as t2:
            with M.GradientTape() as t1:
                t1.watch(x)
                out = M.reduce_sum(layer(x) ** 2)
            g1 = t1.gradient(out, x)
            g1_mag = M.norm(g1)
        return [g1, g1_mag, *t2.gradient(g1_mag, layer.trainable_variables)]
    _same(*_both(program), tol=1e-5)


def test_hessian_of_a_small_model_as_in_newtons_method(tf):
    x0 = f32(4, 3)

    def program(M, L):
        layer1 = L.Dense(4, activation="tanh")
        layer2 = L.Dense(2, activation="sigmoid")
        layer1.build((None, 3))
        layer2.build((None, 4))
        layer1.set_weights([np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4), np.zeros(4, np.float32)])
        layer2.set_weights([np.linspace(1, -1, 8, dtype=np.float32).reshape(4, 2), np.ones(2, np.float32) * 0.1])
        with M.GradientTape() as t2:
            with M.GradientTape() as t1:
                loss = M.reduce_mean(layer2(layer1(M.constant(x0))) ** 2)
            g = t1.gradient(loss, layer1.kernel)
        return [g, t2.jacobian(g, layer1.kernel)]
    ours, theirs = _both(program)
    assert ours[1].shape == (3, 4, 3, 4)
    _same(ours, theirs, tol=1e-5)


def test_second_order_through_an_op_without_it_names_the_op():
    x = fastnn.Variable(f32(1, 6, 6, 1))
    conv = layers.Conv2D(2, 3)
    with fastnn.GradientTape() as t2:
        with fastnn.GradientTape() as t1:
            y = fastnn.reduce_sum(conv(x))
        with pytest.raises(NotImplementedError, match="second-order gradients through `conv2d"):
            t1.gradient(y, x)
    # the same first-order gradient outside the outer tape works
    with fastnn.GradientTape() as t1:
        y = fastnn.reduce_sum(conv(x))
    assert t1.gradient(y, x).shape == x.shape
    del t2


def test_first_order_results_agree_when_an_outer_tape_records():
    w = fastnn.Variable(f32(5, 3))
    x = f32(4, 5)
    with fastnn.GradientTape() as tape:
        loss = fastnn.reduce_sum(fastnn.tanh(fastnn.matmul(x, w)) ** 2)
    plain = tape.gradient(loss, w).numpy()
    other = fastnn.Variable(1.0)
    with fastnn.GradientTape() as outer:
        outer.watch(other)
        with fastnn.GradientTape() as tape:
            loss = fastnn.reduce_sum(fastnn.tanh(fastnn.matmul(x, w)) ** 2)
        nested = tape.gradient(loss, w).numpy()  # recorded by `outer` (which watches w too): the same formulas
    assert_close_scaled(nested, plain, tol=1e-6)

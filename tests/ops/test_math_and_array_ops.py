"""Each differentiable math/array op alone: forward value and input gradients vs TensorFlow, then argument
errors. (Whole programs through the tape: tests/test_gradient_tape.py.)"""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import ops

R = np.random.default_rng(11)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def pos(*shape):
    return (np.abs(R.standard_normal(shape)) + 0.2).astype(np.float32)


# name -> (call(M, *args) written for fastnn or tf, inputs)
CASES = {
    "add_broadcast": (lambda M, a, b: M.add(a, b), [f32(3, 4), f32(4)]),
    "subtract_broadcast": (lambda M, a, b: M.subtract(a, b), [f32(2, 1, 4), f32(3, 1)]),
    "multiply": (lambda M, a, b: M.multiply(a, b), [f32(3, 4), f32(3, 1)]),
    "divide": (lambda M, a, b: M.divide(a, b), [f32(3, 4), pos(4)]),
    "negative": (lambda M, a: M.negative(a), [f32(5)]),
    "abs": (lambda M, a: M.abs(a), [f32(5)]),
    "pow": (lambda M, a, b: M.pow(a, b), [pos(3, 2), f32(2)]),
    "square": (lambda M, a: M.square(a), [f32(3, 3)]),
    "sqrt": (lambda M, a: M.sqrt(a), [pos(7)]),
    "exp": (lambda M, a: M.exp(a), [f32(4, 5)]),
    "log": (lambda M, a: M.math.log(a), [pos(4, 5)]),
    "maximum": (lambda M, a, b: M.maximum(a, b), [f32(4, 3), f32(3)]),
    "minimum": (lambda M, a, b: M.minimum(a, b), [f32(4, 3), f32(4, 1)]),
    "add_n": (lambda M, a, b: M.add_n([a, b, a]), [f32(2, 3), f32(2, 3)]),
    "matmul": (lambda M, a, b: M.matmul(a, b), [f32(6, 5), f32(5, 7)]),
    "matmul_ta": (lambda M, a, b: M.matmul(a, b, transpose_a=True), [f32(5, 6), f32(5, 7)]),
    "matmul_tb": (lambda M, a, b: M.matmul(a, b, transpose_b=True), [f32(6, 5), f32(7, 5)]),
    "matmul_tab": (lambda M, a, b: M.matmul(a, b, transpose_a=True, transpose_b=True), [f32(5, 6), f32(7, 5)]),
    "matmul_batched": (lambda M, a, b: M.matmul(a, b), [f32(2, 3, 4, 5), f32(3, 5, 2)]),
    "reduce_sum": (lambda M, a: M.reduce_sum(a, axis=[0, 2]), [f32(3, 4, 5)]),
    "reduce_sum_keep": (lambda M, a: M.reduce_sum(a, axis=-1, keepdims=True), [f32(3, 4)]),
    "reduce_mean": (lambda M, a: M.reduce_mean(a, axis=1), [f32(3, 4, 5)]),
    "reduce_mean_all": (lambda M, a: M.reduce_mean(a), [f32(3, 4)]),
    "reduce_max": (lambda M, a: M.reduce_max(a, axis=0), [np.round(f32(6, 3))]),
    "reduce_min": (lambda M, a: M.reduce_min(a, axis=1, keepdims=True), [np.round(f32(3, 6))]),
    "reshape": (lambda M, a: M.reshape(a, [4, -1]), [f32(2, 3, 4)]),
    "transpose": (lambda M, a: M.transpose(a, perm=[1, 2, 0]), [f32(2, 3, 4)]),
    "transpose_default": (lambda M, a: M.transpose(a), [f32(2, 3, 4)]),
    "expand_dims": (lambda M, a: M.expand_dims(a, -1), [f32(2, 3)]),
    "squeeze": (lambda M, a: M.squeeze(a, axis=1), [f32(2, 1, 3)]),
    "concat": (lambda M, a, b: M.concat([a, b], axis=-1), [f32(2, 3), f32(2, 5)]),
    "stack": (lambda M, a, b: M.stack([a, b], axis=1), [f32(2, 3), f32(2, 3)]),
    "gather": (lambda M, a: M.gather(a, [3, 0, 3], axis=0), [f32(4, 2)]),
    "getitem": (lambda M, a: a[1:, ::2], [f32(3, 4)]),
    "clip_by_value": (lambda M, a: M.clip_by_value(a, -0.5, 0.5), [f32(4, 4)]),
    "where": (lambda M, a, b: M.where(a > 0.0, a, b), [f32(3, 4), f32(4)]),
    "identity": (lambda M, a: M.identity(a), [f32(3)]),
    "cast": (lambda M, a: M.cast(a, "float32"), [f32(3)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_gradients_match_tf(name, tf):
    call, inputs = CASES[name]
    ours = [fastnn.Variable(x) for x in inputs]
    theirs = [tf.Variable(x) for x in inputs]
    with fastnn.GradientTape() as tape:
        y = call(fastnn, *ours)
    with tf.GradientTape() as tf_tape:
        ty = call(tf, *theirs)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float32
    assert_close_scaled(y.numpy(), ty.numpy(), tol=1e-6, err_msg=f"{name} forward")
    seed = f32(*y.shape)  # a random upstream gradient exercises more than all-ones
    grads = tape.gradient(y, ours, output_gradients=seed)
    expected = tf_tape.gradient(ty, theirs, output_gradients=tf.constant(seed))
    for i, (g, e) in enumerate(zip(grads, expected)):
        assert_close_scaled(g.numpy(), tf.convert_to_tensor(e).numpy(), err_msg=f"{name} gradient {i}")


def test_non_differentiable_helpers_match_tf(tf):
    a = np.round(f32(4, 5))
    checks = [
        (ops.argmax(a, axis=1), tf.argmax(a, axis=1)),
        (ops.argmax(a), tf.argmax(a)),
        (ops.argmin(a, axis=-1, output_type="int32"), tf.argmin(a, axis=-1, output_type=tf.int32)),
        (ops.equal(a, 0.0), tf.equal(a, 0.0)),
        (ops.less(a, a.T[:1].T), tf.less(a, a.T[:1].T)),
        (ops.cast(a, "int32"), tf.cast(a, tf.int32)),
        (ops.one_hot([0, 2, 5, -1], 3), tf.one_hot([0, 2, 5, -1], 3)),
        (ops.one_hot([1, 0], 3, on_value=5.0, off_value=-1.0, axis=0),
         tf.one_hot([1, 0], 3, on_value=5.0, off_value=-1.0, axis=0)),
        (ops.ones((2, 3)), tf.ones((2, 3))), (ops.zeros([4]), tf.zeros([4])),
        (ops.ones_like(a), tf.ones_like(a)), (ops.zeros_like(a, dtype="int32"), tf.zeros_like(a, dtype=tf.int32)),
        (ops.constant(2.5, shape=(2, 2)), tf.constant(2.5, shape=(2, 2))),
        (ops.constant([1, 2, 3, 4], shape=(2, 2)), tf.constant([1, 2, 3, 4], shape=(2, 2))),
        (ops.fill([2, 3], 7.0), tf.fill([2, 3], 7.0)),
        (ops.range(5), tf.range(5)), (ops.range(1.0, 2.0, 0.25), tf.range(1.0, 2.0, 0.25)),
        (ops.shape(a), tf.shape(a)), (ops.size(a), tf.size(a)), (ops.rank(a), tf.rank(a)),
        (ops.where(a > 0), tf.where(a > 0)),
        (ops.reduce_any(a > 1.0, axis=0), tf.reduce_any(a > 1.0, axis=0)),
        (ops.reduce_all(a > -5.0), tf.reduce_all(a > -5.0)),
    ]
    for i, (got, want) in enumerate(checks):
        want = want.numpy()
        assert got.shape == want.shape, i
        assert got.dtype == want.dtype, (i, got.dtype, want.dtype)
        np.testing.assert_array_equal(got.numpy(), want, err_msg=str(i))


def test_int_arithmetic_stays_int_and_mixed_promotes_to_float32():
    assert (fastnn.constant([1, 2]) + fastnn.constant([3, 4])).dtype.kind == "i"
    assert (fastnn.constant([1, 2]) * 0.5).dtype == np.float32
    assert fastnn.divide(fastnn.constant([1, 2]), 2).dtype == np.float32
    assert (fastnn.constant(np.ones(2, np.float32)) * np.ones(2, np.int64)).dtype == np.float32


@pytest.mark.parametrize("call, error, message", [
    (lambda: ops.add(np.ones(3), np.ones(4)), ValueError, "broadcast"),
    (lambda: ops.matmul(np.ones(3), np.ones((3, 2))), ValueError, "rank >= 2"),
    (lambda: ops.matmul(np.ones((2, 3)), np.ones((4, 2))), ValueError, "inner dimensions differ"),
    (lambda: ops.reduce_sum(np.ones((2, 3)), axis=2), ValueError, "out of bounds"),
    (lambda: ops.reduce_mean(np.ones(3), axis="0"), TypeError, "axis"),
    (lambda: ops.reduce_max(np.ones((0, 3)), axis=0), ValueError, "empty"),
    (lambda: ops.reshape(np.ones(6), (4, -1)), ValueError, r"shape \(6,\)"),
    (lambda: ops.reshape(np.ones(6), "2x3"), TypeError, "shape"),
    (lambda: ops.transpose(np.ones((2, 3)), perm=[0, 0]), ValueError, "permutation"),
    (lambda: ops.expand_dims(np.ones(3), 3), ValueError, "axis"),
    (lambda: ops.squeeze(np.ones((2, 3)), axis=0), ValueError, "squeeze axis 0"),
    (lambda: ops.concat([np.ones((2, 3)), np.ones((3, 2))], axis=0), ValueError, "equal other dimensions"),
    (lambda: ops.concat([], axis=0), ValueError, "non-empty"),
    (lambda: ops.stack([np.ones(2), np.ones(3)]), ValueError, "one shape"),
    (lambda: ops.gather(np.ones((3, 2)), [3]), ValueError, r"\[0, 3\)"),
    (lambda: ops.gather(np.ones((3, 2)), [0.5]), TypeError, "integers"),
    (lambda: ops.one_hot([0.5], 3), TypeError, "integers"),
    (lambda: ops.one_hot([1], -2), ValueError, "depth"),
    (lambda: ops.ones((2, -1)), ValueError, "non-negative"),
    (lambda: ops.argmax(np.float32(1.0)), ValueError, "rank >= 1"),
    (lambda: ops.argmax(np.ones(3), output_type="float32"), TypeError, "output_type"),
    (lambda: ops.cast(np.ones(2), "nonsense-type"), TypeError, "dtype"),
    (lambda: ops.where(np.ones(2) > 0, np.ones(2)), ValueError, "both"),
    (lambda: ops.add_n([np.ones(2), np.ones(3)]), ValueError, "one shape"),
    (lambda: ops.exp(np.array(["a"])), TypeError, "dtype"),
    (lambda: ops.add(np.ones(2), None), TypeError, "`y` must be a real numeric"),
])
def test_bad_arguments_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_inputs_are_never_modified():
    a, b = f32(3, 4), f32(4, 2)
    a0, b0 = a.copy(), b.copy()
    v = fastnn.Variable(b)
    with fastnn.GradientTape() as tape:
        y = fastnn.reduce_sum(fastnn.square(fastnn.matmul(a, v)) + fastnn.reshape(a, (4, 3))[0, 0])
    tape.gradient(y, v)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


def test_shape_arguments_take_scalar_integer_tensors_as_tf_does(tf):
    # keras-io's custom_train_step guide: `tf.ones((tf.shape(real_images)[0], 1))`
    x = np.zeros((5, 3), np.float32)
    for name, call in [("ones", lambda M: M.ones((M.shape(x)[0], 1))),
                       ("zeros", lambda M: M.zeros([M.shape(x)[1], M.shape(x)[0]])),
                       ("fill", lambda M: M.fill((M.shape(x)[0],), 2.0)),
                       ("reshape", lambda M: M.reshape(x, (M.shape(x)[1], -1)))]:
        got, want = call(fastnn), call(tf).numpy()
        assert got.shape == want.shape, (name, got.shape, want.shape)
        np.testing.assert_array_equal(got.numpy(), want, err_msg=name)
    with pytest.raises(TypeError, match="shape"):
        ops.ones((fastnn.constant(2.5), 1))  # a float scalar is no dimension

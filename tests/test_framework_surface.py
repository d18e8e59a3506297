"""The top-level names TensorFlow and Keras programs use (issue 15): `fastnn.Input`, `newaxis`, `version`,
`function` + `TensorSpec`, `UnconnectedGradients`, `fastnn.backend` and the Keras 3 half of `fastnn.random` — each
checked against what TF/Keras do with the same call."""
import numpy as np
import pytest

import fastnn
from fastnn import layers


# ------------------------------------------------------------------------------------------- names
def test_top_level_names_match_tf(tf):
    import keras

    assert fastnn.Input is layers.Input
    assert fastnn.newaxis is tf.newaxis is None
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert fastnn.constant(x)[:, fastnn.newaxis].shape == tuple(tf.constant(x)[:, tf.newaxis].shape) == (2, 1, 3)
    assert fastnn.__version__ == fastnn.version.VERSION
    assert isinstance(tf.version.VERSION, str)
    for module in (fastnn, keras):  # keras.Input's spelling builds a functional model
        inputs = module.Input(shape=(3,))
        model = module.Model(inputs, module.layers.Dense(2)(inputs))
        assert tuple(model(x).shape) == (2, 2)


# ------------------------------------------------------------------------------------------- function
def test_function_decorator_forms_run_like_tf(tf):
    x = np.arange(4, dtype=np.float32)

    def body(M):
        def f(a):
            return M.reduce_sum(a * a) + 1.0
        return f

    plain = fastnn.function(body(fastnn))
    decorated = fastnn.function(jit_compile=True, reduce_retracing=True)(body(fastnn))

    @fastnn.function
    def bare(a):
        return fastnn.reduce_sum(a * a) + 1.0

    expected = tf.function(body(tf))(x).numpy()
    for f in (plain, decorated, bare):
        assert float(f(x)) == pytest.approx(float(expected))
    assert bare.__name__ == "bare" and bare.python_function(x) is not None


def test_function_on_methods_and_inside_a_training_step():
    class Doubler:
        factor = 2.0

        @fastnn.function
        def __call__(self, a):
            return a * self.factor

    assert Doubler()(3.0).numpy() == 6.0  # outputs are Tensors, as tf.function's
    v = fastnn.Variable([1.0, 2.0])

    @fastnn.function
    def step():
        with fastnn.GradientTape() as tape:
            loss = fastnn.reduce_sum(v * v)
        v.assign_sub(0.25 * tape.gradient(loss, v))
        return loss

    assert float(step()) == 5.0
    np.testing.assert_allclose(v.numpy(), [0.5, 1.0])


def test_input_signature_is_enforced_like_tf(tf):
    def signature(M):
        return [M.TensorSpec(shape=[None, 3], dtype=M.float32)]

    ours = fastnn.function(lambda a: a * 2.0, input_signature=signature(fastnn))
    theirs = tf.function(lambda a: a * 2.0, input_signature=signature(tf))
    good = [np.ones((2, 3), np.float32), [[1.0, 2.0, 3.0]], np.zeros((0, 3), np.float32),
            np.ones((1, 3), np.float64)]  # numpy values are converted to the spec's dtype, as TF does
    for value in good:
        got = ours(value)
        assert isinstance(got, fastnn.Tensor) and got.dtype == np.float32
        np.testing.assert_array_equal(got.numpy(), theirs(value).numpy())
    bad = [(np.ones((2, 4), np.float32), ValueError, r"shape \(2, 4\)"),
           (np.ones(3, np.float32), ValueError, r"shape \(3,\)"),
           (lambda M: M.constant(np.ones((2, 3)), dtype=M.int32), TypeError, "dtype int32"),
           (["a", "b", "c"], TypeError, "cannot be converted")]
    for value, error, message in bad:
        with pytest.raises(error, match=message):
            ours(value(fastnn) if callable(value) else value)
        with pytest.raises(Exception):  # noqa: B017  (TF raises too; its exception type varies by version)
            theirs(value(tf) if callable(value) else value)
    with pytest.raises(TypeError, match="takes 1 arguments"):
        ours(np.ones((1, 3), np.float32), np.ones((1, 3), np.float32))
    with pytest.raises(TypeError, match="`input_signature` must hold TensorSpecs"):
        fastnn.function(lambda a: a, input_signature=[(3,)])
    spec = fastnn.TensorSpec([None, 28, 28])
    assert spec.is_compatible_with(np.zeros((5, 28, 28), np.float32))
    assert not spec.is_compatible_with(np.zeros((5, 28), np.float32))
    assert fastnn.TensorSpec.from_tensor(np.zeros((2, 2), np.int32)) == fastnn.TensorSpec((2, 2), "int32")
    with pytest.raises(ValueError, match="non-negative ints or None"):
        fastnn.TensorSpec([-1, 3])


# ------------------------------------------------------------------------------------------- tape options
def test_unconnected_gradients_enum_like_tf(tf):
    def grads(M):
        x, unused = M.Variable([1.0, 2.0]), M.Variable([[3.0]])
        with M.GradientTape(persistent=True) as tape:
            y = M.reduce_sum(x * x)
        return (tape.gradient(y, [x, unused]),
                tape.gradient(y, [x, unused], unconnected_gradients=M.UnconnectedGradients.ZERO))
    (ours_none, ours_zero), (tf_none, tf_zero) = grads(fastnn), grads(tf)
    assert ours_none[1] is None and tf_none[1] is None
    np.testing.assert_array_equal(ours_zero[1].numpy(), tf_zero[1].numpy())
    np.testing.assert_array_equal(ours_zero[0].numpy(), tf_zero[0].numpy())
    assert fastnn.UnconnectedGradients.ZERO.value == tf.UnconnectedGradients.ZERO.value == "zero"


# ------------------------------------------------------------------------------------------- backend
def test_backend_helpers_match_keras():
    import keras

    for name in ("epsilon", "floatx", "image_data_format"):
        assert getattr(fastnn.backend, name)() == getattr(keras.backend, name)(), name
    assert fastnn.backend.backend() == "fastnn"
    fastnn.backend.set_floatx("float32")
    with pytest.raises(ValueError, match="float32 only"):
        fastnn.backend.set_floatx("float16")
    with pytest.raises(ValueError, match="channels_last"):
        fastnn.backend.set_image_data_format("channels_first")
    before = fastnn.backend.epsilon()
    try:
        fastnn.backend.set_epsilon(1e-5)
        assert fastnn.backend.epsilon() == 1e-5
    finally:
        fastnn.backend.set_epsilon(before)
    with pytest.raises(ValueError, match="non-negative"):
        fastnn.backend.set_epsilon(-1.0)
    fastnn.utils.set_random_seed(3)
    a = fastnn.backend.random_normal((1000,), mean=2.0, stddev=0.5)
    assert a.dtype == np.float32 and abs(float(np.mean(a.numpy())) - 2.0) < 0.1
    u = fastnn.backend.random_uniform((1000,), minval=-1.0, maxval=1.0).numpy()
    assert u.min() >= -1.0 and u.max() < 1.0


def test_clear_session_restarts_layer_names_like_keras():
    import keras

    keras.backend.clear_session()
    fastnn.backend.clear_session()
    for module in (keras, fastnn):
        module.layers.Dense(1)
    assert fastnn.layers.Dense(1).name == keras.layers.Dense(1).name == "dense_1"
    keras.backend.clear_session()
    fastnn.backend.clear_session()
    assert fastnn.layers.Dense(1).name == keras.layers.Dense(1).name == "dense"


# ------------------------------------------------------------------------------------------- random (Keras 3)
def test_seed_generator_gives_reproducible_fresh_numbers():
    def draws(seed):
        gen = fastnn.random.SeedGenerator(seed)
        return [fastnn.random.normal((3,), seed=gen).numpy() for _ in range(2)] + \
            [fastnn.random.uniform((2,), seed=gen).numpy(), fastnn.random.randint((4,), 0, 10, seed=gen).numpy()]
    first, again, other = draws(42), draws(42), draws(43)
    assert not np.array_equal(first[0], first[1])  # each call from the generator draws new numbers
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    assert fastnn.random.SeedGenerator(7).get_config() == {"seed": 7}
    with pytest.raises(TypeError, match="`seed` must be an int or None"):
        fastnn.random.SeedGenerator("7")


def test_int_seed_repeats_and_keras_style_calls_work():
    a = fastnn.random.normal((2, 3), seed=5).numpy()
    np.testing.assert_array_equal(a, fastnn.random.normal((2, 3), seed=5).numpy())
    r = fastnn.random.randint((1000,), minval=3, maxval=7, seed=1).numpy()
    assert r.dtype == np.int32 and r.min() == 3 and r.max() == 6
    with pytest.raises(TypeError, match="integer type"):
        fastnn.random.randint((2,), 0, 5, dtype="float32")
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    shuffled = fastnn.random.shuffle(x, axis=1, seed=2).numpy()
    assert sorted(shuffled[0].tolist()) == [0, 1, 2, 3] and np.array_equal(np.sort(shuffled, axis=1), x)
    ones = np.ones((200, 100), np.float32)
    dropped = fastnn.random.dropout(ones, rate=0.25, seed=fastnn.random.SeedGenerator(0)).numpy()
    kept = dropped != 0
    assert abs(kept.mean() - 0.75) < 0.02 and np.allclose(dropped[kept], 1 / 0.75)
    x = fastnn.constant(np.ones((5, 4)))
    assert fastnn.random.normal(shape=(fastnn.shape(x)[0], 2)).shape == (5, 2)  # a scalar Tensor as a dimension
    assert fastnn.random.uniform(np.array([2, 3])).shape == (2, 3)

"""Initializers (Keras' distributions and fans), activations by name vs Keras, regularizers and constraints."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import activations, constraints, initializers, regularizers


@pytest.mark.parametrize("name, shape, check", [
    ("glorot_uniform", (300, 200), lambda w: abs(np.abs(w).max() - np.sqrt(6 / 500)) < 0.01 * np.sqrt(6 / 500)),
    ("he_uniform", (3, 3, 16, 32), lambda w: abs(np.abs(w).max() - np.sqrt(6 / 144)) < 0.01),
    ("he_normal", (400, 300), lambda w: abs(w.std() - np.sqrt(2 / 400)) < 0.02 * np.sqrt(2 / 400)
     and np.abs(w).max() <= 2 * np.sqrt(2 / 400) / 0.8796 + 1e-6),
    ("glorot_normal", (300, 300), lambda w: abs(w.std() - np.sqrt(1 / 300)) < 0.02 * np.sqrt(1 / 300)),
    ("random_normal", (500, 100), lambda w: abs(w.std() - 0.05) < 0.002 and abs(w.mean()) < 0.001),
    ("random_uniform", (500, 100), lambda w: w.min() >= -0.05 and w.max() <= 0.05 and abs(w.mean()) < 0.001),
    ("zeros", (3, 4), lambda w: not w.any()),
    ("ones", (3, 4), lambda w: (w == 1).all()),
])
def test_initializer_distributions(name, shape, check):
    w = initializers.get(name)(shape)
    assert w.shape == shape and w.dtype == np.float32
    assert check(w)


def test_seeded_initializers_repeat_and_global_seed_makes_layers_reproducible():
    a = initializers.GlorotUniform(seed=3)((4, 5))
    np.testing.assert_array_equal(a, initializers.GlorotUniform(seed=3)((4, 5)))
    fastnn.utils.set_random_seed(7)
    first = fastnn.layers.Dense(3)
    first.build((None, 4))
    fastnn.utils.set_random_seed(7)
    second = fastnn.layers.Dense(3)
    second.build((None, 4))
    np.testing.assert_array_equal(first.get_weights()[0], second.get_weights()[0])


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softmax", "linear", "elu", "selu", "softplus",
                                  "softsign", "swish", "silu", "relu6", "hard_sigmoid", "exponential",
                                  "leaky_relu", "log_softmax", "gelu", "hard_silu", "hard_swish", "mish"])
def test_activations_match_keras(name, tf):
    import keras

    x = np.linspace(-6, 6, 48, dtype=np.float32).reshape(4, 12)
    v, tv = fastnn.Variable(x), tf.Variable(x)
    with fastnn.GradientTape() as tape:
        y = activations.get(name)(v)
    with tf.GradientTape() as tf_tape:
        ty = keras.activations.get(name)(tv)
    assert_close_scaled(np.asarray(y), ty.numpy(), tol=2e-6, err_msg=name)
    seed = np.cos(x)
    g = tape.gradient(y, v, output_gradients=seed)
    e = tf_tape.gradient(ty, tv, output_gradients=tf.constant(seed))
    if name == "linear":
        return
    assert_close_scaled(g.numpy(), e.numpy(), tol=1e-5, err_msg=name)


@pytest.mark.parametrize("kwargs", [{"approximate": True}, {"approximate": False}])
def test_gelu_options_match_keras(kwargs, tf):
    import keras

    x = np.linspace(-8, 8, 64, dtype=np.float32)
    assert_close_scaled(activations.gelu(x, **kwargs).numpy(), keras.activations.gelu(x, **kwargs).numpy(), tol=2e-6)


@pytest.mark.parametrize("kwargs", [{"max_value": 6.0}, {"max_value": 4.0}, {"threshold": 0.5},
                                    {"negative_slope": 0.1, "max_value": 4.0},
                                    {"negative_slope": 0.1, "threshold": 1.0, "max_value": 6.0}])
def test_relu_options_match_keras_bitwise_and_clip_to_positive_zero(kwargs, tf):
    """Keras' relu(max_value=...) gives +0.0 for negative inputs; the old composition gave -0.0 (x * 0)."""
    import keras

    x = np.array([-3.0, -1.0, -1e-3, 0.0, 0.5, 1.0, 5.0, 6.0, 7.0, 10.0], np.float32)
    v, tv = fastnn.Variable(x), tf.Variable(x)
    with fastnn.GradientTape() as tape:
        y = activations.relu(v, **kwargs)
    with tf.GradientTape() as tf_tape:
        ty = keras.activations.relu(tv, **kwargs)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(np.signbit(y.numpy()), np.signbit(ty.numpy()))
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), tf_tape.gradient(ty, tv).numpy())


def test_activation_names_are_keras_3s(tf):
    import keras

    for name in ["swish", "silu", "hard_swish", "hard_silu", "gelu", "mish", "elu", "relu6"]:
        assert activations.serialize(activations.get(name)) == keras.activations.serialize(keras.activations.get(name))
    assert activations.serialize(activations.swish) == "silu"
    layer = fastnn.layers.Dense(2, activation="gelu")
    assert layer.get_config()["activation"] == "gelu"
    with pytest.raises(ValueError, match="gelu"):
        activations.get("gelus")


def test_regularizers_match_keras(tf):
    import keras

    w = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    for ours, theirs in ((regularizers.L1(0.3), keras.regularizers.L1(0.3)),
                         (regularizers.L2(0.2), keras.regularizers.L2(0.2)),
                         (regularizers.L1L2(0.1, 0.2), keras.regularizers.L1L2(0.1, 0.2))):
        assert float(ours(w)) == pytest.approx(float(theirs(w)), rel=1e-6)
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    with pytest.raises(ValueError, match="'l3'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="l2"):
        regularizers.L2(-1)


def test_constraints_match_keras(tf):
    import keras

    w = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    for ours, theirs in ((constraints.MaxNorm(1.0), keras.constraints.MaxNorm(1.0)),
                         (constraints.NonNeg(), keras.constraints.NonNeg()),
                         (constraints.UnitNorm(), keras.constraints.UnitNorm()),
                         (constraints.MinMaxNorm(0.5, 1.5), keras.constraints.MinMaxNorm(0.5, 1.5))):
        assert_close_scaled(np.asarray(ours(w)), np.asarray(theirs(tf.constant(w))), tol=1e-6)


def test_lookup_errors():
    with pytest.raises(ValueError, match="'gelu2'"):
        activations.get("gelu2")
    with pytest.raises(ValueError, match="'orthogonal2'"):
        initializers.get("orthogonal2")
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match="'max'"):
        constraints.get("max")

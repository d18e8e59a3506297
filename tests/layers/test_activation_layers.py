"""Activation layers ELU and PReLU (issue 16 item 4) against Keras: values, gradients (ours on every ISA path),
configs, summary parameter counts and .weights.h5 files both ways; Dense/Activation with the Keras 3 names."""
import numpy as np
import pytest
from tolerances import assert_close_elementwise, assert_close_scaled

import fastnn

RNG = np.random.default_rng(11)


def _tape(tf, layer, x, dy):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
    return y.numpy(), [g.numpy() for g in tape.gradient(y, [xt] + layer.trainable_weights, output_gradients=dy)]


def _ours(layer, x, dy):
    v = fastnn.Variable(x)
    with fastnn.GradientTape() as tape:
        y = layer(v)
    return y.numpy(), [g.numpy() for g in tape.gradient(y, [v] + layer.trainable_weights, output_gradients=dy)]


@pytest.mark.parametrize("alpha", [1.0, 0.4])
def test_elu_layer_matches_keras(isa, tf, alpha):
    import keras
    x = (RNG.standard_normal((4, 5, 6)) * 3).astype(np.float32)
    dy = RNG.standard_normal(x.shape).astype(np.float32)
    y, grads = _ours(fastnn.layers.ELU(alpha=alpha), x, dy)
    ky, kgrads = _tape(tf, keras.layers.ELU(alpha=alpha), x, dy)
    assert_close_elementwise(y, ky)
    assert_close_scaled(grads[0], kgrads[0])
    assert fastnn.layers.ELU(alpha=alpha).get_config()["alpha"] == keras.layers.ELU(alpha=alpha).get_config()["alpha"]


@pytest.mark.parametrize("shared_axes", [None, [1, 2], 2])
def test_prelu_layer_matches_keras(isa, tf, shared_axes):
    import keras
    x = (RNG.standard_normal((3, 4, 5, 6)) * 2).astype(np.float32)
    dy = RNG.standard_normal(x.shape).astype(np.float32)
    ours, theirs = fastnn.layers.PReLU(shared_axes=shared_axes), keras.layers.PReLU(shared_axes=shared_axes)
    ours.build(x.shape)
    theirs.build(x.shape)
    assert ours.alpha.shape == tuple(theirs.alpha.shape)
    alpha = RNG.standard_normal(ours.alpha.shape).astype(np.float32)
    ours.set_weights([alpha])
    theirs.set_weights([alpha])
    y, grads = _ours(ours, x, dy)
    ky, kgrads = _tape(tf, theirs, x, dy)
    assert_close_elementwise(y, ky)
    for g, k in zip(grads, kgrads):
        assert_close_scaled(g, k)
    config, keras_config = ours.get_config(), theirs.get_config()
    assert config["shared_axes"] == keras_config["shared_axes"]
    clone = fastnn.layers.PReLU.from_config(config)
    assert clone.get_config() == config


def _model(M):
    L = M.layers
    return M.Sequential([L.Input((6, 6, 2)), L.Conv2D(3, 3), L.PReLU(shared_axes=[1, 2]), L.Flatten(),
                         L.Dense(5, activation="gelu"), L.PReLU(alpha_initializer="ones"), L.ELU(0.5),
                         L.Dense(2, activation="silu")])


def test_summary_counts_and_weights_h5_match_keras(tf, tmp_path):
    import keras
    theirs, ours = _model(keras), _model(fastnn)
    assert ours.count_params() == theirs.count_params()
    text = []
    ours.summary(print_fn=text.append)
    assert f"Trainable params: {theirs.count_params():,}" in "\n".join(text)
    x = RNG.standard_normal((8, 6, 6, 2)).astype(np.float32)
    theirs.set_weights([w + RNG.standard_normal(w.shape).astype(np.float32) for w in theirs.get_weights()])
    theirs.save_weights(str(tmp_path / "keras.weights.h5"))
    ours.load_weights(tmp_path / "keras.weights.h5")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-4)
    ours.save_weights(tmp_path / "fastnn.weights.h5")
    twin = _model(keras)
    twin.load_weights(str(tmp_path / "fastnn.weights.h5"))
    for a, b in zip(twin.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_prelu_bad_shared_axes():
    with pytest.raises(ValueError, match=r"shared_axes.*Received: shared_axes=\[3\]"):
        fastnn.layers.PReLU(shared_axes=[3]).build((None, 4, 5))
    with pytest.raises(TypeError, match="Received: shared_axes='1'"):
        fastnn.layers.PReLU(shared_axes="1")

"""The functional API: Model(inputs, outputs) with branches, merges and a shared layer, against Keras' functional
model given the same weights (outputs, fit), plus summary, saving and errors."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import layers

R = np.random.default_rng(9)
X = R.standard_normal((64, 6)).astype(np.float32)
Y = R.integers(0, 3, 64)


def branching(M):
    inp = M.layers.Input((6,))
    a = M.layers.Dense(8, activation="relu")(inp)
    b = M.layers.Dense(8, activation="tanh")(inp)
    joined = M.layers.Concatenate()([a, b])
    shared = M.layers.Dense(8)
    d = M.layers.Add()([shared(joined), a, M.layers.Multiply()([a, b])])
    e = M.layers.Average()([M.layers.Subtract()([d, b]), M.layers.Maximum()([d, b]), M.layers.Minimum()([d, a])])
    out = M.layers.Dense(3, activation="softmax")(e)
    return M.Model(inp, out)


def test_branching_model_matches_keras(tf):
    theirs, ours = branching(tf.keras), branching(fastnn)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    assert_close_scaled(ours.predict(X, verbose=0), theirs.predict(X, verbose=0), tol=2e-6)
    for model, M in ((ours, fastnn), (theirs, tf.keras)):
        model.compile(optimizer=M.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    a = ours.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    b = theirs.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    np.testing.assert_allclose(a["loss"], b["loss"], rtol=1e-5)
    for wa, wb in zip(ours.get_weights(), theirs.get_weights()):
        assert_close_scaled(wa, wb, tol=1e-4)


def test_two_inputs_two_outputs_and_a_shared_layer():
    left, right = layers.Input((4,)), layers.Input((4,))
    shared = layers.Dense(3)
    out_a, out_b = shared(left), layers.Dense(2)(shared(right))
    model = fastnn.Model(inputs=[left, right], outputs=[out_a, out_b])
    xa, xb = np.ones((2, 4), np.float32), np.zeros((2, 4), np.float32)
    ya, yb = model([xa, xb])
    assert ya.shape == (2, 3) and yb.shape == (2, 2)
    assert len(model.weights) == 4  # the shared layer's weights once
    with pytest.raises(ValueError, match="2 inputs"):
        model(xa)


def test_summary_and_save_load(tmp_path, capsys):
    model = branching(fastnn)
    model.summary()
    text = capsys.readouterr().out
    assert "(InputLayer)" in text and "(Concatenate)" in text and "(None, 16)" in text
    assert f"Total params: {model.count_params():,}" in text
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=1, verbose=0)
    model.save(tmp_path / "f.npz")
    loaded = fastnn.models.load_model(tmp_path / "f.npz")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_functional_errors():
    inp = layers.Input((3,))
    with pytest.raises(TypeError, match="KerasTensors"):
        fastnn.Model(inp, np.ones(3))
    other = layers.Input((3,))
    with pytest.raises(ValueError, match="depend on inputs not passed"):
        fastnn.Model(inp, layers.Add()([layers.Dense(3)(inp), other]))
    with pytest.raises(TypeError, match="mix of symbolic"):
        layers.Add()([inp, np.ones((1, 3), np.float32)])
    with pytest.raises(ValueError, match="at least 2 inputs"):
        layers.Add()([inp])
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(inp)


def _sampling_layer(M, keras_module):
    """keras.io's VAE `Sampling` layer: two inputs and no compute_output_shape of its own."""
    class Sampling(keras_module.layers.Layer):
        def call(self, inputs):
            z_mean, z_log_var = inputs
            return z_mean + M.exp(0.5 * z_log_var) * M.ones_like(z_mean)
    return Sampling()


def test_a_custom_layer_with_a_list_of_inputs_infers_its_output_shape(tf):
    import keras

    outs = []
    for M, K in ((fastnn, fastnn), (tf, keras)):
        a, b = K.Input((3,)), K.Input((3,))
        z = _sampling_layer(M, K)([a, b])
        outs.append((tuple(z.shape), K.Model([a, b], z).predict([np.ones((2, 3)), np.zeros((2, 3))], verbose=0)))
    assert outs[0][0] == outs[1][0] == (None, 3)
    assert_close_scaled(outs[0][1], outs[1][1], tol=1e-6)


def test_what_a_subclass_passes_to_model_init_decides_if_it_is_functional():
    """Keras' rule: the arguments that reach Model.__init__ count, not those the subclass was constructed with."""
    inputs = fastnn.Input((4,))
    encoder = fastnn.Model(inputs, layers.Dense(2)(inputs))
    decoder = fastnn.Sequential([fastnn.Input((2,)), layers.Dense(4)])

    class AutoEncoder(fastnn.Model):  # two positional arguments that are models, not (inputs, outputs)
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder, self.decoder = encoder, decoder

        def call(self, x):
            return self.decoder(self.encoder(x))

    class Graph(fastnn.Model):  # builds its own graph and hands it up
        def __init__(self):
            x = fastnn.Input((4,))
            super().__init__(x, layers.Dense(3)(x), name="graph")

    model = AutoEncoder(encoder, decoder)
    assert type(model) is AutoEncoder and model.predict(np.ones((2, 4)), verbose=0).shape == (2, 4)
    graph = Graph()
    assert isinstance(graph, Graph) and graph.name == "graph" and len(graph.inputs) == 1
    assert graph.predict(np.ones((2, 4)), verbose=0).shape == (2, 3)


def test_inputs_one_trailing_axis_short_or_long_are_adjusted_as_in_keras(tf):
    """keras.io's siamese example feeds (n, 28, 28) images to Input((28, 28, 1)): Keras adds the axis."""
    import keras

    x = np.random.default_rng(2).standard_normal((3, 6, 6)).astype(np.float32)
    outs = []
    for K in (fastnn, keras):
        inputs = K.Input((6, 6, 1))
        model = K.Model(inputs, K.layers.Flatten()(K.layers.Conv2D(2, 3, kernel_initializer="ones")(inputs)))
        flat = K.Input((5,))
        squeezer = K.Model(flat, K.layers.Dense(1, kernel_initializer="ones")(flat))
        outs.append((model.predict(x, verbose=0), squeezer.predict(np.ones((2, 5, 1), np.float32), verbose=0)))
    assert_close_scaled(outs[0][0], outs[1][0], tol=1e-6)
    assert_close_scaled(outs[0][1], outs[1][1], tol=1e-6)

"""Embedding, masking (mask_zero -> GlobalAveragePooling1D) and TimeDistributed against Keras/TensorFlow (the
oracle): forward and backward on every ISA path, float and out-of-range indices, configs, parameter counts,
`.weights.h5` / `.keras` round trips with Keras, and a text-classification model trained a few steps."""
import warnings

import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn

RNG = np.random.default_rng(16)
VOCAB, DIM = 50, 12


def _ids(shape, zeros=True, rng=RNG):
    ids = rng.integers(1, VOCAB, shape)
    if zeros:  # right padding, as pad_sequences(padding="post") makes; row 0 keeps one token
        for row, keep in zip(ids, rng.integers(1, shape[1] + 1, shape[0])):
            row[keep:] = 0
    return ids


def _keras_grads(tf, layer, ids, dy):
    with tf.GradientTape() as tape:
        y = layer(tf.constant(ids))
        loss = tf.reduce_sum(y * dy)
    return y.numpy(), [np.asarray(tf.convert_to_tensor(g)) for g in tape.gradient(loss, layer.trainable_weights)]


def _our_grads(layer, ids, dy):
    with fastnn.GradientTape() as tape:
        y = layer(ids)
        loss = fastnn.reduce_sum(y * dy)
    return y.numpy(), [np.asarray(g) for g in tape.gradient(loss, layer.trainable_weights)]


@pytest.mark.parametrize("shape", [(6,), (4, 9), (3, 5, 2)])
@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
def test_embedding_matches_keras(isa, tf, shape, dtype):
    import keras

    ids = RNG.integers(0, VOCAB, shape).astype(dtype)
    theirs, ours = keras.layers.Embedding(VOCAB, DIM), fastnn.layers.Embedding(VOCAB, DIM)
    theirs.build(shape)
    ours.build(shape)
    ours.set_weights(theirs.get_weights())
    dy = RNG.standard_normal(shape + (DIM,)).astype(np.float32)
    y_k, g_k = _keras_grads(tf, theirs, ids, dy)
    y_o, g_o = _our_grads(ours, ids, dy)
    np.testing.assert_array_equal(y_o, y_k)
    np.testing.assert_allclose(g_o[0], g_k[0], rtol=1e-6, atol=1e-6)
    assert ours.compute_output_shape((None,) + shape[1:]) == tuple(theirs.compute_output_shape((None,) + shape[1:]))


def test_embedding_defaults_and_config_match_keras(tf):
    import keras

    theirs, ours = keras.layers.Embedding(VOCAB, DIM, mask_zero=True), fastnn.layers.Embedding(VOCAB, DIM,
                                                                                              mask_zero=True)
    theirs.build((2, 3))
    ours.build((2, 3))
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights] == ["embeddings"]
    table = ours.get_weights()[0]
    assert table.shape == (VOCAB, DIM) and np.abs(table).max() <= 0.05 and table.std() > 0.01  # uniform(±0.05)
    config = ours.get_config()
    for key in ("input_dim", "output_dim", "mask_zero", "embeddings_initializer", "embeddings_regularizer",
                "embeddings_constraint", "activity_regularizer"):
        assert key in theirs.get_config(), key
    assert config["input_dim"] == VOCAB and config["mask_zero"] is True
    again = fastnn.layers.Embedding.from_config(config)
    assert again.get_config()["output_dim"] == DIM and again.mask_zero
    from_keras = fastnn.layers.Embedding.from_config({k: v for k, v in theirs.get_config().items()
                                                      if k not in ("dtype", "name")})
    assert from_keras.input_dim == VOCAB and from_keras.mask_zero


def test_input_length_is_accepted_with_keras_warning(tf):
    import keras

    with pytest.warns(UserWarning, match="input_length` is deprecated") as ours:
        layer = fastnn.layers.Embedding(VOCAB, DIM, input_length=7)
    with pytest.warns(UserWarning, match="input_length` is deprecated") as theirs:
        keras.layers.Embedding(VOCAB, DIM, input_length=7)
    assert ours[0].category is theirs[0].category
    assert layer(np.zeros((2, 7), np.int64)).shape == (2, 7, DIM)


def test_weights_argument_and_regularizer():
    table = RNG.standard_normal((VOCAB, DIM)).astype(np.float32)
    layer = fastnn.layers.Embedding(VOCAB, DIM, weights=[table], embeddings_regularizer=fastnn.regularizers.L2(0.1))
    np.testing.assert_array_equal(layer(np.array([[3, 4]])).numpy()[0], table[[3, 4]])
    np.testing.assert_allclose(float(layer.losses[0]), 0.1 * float((table.astype(np.float64) ** 2).sum()),
                               rtol=1e-5)


def test_out_of_range_and_bad_indices_are_clear_errors():
    layer = fastnn.layers.Embedding(VOCAB, DIM)
    with pytest.raises(ValueError, match=rf"\[0, {VOCAB}\).*indices\[0,2\] = {VOCAB}"):
        layer(np.array([[1, 2, VOCAB]]))
    with pytest.raises(ValueError, match=r"indices\[1\] = -3"):
        layer(np.array([1, -3]))
    with pytest.raises(ValueError, match="finite"):
        layer(np.array([1.0, np.inf]))


def _masked_pool(M):
    L = M.layers
    return M.Sequential([L.Input((9,)), L.Embedding(VOCAB, DIM, mask_zero=True), L.Dropout(0.0),
                         L.GlobalAveragePooling1D(), L.Dense(3)])


def test_mask_zero_makes_global_average_pooling_skip_padding_as_keras(isa, tf):
    import keras

    ids = _ids((6, 9))
    theirs, ours = _masked_pool(keras), _masked_pool(fastnn)
    ours.set_weights(theirs.get_weights())
    dy = RNG.standard_normal((6, 3)).astype(np.float32)
    y_k, g_k = _keras_grads(tf, theirs, ids, dy)
    y_o, g_o = _our_grads(ours, ids, dy)
    assert_close_scaled(y_o, y_k, tol=2e-6)
    for a, b in zip(g_o, g_k):
        assert_close_scaled(a, b, tol=2e-6)
    # the mask matters: the plain mean over all steps differs
    plain = ours.layers[0](ids).numpy().mean(1) @ ours.layers[-1].kernel.numpy() + ours.layers[-1].bias.numpy()
    assert np.abs(plain - y_o).max() > 1e-3
    mask = ours.layers[0](ids)._keras_mask
    np.testing.assert_array_equal(np.asarray(mask), ids != 0)


def _text_classifier(M):
    L = M.layers
    return M.Sequential([L.Input((9,)), L.Embedding(VOCAB, DIM), L.GlobalAveragePooling1D(),
                         L.Dense(8, activation="relu"), L.Dense(1, activation="sigmoid")])


def test_summary_counts_and_weight_files_with_keras(tf, tmp_path):
    import keras

    theirs, ours = _text_classifier(keras), _text_classifier(fastnn)
    assert ours.count_params() == theirs.count_params() == VOCAB * DIM + DIM * 8 + 8 + 9
    text = []
    ours.summary(print_fn=text.append)
    assert f"Total params: {theirs.count_params():,}" in "\n".join(text)
    ids = _ids((5, 9))
    theirs.compile(optimizer="sgd", loss="binary_crossentropy")
    theirs.save_weights(str(tmp_path / "keras.weights.h5"))
    ours.load_weights(tmp_path / "keras.weights.h5")
    assert_close_scaled(ours.predict(ids, verbose=0), theirs.predict(ids, verbose=0), tol=2e-6)
    theirs.save(str(tmp_path / "keras.keras"))
    loaded = fastnn.models.load_model(tmp_path / "keras.keras")
    assert_close_scaled(loaded.predict(ids, verbose=0), theirs.predict(ids, verbose=0), tol=2e-6)
    fresh = _masked_pool(fastnn)
    fresh.save(tmp_path / "fastnn.keras")
    twin = tf.keras.models.load_model(str(tmp_path / "fastnn.keras"))
    assert twin.layers[0].mask_zero
    assert_close_scaled(twin.predict(ids, verbose=0), fresh.predict(ids, verbose=0), tol=2e-6)


@pytest.mark.parametrize("mask_zero", [False, True])
def test_text_classifier_trains_as_keras_on_the_same_weights(tf, mask_zero):
    import keras

    def build(M):
        L = M.layers
        return M.Sequential([L.Input((9,)), L.Embedding(VOCAB, DIM, mask_zero=mask_zero),
                             L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid")])

    rng = np.random.default_rng(3)
    ids, labels = _ids((32, 9), rng=rng), rng.integers(0, 2, (32, 1)).astype(np.float32)
    theirs, ours = build(keras), build(fastnn)
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    ours.compile(optimizer=fastnn.optimizers.SGD(0.5), loss="binary_crossentropy")
    h_k = theirs.fit(ids, labels, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    h_o = ours.fit(ids, labels, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(h_o, h_k, rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        assert_close_scaled(a, b, tol=1e-5)


def test_gather_and_embedding_lookup_use_the_kernel_gradient(tf):
    params = RNG.standard_normal((7, 3, 2)).astype(np.float32)
    ids = np.array([[1, 6, 1], [0, 1, 2]])
    for op, tf_op in ((fastnn.gather, tf.gather), (fastnn.nn.embedding_lookup, tf.nn.embedding_lookup)):
        table = params if op is fastnn.gather else params.reshape(7, 6)
        v, tv = fastnn.Variable(table), tf.Variable(table)
        with fastnn.GradientTape() as tape:
            y = op(v, ids)
            loss = fastnn.reduce_sum(y * y)
        with tf.GradientTape() as ttape:
            ty = tf_op(tv, ids)
            tloss = tf.reduce_sum(ty * ty)
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
        np.testing.assert_allclose(np.asarray(tape.gradient(loss, v)), tf.convert_to_tensor(ttape.gradient(tloss, tv)),
                                   rtol=1e-6)


# ------------------------------------------------------------------------------------------- TimeDistributed
def test_time_distributed_matches_keras(isa, tf):
    import keras

    x = RNG.standard_normal((3, 4, 5)).astype(np.float32)
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(6, activation="tanh"))
    ours = fastnn.layers.TimeDistributed(fastnn.layers.Dense(6, activation="tanh"))
    theirs.build(x.shape)
    ours.build(x.shape)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    dy = RNG.standard_normal((3, 4, 6)).astype(np.float32)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(theirs(xt) * dy)
    g_k = tape.gradient(loss, [xt] + theirs.trainable_weights)
    with fastnn.GradientTape() as otape:
        xo = fastnn.convert_to_tensor(x)
        otape.watch(xo)
        y = ours(xo)
        oloss = fastnn.reduce_sum(y * dy)
    g_o = otape.gradient(oloss, [xo] + ours.trainable_weights)
    assert_close_scaled(y.numpy(), theirs(x).numpy(), tol=2e-6)
    for a, b in zip(g_o, g_k):
        assert_close_scaled(np.asarray(a), b.numpy(), tol=2e-6)
    assert ours.compute_output_shape((None, 4, 5)) == (None, 4, 6)


def test_time_distributed_config_files_and_mask(tf, tmp_path):
    import keras

    def build(M):
        L = M.layers
        return M.Sequential([L.Input((9,)), L.Embedding(VOCAB, DIM, mask_zero=True),
                             L.TimeDistributed(L.Dense(4)), L.GlobalAveragePooling1D(), L.Dense(2)])

    theirs, ours = build(keras), build(fastnn)
    assert ours.count_params() == theirs.count_params()
    ids = _ids((5, 9))
    theirs.save_weights(str(tmp_path / "k.weights.h5"))
    ours.load_weights(tmp_path / "k.weights.h5")
    assert_close_scaled(ours.predict(ids, verbose=0), theirs.predict(ids, verbose=0), tol=2e-6)  # mask honoured
    hidden = ours.layers[1](ours.layers[0](ids))
    np.testing.assert_array_equal(np.asarray(hidden._keras_mask), ids != 0)
    config = ours.layers[1].get_config()
    again = fastnn.layers.TimeDistributed.from_config(config)
    assert isinstance(again.layer, fastnn.layers.Dense) and again.layer.units == 4
    theirs.compile(optimizer="adam", loss="mse")
    theirs.save(str(tmp_path / "k.keras"))
    loaded = fastnn.models.load_model(tmp_path / "k.keras")
    assert_close_scaled(loaded.predict(ids, verbose=0), theirs.predict(ids, verbose=0), tol=2e-6)
    ours.save(tmp_path / "o.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        twin = tf.keras.models.load_model(str(tmp_path / "o.keras"))
    assert_close_scaled(twin.predict(ids, verbose=0), ours.predict(ids, verbose=0), tol=2e-6)


def test_time_distributed_rejects_bad_arguments():
    with pytest.raises(ValueError, match="Layer` instance"):
        fastnn.layers.TimeDistributed("dense")
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        fastnn.layers.TimeDistributed(fastnn.layers.Dense(2))(np.zeros((2, 3), np.float32))


def test_masks_flow_through_a_functional_model_as_keras(tf):
    import keras

    def build(M):
        inputs = M.Input((9,))
        hidden = M.layers.Embedding(VOCAB, DIM, mask_zero=True)(inputs)
        pooled = M.layers.GlobalAveragePooling1D()(M.layers.Dense(5)(hidden))
        return M.Model(inputs, M.layers.Dense(2)(pooled))

    theirs, ours = build(keras), build(fastnn)
    ours.set_weights(theirs.get_weights())
    ids = _ids((7, 9))
    assert_close_scaled(ours.predict(ids, verbose=0), theirs.predict(ids, verbose=0), tol=2e-6)
    assert_close_scaled(ours(ids).numpy(), theirs(ids).numpy(), tol=2e-6)

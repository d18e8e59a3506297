"""Normalization layers against Keras/TensorFlow (the oracle): forward and backward on every ISA path, training
and inference, moving statistics, freezing, configs, parameter counts and weight files."""
import numpy as np
import pytest
from tolerances import max_errors

import fastnn

RNG = np.random.default_rng(7)


def _weights(channels, rng):
    return [rng.standard_normal(channels).astype(np.float32) + 1, rng.standard_normal(channels).astype(np.float32),
            rng.standard_normal(channels).astype(np.float32), rng.random(channels).astype(np.float32) + 0.5]


def _grads(tf, layer, x, dy, training):
    """(y, [dx, *dweights]) of a Keras layer under TF's tape."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        loss = tf.reduce_sum(y * dy)
    return y.numpy(), [g.numpy() for g in tape.gradient(loss, [xt] + layer.trainable_weights)]


def _our_grads(layer, x, dy, training):
    with fastnn.GradientTape() as tape:
        xt = fastnn.convert_to_tensor(x)
        tape.watch(xt)
        y = layer(xt, training=training)
        loss = fastnn.reduce_sum(y * dy)
    return y.numpy(), [np.asarray(g) for g in tape.gradient(loss, [xt] + layer.trainable_weights)]


def _assert_agrees(ours, theirs, scale, what):
    err, _ = max_errors(ours, theirs)
    assert err <= 2e-6 * scale, f"{what}: max abs error {err} (scale {scale})"


BN_CASES = [  # (input shape, layer kwargs)
    ((8, 5, 5, 16), {}),
    ((32, 7), {}),
    ((4, 3, 3, 19), {"center": False}),
    ((6, 9), {"scale": False, "epsilon": 1e-2}),
    ((5, 4, 6), {"axis": 1}),
]


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape,kwargs", BN_CASES)
def test_batch_normalization_matches_keras(isa, tf, shape, kwargs, training):
    import keras

    x = (RNG.standard_normal(shape) * 3 + 2).astype(np.float32)
    dy = RNG.standard_normal(shape).astype(np.float32)
    theirs = keras.layers.BatchNormalization(**kwargs)
    ours = fastnn.layers.BatchNormalization(**kwargs)
    theirs.build(shape)
    ours.build(shape)
    channels = shape[kwargs.get("axis", -1)]
    values = _weights(channels, RNG)
    keep = ([0] if ours.scale else []) + ([1] if ours.center else []) + [2, 3]
    theirs.set_weights([values[i] for i in keep])
    ours.set_weights([values[i] for i in keep])
    y_k, g_k = _grads(tf, theirs, x, dy, training)
    y_f, g_f = _our_grads(ours, x, dy, training)
    reduce = x.size / channels
    _assert_agrees(y_f, y_k, np.abs(y_k).max(), f"{isa} training={training} forward")
    for name, a, b in zip(["x"] + [w.name for w in ours.trainable_weights], g_f, g_k):
        scale = np.abs(b).max() * (1 if name == "x" else np.sqrt(reduce))
        _assert_agrees(a, b, scale, f"{isa} training={training} d{name}")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):  # moving statistics after the update
        _assert_agrees(a, b, max(np.abs(b).max(), 1), f"{isa} training={training} weights")


def test_moving_statistics_follow_keras_over_steps(tf):
    import keras

    theirs, ours = keras.layers.BatchNormalization(momentum=0.9), fastnn.layers.BatchNormalization(momentum=0.9)
    for step in range(5):
        x = (RNG.standard_normal((16, 4, 4, 8)) * (step + 1) + step).astype(np.float32)
        theirs(x, training=True)
        ours(x, training=True)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-6)
    # inference uses the moving statistics and leaves them alone
    before = ours.get_weights()
    x = RNG.standard_normal((3, 4, 4, 8)).astype(np.float32)
    np.testing.assert_allclose(ours(x).numpy(), theirs(x).numpy(), rtol=1e-5, atol=1e-5)
    for a, b in zip(ours.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_frozen_batch_normalization_runs_in_inference_mode(tf):
    """Keras fine-tuning: trainable=False means inference mode even under training=True, no stat updates."""
    import keras

    x = (RNG.standard_normal((8, 6)) * 2 + 1).astype(np.float32)
    theirs, ours = keras.layers.BatchNormalization(), fastnn.layers.BatchNormalization()
    theirs.build(x.shape)
    ours.build(x.shape)
    ours.set_weights(_weights(6, RNG))
    theirs.set_weights(ours.get_weights())
    theirs.trainable = ours.trainable = False
    before = ours.get_weights()
    np.testing.assert_allclose(ours(x, training=True).numpy(), theirs(x, training=True).numpy(), rtol=1e-5,
                               atol=1e-5)
    for a, b in zip(ours.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert ours.trainable_weights == [] and len(ours.non_trainable_weights) == 4
    ours.trainable = True  # unfreezing must not make the moving statistics trainable
    assert [w.name for w in ours.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in ours.non_trainable_weights] == ["moving_mean", "moving_variance"]


def test_batch_normalization_is_bitwise_equal_for_any_thread_count():
    x = (RNG.standard_normal((64, 12, 12, 40)) + 3).astype(np.float32)
    dy = RNG.standard_normal(x.shape).astype(np.float32)
    results = []
    try:
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            layer = fastnn.layers.BatchNormalization()
            y, grads = _our_grads(layer, x, dy, True)
            results.append([y, *grads, *layer.get_weights()])
    finally:
        fastnn.set_num_threads(None)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_batch_normalization_config_round_trip_and_keras_names(tf):
    import keras

    layer = fastnn.layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-2, center=False,
                                             gamma_regularizer="l2", name="bn")
    config = layer.get_config()
    keras_config = keras.layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-2, center=False,
                                                   gamma_regularizer="l2", name="bn").get_config()
    assert set(keras_config) - {"dtype"} <= set(config)
    for key in ("axis", "momentum", "epsilon", "center", "scale", "synchronized", "renorm"):
        assert config[key] == keras_config[key], key
    clone = fastnn.layers.BatchNormalization.from_config(config)
    assert clone.get_config() == config


def _cnn(M):
    L = M.layers
    return M.Sequential([L.Input((8, 8, 3)), L.Conv2D(4, 3), L.BatchNormalization(), L.ReLU(), L.Flatten(),
                         L.Dense(6), L.BatchNormalization(center=False), L.Dense(2)])


def test_summary_counts_and_weight_files_match_keras(tf, tmp_path):
    import keras

    theirs, ours = _cnn(keras), _cnn(fastnn)
    assert ours.count_params() == theirs.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in theirs.trainable_weights)
    text = []
    ours.summary(print_fn=text.append)
    text = "\n".join(text)
    assert f"Trainable params: {trainable:,}" in text
    assert f"Non-trainable params: {theirs.count_params() - trainable:,}" in text
    x = RNG.standard_normal((16, 8, 8, 3)).astype(np.float32)
    theirs.set_weights([w + RNG.random(w.shape).astype(np.float32) for w in theirs.get_weights()])
    theirs.save_weights(str(tmp_path / "keras.weights.h5"))
    ours.load_weights(tmp_path / "keras.weights.h5")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-4)
    # fastnn's own whole-model file keeps the moving statistics and the layer configs
    ours.compile(optimizer="sgd", loss="mse")
    ours.fit(x, RNG.standard_normal((16, 2)).astype(np.float32), epochs=1, verbose=0)
    ours.save(tmp_path / "model.keras")
    loaded = fastnn.models.load_model(tmp_path / "model.keras")
    for a, b in zip(loaded.get_weights(), ours.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), ours.predict(x, verbose=0))


def test_fit_updates_moving_statistics_and_learns():
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((128, 8, 8, 3)) * 4 + 2).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 2).astype(np.int64)
    model = _cnn(fastnn)
    model.compile(optimizer="adam", loss=fastnn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    bn = model.layers[1]
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert np.abs(bn.moving_mean.numpy()).max() > 0  # updated from zeros by the training steps


LN_CASES = [
    ((8, 5, 5, 16), {}),
    ((6, 13), {"epsilon": 1e-5}),
    ((4, 3, 5), {"axis": [1, 2]}),
    ((4, 3, 5), {"axis": 1, "center": False}),
    ((5, 40), {"scale": False}),
]


@pytest.mark.parametrize("shape,kwargs", LN_CASES)
def test_layer_normalization_matches_keras(isa, tf, shape, kwargs):
    import keras

    x = (RNG.standard_normal(shape) * 3 + 2).astype(np.float32)
    dy = RNG.standard_normal(shape).astype(np.float32)
    theirs, ours = keras.layers.LayerNormalization(**kwargs), fastnn.layers.LayerNormalization(**kwargs)
    theirs.build(shape)
    ours.build(shape)
    values = [RNG.standard_normal(w.shape).astype(np.float32) + 0.5 for w in theirs.weights]
    theirs.set_weights(values)
    ours.set_weights(values)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    y_k, g_k = _grads(tf, theirs, x, dy, True)
    y_f, g_f = _our_grads(ours, x, dy, True)
    _assert_agrees(y_f, y_k, np.abs(y_k).max(), f"{isa} forward")
    rows = x.size / np.prod(ours.weights[0].shape) if ours.weights else 1
    for name, a, b in zip(["x"] + [w.name for w in ours.trainable_weights], g_f, g_k):
        _assert_agrees(a, b, np.abs(b).max() * (1 if name == "x" else np.sqrt(rows)), f"{isa} d{name}")


def test_layer_normalization_is_bitwise_equal_for_any_thread_count():
    x = (RNG.standard_normal((4096, 96)) + 3).astype(np.float32)
    dy = RNG.standard_normal(x.shape).astype(np.float32)
    results = []
    try:
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            y, grads = _our_grads(fastnn.layers.LayerNormalization(), x, dy, True)
            results.append([y, *grads])
    finally:
        fastnn.set_num_threads(None)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_tf_moments_and_batch_normalization_ops(tf):
    x = (RNG.standard_normal((6, 4, 5)) * 2 + 1).astype(np.float32)
    offset, scale = RNG.standard_normal(5).astype(np.float32), RNG.standard_normal(5).astype(np.float32)
    with tf.GradientTape() as tape:
        xt = tf.constant(x)
        tape.watch(xt)
        mean, var = tf.nn.moments(xt, axes=[0, 1])
        y_k = tf.nn.batch_normalization(xt, mean, var, offset, scale, 1e-3)
        loss = tf.reduce_sum(y_k * y_k * x)
    dx_k = tape.gradient(loss, xt)
    with fastnn.GradientTape() as tape:
        xf = fastnn.convert_to_tensor(x)
        tape.watch(xf)
        mean_f, var_f = fastnn.nn.moments(xf, axes=[0, 1])
        y_f = fastnn.nn.batch_normalization(xf, mean_f, var_f, offset, scale, 1e-3)
        loss = fastnn.reduce_sum(y_f * y_f * x)
    dx_f = tape.gradient(loss, xf)
    np.testing.assert_allclose(mean_f.numpy(), mean.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(var_f.numpy(), var.numpy(), rtol=1e-5)
    np.testing.assert_allclose(y_f.numpy(), y_k.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dx_f.numpy(), dx_k.numpy(), rtol=1e-4, atol=1e-4)
    m_keep, _ = fastnn.nn.moments(x, axes=[0, 1], keepdims=True)
    assert m_keep.shape == (1, 1, 5)


def test_rescaling_matches_keras(tf):
    import keras

    images = RNG.integers(0, 256, (2, 3, 3, 3)).astype(np.uint8)
    for kwargs in ({"scale": 1 / 255}, {"scale": 1 / 127.5, "offset": -1}, {"scale": [0.5, 1.0, 2.0], "offset": 1}):
        theirs, ours = keras.layers.Rescaling(**kwargs), fastnn.layers.Rescaling(**kwargs)
        np.testing.assert_allclose(ours(images).numpy(), theirs(images).numpy(), rtol=1e-6)
        config = ours.get_config()
        assert config["scale"] == theirs.get_config()["scale"] and config["offset"] == theirs.get_config()["offset"]
        assert fastnn.layers.Rescaling.from_config(config).get_config() == config


@pytest.mark.parametrize("axis", [-1, None, (1, 2)])
def test_normalization_adapt_matches_keras(tf, axis):
    import keras

    data = (RNG.standard_normal((40, 3, 4)) * 5 + 3).astype(np.float32)
    theirs, ours = keras.layers.Normalization(axis=axis), fastnn.layers.Normalization(axis=axis)
    theirs.adapt(data)
    ours.adapt(data)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights] == ["mean", "variance", "count"]
    for a, b in zip(ours.get_weights()[:2], theirs.get_weights()[:2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    x = RNG.standard_normal((5, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(x).numpy(), theirs(x).numpy(), rtol=1e-5, atol=1e-5)
    # batches: a fastnn Dataset (of (x, y) pairs) merges them as Keras does for an iterable of batches
    batched = fastnn.layers.Normalization(axis=axis)
    batched.adapt(fastnn.data.Dataset.from_tensor_slices((data, np.zeros(40))).batch(16))
    keras_batched = keras.layers.Normalization(axis=axis)
    keras_batched.adapt([data[i:i + 16] for i in range(0, 40, 16)])
    for a, b in zip(batched.get_weights()[:2], keras_batched.get_weights()[:2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_normalization_given_statistics_and_invert(tf):
    import keras

    x = RNG.standard_normal((4, 3)).astype(np.float32)
    for kwargs in ({"mean": [1.0, 2.0, 3.0], "variance": [4.0, 0.0, 1.0]}, {"mean": 2.0, "variance": 9.0},
                   {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 1.0, 1.0], "invert": True}):
        theirs, ours = keras.layers.Normalization(**kwargs), fastnn.layers.Normalization(**kwargs)
        np.testing.assert_allclose(ours(x).numpy(), theirs(x).numpy(), rtol=1e-6, atol=1e-6)
        assert ours.weights == []
        config = ours.get_config()
        for key in ("axis", "invert", "mean", "variance"):
            assert config[key] == theirs.get_config()[key], key
        np.testing.assert_array_equal(fastnn.layers.Normalization.from_config(config)(x).numpy(), ours(x).numpy())


def test_gaussian_noise_and_spatial_dropout_act_only_when_training(tf):
    import keras

    x = np.ones((64, 8, 8, 16), np.float32)
    noise = fastnn.layers.GaussianNoise(0.5, seed=3)
    np.testing.assert_array_equal(noise(x).numpy(), x)
    noisy = noise(x, training=True).numpy() - x
    assert abs(noisy.std() - 0.5) < 0.01 and abs(noisy.mean()) < 0.01
    assert not np.array_equal(noise(x, training=True).numpy() - x, noisy)  # a new draw every step
    assert noise.get_config().keys() >= keras.layers.GaussianNoise(0.5, seed=3).get_config().keys() - {"dtype"}
    drop = fastnn.layers.SpatialDropout2D(0.5, seed=1)
    np.testing.assert_array_equal(drop(x).numpy(), x)
    y = drop(x, training=True).numpy()
    per_map = y.reshape(64, 64, 16)
    assert np.all(per_map.min(axis=1) == per_map.max(axis=1))  # each (sample, channel) map kept or dropped whole
    assert set(np.unique(y)) == {0.0, 2.0} and abs((y == 0).mean() - 0.5) < 0.05
    assert drop.get_config().keys() >= keras.layers.SpatialDropout2D(0.5).get_config().keys() - {"dtype"}
    with fastnn.GradientTape() as tape:
        xt = fastnn.convert_to_tensor(x)
        tape.watch(xt)
        out = drop(xt, training=True)
    np.testing.assert_array_equal(tape.gradient(out, xt).numpy(), out.numpy())  # the same mask backward


def test_activity_regularization_matches_keras_loss(tf):
    import keras

    x = RNG.standard_normal((6, 5)).astype(np.float32)
    theirs, ours = keras.layers.ActivityRegularization(l1=0.01, l2=0.1), \
        fastnn.layers.ActivityRegularization(l1=0.01, l2=0.1)
    np.testing.assert_array_equal(ours(x).numpy(), x)
    theirs(x)
    np.testing.assert_allclose(float(np.asarray(ours.losses[0])), float(theirs.losses[0]), rtol=1e-6)
    assert ours.get_config().keys() >= theirs.get_config().keys() - {"dtype"}
    model = fastnn.Sequential([fastnn.layers.Input((5,)), fastnn.layers.Dense(3),
                               fastnn.layers.ActivityRegularization(l2=1e6)])
    model.compile(optimizer="sgd", loss="mse")
    logs = model.train_on_batch(x, np.zeros((6, 3), np.float32), return_dict=True)
    assert logs["loss"] > 1e3  # the penalty reaches the training loss


def _preprocessing_model(M, data):
    L = M.layers
    norm = L.Normalization()
    norm.adapt(data)
    return M.Sequential([L.Input((6,)), L.Rescaling(0.5), norm, L.Dense(8), L.LayerNormalization(),
                         L.GaussianNoise(0.1), L.ActivityRegularization(l2=0.01), L.Dense(2)])


def test_summary_counts_and_weights_h5_with_the_new_layers(tf, tmp_path):
    import keras

    data = RNG.standard_normal((20, 6)).astype(np.float32)
    theirs, ours = _preprocessing_model(keras, data), _preprocessing_model(fastnn, data)
    assert ours.count_params() == theirs.count_params()
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    theirs.save_weights(str(tmp_path / "keras.weights.h5"))
    ours.load_weights(tmp_path / "keras.weights.h5")
    np.testing.assert_allclose(ours.predict(data, verbose=0), theirs.predict(data, verbose=0), rtol=1e-4, atol=1e-4)
    ours.save(tmp_path / "model.keras")
    loaded = fastnn.models.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), ours.predict(data, verbose=0))


def test_batch_norm_op_with_given_statistics_differentiates_them_as_tf(tf):
    x = (RNG.standard_normal((6, 4)) * 2 + 1).astype(np.float32)
    mean, var = RNG.standard_normal(4).astype(np.float32), (RNG.random(4) + 0.5).astype(np.float32)
    gamma, beta = RNG.standard_normal(4).astype(np.float32), RNG.standard_normal(4).astype(np.float32)
    dy = RNG.standard_normal(x.shape).astype(np.float32)
    tf_args = [tf.constant(a) for a in (x, mean, var, gamma, beta)]
    with tf.GradientTape() as tape:
        tape.watch(tf_args)
        y = tf.nn.batch_normalization(tf_args[0], tf_args[1], tf_args[2], tf_args[4], tf_args[3], 1e-3)
        loss = tf.reduce_sum(y * dy)
    want = tape.gradient(loss, tf_args)
    ours = [fastnn.convert_to_tensor(a) for a in (x, mean, var, gamma, beta)]
    with fastnn.GradientTape() as tape:
        for t in ours:
            tape.watch(t)
        y_f, _, _ = fastnn.ops.batch_norm(ours[0], ours[3], ours[4], ours[1], ours[2], epsilon=1e-3)
        loss = fastnn.reduce_sum(y_f * dy)
    got = tape.gradient(loss, ours)
    np.testing.assert_allclose(y_f.numpy(), y.numpy(), rtol=1e-5, atol=1e-5)
    for name, a, b in zip(("x", "mean", "variance", "gamma", "beta"), got, want):
        np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=1e-5, atol=1e-5, err_msg=name)

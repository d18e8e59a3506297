"""Recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional, Masking) against Keras/TensorFlow (the oracle): forward
and backward (inputs, every weight, initial states) on every ISA path for each option, thread-count determinism,
configs, parameter counts and weight files."""
import numpy as np
import pytest
from tolerances import max_errors

import fastnn

RNG = np.random.default_rng(11)
B, T, F, U = 4, 7, 5, 6


def _mask(rng, batch=B, steps=T):
    """Some rows fully kept, one with padding at the end, one with a hole and a masked first step."""
    mask = np.ones((batch, steps), bool)
    mask[1, steps - 3:] = False
    mask[2, [0, 3]] = False
    return mask


def _set_random_weights(theirs, ours, rng):
    values = [(rng.standard_normal(w.shape) * 0.4).astype(np.float32) for w in theirs.get_weights()]
    theirs.set_weights(values)
    ours.set_weights(values)


def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _keras_run(tf, layer, x, cotangents, call_kwargs):
    xt = tf.constant(x)
    kw = dict(call_kwargs)
    states = [tf.constant(s) for s in kw.pop("initial_state", [])]
    with tf.GradientTape() as tape:
        tape.watch([xt] + states)
        out = _flat(layer(xt, initial_state=states or None, **kw))
        loss = sum(tf.reduce_sum(o * c) for o, c in zip(out, cotangents))
    grads = tape.gradient(loss, [xt] + states + layer.trainable_weights)
    return [o.numpy() for o in out], [g.numpy() for g in grads]


def _our_run(layer, x, cotangents, call_kwargs):
    kw = dict(call_kwargs)
    states = [fastnn.convert_to_tensor(s) for s in kw.pop("initial_state", [])]
    with fastnn.GradientTape() as tape:
        xt = fastnn.convert_to_tensor(x)
        tape.watch(xt)
        for s in states:
            tape.watch(s)
        out = _flat(layer(xt, initial_state=states or None, **kw))
        loss = sum(fastnn.reduce_sum(o * c) for o, c in zip(out, cotangents))
    grads = tape.gradient(loss, [xt] + states + layer.trainable_weights)
    return [o.numpy() for o in out], [np.asarray(g) for g in grads]


def _check(ours, theirs, what):
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.shape == b.shape, f"{what} #{i}: shape {a.shape} vs {b.shape}"
        err, _ = max_errors(a, b)
        scale = max(np.abs(b).max(), 1.0)
        assert err <= 2e-5 * scale, f"{what} #{i}: max abs error {err} (scale {scale})"


CASES = [  # (layer kwargs, call options)
    ({}, {}),
    ({"return_sequences": True}, {}),
    ({"return_state": True}, {}),
    ({"return_sequences": True, "return_state": True, "go_backwards": True}, {}),
    ({"go_backwards": True}, {}),
    ({"return_sequences": True}, {"mask": True}),
    ({"return_sequences": True, "zero_output_for_mask": True, "go_backwards": True}, {"mask": True}),
    ({"return_state": True}, {"mask": True, "initial_state": True}),
    ({"use_bias": False, "return_sequences": True}, {"initial_state": True}),
    ({"activation": "relu", "recurrent_activation": "tanh", "return_sequences": True}, {}),
    ({"activation": None, "recurrent_activation": "sigmoid"}, {}),
]


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kwargs,options", CASES)
def test_recurrent_layer_matches_keras(isa, tf, kind, kwargs, options):
    import keras

    kwargs = dict(kwargs)
    if kind == "SimpleRNN":
        kwargs.pop("recurrent_activation", None)
    rng = np.random.default_rng(abs(hash((kind, str(kwargs), str(options)))) % 2**32)
    x = rng.standard_normal((B, T, F)).astype(np.float32)
    theirs = getattr(keras.layers, kind)(U, **kwargs)
    ours = getattr(fastnn.layers, kind)(U, **kwargs)
    theirs.build((B, T, F))
    ours.build((B, T, F))
    _set_random_weights(theirs, ours, rng)
    call = {}
    if options.get("mask"):
        call["mask"] = _mask(rng)
    if options.get("initial_state"):
        call["initial_state"] = [rng.standard_normal((B, U)).astype(np.float32)
                                 for _ in range(2 if kind == "LSTM" else 1)]
    out_k = _flat(theirs(tf.constant(x), **{k: (v if k != "initial_state" else [tf.constant(s) for s in v])
                                            for k, v in call.items()}))
    cot = [rng.standard_normal(o.shape).astype(np.float32) for o in out_k]
    y_k, g_k = _keras_run(tf, theirs, x, cot, call)
    y_f, g_f = _our_run(ours, x, cot, call)
    _check(y_f, y_k, f"{isa} {kind} {kwargs} {options} forward")
    _check(g_f, g_k, f"{isa} {kind} {kwargs} {options} gradients")


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("inner,kwargs,masked", [
    ("LSTM", {"return_sequences": True}, True),
    ("GRU", {}, False),
    ("SimpleRNN", {"return_sequences": True, "return_state": True}, False),
    ("LSTM", {"return_state": True}, True),
])
def test_bidirectional_matches_keras(isa, tf, merge_mode, inner, kwargs, masked):
    import keras

    rng = np.random.default_rng(len(inner) * 31 + len(str(merge_mode)) + len(kwargs))
    x = rng.standard_normal((B, T, F)).astype(np.float32)
    theirs = keras.layers.Bidirectional(getattr(keras.layers, inner)(U, **kwargs), merge_mode=merge_mode)
    ours = fastnn.layers.Bidirectional(getattr(fastnn.layers, inner)(U, **kwargs), merge_mode=merge_mode)
    theirs.build((B, T, F))
    ours.build((B, T, F))
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    _set_random_weights(theirs, ours, rng)
    call = {"mask": _mask(rng)} if masked else {}
    out_k = _flat(theirs(tf.constant(x), **call))
    cot = [rng.standard_normal(o.shape).astype(np.float32) for o in out_k]
    y_k, g_k = _keras_run(tf, theirs, x, cot, call)
    y_f, g_f = _our_run(ours, x, cot, call)
    _check(y_f, y_k, f"{isa} Bidirectional({inner}) {merge_mode} forward")
    _check(g_f, g_k, f"{isa} Bidirectional({inner}) {merge_mode} gradients")


def _text_model(lib, kind):
    L = lib.layers
    return lib.Sequential([L.Input((T, F)), L.Masking(0.0), getattr(L, kind)(U, return_sequences=True),
                           L.Bidirectional(L.GRU(3)), L.Dense(2)])


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_masking_layer_in_sequential_matches_keras(tf, kind):
    import keras

    rng = np.random.default_rng(4)
    theirs, ours = _text_model(keras, kind), _text_model(fastnn, kind)
    ours.set_weights(theirs.get_weights())
    x = rng.standard_normal((B, T, F)).astype(np.float32)
    x[1, 4:] = 0.0  # padding
    x[2, 0] = 0.0
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=0, atol=2e-5)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_summary_counts_and_weight_files_round_trip_with_keras(tf, tmp_path, kind):
    import keras

    theirs, ours = _text_model(keras, kind), _text_model(fastnn, kind)
    assert ours.count_params() == theirs.count_params()
    text = []
    ours.summary(print_fn=text.append)
    assert f"Total params: {theirs.count_params():,}" in "\n".join(text)
    rng = np.random.default_rng(9)
    theirs.set_weights([w + rng.random(w.shape).astype(np.float32) * 0.1 for w in theirs.get_weights()])
    x = rng.standard_normal((B, T, F)).astype(np.float32)
    theirs.save_weights(str(tmp_path / "keras.weights.h5"))
    ours.load_weights(tmp_path / "keras.weights.h5")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=0, atol=2e-5)
    # and back: fastnn's .weights.h5 and .keras (Sequential) files load in Keras
    ours.set_weights([w * 0.5 for w in ours.get_weights()])
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs.load_weights(str(tmp_path / "ours.weights.h5"))
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=0, atol=2e-5)
    ours.save(tmp_path / "ours.keras")
    loaded = keras.models.load_model(str(tmp_path / "ours.keras"))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=0, atol=2e-5)
    theirs.save(str(tmp_path / "keras.keras"))
    back = fastnn.models.load_model(tmp_path / "keras.keras", compile=False)  # (the model was never compiled)
    np.testing.assert_allclose(back.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=0, atol=2e-5)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_config_round_trip_and_keras_defaults(tf, kind):
    import keras

    ours = getattr(fastnn.layers, kind)(U, return_sequences=True, go_backwards=True, dropout=0.25, name="r")
    theirs = getattr(keras.layers, kind)(U)
    for key, value in theirs.get_config().items():
        if key in ("name", "dtype", "return_sequences", "go_backwards", "dropout", "kernel_initializer",
                   "recurrent_initializer", "bias_initializer"):
            continue
        assert ours.get_config()[key] == value, key
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
    if kind == "LSTM":  # unit_forget_bias: the forget gate's bias starts at 1
        ours.build((B, T, F))
        np.testing.assert_array_equal(ours.cell.bias.numpy(), np.repeat([0.0, 1.0, 0.0, 0.0], U))
    if kind == "GRU":
        ours.build((B, T, F))
        assert ours.cell.bias.shape == (2, 3 * U)


def test_dropout_is_training_only_and_one_mask_per_sequence():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((B, T, F)).astype(np.float32)
    layer = fastnn.layers.SimpleRNN(U, dropout=0.5, seed=3, return_sequences=True, activation=None)
    plain = fastnn.layers.SimpleRNN(U, return_sequences=True, activation=None)
    layer.build((B, T, F))
    plain.build((B, T, F))
    w = [rng.standard_normal(v.shape).astype(np.float32) for v in layer.get_weights()]
    layer.set_weights(w)
    plain.set_weights(w)
    np.testing.assert_array_equal(layer(x).numpy(), plain(x).numpy())  # inference: no dropout
    y = layer(x, training=True).numpy()
    assert not np.allclose(y, plain(x).numpy())
    # the same features are dropped at every step: find the mask from the kernel's linearity
    kernel = w[0]
    drop = np.zeros((B, F), bool)
    for f in range(F):
        probe = x.copy()
        probe[:, :, f] += 1.0
        layer._calls -= 1  # the same seed again: the same mask
        drop[:, f] = np.isclose(layer(probe, training=True).numpy(), y, rtol=0, atol=1e-5).all(axis=(1, 2))
    assert drop.any() and not drop.all()
    # a kept feature: the output changes at every step by the scaled kernel row (mask constant over time)
    b, f = np.argwhere(~drop)[0]
    probe = x.copy()
    probe[b, 0, f] += 1.0
    layer._calls -= 1
    delta = layer(probe, training=True).numpy()[b, 0] - y[b, 0]
    np.testing.assert_allclose(delta, 2.0 * kernel[f], rtol=1e-4, atol=1e-5)  # 1 / (1 - rate)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_stateful_layer_carries_states_between_batches(kind):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((B, 2 * T, F)).astype(np.float32)
    whole = getattr(fastnn.layers, kind)(U, return_sequences=True)
    parts = getattr(fastnn.layers, kind)(U, return_sequences=True, stateful=True)
    whole.build((B, 2 * T, F))
    parts.build((B, T, F))
    parts.set_weights(whole.get_weights())
    y = whole(x).numpy()
    first, second = parts(x[:, :T]).numpy(), parts(x[:, T:]).numpy()
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), y, rtol=0, atol=1e-6)
    parts.reset_state()
    np.testing.assert_allclose(parts(x[:, :T]).numpy(), first, rtol=0, atol=0)
    with pytest.raises(ValueError, match="batch size"):
        parts(x[:2, :T])


def test_lstm_classifier_learns():
    """A small LSTM classifier trains through fit (the sign of the sequence's sum)."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((256, 10, 3)).astype(np.float32)
    y = (x.sum(axis=(1, 2)) > 0).astype(np.int64)
    fastnn.utils.set_random_seed(1)
    model = fastnn.Sequential([fastnn.layers.Input((10, 3)), fastnn.layers.LSTM(16), fastnn.layers.Dense(2)])
    model.compile(optimizer=fastnn.optimizers.Adam(0.01),
                  loss=fastnn.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9

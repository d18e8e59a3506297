"""Sequential / subclassed models vs Keras: same weights give the same predictions; compile + fit with the same
initial weights and unshuffled batches gives the same weights, History and evaluate results; then the
training API's options, callbacks and errors."""
import re

import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import layers

R = np.random.default_rng(2)
X = R.standard_normal((200, 12)).astype(np.float32)
Y = (X[:, :3].sum(axis=1) > 0).astype(np.int64) + (X[:, 3] > 1).astype(np.int64)  # 3 classes
IMAGES = R.random((64, 10, 10, 1)).astype(np.float32)
IMAGE_LABELS = R.integers(0, 4, 64)


def mlp(M, output="softmax", l2=None):
    reg = None if l2 is None else M.regularizers.L2(l2)
    return M.Sequential([M.layers.Input((12,)), M.layers.Dense(16, activation="relu", kernel_regularizer=reg),
                         M.layers.Dense(3, activation=output)])


def lenet(M):
    L = M.layers
    return M.Sequential([L.Input((10, 10, 1)), L.Conv2D(4, 3, activation="relu"), L.MaxPool2D(),
                         L.Conv2D(6, 2, activation="tanh", padding="same"), L.AveragePooling2D(2), L.Flatten(),
                         L.Dense(4, activation="softmax")])


def twins(tf, build, **kwargs):
    theirs = build(tf.keras, **kwargs)
    ours = build(fastnn, **kwargs)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def test_predict_matches_keras(tf):
    ours, theirs = twins(tf, lenet)
    assert_close_scaled(ours.predict(IMAGES, verbose=0), theirs.predict(IMAGES, verbose=0), tol=2e-6)
    assert ours.count_params() == theirs.count_params()


FIT_CASES = {
    "mlp_sgd": (mlp, {}, lambda M: M.optimizers.SGD(0.1), "sparse_categorical_crossentropy", (X, Y)),
    "mlp_adam_logits": (mlp, {"output": None}, lambda M: M.optimizers.Adam(0.01),
                        lambda M: M.losses.SparseCategoricalCrossentropy(from_logits=True), (X, Y)),
    "mlp_rmsprop_onehot_l2": (mlp, {"l2": 0.01}, lambda M: "rmsprop", "categorical_crossentropy",
                              (X, np.eye(3, dtype=np.float32)[Y])),
    "lenet_adam": (lenet, {}, lambda M: M.optimizers.Adam(0.005), "sparse_categorical_crossentropy",
                   (IMAGES, IMAGE_LABELS)),
}


@pytest.mark.parametrize("name", sorted(FIT_CASES))
def test_fit_matches_keras(name, tf):
    build, kwargs, make_opt, loss, (x, y) = FIT_CASES[name]
    ours, theirs = twins(tf, build, **kwargs)
    for model, M in ((ours, fastnn), (theirs, tf.keras)):
        model.compile(optimizer=make_opt(M), loss=loss(M) if callable(loss) else loss, metrics=["accuracy"])
    h_ours = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        assert_close_scaled(a, b, tol=1e-4, err_msg=name)
    assert set(h_ours.history) == set(h_theirs.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for key in h_theirs.history:
        np.testing.assert_allclose(h_ours.history[key], h_theirs.history[key], rtol=1e-4, atol=1e-5, err_msg=key)
    ours_eval = ours.evaluate(x, y, verbose=0)
    theirs_eval = theirs.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(ours_eval, theirs_eval, rtol=1e-4, atol=1e-6)


def test_sample_and_class_weights_match_keras(tf):
    ours, theirs = twins(tf, mlp)
    weights = R.random(len(X)).astype(np.float32)
    for model, M in ((ours, fastnn), (theirs, tf.keras)):
        model.compile(optimizer=M.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    kwargs = dict(batch_size=32, epochs=2, shuffle=False, verbose=0)
    ours.fit(X, Y, sample_weight=weights, **kwargs)
    theirs.fit(X, Y, sample_weight=weights, **kwargs)
    ours.fit(X, Y, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, **kwargs)
    theirs.fit(X, Y, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, **kwargs)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        assert_close_scaled(a, b, tol=1e-4)


class _Residual:
    """The same subclassed model written for Keras and for fastnn (M is either module)."""

    @staticmethod
    def build(M):
        class Residual(M.Model):
            def __init__(self):
                super().__init__()
                self.inner = M.layers.Dense(12, activation="tanh")
                self.head = M.layers.Dense(3, activation="softmax")

            def call(self, inputs, training=None):
                return self.head(inputs + self.inner(inputs))

        model = Residual()
        model(X[:1])
        return model


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "RMSprop"])
@pytest.mark.parametrize("arch", ["mlp", "lenet", "subclass"])
def test_three_train_on_batch_steps_match_keras(arch, optimizer, tf):
    build = {"mlp": mlp, "lenet": lenet, "subclass": _Residual.build}[arch]
    x, y = (IMAGES[:32], IMAGE_LABELS[:32]) if arch == "lenet" else (X[:32], Y[:32])
    ours, theirs = twins(tf, build)
    for model, M in ((ours, fastnn), (theirs, tf.keras)):
        model.compile(optimizer=getattr(M.optimizers, optimizer)(learning_rate=0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    for _ in range(3):
        a = ours.train_on_batch(x, y)
        b = theirs.train_on_batch(x, y)
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)
    for wa, wb in zip(ours.get_weights(), theirs.get_weights()):
        assert_close_scaled(wa, wb, tol=2e-5)
    np.testing.assert_allclose(ours.test_on_batch(x, y), theirs.test_on_batch(x, y), rtol=2e-5, atol=1e-6)
    assert_close_scaled(ours.predict_on_batch(x[:5]), theirs.predict_on_batch(x[:5]), tol=2e-5)


def test_summary_matches_keras_numbers(tf, capsys):
    ours, theirs = twins(tf, lenet)
    ours.summary()
    text = capsys.readouterr().out
    for layer in ours.layers:
        assert f"{layer.name} ({type(layer).__name__})" in text
    assert "(None, 8, 8, 4)" in text and "(None, 4, 4, 6)" in text and "(None, 24)" in text
    total = theirs.count_params()
    assert f"Total params: {total:,}" in text and "Non-trainable params: 0" in text
    big = fastnn.Sequential([layers.Input((784,)), layers.Dense(512), layers.Dense(10)])
    lines = []
    big.summary(print_fn=lines.append)
    assert "401,920" in lines[0] and "Total params: 407,050 (1.55 MB)" in lines[0]


def test_subclassed_model_trains():
    class TwoLayer(fastnn.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(16, activation="relu")
            self.out = layers.Dense(3)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    model = TwoLayer()
    model.compile(optimizer=fastnn.optimizers.Adam(0.01),
                  loss=fastnn.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = model.fit(X, Y, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    assert len(model.trainable_weights) == 4 and model.count_params() == 12 * 16 + 16 + 16 * 3 + 3
    assert model.evaluate(X, Y, verbose=0)[1] > 0.8


def test_sequential_add_pop_build_and_layers():
    model = fastnn.Sequential()
    model.add(layers.Dense(4, input_shape=(3,)))
    assert model.built
    model.add(layers.Dense(2))
    assert [layer.units for layer in model.layers] == [4, 2]
    model.pop()
    assert len(model.layers) == 1 and model.compute_output_shape((None, 3)) == (None, 4)
    lazy = fastnn.Sequential([layers.Dense(5), layers.Dense(1)])
    assert not lazy.built
    lazy.build((None, 7))
    assert lazy.count_params() == 7 * 5 + 5 + 5 + 1
    with pytest.raises(TypeError, match="layer instance"):
        model.add("dense")
    with pytest.raises(IndexError):
        fastnn.Sequential().pop()


def test_progress_output(capsys):
    model = mlp(fastnn)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, Y, epochs=2, batch_size=50, verbose=1)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[1].startswith("4/4 ") and re.search(r"\d+(ms|us)/step - accuracy: ", out[1])
    assert " - loss: " in out[1] and out[2] == "Epoch 2/2"
    model.fit(X, Y, epochs=1, batch_size=50, verbose=2)
    assert capsys.readouterr().out.startswith("4/4 - ")
    model.fit(X, Y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_callbacks():
    model = mlp(fastnn)
    model.compile(optimizer=fastnn.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    stopper = fastnn.callbacks.EarlyStopping(monitor="loss", patience=1)
    history = model.fit(X, Y, epochs=20, verbose=0, shuffle=False, callbacks=[stopper])
    assert len(history.epoch) == 2 and stopper.stopped_epoch == 1  # lr 0: no improvement after the first epoch

    seen = []
    model.compile(optimizer=fastnn.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    schedule = fastnn.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    spy = fastnn.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs=None: seen.append(
        float(model.optimizer.learning_rate)))
    history = model.fit(X, Y, epochs=3, verbose=0, callbacks=[schedule, spy])
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    np.testing.assert_allclose(history.history["learning_rate"], seen, rtol=1e-6)


def test_csv_logger(tmp_path):
    model = mlp(fastnn)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    path = tmp_path / "log.csv"
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[fastnn.callbacks.CSVLogger(path)])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,accuracy,loss" and len(lines) == 3 and lines[2].startswith("1,")


@pytest.mark.parametrize("call, error, message", [
    (lambda m: m.fit(X, Y[:-1], verbose=0), ValueError, "200 and 199"),
    (lambda m: m.fit(X[:0], Y[:0], verbose=0), ValueError, "empty"),
    (lambda m: m.fit(X, Y, batch_size=0, verbose=0), ValueError, "batch_size"),
    (lambda m: m.fit(X, Y, validation_split=1.5, verbose=0), ValueError, "validation_split"),
    (lambda m: m.fit(X, Y, verbose=3), ValueError, "verbose"),
    (lambda m: m.fit(X, Y, sample_weight=np.ones(5), verbose=0), ValueError, "sample_weight"),
    (lambda m: m.fit(X.astype(complex), Y, verbose=0), TypeError, "complex"),
    (lambda m: m.fit(X[:, :5], Y, verbose=0), ValueError, "expected last axis 12"),
    (lambda m: m.evaluate(X, None, verbose=0), ValueError, "needs non-empty"),
])
def test_fit_errors(call, error, message):
    model = mlp(fastnn)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(error, match=message):
        call(model)


def test_uncompiled_and_bad_compile():
    model = mlp(fastnn)
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(X, Y, verbose=0)
    with pytest.raises(ValueError, match="'adamw_nope'"):
        model.compile(optimizer="adamw_nope", loss="mse")
    with pytest.raises(ValueError, match="'cross'"):
        model.compile(optimizer="sgd", loss="cross")
    with pytest.raises(TypeError, match="expects KerasTensors"):
        fastnn.Model(inputs=None, outputs=None)

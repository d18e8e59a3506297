"""Saving whole models and weights (fastnn.saving.model_io): weights and whole models round-trip (architecture,
weights, compile settings, optimizer state); damaged, truncated, foreign and hostile files raise clear errors and
never run code; the weight order is exact at any count."""
import json
import os

import numpy as np
import pytest

import fastnn
from fastnn import layers

R = np.random.default_rng(4)
X = R.random((64, 12)).astype(np.float32)
Y = R.integers(0, 3, 64)


def trained_model():
    model = fastnn.Sequential([layers.Input((12,)), layers.Dense(8, activation="relu", kernel_regularizer="l2"),
                               layers.Dense(3, activation="softmax")])
    schedule = fastnn.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)
    model.compile(optimizer=fastnn.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(X, Y, epochs=2, verbose=0)
    return model


def test_whole_model_round_trip_continues_training_identically(tmp_path):
    model = trained_model()
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = fastnn.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "Dense"]
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 4
    a = model.fit(X, Y, epochs=1, verbose=0, shuffle=False).history
    b = loaded.fit(X, Y, epochs=1, verbose=0, shuffle=False).history
    assert a == b  # same weights, optimizer slots, schedule step and regularizer
    for w1, w2 in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(w1, w2)


@pytest.mark.parametrize("optimizer", ["adamw", "adagrad", "nadam", "adamax", "lion", "adadelta",
                                       lambda: fastnn.optimizers.AdamW(fastnn.optimizers.schedules.CosineDecay(
                                           0.0, 20, warmup_target=0.01, warmup_steps=5)),
                                       lambda: fastnn.optimizers.Adam(use_ema=True, gradient_accumulation_steps=3)])
def test_round_trip_keeps_the_new_optimizers_state(optimizer, tmp_path):
    # Every slot (Adagrad's non-zero initial accumulator, Nadam's step-derived u_product, ...) comes back, so
    # training continues bitwise as if never saved.
    model = fastnn.Sequential([layers.Input((12,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    model.compile(optimizer=optimizer if isinstance(optimizer, str) else optimizer(),
                  loss="sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = fastnn.models.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    plain = lambda opt: {k: v.get_config() if hasattr(v, "get_config") else v  # noqa: E731 (schedules)
                         for k, v in opt.get_config().items()}
    assert plain(loaded.optimizer) == plain(model.optimizer)
    model.fit(X, Y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    loaded.fit(X, Y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    for w1, w2 in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(w1, w2)


@pytest.mark.parametrize("dropout_seed", [None, 7])
def test_checkpoint_resume_equals_uninterrupted_training(tmp_path, dropout_seed):
    # Shuffling and Dropout draw random numbers every step: resuming from the epoch-2 checkpoint must continue
    # the same streams (and the optimizer's state), so 2 + 2 epochs give the weights of 4 uninterrupted epochs.
    def run(epochs, initial_epoch=0, model=None, checkpoint=None):
        if model is None:
            fastnn.utils.set_random_seed(3)
            model = fastnn.Sequential([layers.Input((12,)), layers.Dense(16, activation="relu"),
                                       layers.Dropout(0.3, seed=dropout_seed), layers.Dense(3, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        callbacks = [fastnn.callbacks.ModelCheckpoint(str(checkpoint))] if checkpoint else []
        model.fit(X, Y, batch_size=16, epochs=epochs, initial_epoch=initial_epoch, callbacks=callbacks, verbose=0)
        return model

    uninterrupted = run(4).get_weights()
    run(2, checkpoint=tmp_path / "ckpt_{epoch}.npz")
    fastnn.random.set_seed(12345)  # as in a new process: the global stream is elsewhere
    resumed = run(4, initial_epoch=2, model=fastnn.models.load_model(tmp_path / "ckpt_2.npz"))
    for a, b in zip(uninterrupted, resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weights_round_trip_and_shape_errors(tmp_path):
    model = trained_model()
    path = tmp_path / "w.weights.npz"
    model.save_weights(path)
    other = fastnn.Sequential([layers.Input((12,)), layers.Dense(8), layers.Dense(3)])
    other.load_weights(path)
    for w1, w2 in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(w1, w2)
    wrong = fastnn.Sequential([layers.Input((12,)), layers.Dense(9), layers.Dense(3)])
    with pytest.raises(ValueError, match=r"shape \(12, 9\)"):
        wrong.load_weights(path)
    with pytest.raises(ValueError, match="model file"):
        fastnn.models.load_model(path)


def test_subclassed_model_round_trip_with_custom_objects(tmp_path):
    class Tiny(fastnn.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = layers.Dense(units)

        def call(self, inputs):
            return self.dense(inputs)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = Tiny(units=5)
    model(X)
    model.save(tmp_path / "tiny.npz")
    with pytest.raises(ValueError, match="custom_objects"):
        fastnn.models.load_model(tmp_path / "tiny.npz")
    loaded = fastnn.models.load_model(tmp_path / "tiny.npz", custom_objects={"Tiny": Tiny})
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_model_checkpoint_best_only_and_weights_only(tmp_path):
    model = trained_model()
    cb = fastnn.callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch:02d}.npz"), monitor="loss",
                                          save_weights_only=True)
    best = fastnn.callbacks.ModelCheckpoint(str(tmp_path / "best.npz"), monitor="val_loss", save_best_only=True)
    model.fit(X, Y, epochs=3, verbose=0, validation_split=0.25, callbacks=[cb, best])
    assert sorted(os.listdir(tmp_path)) == ["best.npz", "ckpt-01.npz", "ckpt-02.npz", "ckpt-03.npz"]
    assert fastnn.models.load_model(tmp_path / "best.npz").count_params() == model.count_params()


@pytest.mark.parametrize("damage", ["truncate", "flip", "foreign_npz", "text", "pickle", "bad_json"])
def test_damaged_or_hostile_files_raise_clear_errors(tmp_path, damage):
    model = trained_model()
    path = tmp_path / "m.npz"
    model.save(path)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        corrupted = bytearray(data)
        corrupted[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(corrupted))
    elif damage == "foreign_npz":
        np.savez(path, a=np.ones(3))
    elif damage == "text":
        path.write_text("hello")
    elif damage == "pickle":  # an object array in an npz would need pickle to load: refused, never executed
        with open(path, "wb") as f:
            np.savez(f, __fastnn__=np.frombuffer(b"model", np.uint8), evil=np.array([os.system], dtype=object))
    elif damage == "bad_json":
        arrays = dict(np.load(path, allow_pickle=False))
        arrays["__config__"] = np.frombuffer(b"{not json", np.uint8)
        np.savez(path, **arrays)
    with pytest.raises(ValueError, match="m.npz"):
        fastnn.models.load_model(path)


def test_config_is_plain_json(tmp_path):
    trained_model().save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        config = json.loads(bytes(archive["__config__"]))
    assert config["class_name"] == "Sequential" and config["compile"]["loss"] == "sparse_categorical_crossentropy"


# --- issue 13: order at any count, what is at the destination, file modes, stale temporaries
def deep_model(n_layers=760):
    """1520 weight tensors (kernel and bias alternate: a misplaced one is caught by shape or by value)."""
    fastnn.utils.set_random_seed(5)
    model = fastnn.Sequential([layers.Input((4,))] + [layers.Dense(4) for _ in range(n_layers)])
    model.compile(optimizer="adam", loss="mse")
    return model


def assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb) >= 1500
    for i, (x, y) in enumerate(zip(wa, wb)):
        np.testing.assert_array_equal(x, y, err_msg=f"weight {i}")


@pytest.mark.parametrize("route", ["save_weights", "save", "ModelCheckpoint", "weights.h5"])
def test_weight_order_is_exact_beyond_1000_tensors(tmp_path, route):
    model = deep_model()
    if route == "ModelCheckpoint":
        model.fit(X[:8, :4], X[:8, :4], epochs=1, verbose=0,
                  callbacks=[fastnn.callbacks.ModelCheckpoint(str(tmp_path / "ckpt.npz"))])
        loaded = fastnn.models.load_model(tmp_path / "ckpt.npz")
        assert int(loaded.optimizer.iterations) == 1
        for i, w in enumerate(model.trainable_weights):  # optimizer slots follow their weights too
            for a, b in zip(model.optimizer._slots[id(w)][1],
                            loaded.optimizer._slots[id(loaded.trainable_weights[i])][1]):
                np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif route == "save":
        model.save(tmp_path / "m.npz")
        loaded = fastnn.models.load_model(tmp_path / "m.npz")
    else:
        path = tmp_path / ("w.weights.h5" if route == "weights.h5" else "w.npz")
        model.save_weights(path)
        loaded = deep_model()
        loaded.load_weights(path)
    assert_same_weights(model, loaded)


def test_weight_members_must_be_numbered_without_gaps(tmp_path):
    model = fastnn.Sequential([layers.Input((3,)), layers.Dense(2)])
    kernel, bias = model.get_weights()
    marker = np.frombuffer(b"weights", np.uint8)
    for members, message in [({"weight_000": kernel, "weight_002": bias}, "without gaps"),
                             ({"weight_000": kernel, "weight_0001": bias}, "without gaps"),
                             ({"weight_000": kernel}, "holds 1 weights, but model"),
                             ({"weight_000": bias, "weight_001": kernel}, r"shape \(2,\), but the model's has")]:
        np.savez(tmp_path / "w.npz", __fastnn__=marker, **members)
        with pytest.raises(ValueError, match=message):
            model.load_weights(tmp_path / "w.npz")

"""Keras 3 `.keras` archives (issue 15 item 4): `model.save("m.keras")` writes an archive `keras.models.load_model`
loads, `fastnn.models.load_model` reads archives Keras wrote, both with equal predictions; Keras' extension rules
(legacy .h5 refused with a message that says what the file is); weights files under the names tutorials use."""
import json
import warnings
import zipfile

import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn

pytest.importorskip("h5py")
X = np.random.default_rng(2).random((4, 8, 8, 1)).astype(np.float32)


def cnn(M):
    L = M.layers
    return M.Sequential([L.Input((8, 8, 1)), L.Conv2D(3, 3, activation="relu", padding="same"), L.MaxPooling2D(),
                         L.Conv2D(2, 3, strides=1, kernel_regularizer="l2"), L.AveragePooling2D(2), L.Flatten(),
                         L.Dropout(0.3), L.Dense(5, activation="tanh", kernel_initializer="he_normal"),
                         L.Dense(2, activation="softmax")])


def mlp(M):
    L = M.layers
    return M.Sequential([L.Input((8, 8, 1)), L.Flatten(), L.Dense(16), L.LeakyReLU(negative_slope=0.1),
                         L.Dense(8, use_bias=False), L.ReLU(), L.Reshape((2, 4)), L.Flatten(), L.Activation("sigmoid"),
                         L.Dense(3), L.Softmax()])


def augmenting(M):
    L = M.layers
    return M.Sequential([L.Input((8, 8, 1)), L.RandomFlip("horizontal"), L.RandomRotation(0.1), L.Flatten(),
                         L.Dense(4)])


@pytest.mark.parametrize("build", [cnn, mlp, augmenting])
def test_keras_archives_move_both_ways(build, tf, tmp_path):
    keras_model = build(tf.keras)
    keras_model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                        metrics=["accuracy"])
    keras_model.save(str(tmp_path / "keras.keras"))
    ours = fastnn.models.load_model(tmp_path / "keras.keras")
    assert type(ours) is fastnn.Sequential
    assert_close_scaled(ours.predict(X, verbose=0), keras_model.predict(X, verbose=0), tol=2e-6)
    assert type(ours.optimizer) is fastnn.optimizers.Adam and np.isclose(ours.optimizer.learning_rate, 0.01)
    assert ours.get_compile_config()["loss"] == "sparse_categorical_crossentropy"
    assert fastnn.models.load_model(tmp_path / "keras.keras", compile=False).get_compile_config() is None

    fresh = build(fastnn)
    fresh.save(tmp_path / "fastnn.keras")
    with zipfile.ZipFile(tmp_path / "fastnn.keras") as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    twin = tf.keras.models.load_model(str(tmp_path / "fastnn.keras"))
    assert [type(layer).__name__ for layer in twin.layers] == [type(layer).__name__ for layer in fresh.layers]
    assert_close_scaled(twin.predict(X, verbose=0), fresh.predict(X, verbose=0), tol=2e-6)
    again = fastnn.models.load_model(tmp_path / "fastnn.keras")  # and fastnn reads its own archives
    for a, b in zip(again.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_what_fastnn_cannot_build_is_refused_clearly(tf, tmp_path):
    L = tf.keras.layers
    conv_lstm = tf.keras.Sequential([L.Input((3, 4, 2)), L.ConvLSTM1D(2, 2)])
    conv_lstm.save(str(tmp_path / "conv_lstm.keras"))
    with pytest.raises(ValueError, match=r"conv_lstm.keras.*Unknown layer 'ConvLSTM1D'.*fastnn has no such layer"):
        fastnn.models.load_model(tmp_path / "conv_lstm.keras")
    grouped = tf.keras.Sequential([L.Input((4, 4, 2)), L.Conv2D(2, 3, groups=2)])
    grouped.save(str(tmp_path / "grouped.keras"))
    with pytest.raises(ValueError, match=r"sets groups=2, which fastnn's Conv2D does not support"):
        fastnn.models.load_model(tmp_path / "grouped.keras")


# --- functional models (issue 15 item 4): Keras 3's functional config both ways, several topologies
def residual(M):
    L, inputs = M.layers, M.Input((8, 8, 1), name="image")
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="stem")(inputs)
    y = L.Conv2D(4, 3, padding="same", name="branch")(x)
    x = L.Activation("relu", name="post")(L.Add(name="residual")([x, y]))
    x = L.Concatenate(name="cat")([L.MaxPooling2D(2, name="max")(x), L.AveragePooling2D(2, name="avg")(x)])
    x = L.Flatten(name="flat")(x)
    return M.Model(inputs, L.Dense(3, activation="softmax", name="head")(L.Dropout(0.2, name="drop")(x)),
                   name="residual_net")


def two_in_two_out(M):
    L = M.layers
    a, b = M.Input((6,), name="a"), M.Input((4,), name="b")
    shared = L.Dense(5, activation="tanh", name="shared")
    ha, hb = shared(L.Dense(5, name="pre_a")(a)), shared(L.Dense(5, name="pre_b")(b))  # one layer, two calls
    merged = L.Multiply(name="mul")([ha, hb])
    out_class = L.Dense(3, activation="softmax", name="cls")(L.Concatenate(name="cat")([merged, a]))
    out_reg = L.Dense(1, name="reg")(shared(merged))  # and a third call, deeper in the graph
    return M.Model([a, b], [out_class, out_reg], name="two_heads")


def nested(M):
    L = M.layers
    block = M.Sequential([L.Input((6,)), L.Dense(7, activation="relu", name="in_1"), L.Dense(6, name="in_2")],
                         name="block")
    inner_in = M.Input((6,), name="inner_in")
    inner = M.Model(inner_in, L.Dense(6, activation="sigmoid", name="inner_dense")(inner_in), name="inner_model")
    inputs = M.Input((6,), name="x")
    x = L.Add(name="skip")([block(inputs), inputs])
    x = block(inner(x))  # the nested Sequential called twice, a nested functional model once
    return M.Model(inputs, L.Dense(2, name="out")(x), name="outer")


FUNCTIONAL = {residual: [X], two_in_two_out: [X[:, :6, 0, 0], X[:, :4, 1, 0]], nested: [X[:, :6, 0, 0]]}


def _outputs(model, inputs):
    out = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


@pytest.mark.parametrize("build", list(FUNCTIONAL), ids=lambda f: f.__name__)
def test_functional_archives_move_both_ways(build, tf, tmp_path):
    inputs = FUNCTIONAL[build]
    keras_model = build(tf.keras)
    keras_model.save(str(tmp_path / "keras.keras"))
    ours = fastnn.models.load_model(tmp_path / "keras.keras")
    assert [layer.name for layer in ours.layers] == [layer.name for layer in keras_model.layers]
    assert len(_outputs(ours, inputs)) == len(keras_model.outputs)
    for a, b in zip(_outputs(ours, inputs), _outputs(keras_model, inputs)):
        assert_close_scaled(a, b, tol=2e-6)

    fresh = build(fastnn)
    fresh.save(tmp_path / "fastnn.keras")
    twin = tf.keras.models.load_model(str(tmp_path / "fastnn.keras"))
    assert [layer.name for layer in twin.layers] == [layer.name for layer in fresh.layers]
    for a, b in zip(_outputs(twin, inputs), _outputs(fresh, inputs)):
        assert_close_scaled(a, b, tol=2e-6)
    again = fastnn.models.load_model(tmp_path / "fastnn.keras")  # and fastnn reads its own archives
    for a, b in zip(again.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_functional_layers_are_listed_and_stored_in_keras_order(tf, tmp_path):
    """Keras numbers layers in .weights.h5 by its model.layers order (by depth, not by call order): a branch
    built before the trunk must land in the same groups, or weights of equal shapes would silently swap."""
    def branchy(M):
        L, inputs = M.layers, M.Input((4,), name="x")
        side = L.Dense(4, name="side")(inputs)  # created first, but shallower than the trunk
        trunk = L.Dense(4, name="t2")(L.Dense(4, name="t1")(inputs))
        return M.Model(inputs, L.Add(name="join")([side, trunk]))
    keras_model, ours = branchy(tf.keras), branchy(fastnn)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in keras_model.layers]
    keras_model.save_weights(str(tmp_path / "k.weights.h5"))
    ours.load_weights(tmp_path / "k.weights.h5")
    x = X[:, :4, 0, 0]
    assert_close_scaled(ours.predict(x, verbose=0), keras_model.predict(x, verbose=0), tol=2e-6)


def test_legacy_h5_model_files_are_refused_with_what_they_are(tf, tmp_path):
    keras_model = tf.keras.Sequential([tf.keras.layers.Input((3,)), tf.keras.layers.Dense(2)])
    with warnings.catch_warnings():  # Keras warns that the format is legacy (and h5py about numpy 2)
        warnings.simplefilter("ignore")
        keras_model.save(str(tmp_path / "legacy.h5"))
    with pytest.raises(ValueError, match=r"legacy.h5' is an HDF5 file: a Keras 2 legacy .h5 whole-model file"):
        fastnn.models.load_model(tmp_path / "legacy.h5")
    ours = fastnn.Sequential([fastnn.layers.Input((3,)), fastnn.layers.Dense(2)])
    for name in ("m.h5", "m.hdf5"):
        with pytest.raises(ValueError, match=r"Invalid filepath extension for saving.*valid extensions: \.keras .* "
                                             r"or \.npz"):
            ours.save(tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["legacy.h5"]


def test_weights_files_under_the_names_tutorials_use(tmp_path):
    model = fastnn.Sequential([fastnn.layers.Input((3,)), fastnn.layers.Dense(2)])
    for name in ("my_checkpoint", "my_model.weights.h5", "ckpt/cp-0005.weights.h5"):
        (tmp_path / "ckpt").mkdir(exist_ok=True)
        model.save_weights(tmp_path / name)
        other = fastnn.Sequential([fastnn.layers.Input((3,)), fastnn.layers.Dense(2)])
        other.load_weights(tmp_path / name)
        for a, b in zip(model.get_weights(), other.get_weights()):
            np.testing.assert_array_equal(a, b)


def archive_with(path, config=None, weights=b"", extra=None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", config if isinstance(config, (str, bytes)) else json.dumps(config))
        archive.writestr("model.weights.h5", weights)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def sequential_config(units=4, layers=None):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": layers or [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 3]}},
        {"class_name": "Dense", "config": {"name": "d", "units": units}}]}}


def test_damaged_or_hostile_archives_raise_clear_errors(tmp_path):
    fastnn.Sequential([fastnn.layers.Input((3,)), fastnn.layers.Dense(4, name="d")]).save_weights(
        tmp_path / "w.weights.h5")
    weights = (tmp_path / "w.weights.h5").read_bytes()
    ok = archive_with(tmp_path / "ok.keras", sequential_config(), weights)
    assert fastnn.models.load_model(ok).count_params() == 16
    cases = [
        (archive_with(tmp_path / "a.keras", "{not json", weights), r"a.keras' has a damaged config.json"),
        (archive_with(tmp_path / "b.keras", "[" * 5000 + "]" * 5000, weights), r"nested"),
        (archive_with(tmp_path / "c.keras", sequential_config(units=10 ** 9), weights),
         r"its layers create more weight values than"),
        (archive_with(tmp_path / "d.keras", sequential_config(units=5), weights), r"has shape \(3, 4\)"),
        (archive_with(tmp_path / "e.keras", sequential_config(), b"x" * len(weights)),
         r"is not a readable HDF5 file"),
        (archive_with(tmp_path / "f.keras", sequential_config(layers=[{"class_name": "os", "config": {}}]),
                      weights), r"Unknown layer 'os'"),
    ]
    big = tmp_path / "g.keras"  # a config member that decompresses to 64 MiB: refused from its declared size
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("config.json", "w", force_zip64=True) as f:
        for _ in range(64):
            f.write(b" " * (1 << 20))
    cases.append((big, r"config.json is encrypted or declares 67108864 bytes"))
    # a weights member of 256 MiB (zeros) for a model of 16 weight values (64 bytes): refused unread
    bomb = tmp_path / "h.keras"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", json.dumps(sequential_config()))
        with archive.open("model.weights.h5", "w", force_zip64=True) as f:
            for _ in range(256):
                f.write(bytes(1 << 20))
    cases.append((bomb, r"model.weights.h5 is encrypted or declares 268435456 bytes, more than the 16777472"))
    for path, message in cases:
        with pytest.raises(ValueError, match=message):
            fastnn.models.load_model(path)


# --- subclassed models and custom layers (issue 15 item 4): registered on both sides, exchanged both ways
def custom_classes(M, register, package):
    """The same custom layer, composite layer and subclassed model written for Keras (M=keras) or fastnn."""
    @register(package=package)
    class Scale(M.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="random_normal", name="w")

        def call(self, x):
            return x * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @register(package=package)
    class Block(M.layers.Layer):  # a layer with sublayers and a variable of its own
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.inner = M.layers.Dense(units, activation="tanh")
            self.post = Scale(0.5)

        def build(self, input_shape):
            self.offset = self.add_weight(shape=(self.units,), initializer="random_normal", name="offset")

        def call(self, x):
            return self.post(self.inner(x)) + self.offset

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @register(package=package)
    class Net(M.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = M.layers.Dense(units, activation="relu")
            self.block = Block(units)
            self.scale = Scale(3.0)
            self.out = M.layers.Dense(2)

        def call(self, x):
            return self.out(self.scale(self.block(self.hidden(x))))

        def get_config(self):
            return {**super().get_config(), "units": self.units}
    return Scale, Block, Net


@pytest.fixture(scope="module")
def both_sides(tf):
    """(Keras classes, fastnn classes), registered under the same names on each side."""
    return (custom_classes(tf.keras, tf.keras.utils.register_keras_serializable, "archive_test"),
            custom_classes(fastnn, fastnn.saving.register_keras_serializable, "archive_test"))


def _with_custom_layers(M, classes):
    Scale, Block, _ = classes
    inputs = M.Input((6,), name="x")
    return M.Model(inputs, M.layers.Dense(2, name="head")(Block(5, name="block")(Scale(name="scale")(inputs))))


@pytest.mark.parametrize("kind", ["subclassed", "functional_custom_layers", "sequential_custom_layers"])
def test_custom_classes_move_both_ways(kind, tf, both_sides, tmp_path):
    def build(M, classes):
        if kind == "subclassed":
            model = classes[2](units=5)
            model(np.ones((1, 6), np.float32))
            return model
        if kind == "functional_custom_layers":
            return _with_custom_layers(M, classes)
        return M.Sequential([M.layers.Input((6,)), classes[0](1.5), classes[1](3), M.layers.Dense(2)])
    x = X[:, :6, 0, 0]
    keras_classes, our_classes = both_sides
    keras_model = build(tf.keras, keras_classes)
    keras_model.save(str(tmp_path / "keras.keras"))
    ours = fastnn.models.load_model(tmp_path / "keras.keras")  # found through fastnn's registry
    assert type(ours).__name__ == type(keras_model).__name__ and isinstance(ours, fastnn.Model)
    assert_close_scaled(ours.predict(x, verbose=0), keras_model.predict(x, verbose=0), tol=2e-6)

    fresh = build(fastnn, our_classes)
    fresh.save(tmp_path / "fastnn.keras")
    twin = tf.keras.models.load_model(str(tmp_path / "fastnn.keras"))
    assert_close_scaled(twin.predict(x, verbose=0), fresh.predict(x, verbose=0), tol=2e-6)
    for name in ("fastnn.keras", "fastnn.npz"):  # fastnn's own files of the model too
        if name.endswith(".npz"):
            fresh.save(tmp_path / name)
        again = fastnn.models.load_model(tmp_path / name)
        assert type(again) is type(fresh)
        np.testing.assert_array_equal(again.predict(x, verbose=0), fresh.predict(x, verbose=0))


def test_unregistered_classes_load_through_custom_objects(tmp_path):
    class Doubler(fastnn.layers.Layer):
        def call(self, x):
            return x * 2

    class Tiny(fastnn.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = fastnn.layers.Dense(3)
            self.double = Doubler()

        def call(self, x):
            return self.double(self.dense(x))
    model = Tiny(name="tiny")
    x = np.ones((2, 4), np.float32)
    model(x)
    for name in ("m.keras", "m.npz"):
        model.save(tmp_path / name)
        with pytest.raises(ValueError, match=r"Tiny"):
            fastnn.models.load_model(tmp_path / name)
        again = fastnn.models.load_model(tmp_path / name, custom_objects={"Tiny": Tiny, "Doubler": Doubler})
        np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert fastnn.saving.get_registered_name(Tiny) == "Tiny"


def test_register_keras_serializable_names_as_keras_does():
    @fastnn.saving.register_keras_serializable(package="pkg_a", name="Renamed")
    class Thing(fastnn.layers.Layer):
        pass
    assert fastnn.saving.get_registered_name(Thing) == "pkg_a>Renamed"
    assert fastnn.saving.get_registered_object("pkg_a>Renamed") is Thing
    assert fastnn.saving.get_registered_object("Renamed") is Thing  # by class name too (one match)
    with pytest.raises(ValueError, match=r"'pkg_a>Renamed' has already been registered"):
        fastnn.saving.register_keras_serializable(package="pkg_a", name="Renamed")(type("Other", (Thing,), {}))


# --- compile state in archives (issue 15 item 4): compile_config and optimizer variables as Keras stores them
def heads(M):
    L, a = M.layers, M.Input((4,), name="a")
    h = L.Dense(6, activation="relu", name="h")(a)
    side = L.Dense(3, name="side")(a)  # a branch: Keras orders the optimizer's slots by its layer order
    o1 = L.Dense(3, activation="softmax", name="o1")(L.Concatenate(name="c")([h, side]))
    return M.Model(a, [o1, L.Dense(1, name="o2")(h)], name="heads")


DATA = np.random.default_rng(5)
XC = DATA.random((32, 4)).astype(np.float32)
YC = {"o1": DATA.integers(0, 3, 32), "o2": DATA.random((32, 1)).astype(np.float32)}
OPTIMIZERS = {"adam": ("Adam", {"learning_rate": 0.01}), "amsgrad": ("Adam", {"amsgrad": True}),
              "sgd_momentum": ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
              "rmsprop_centered": ("RMSprop", {"momentum": 0.5, "centered": True}),
              "adagrad": ("Adagrad", {"learning_rate": 0.1}), "adamax": ("Adamax", {}), "adamw": ("AdamW", {})}


def compiled_heads(M, optimizer):
    name, kwargs = OPTIMIZERS[optimizer]
    model = heads(M)
    model.compile(optimizer=getattr(M.optimizers, name)(**kwargs),
                  loss={"o1": "sparse_categorical_crossentropy", "o2": "mse"}, loss_weights={"o1": 1.0, "o2": 0.5},
                  metrics={"o1": ["accuracy"], "o2": ["mae"]})
    return model


def fit_one(model, epochs=1):
    model.fit(XC, YC, epochs=epochs, batch_size=8, shuffle=False, verbose=0)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_compiled_archives_train_on_where_they_stopped(optimizer, tf, tmp_path):
    ours = compiled_heads(fastnn, optimizer)
    fit_one(ours, epochs=2)
    ours.save(tmp_path / "ours.keras")
    with zipfile.ZipFile(tmp_path / "ours.keras") as archive:
        compile_config = json.loads(archive.read("config.json"))["compile_config"]
    assert compile_config["loss"] == {"o1": "sparse_categorical_crossentropy", "o2": "mse"}
    assert compile_config["loss_weights"] == {"o1": 1.0, "o2": 0.5}
    assert compile_config["metrics"] == {"o1": ["accuracy"], "o2": ["mae"]}
    restored = fastnn.models.load_model(tmp_path / "ours.keras")
    theirs = tf.keras.models.load_model(str(tmp_path / "ours.keras"))
    assert restored.get_compile_config() == ours.get_compile_config()
    assert int(restored.optimizer.iterations) == int(theirs.optimizer.iterations) == 8
    before = ours.get_weights()
    for model in (ours, restored, theirs):  # the uninterrupted run, and both continued from the archive
        fit_one(model)
    assert any(np.abs(a - b).max() > 1e-4 for a, b in zip(ours.get_weights(), before))
    for a, b, c in zip(ours.get_weights(), restored.get_weights(), [w.numpy() for w in theirs.weights]):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-6)
        np.testing.assert_allclose(c, a, rtol=0, atol=2e-5)


def test_keras_compiled_archives_bring_their_optimizer_state(tf, tmp_path):
    theirs = compiled_heads(tf.keras, "adam")
    fit_one(theirs, epochs=2)
    theirs.save(str(tmp_path / "keras.keras"))
    ours = fastnn.models.load_model(tmp_path / "keras.keras")
    assert int(ours.optimizer.iterations) == 8
    assert ours.get_compile_config()["loss_weights"] == {"o1": 1.0, "o2": 0.5}
    for model in (ours, theirs):
        fit_one(model)
    for a, b in zip(ours.get_weights(), [w.numpy() for w in theirs.weights]):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-5)


def test_optimizers_without_a_known_keras_layout_start_fresh(tmp_path):
    ours = heads(fastnn)
    ours.compile(optimizer="nadam", loss=["sparse_categorical_crossentropy", "mse"])
    fit_one(ours)
    ours.save(tmp_path / "nadam.keras")
    restored = fastnn.models.load_model(tmp_path / "nadam.keras")
    assert type(restored.optimizer) is fastnn.optimizers.Nadam and int(restored.optimizer.iterations) == 0
    assert restored.get_compile_config()["loss"] == ["sparse_categorical_crossentropy", "mse"]

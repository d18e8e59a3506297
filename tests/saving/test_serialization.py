"""The saving package's seams (issue 14): one `get()` mechanism behind every package's `get`, Keras' snake_case,
objects that save and load their own state through public methods (Keras 3's `save_own_variables` /
`load_own_variables`, `get_build_config`, `get_compile_config`), and an import graph where the saving package
sits below the packages it serves."""
import ast
import functools
import os

import numpy as np
import pytest

import fastnn
from fastnn import layers
from fastnn.saving import serialization

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = os.path.join(ROOT, "fastnn")


# ------------------------------------------------------------------------------------------- get()
class Base:
    pass


class Thing(Base):
    pass


def function():
    return "function"


NAMES = {"thing": Thing, "fn": function, "configured": functools.partial(dict, a=1)}


@pytest.mark.parametrize("identifier, options, expected", [
    ("thing", {}, Thing),                                 # a class name gives a new instance
    ("fn", {}, function),                                 # a function is returned as is
    ("configured", {}, {"a": 1}),                          # a partial of a class is a configured default
    ("THING", {"ignore_case": True}, Thing),
    (None, {"none": "default"}, "default"),
    ({"class_name": "x"}, {"from_config": lambda d: d["class_name"]}, "x"),
])
def test_get_resolves(identifier, options, expected):
    found = serialization.get(identifier, "thing", NAMES if not options.get("ignore_case") else
                              {k.lower(): v for k, v in NAMES.items()}, expected="a thing", **options)
    if isinstance(expected, type):
        assert type(found) is expected
    else:
        assert found == expected


def test_get_passes_instances_and_callables_through_as_asked():
    thing = Thing()
    assert serialization.get(thing, "thing", NAMES, instance_of=Base, expected="") is thing
    assert serialization.get(function, "thing", NAMES, expected="") is function
    assert serialization.get(Thing, "thing", NAMES, callables="any", expected="") is Thing
    for identifier, options in [(Thing, {}), (function, {"callables": None}), (None, {}), ("nope", {}), (3, {}),
                                ({"a": 1}, {}), ("THING", {})]:
        with pytest.raises(ValueError, match=r"Could not interpret thing identifier: .*; expected a thing$"):
            serialization.get(identifier, "thing", NAMES, expected="a thing", **options)


def test_every_package_get_uses_the_one_mechanism(monkeypatch):
    calls = []
    real = serialization.get
    monkeypatch.setattr(serialization, "get", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    fastnn.activations.get("relu")
    fastnn.initializers.get("zeros")
    fastnn.regularizers.get("l1_l2")
    fastnn.constraints.get("non_neg")
    fastnn.losses.get("mse")
    fastnn.metrics.get("mae")
    fastnn.optimizers.get("Adam")
    assert calls == ["activation function", "initializer", "regularizer", "constraint", "loss", "metric",
                     "optimizer"]


def test_package_gets_keep_their_behaviour():
    assert fastnn.activations.get(None) is fastnn.activations.linear
    assert fastnn.regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert fastnn.regularizers.get(None) is None and fastnn.constraints.get(None) is None
    assert type(fastnn.constraints.get("NonNeg")).__name__ == "NonNeg"
    assert type(fastnn.initializers.get("GlorotUniform")).__name__ == "GlorotUniform"
    assert fastnn.losses.get("mse") is fastnn.losses.mean_squared_error
    assert type(fastnn.losses.get("Huber")).__name__ == "Huber"
    assert type(fastnn.optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5}})).__name__ == "SGD"
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: None"):
        fastnn.initializers.get(None)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        fastnn.optimizers.get(lambda: None)


# ------------------------------------------------------------------------------------------- names
@pytest.mark.parametrize("name", ["Dense", "Conv2D", "MaxPooling2D", "AUC", "KLDivergence", "MyAUC", "HTTPLayer2D",
                                  "BatchNormalization", "GlobalAveragePooling1D"])
def test_snake_case_is_keras(name):
    from keras.src.utils.naming import to_snake_case

    assert serialization.to_snake_case(name) == to_snake_case(name)


def test_metric_and_loss_subclasses_are_named_as_keras_names_them():
    class MyAUC(fastnn.metrics.Metric):
        def result(self):
            return 0.0

    class HTTPLoss(fastnn.losses.Loss):
        def call(self, y_true, y_pred):
            return fastnn.losses.mean_squared_error(y_true, y_pred)

    assert MyAUC().name == "my_auc"  # was "my_a_u_c"
    assert HTTPLoss().name == "http_loss"


# ------------------------------------------------------------------------------------------- own state
def test_layers_save_and_load_their_own_variables_with_keras(tf):
    keras_layer = tf.keras.layers.Dense(3)
    keras_layer.build((None, 4))
    store = {}
    keras_layer.save_own_variables(store)
    ours = layers.Dense(3)
    ours.build((None, 4))
    ours.load_own_variables(store)
    x = np.random.default_rng(0).random((2, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(x).numpy(), keras_layer(x).numpy(), rtol=1e-6)
    back = {}
    ours.save_own_variables(back)
    assert sorted(back) == ["0", "1"]
    twin = tf.keras.layers.Dense(3)
    twin.build((None, 4))
    twin.load_own_variables(back)
    np.testing.assert_array_equal(twin(x).numpy(), keras_layer(x).numpy())
    with pytest.raises(ValueError, match="expected 2 variables, but received 1"):
        ours.load_own_variables({"0": back["0"]})


def test_optimizers_save_and_load_their_own_variables():
    model = fastnn.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    x = np.ones((4, 3), np.float32)
    model.fit(x, np.zeros((4, 2), np.float32), epochs=2, verbose=0)
    store = {}
    model.optimizer.save_own_variables(store, model.trainable_weights)
    assert sorted(store) == ["iterations", "slot_000_0", "slot_000_1", "slot_001_0", "slot_001_1"]
    fresh = fastnn.optimizers.Adam()
    fresh.load_own_variables(store, model.trainable_weights)
    assert int(fresh.iterations) == 2
    for w in model.trainable_weights:
        for a, b in zip(model.optimizer.slot_variables(w), fresh.slot_variables(w)):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    other = fastnn.optimizers.Adam()
    bad = [({**store, "slot_009_0": store["slot_000_0"]}, "does not have"),
           ({**store, "slot_000_0": np.zeros((5,), np.float32)}, r"has shape \(5,\)"),
           ({**store, "iterations": np.asarray(-1)}, "negative"),
           ({**store, "slot_000_0": store["slot_000_0"].astype(np.complex64)}, "does not convert")]
    for broken, message in bad:
        with pytest.raises(ValueError, match=message):
            other.load_own_variables(broken, model.trainable_weights)
        assert int(other.iterations) == 0  # nothing changed
    assert fastnn.optimizers.SGD().slot_variables(model.trainable_weights[0]) == []


def test_models_give_their_build_and_compile_configs():
    model = fastnn.Sequential([layers.Input((3,)), layers.Dense(2), layers.Dropout(0.5, seed=1)])
    assert model.get_build_config() == {"input_shape": [None, 3]}
    assert model.get_compile_config() is None
    model.compile(optimizer=fastnn.optimizers.SGD(0.5), loss="mse", metrics=["mae"])
    config = model.get_compile_config()
    assert config["loss"] == "mse" and config["metrics"] == ["mae"] and config["weighted_metrics"] == []
    assert config["optimizer"]["class_name"] == "SGD"
    other = fastnn.Sequential([layers.Dense(2)])
    other.build_from_config(model.get_build_config())
    other.compile_from_config(config)
    assert other.built and other.optimizer.get_config() == model.optimizer.get_config()
    assert [type(layer).__name__ for layer in model.flatten_layers()] == ["Dense", "Dropout"]
    dense, dropout = model.flatten_layers()
    assert dense.seed_calls is None and dropout.seed_calls == 0
    model(np.ones((2, 3), np.float32), training=True)
    assert dropout.seed_calls == 1
    with pytest.raises(AttributeError, match="no seeded random stream"):
        dense.seed_calls = 3


# ------------------------------------------------------------------------------------------- structure
def read(path):
    with open(path) as f:
        return f.read()


def module_imports(path):
    """(module-level imports, function-level imports) of a file: "..random", ".files", "numpy", ..."""
    def names(node):
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        base = "." * node.level + (node.module or "")
        return [base] if node.module else [base + a.name for a in node.names]

    tree = ast.parse(read(path))
    top = [n for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)) for n in names(node)]
    inner = [n for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
             for node in ast.walk(f) if isinstance(node, (ast.Import, ast.ImportFrom)) for n in names(node)]
    return top, inner


def test_the_saving_package_imports_nothing_above_it():
    allowed = {"serialization.py": set(), "files.py": set(), "keras_h5.py": {".files", ".serialization"},
               "keras_archive.py": {"..version", ".files", ".keras_h5", ".serialization"},
               "model_io.py": {"..random", ".files", ".keras_archive", ".keras_h5", ".serialization"},
               "__init__.py": {".files", ".model_io", ".serialization"}}
    folder = os.path.join(PACKAGE, "saving")
    assert sorted(f for f in os.listdir(folder) if f.endswith(".py")) == sorted(allowed)
    for name, expected in allowed.items():
        top, inner = module_imports(os.path.join(folder, name))
        assert {i for i in top if i.startswith(".") or i.startswith("fastnn")} == expected, name
        assert inner == (["h5py"] if name == "keras_h5.py" else []), name  # h5py: optional, imported when used


def test_no_layer_imports_model_file_io_and_no_one_reads_private_state_to_save():
    for folder, _, files in os.walk(os.path.join(PACKAGE, "layers")):
        for name in files:
            if name.endswith(".py"):
                top, inner = module_imports(os.path.join(folder, name))
                for module in top + inner:
                    assert "saving" not in module or module == "..saving.serialization", (name, module)
    for name in os.listdir(os.path.join(PACKAGE, "saving")):
        if name.endswith(".py"):
            source = read(os.path.join(PACKAGE, "saving", name))
            for private in ("._slots", "._calls", "._compiled", "._tracked_layers", "._all_layers",
                            "._saved_input_shape", "._build_for_loading"):
                assert private not in source, (name, private)

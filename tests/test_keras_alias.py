"""fastnn.keras is tf.keras spelled for fastnn: the same objects under the names TensorFlow programs import."""
import importlib

import pytest

import fastnn


@pytest.mark.parametrize("name", ["layers", "models", "optimizers", "losses", "metrics", "callbacks", "datasets",
                                  "utils", "initializers", "regularizers", "constraints", "activations", "backend"])
def test_subpackages_are_fastnns_own(name):
    assert getattr(fastnn.keras, name) is getattr(fastnn, name)
    assert importlib.import_module(f"fastnn.keras.{name}") is getattr(fastnn, name)


def test_from_imports_as_tensorflow_programs_write_them():
    from fastnn.keras import Model, Sequential, layers
    from fastnn.keras.datasets import mnist
    from fastnn.keras.layers import Dense
    from fastnn.keras.optimizers.schedules import ExponentialDecay

    assert Dense is fastnn.layers.Dense and layers is fastnn.layers
    assert Model is fastnn.Model and Sequential is fastnn.Sequential
    assert mnist is fastnn.datasets.mnist
    assert ExponentialDecay is fastnn.optimizers.schedules.ExponentialDecay


def test_a_model_built_through_the_alias_is_a_fastnn_model():
    import fastnn as tf

    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    assert isinstance(model, fastnn.Model)
    assert model(fastnn.ones([1, 3])).shape == (1, 2)


def test_keras_ops_is_not_aliased():
    # keras.ops is Keras 3's numpy-style API; fastnn.ops follows TensorFlow's, so the alias would mislead
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("fastnn.keras.ops")

"""fastnn.models.clone_model against keras.models.clone_model: same architecture, new weights, layers shared as in
the original (keras.io's knowledge distillation example clones its student)."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import layers


def _sequential(K):
    return K.Sequential([K.Input((28, 28, 1)), K.layers.Conv2D(4, 3, strides=2, padding="same"),
                         K.layers.LeakyReLU(negative_slope=0.2), K.layers.Flatten(), K.layers.Dense(10)],
                        name="student")


def _functional_with_a_shared_layer(K):
    a, b = K.Input((3,)), K.Input((3,))
    shared = K.layers.Dense(2, name="shared")
    return K.Model([a, b], K.layers.Add()([shared(a), shared(b)]))


@pytest.mark.parametrize("build", [_sequential, _functional_with_a_shared_layer])
def test_clone_has_the_architecture_and_new_weights_like_keras(build):
    import keras

    model, theirs = build(fastnn), build(keras)
    clone, their_clone = fastnn.models.clone_model(model), keras.models.clone_model(theirs)
    assert clone is not model and type(clone) is type(model) and clone.name == model.name
    assert clone.count_params() == model.count_params() == their_clone.count_params() == theirs.count_params()
    assert [type(x).__name__ for x in clone.layers] == [type(x).__name__ for x in model.layers]
    assert all(c is not o for c, o in zip(clone.layers, model.layers))
    assert any(not np.array_equal(c, o) for c, o in zip(clone.get_weights(), model.get_weights()))  # new weights
    clone.set_weights(model.get_weights())
    x = [np.ones((2, 3), np.float32)] * 2 if isinstance(model.inputs, list) and len(model.inputs) == 2 else \
        np.ones((2, 28, 28, 1), np.float32)
    assert_close_scaled(clone.predict(x, verbose=0), model.predict(x, verbose=0), tol=1e-6)


def test_a_shared_layer_stays_shared_and_clone_function_can_reuse_layers():
    model = _functional_with_a_shared_layer(fastnn)
    clone = fastnn.models.clone_model(model)
    assert len(clone.trainable_weights) == 2  # one Dense, called twice
    same = fastnn.models.clone_model(model, clone_function=lambda layer: layer)
    assert same.get_layer("shared") is model.get_layer("shared")


def test_a_subclassed_model_is_cloned_from_its_config():
    class Scaled(fastnn.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x) * 2.0

        def get_config(self):
            return {"units": self.units, "name": self.name}

    clone = fastnn.models.clone_model(Scaled(units=5, name="s"))
    assert type(clone) is Scaled and clone.units == 5 and clone.predict(np.ones((1, 2)), verbose=0).shape == (1, 5)
    with pytest.raises(ValueError, match="clone_function"):
        fastnn.models.clone_model(Scaled(), clone_function=lambda layer: layer)


def test_clone_model_errors():
    model = _sequential(fastnn)
    with pytest.raises(TypeError, match="Received: model="):
        fastnn.models.clone_model(layers.Dense(2))
    with pytest.raises(ValueError, match="Received: input_tensors="):
        fastnn.models.clone_model(model, input_tensors=[fastnn.Input((28, 28, 1))])
    with pytest.raises(TypeError, match="Received: clone_function=3"):
        fastnn.models.clone_model(model, clone_function=3)

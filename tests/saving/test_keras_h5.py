"""Keras .weights.h5 files move both ways between Keras and fastnn (Sequential, functional, subclassed)."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn

X = np.random.default_rng(1).random((4, 10, 10, 1)).astype(np.float32)


def sequential(M):
    L = M.layers
    return M.Sequential([L.Input((10, 10, 1)), L.Conv2D(3, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(),
                         L.Dense(5, activation="relu"), L.Dense(2)])


def functional(M):
    L = M.layers
    inp = L.Input((10, 10, 1))
    flat = L.Flatten()(inp)
    out = L.Add()([L.Dense(4)(flat), L.Dense(4, activation="tanh")(flat)])
    return M.Model(inp, L.Dense(2)(out))


def subclassed(M):
    class Net(M.Model):
        def __init__(self):
            super().__init__()
            self.flat = M.layers.Flatten()
            self.hidden = M.layers.Dense(6, activation="relu")
            self.out = M.layers.Dense(2)

        def call(self, inputs):
            return self.out(self.hidden(self.flat(inputs)))

    model = Net()
    model(X[:1])
    return model


@pytest.mark.parametrize("build", [sequential, functional, subclassed])
def test_weights_move_both_ways(build, tf, tmp_path):
    keras_model, ours = build(tf.keras), build(fastnn)
    keras_model.save_weights(str(tmp_path / "keras.weights.h5"))
    ours.load_weights(tmp_path / "keras.weights.h5")
    assert_close_scaled(ours.predict(X, verbose=0), keras_model.predict(X, verbose=0), tol=2e-6)
    fresh = build(fastnn)
    fresh.save_weights(tmp_path / "fastnn.weights.h5")
    keras_twin = build(tf.keras)
    keras_twin.load_weights(str(tmp_path / "fastnn.weights.h5"))
    assert_close_scaled(keras_twin.predict(X, verbose=0), fresh.predict(X, verbose=0), tol=2e-6)


def test_h5_errors(tmp_path):
    model = sequential(fastnn)
    (tmp_path / "junk.weights.h5").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="not a readable HDF5"):
        model.load_weights(tmp_path / "junk.weights.h5")
    functional(fastnn).save_weights(tmp_path / "other.weights.h5")
    with pytest.raises(ValueError, match="no weights for layer"):
        model.load_weights(tmp_path / "other.weights.h5")


def unsorted_subclassed(M):
    """Attributes whose sorted order (Keras' h5 layout) differs from their creation order (the weights' order)."""
    class Net(M.Model):
        def __init__(self):
            super().__init__()
            self.zeta = M.layers.Dense(6, activation="relu")
            self.alpha = M.layers.Dense(2)

        def call(self, inputs):
            return self.alpha(self.zeta(inputs))

    model = Net()
    model(X[:1, :, 0, 0])
    return model


def test_subclassed_weights_go_to_their_own_layers(tf, tmp_path):
    # Each layer loads its own group (Layer.load_own_variables), whatever the order of model.weights.
    keras_model, ours = unsorted_subclassed(tf.keras), unsorted_subclassed(fastnn)
    keras_model.save_weights(str(tmp_path / "keras.weights.h5"))
    ours.load_weights(tmp_path / "keras.weights.h5")
    assert_close_scaled(ours.predict(X[:, :, 0, 0], verbose=0), keras_model.predict(X[:, :, 0, 0], verbose=0),
                        tol=2e-6)
    fresh = unsorted_subclassed(fastnn)
    fresh.save_weights(tmp_path / "fastnn.weights.h5")
    ours.load_weights(tmp_path / "fastnn.weights.h5")
    for a, b in zip(ours.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)

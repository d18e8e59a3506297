"""Files written before the saving package (by fastnn/saving.py at commit d96610b) still load:
a model file with its optimizer and random state, a `.npz` weights file and a Keras `.weights.h5` file.

They were made by this code, run with that commit's fastnn:

    fastnn.utils.set_random_seed(7)
    r = np.random.default_rng(0)
    x, y = r.random((32, 6)).astype(np.float32), r.integers(0, 3, 32)
    model = fastnn.Sequential([layers.Input((6,)), layers.Dense(5, activation="relu", kernel_regularizer="l2"),
                               layers.Dropout(0.2, seed=3), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=fastnn.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save("sequential_adam.npz"); model.save_weights("sequential.weights.npz")
    model.save_weights("sequential.weights.h5")
    np.save("inputs.npy", x[:4]); np.save("predictions.npy", model.predict(x[:4], verbose=0))
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)  # then the weights after one more epoch:
    np.save("weights_after_one_more_epoch.npy", np.concatenate([w.ravel() for w in model.get_weights()]))
"""
import os

import numpy as np
import pytest

import fastnn
from fastnn import layers

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "legacy")


def data():
    r = np.random.default_rng(0)
    return r.random((32, 6)).astype(np.float32), r.integers(0, 3, 32)


def legacy(name):
    return os.path.join(HERE, name)


def architecture():
    return fastnn.Sequential([layers.Input((6,)), layers.Dense(5, activation="relu"), layers.Dropout(0.2, seed=3),
                              layers.Dense(3, activation="softmax")])


def test_an_old_model_file_loads_and_trains_on_exactly():
    model = fastnn.models.load_model(legacy("sequential_adam.npz"))
    np.testing.assert_array_equal(model.predict(np.load(legacy("inputs.npy")), verbose=0),
                                  np.load(legacy("predictions.npy")))
    assert type(model.optimizer).__name__ == "Adam" and int(model.optimizer.iterations) == 8
    x, y = data()
    # the optimizer's slots, its step, the global random state and Dropout's call count all came back
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    np.testing.assert_array_equal(np.concatenate([w.ravel() for w in model.get_weights()]),
                                  np.load(legacy("weights_after_one_more_epoch.npy")))


@pytest.mark.parametrize("name", ["sequential.weights.npz", "sequential.weights.h5"])
def test_old_weights_files_load(name):
    model = architecture()
    model.load_weights(legacy(name))
    np.testing.assert_array_equal(model.predict(np.load(legacy("inputs.npy")), verbose=0),
                                  np.load(legacy("predictions.npy")))


def test_new_files_equal_the_old_ones(tmp_path):
    # the loaded model written again gives the same members: weights, optimizer slots, config, random state
    model = fastnn.models.load_model(legacy("sequential_adam.npz"))
    model.save(tmp_path / "again.npz")
    with np.load(legacy("sequential_adam.npz"), allow_pickle=False) as old, \
            np.load(tmp_path / "again.npz", allow_pickle=False) as new:
        assert sorted(new.files) == sorted(old.files)
        for key in old.files:
            np.testing.assert_array_equal(new[key], old[key], err_msg=key)

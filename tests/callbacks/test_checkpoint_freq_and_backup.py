"""ModelCheckpoint(save_freq=<batches>) and BackupAndRestore, against Keras 3's behaviour on the same runs."""
import os

import numpy as np
import pytest

import fastnn
from fastnn import layers


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(10, 4)).astype("float32"), rng.normal(size=(10, 1)).astype("float32")


def _fastnn_model():
    model = fastnn.Sequential([fastnn.Input((4,)), layers.Dense(3, activation="relu"), layers.Dense(1)])
    model.compile(optimizer=fastnn.optimizers.SGD(0.05), loss="mse")
    return model


def _keras_model(keras):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    return model


@pytest.mark.parametrize("save_freq,pattern", [(3, "ck-{epoch:02d}-{batch:02d}.weights.h5"),
                                               (4, "ck-{epoch}.weights.h5"),
                                               ("epoch", "ck-{epoch:02d}-{loss:.3f}.weights.h5")])
def test_save_freq_saves_the_files_keras_saves(save_freq, pattern, tmp_path, tf):
    pytest.importorskip("h5py")
    import keras

    x, y = _data()
    names = {}
    for framework, model in (("fastnn", _fastnn_model()), ("keras", _keras_model(keras))):
        folder = tmp_path / framework
        ckpt_class = fastnn.callbacks.ModelCheckpoint if framework == "fastnn" else keras.callbacks.ModelCheckpoint
        checkpoint = ckpt_class(str(folder / pattern), save_weights_only=True, save_freq=save_freq)
        model.fit(x, y, batch_size=2, epochs=3, shuffle=False, verbose=0, callbacks=[checkpoint])
        names[framework] = sorted(os.listdir(folder))
    if "loss" in pattern:  # the losses differ in the last digits between frameworks: compare the epochs only
        names = {k: [n[:5] for n in v] for k, v in names.items()}
    assert names["fastnn"] == names["keras"] and names["fastnn"]


@pytest.mark.parametrize("save_freq", [0, -2, 1.5, "batch", True])
def test_bad_save_freq_is_a_clear_error(save_freq, tmp_path):
    with pytest.raises(ValueError, match="save_freq"):
        fastnn.callbacks.ModelCheckpoint(str(tmp_path / "x.npz"), save_freq=save_freq)


class _Crash(fastnn.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("simulated crash")


def test_an_interrupted_fit_resumes_where_it_stopped_and_ends_as_an_uninterrupted_one(tmp_path):
    x, y = _data()
    fastnn.utils.set_random_seed(3)
    uninterrupted = _fastnn_model()
    uninterrupted.fit(x, y, batch_size=2, epochs=5, shuffle=False, verbose=0)

    fastnn.utils.set_random_seed(3)
    model = _fastnn_model()
    backup = fastnn.callbacks.BackupAndRestore(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="simulated crash"):
        model.fit(x, y, batch_size=2, epochs=5, shuffle=False, verbose=0, callbacks=[backup, _Crash(at_epoch=2)])
    assert sorted(os.listdir(tmp_path / "backup")) == ["latest.weights.npz", "training_metadata.json"]

    fastnn.utils.set_random_seed(99)
    resumed = _fastnn_model()  # a fresh process would build the model anew: its weights come from the backup
    history = resumed.fit(x, y, batch_size=2, epochs=5, shuffle=False, verbose=0, callbacks=[backup])
    assert history.epoch == [3, 4]  # epochs 0-1 finished before the crash; epoch 2 was cut short (no backup of it)
    for a, b in zip(resumed.get_weights(), uninterrupted.get_weights()):
        np.testing.assert_array_equal(a, b)  # plain SGD has no state to lose, so the result is the same
    assert os.listdir(tmp_path / "backup") == []  # deleted once fit completed


def test_resumption_matches_keras(tmp_path, tf):
    import keras

    x, y = _data()
    epochs_run = {}
    for framework in ("fastnn", "keras"):
        cb = fastnn.callbacks if framework == "fastnn" else keras.callbacks
        model = _fastnn_model() if framework == "fastnn" else _keras_model(keras)
        backup = cb.BackupAndRestore(str(tmp_path / framework), delete_checkpoint=True)

        class Crash(cb.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch == 1:
                    raise RuntimeError("simulated crash")

        with pytest.raises(RuntimeError):
            model.fit(x, y, epochs=4, verbose=0, callbacks=[backup, Crash()])
        epochs_run[framework] = model.fit(x, y, epochs=4, verbose=0, callbacks=[backup]).epoch
    assert epochs_run["fastnn"] == epochs_run["keras"]


def test_double_checkpoint_falls_back_on_the_previous_backup(tmp_path):
    x, y = _data()
    model = _fastnn_model()
    backup = fastnn.callbacks.BackupAndRestore(tmp_path, double_checkpoint=True, delete_checkpoint=False)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[backup])
    (tmp_path / "latest.weights.npz").write_bytes(b"not a weights file")
    history = _fastnn_model().fit(x, y, epochs=4, verbose=0, callbacks=[backup])
    assert history.epoch == [2, 3]  # the previous backup (after epoch 2 of 3) was used


def test_an_unreadable_backup_is_a_clear_error(tmp_path):
    x, y = _data()
    model = _fastnn_model()
    backup = fastnn.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[backup])
    (tmp_path / "training_metadata.json").write_text('{"epoch": "two"}')
    with pytest.raises(ValueError, match="cannot be restored"):
        _fastnn_model().fit(x, y, epochs=2, verbose=0, callbacks=[backup])


@pytest.mark.parametrize("kwargs,match", [({"backup_dir": ""}, "backup_dir"),
                                          ({"backup_dir": "b", "save_freq": 0}, "save_freq"),
                                          ({"backup_dir": "b", "save_freq": "step"}, "save_freq")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fastnn.callbacks.BackupAndRestore(**kwargs)

"""ModelCheckpoint (issue 13): a missing folder is created before training (Keras 3 creates it when saving), a
folder that cannot be created fails before the first epoch, and `save_best_only` with a monitor that never
appears warns once with Keras' message instead of silently saving nothing."""
import os

import numpy as np
import pytest

import fastnn
from fastnn import layers

X = np.random.default_rng(2).standard_normal((12, 4)).astype(np.float32)
Y = np.arange(12) % 3


class CountEpochs(fastnn.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1


def fit(callbacks, epochs=2):
    m = fastnn.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    counter = CountEpochs()
    m.fit(X, Y, epochs=epochs, verbose=0, callbacks=[counter] + callbacks)
    return m, counter


@pytest.mark.parametrize("weights_only", [False, True])
def test_missing_folders_are_created(tmp_path, weights_only):
    path = tmp_path / "a" / "b" / "ckpt.npz"
    m, _ = fit([fastnn.callbacks.ModelCheckpoint(path, save_weights_only=weights_only)])
    assert path.is_file()
    if not weights_only:
        assert fastnn.models.load_model(path).count_params() == m.count_params()


def test_formatted_folders_are_created_at_each_save(tmp_path):
    fit([fastnn.callbacks.ModelCheckpoint(tmp_path / "run" / "epoch{epoch}" / "w.npz", save_weights_only=True)])
    assert sorted(os.listdir(tmp_path / "run")) == ["epoch1", "epoch2"]
    assert (tmp_path / "run" / "epoch2" / "w.npz").is_file()


def test_a_folder_that_cannot_be_created_fails_before_the_first_epoch(tmp_path):
    (tmp_path / "file").write_text("in the way")
    counter = CountEpochs()
    m = fastnn.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(FileExistsError, match="file"):
        m.fit(X, Y, epochs=2, verbose=0, callbacks=[counter,
                                                    fastnn.callbacks.ModelCheckpoint(tmp_path / "file" / "c.npz")])
    assert counter.epochs == 0


def test_save_best_only_with_a_missing_monitor_warns_once(tmp_path):
    path = tmp_path / "best.npz"
    with pytest.warns(UserWarning, match=r"^Can save best model only with val_loss available\.$") as record:
        fit([fastnn.callbacks.ModelCheckpoint(path, save_best_only=True)], epochs=3)  # no validation data
    assert len([w for w in record if "Can save best model" in str(w.message)]) == 1
    assert not path.exists()


def test_save_best_only_with_its_monitor_does_not_warn(tmp_path):
    path = tmp_path / "best.npz"
    fit([fastnn.callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True)])  # warnings are errors
    assert path.is_file()

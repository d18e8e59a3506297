"""EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share `MonitorCallback` (issue 14): driven with the same
logs as Keras 3's callbacks, they take the same decisions (stop, learning rates, saves), mode 'auto' resolves the
direction from the name, and a missing monitored quantity is warned about."""
import os
import warnings

import pytest

import fastnn
from fastnn.callbacks.monitor_callback import MonitorCallback


class FakeModel:
    """What the three callbacks touch on a model: stop_training, the optimizer's learning rate, the savers."""

    def __init__(self, learning_rate=0.5):
        self.stop_training = False
        self.optimizer = type("Opt", (), {})()
        self.optimizer.learning_rate = learning_rate
        self.saved = []

    def save_weights(self, path, overwrite=True):
        self.saved.append(os.path.basename(path))

    save = save_weights

    def get_weights(self):
        return []

    def set_weights(self, weights):
        pass


def drive(callback, values, name):
    """Run the callback over one epoch per value; per epoch: (stop_training, learning rate, saves so far)."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    trace = []
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {name: value})
        trace.append((bool(model.stop_training), float(model.optimizer.learning_rate), len(model.saved)))
    return trace


@pytest.fixture
def keras(tf):
    return tf.keras


# best 0.2 then 0.15 with min_delta 0.05: 0.15 + 0.05 < 0.2 is False in floats (Keras: no improvement), while
# 0.15 < 0.2 - 0.05 is True: the shared rule is Keras' `value - min_delta` against the best.
LOSSES = [1.0, 0.9, 0.85, 0.7, 0.2, 0.15, 0.69, 0.68, 0.1, 0.1]
ACCURACIES = [0.1, 0.4, 0.35, 0.4, 0.7, 0.75, 0.75, 0.9, 0.2]


@pytest.mark.parametrize("kwargs", [dict(patience=1, min_delta=0.05), dict(patience=2, mode="min"),
                                    dict(patience=1, min_delta=0.05, cooldown=1), dict(patience=0, min_lr=0.125)])
def test_reduce_lr_on_plateau_matches_keras(keras, kwargs):
    ours = drive(fastnn.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, **kwargs), LOSSES, "val_loss")
    theirs = drive(keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, **kwargs), LOSSES, "val_loss")
    assert ours == theirs


@pytest.mark.parametrize("kwargs", [dict(patience=2, min_delta=0.05), dict(patience=1, baseline=0.8),
                                    dict(patience=1, min_delta=0.05, start_from_epoch=2), dict(patience=0)])
def test_early_stopping_matches_keras(keras, kwargs):
    ours = drive(fastnn.callbacks.EarlyStopping(monitor="loss", **kwargs), LOSSES, "loss")
    theirs = drive(keras.callbacks.EarlyStopping(monitor="loss", **kwargs), LOSSES, "loss")
    assert ours == theirs


@pytest.mark.parametrize("kwargs", [dict(mode="max"), dict(mode="max", initial_value_threshold=0.5),
                                    dict(mode="min")])
def test_model_checkpoint_best_only_matches_keras(keras, tmp_path, kwargs):
    path = str(tmp_path / "w{epoch}.weights.h5")
    ours = drive(fastnn.callbacks.ModelCheckpoint(path, monitor="val_acc", save_best_only=True,
                                                  save_weights_only=True, **kwargs), ACCURACIES, "val_acc")
    theirs = drive(keras.callbacks.ModelCheckpoint(path, monitor="val_acc", save_best_only=True,
                                                   save_weights_only=True, **kwargs), ACCURACIES, "val_acc")
    assert ours == theirs


@pytest.mark.parametrize("monitor, maximized", [("val_loss", False), ("loss", False), ("val_accuracy", True),
                                                ("auc", True), ("val_precision", True), ("mae", False)])
def test_auto_mode_direction_from_the_name(monitor, maximized):
    for callback in (fastnn.callbacks.EarlyStopping(monitor=monitor, min_delta=0.5),
                     fastnn.callbacks.ReduceLROnPlateau(monitor=monitor, min_delta=0.5),
                     fastnn.callbacks.ModelCheckpoint("w.npz", monitor=monitor)):
        assert isinstance(callback, MonitorCallback)
        assert callback._is_improvement(2.0, 1.0) is maximized and callback._is_improvement(0.0, 1.0) is not maximized
        assert callback._is_improvement(1.0, None)


@pytest.mark.parametrize("make", [lambda: fastnn.callbacks.EarlyStopping(mode="up"),
                                  lambda: fastnn.callbacks.ReduceLROnPlateau(mode="largest"),
                                  lambda: fastnn.callbacks.ModelCheckpoint("w.npz", mode=None)])
def test_unknown_mode_is_an_error(make):
    with pytest.raises(ValueError, match="`mode` must be 'auto', 'min' or 'max'"):
        make()


@pytest.mark.parametrize("callback, message", [
    (lambda: fastnn.callbacks.EarlyStopping(monitor="val_loss"), "Early stopping conditioned on metric `val_loss`"),
    (lambda: fastnn.callbacks.ReduceLROnPlateau(monitor="val_loss"),
     "Learning rate reduction is conditioned on metric `val_loss` which is not available"),
    (lambda: fastnn.callbacks.ModelCheckpoint("w.npz", monitor="val_loss", save_best_only=True),
     "Can save best model only with val_loss available"),
])
def test_missing_monitor_is_warned_about(callback, message):
    model = FakeModel()
    cb = callback()
    cb.set_model(model)
    cb.on_train_begin()
    with pytest.warns(UserWarning, match=message):
        cb.on_epoch_end(0, {"loss": 1.0})
    assert model.saved == [] and not model.stop_training


def test_model_checkpoint_warns_once_per_fit():
    cb = fastnn.callbacks.ModelCheckpoint("w.npz", monitor="val_loss", save_best_only=True)
    cb.set_model(FakeModel())
    cb.on_train_begin()
    with pytest.warns(UserWarning):
        cb.on_epoch_end(0, {"loss": 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cb.on_epoch_end(1, {"loss": 1.0})


def test_callbacks_keep_their_public_names():
    for name in ("Callback", "CallbackList", "History", "EarlyStopping", "LearningRateScheduler", "LambdaCallback",
                 "TerminateOnNaN", "CSVLogger", "ModelCheckpoint", "ReduceLROnPlateau"):
        cls = getattr(fastnn.callbacks, name)
        assert cls.__module__.startswith("fastnn.callbacks.") and "Example" in cls.__doc__, name

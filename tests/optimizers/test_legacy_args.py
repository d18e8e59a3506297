"""TF 2.x optimizer spellings (`lr=`, `decay=`, `epsilon=None`) accepted with a DeprecationWarning for every
optimizer, as tf.keras 2 did. tf.keras 2 is not installed; its `decay` rule, lr / (1 + decay · iterations), is
Keras 3's InverseTimeDecay(lr, decay_steps=1, decay_rate=decay), which is the oracle here."""
import warnings

import numpy as np
import pytest

import fastnn
from fastnn import optimizers

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "Adamax", "Lion", "Adadelta"]
WITH_EPSILON = ["Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "Adamax", "Adadelta"]
R = np.random.default_rng(5)
INIT = R.standard_normal((4, 3)).astype(np.float32)
GRADS = [R.standard_normal((4, 3)).astype(np.float32) for _ in range(5)]


def _train(var, opt):
    for g in GRADS:
        opt.apply_gradients([(g, var)])
    return np.asarray(var.numpy())


@pytest.mark.parametrize("cls", ALL)
def test_lr_and_decay_warn_and_train_like_keras_two(cls, tf):
    with pytest.warns(DeprecationWarning, match="`lr`"), pytest.warns(DeprecationWarning, match="`decay`"):
        opt = getattr(optimizers, cls)(lr=0.05, decay=0.3)
    ours = _train(fastnn.Variable(INIT), opt)
    schedule = tf.keras.optimizers.schedules.InverseTimeDecay(0.05, decay_steps=1, decay_rate=0.3)
    theirs = _train(tf.Variable(INIT), getattr(tf.keras.optimizers, cls)(learning_rate=schedule))
    np.testing.assert_allclose(ours, theirs, rtol=2e-6, atol=1e-7)
    assert int(opt.iterations) == len(GRADS)
    assert opt.learning_rate == pytest.approx(0.05 / (1 + 0.3 * len(GRADS)), rel=1e-6)


@pytest.mark.parametrize("cls", WITH_EPSILON)
def test_epsilon_none_means_the_default(cls):
    with pytest.warns(DeprecationWarning, match="epsilon=None"):
        opt = getattr(optimizers, cls)(epsilon=None)
    assert opt.epsilon == getattr(optimizers, cls)().epsilon == pytest.approx(1e-7)


def test_lr_alone_and_positional_rate():
    with pytest.warns(DeprecationWarning):
        assert float(optimizers.Adam(lr=0.01).learning_rate) == pytest.approx(0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the modern spelling warns about nothing
        assert float(optimizers.Adam(0.02).learning_rate) == pytest.approx(0.02)
        assert float(optimizers.SGD(learning_rate=0.03, decay=None).learning_rate) == pytest.approx(0.03)


def test_decay_saves_as_a_schedule(tmp_path):
    with pytest.warns(DeprecationWarning):
        opt = optimizers.SGD(lr=0.1, decay=0.5)
    assert isinstance(opt._learning_rate, optimizers.schedules.InverseTimeDecay)
    model = fastnn.Sequential([fastnn.layers.Dense(1, input_shape=(2,))])
    model.compile(opt, "mse")
    model.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), batch_size=2, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = fastnn.models.load_model(tmp_path / "m.npz")
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.1 / (1 + 0.5 * 2))


def test_bad_legacy_arguments():
    with pytest.raises(TypeError, match="lr=0.1"):
        optimizers.Adam(lr=0.1, learning_rate=0.2)
    with pytest.raises(ValueError, match="decay=-1"):
        optimizers.Adam(decay=-1)
    with pytest.raises(ValueError, match="schedule"), pytest.warns(DeprecationWarning):
        optimizers.Adam(learning_rate=optimizers.schedules.ExponentialDecay(0.1, 10, 0.9), decay=0.1)

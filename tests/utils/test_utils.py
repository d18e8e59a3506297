"""fastnn.utils: to_categorical (vs Keras), set_random_seed (same seed -> same run), plot_history, Progbar."""
import io

import numpy as np
import pytest

import fastnn
from fastnn import layers, utils


def test_to_categorical_matches_keras(tf):
    for labels, n in (([0, 2, 1], None), (np.array([[1], [3]]), 5), (np.array([2.0, 0.0]), 3)):
        np.testing.assert_array_equal(utils.to_categorical(labels, n), tf.keras.utils.to_categorical(labels, n))
    with pytest.raises(ValueError, match="out of range"):
        utils.to_categorical([0, 5], 3)
    with pytest.raises(ValueError, match="integer class labels"):
        utils.to_categorical([0.5])


def _run(seed):
    utils.set_random_seed(seed)
    model = fastnn.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"), layers.Dropout(0.3),
                               layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.linspace(0, 1, 80, dtype=np.float32).reshape(20, 4)
    return model.fit(x, np.arange(20) % 2, epochs=3, batch_size=4, verbose=0).history["loss"], model.get_weights()


def test_same_seed_same_run():
    (loss_a, w_a), (loss_b, w_b), (loss_c, _) = _run(5), _run(5), _run(6)
    assert loss_a == loss_b and loss_a != loss_c
    for a, b in zip(w_a, w_b):
        np.testing.assert_array_equal(a, b)


def test_plot_history_writes_a_png(tmp_path):
    history = fastnn.callbacks.History()
    history.epoch = [0, 1, 2]
    history.history = {"loss": [1.0, 0.5, 0.3], "accuracy": [0.5, 0.7, 0.8], "val_loss": [1.1, 0.7, 0.6]}
    path = utils.plot_history(history, tmp_path / "h.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="at least one epoch"):
        utils.plot_history({}, tmp_path / "x.png")


def test_progbar_non_tty_prints_only_the_final_line():
    stream = io.StringIO()
    bar = utils.Progbar(10, stream=stream)
    for i in range(1, 11):
        bar.update(i, {"loss": 0.5, "accuracy": 0.25})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("10/10 ") and lines[0].endswith(
        "- accuracy: 0.2500 - loss: 0.5000")

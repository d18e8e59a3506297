"""The tutorial ports in examples/ run and reach the tutorials' numbers; the TF program runs unchanged on TF."""
import pathlib
import sys

import numpy as np

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def load(name, source_edit=None):
    path = EXAMPLES / f"{name}.py"
    source = path.read_text()
    if source_edit:
        source = source_edit(source)
    module = type(sys)(f"example_{name}")
    module.__file__ = str(path)
    exec(compile(source, str(path), "exec"), module.__dict__)
    return module


def to_tensorflow(source):
    for ours, theirs in (("import fastnn as tf ", "import tensorflow as tf "),
                         ("from fastnn import optimizers ", "from tensorflow.keras import optimizers ")):
        assert ours in source
        source = source.replace(ours, theirs)
    return source


def test_iris_tape_losses_equal_tensorflows_to_four_decimals(tf):
    ours = load("iris_gradient_tape").main(verbose=False)
    theirs = load("iris_gradient_tape", to_tensorflow).main(verbose=False)
    assert len(ours) == len(theirs) == 200
    np.testing.assert_array_equal(np.round(ours, 4), np.round(theirs, 4))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    assert ours[-1] < 0.75 * ours[0]  # it learns (slowly: all-ones weights keep the hidden units identical)


def test_iris_hand_written_backprop_equals_the_tape():
    by_hand = load("iris_numpy_backprop").main(verbose=False)
    by_tape = load("iris_gradient_tape").main(verbose=False)
    np.testing.assert_allclose(by_hand, by_tape, rtol=1e-5)


def test_iris_examples_print_progress(capsys):
    load("iris_gradient_tape").main(epochs=21)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("epoch   0  loss ") and lines[-1].startswith("epoch  20  loss ")


def test_digits_custom_loop_reaches_the_tutorial_accuracy():
    accuracy = load("digits_custom_loop").main(verbose=False)
    assert accuracy >= 0.91


def test_naive_dense_mnist_learns(mnist_dir, monkeypatch):
    monkeypatch.setenv("FASTNN_MNIST_DIR", mnist_dir)
    accuracy = load("mnist_naive_dense").main(epochs=10, verbose=False)
    assert accuracy >= 0.78  # the book reports 0.81 after these 10 epochs


def test_keras_mnist_mlp_reaches_the_tutorial_accuracy(mnist_dir, monkeypatch):
    monkeypatch.setenv("FASTNN_MNIST_DIR", mnist_dir)
    assert load("mnist_mlp").main(epochs=5, verbose=0) >= 0.975


def test_lenet_custom_loop(mnist_dir, monkeypatch, capsys):
    monkeypatch.setenv("FASTNN_MNIST_DIR", mnist_dir)
    accuracy, params = load("mnist_lenet").main(epochs=2, verbose=True)
    assert params == 60_074 and accuracy >= 0.97
    assert "Total params: 60,074" in capsys.readouterr().out


def test_keras_tour():
    results = load("keras_tour").main(verbose=0)
    assert results["history_keys"] == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert results["validated_epochs"] == 5  # validation_freq=2 over 10 epochs
    assert results["weights_reloaded"] and results["model_reloaded"]
    assert results["sequential_accuracy"] >= 0.88 and results["subclass_accuracy"] >= 0.85
    assert results["augmented_cnn_accuracy"] >= 0.85
    assert 10 < results["epochs_run"] < 40  # EarlyStopping ended the second fit

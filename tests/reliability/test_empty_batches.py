"""A 0-sample batch from a generator or Dataset (issue 13) must not turn the logged loss or metrics into NaN.

Keras 3 (TensorFlow) logs the mean over the other batches, and still takes the optimizer step for the empty batch
with a zero gradient (iterations advance; SGD without momentum leaves the weights as they were): fastnn does the
same, which these tests check against TensorFlow's Keras."""
import warnings

import numpy as np
import pytest

import fastnn
from fastnn import layers
from fastnn.data import Dataset

R = np.random.default_rng(11)
X = R.standard_normal((8, 3)).astype(np.float32)
Y = np.array([0, 1, 2, 1, 0, 2, 2, 1])


def batches():
    """Three batches per epoch, the middle one empty."""
    while True:
        yield X[:4], Y[:4]
        yield X[:0], Y[:0]
        yield X[4:], Y[4:]


def without_empty():
    while True:
        yield X[:4], Y[:4]
        yield X[4:], Y[4:]


def model(optimizer="sgd"):
    fastnn.utils.set_random_seed(5)
    m = fastnn.Sequential([layers.Input((3,)), layers.Dense(3, activation="softmax")])
    m.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


@pytest.mark.parametrize("source", ["generator", "dataset"])
def test_fit_logs_the_mean_of_the_other_batches(source):
    m = model()
    ref = model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy 'mean of empty slice' either
        if source == "generator":
            history = m.fit(batches(), steps_per_epoch=3, epochs=2, verbose=0).history
        else:
            data = Dataset.from_generator(lambda: (b for b, _ in zip(batches(), range(3))))
            history = m.fit(data, epochs=2, verbose=0).history
    ref_history = ref.fit(without_empty(), steps_per_epoch=2, epochs=2, verbose=0).history
    assert np.isfinite(history["loss"]).all() and np.isfinite(history["accuracy"]).all(), history
    np.testing.assert_allclose(history["loss"], ref_history["loss"], rtol=1e-6)
    assert history["accuracy"] == ref_history["accuracy"]
    # the empty batch's step ran with a zero gradient, as in Keras: plain SGD weights are unchanged by it
    assert int(m.optimizer.iterations.numpy()) == 6 and int(ref.optimizer.iterations.numpy()) == 4
    for a, b in zip(m.get_weights(), ref.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_an_empty_first_batch_builds_the_model_and_logs_finite_values():
    m = fastnn.Sequential([layers.Dense(3, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])

    def empty_first():
        yield X[:0], Y[:0]
        yield X, Y
    history = m.fit(empty_first(), steps_per_epoch=2, verbose=0).history
    assert m.built and len(m.weights) == 2
    assert np.isfinite(history["loss"]).all() and np.isfinite(history["accuracy"]).all(), history


@pytest.mark.parametrize("source", ["generator", "dataset"])
def test_evaluate_skips_empty_batches(source):
    m = model()
    data = batches() if source == "generator" else \
        Dataset.from_generator(lambda: (b for b, _ in zip(batches(), range(3))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logs = m.evaluate(data, steps=3, verbose=0, return_dict=True)
    whole = m.evaluate(X, Y, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], whole["loss"], rtol=1e-6)
    assert logs["accuracy"] == whole["accuracy"]


def test_keras_logs_the_same_and_steps_on_the_empty_batch():
    """The behaviour matched above, in Keras 3 on TensorFlow."""
    keras = pytest.importorskip("keras")

    def run(source, steps):
        keras.utils.set_random_seed(5)
        m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
        m.compile("sgd", "sparse_categorical_crossentropy")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns that a generator is not shuffled
            history = m.fit(source, steps_per_epoch=steps, epochs=1, verbose=0).history
        return history["loss"][0], int(m.optimizer.iterations.numpy()), m.get_weights()

    loss, iterations, weights = run(batches(), 3)
    ref_loss, ref_iterations, ref_weights = run(without_empty(), 2)
    assert np.isfinite(loss) and loss == pytest.approx(ref_loss, rel=1e-6)
    assert (iterations, ref_iterations) == (3, 2)
    for a, b in zip(weights, ref_weights):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)

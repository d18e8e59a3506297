"""fastnn.losses vs keras.losses: per-sample functions and reduced classes, values and gradients (through the
two tapes), every reduction, sample weights, from_logits and label smoothing, probabilities near the clip."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import losses

R = np.random.default_rng(21)


def probs(*shape):
    p = R.random(shape).astype(np.float32) + 0.01
    p = p / p.sum(axis=-1, keepdims=True)
    p[0, 0] = 1e-9  # inside the clip region: gradient 0 there, as in Keras
    return p.astype(np.float32)


ONEHOT = np.eye(4, dtype=np.float32)[R.integers(0, 4, 6)]
SPARSE = R.integers(0, 4, 6)
BINARY = R.integers(0, 2, (6, 3)).astype(np.float32)
SIGMOIDS = np.clip(R.random((6, 3)).astype(np.float32), 1e-9, 1.0)
SIGMOIDS[0, 0], SIGMOIDS[1, 1] = 1e-9, 1.0

CASES = {  # name -> (class name, kwargs, y_true, y_pred)
    "mse": ("MeanSquaredError", {}, R.standard_normal((6, 3)).astype(np.float32), R.standard_normal((6, 3))),
    "mae": ("MeanAbsoluteError", {}, R.standard_normal((6, 3)).astype(np.float32), R.standard_normal((6, 3))),
    "cce": ("CategoricalCrossentropy", {}, ONEHOT, probs(6, 4)),
    "cce_unnormalised": ("CategoricalCrossentropy", {}, ONEHOT, probs(6, 4) * 3),
    "cce_smoothing": ("CategoricalCrossentropy", {"label_smoothing": 0.1}, ONEHOT, probs(6, 4)),
    "cce_logits": ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, ONEHOT,
                   R.standard_normal((6, 4)) * 3),
    "scce": ("SparseCategoricalCrossentropy", {}, SPARSE, probs(6, 4)),
    "scce_column_labels": ("SparseCategoricalCrossentropy", {}, SPARSE[:, None], probs(6, 4)),
    "scce_logits": ("SparseCategoricalCrossentropy", {"from_logits": True}, SPARSE, R.standard_normal((6, 4)) * 3),
    "bce": ("BinaryCrossentropy", {}, BINARY, SIGMOIDS),
    "bce_smoothing": ("BinaryCrossentropy", {"label_smoothing": 0.1}, BINARY, SIGMOIDS),
    "bce_logits": ("BinaryCrossentropy", {"from_logits": True}, BINARY, R.standard_normal((6, 3)) * 4),
    "bce_one_output": ("BinaryCrossentropy", {}, BINARY[:, :1], SIGMOIDS[:, :1]),
}
REDUCTIONS = ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_classes_match_keras(name, reduction, tf):
    cls, kwargs, y_true, y_pred = CASES[name]
    y_pred = np.asarray(y_pred, np.float32)
    weights = (R.random(6).astype(np.float32) + 0.5) if reduction != "sum_over_batch_size" else None
    ours = getattr(losses, cls)(reduction=reduction, **kwargs)
    theirs = getattr(tf.keras.losses, cls)(reduction=reduction, **kwargs)
    v, tv = fastnn.Variable(y_pred), tf.Variable(y_pred)
    with fastnn.GradientTape() as tape:
        value = ours(y_true, v, sample_weight=weights)
    with tf.GradientTape() as tf_tape:
        expected = theirs(y_true, tv, sample_weight=weights)
    assert value.shape == tuple(expected.shape)
    assert_close_scaled(value.numpy(), expected.numpy(), tol=2e-6, err_msg=f"{name} {reduction} value")
    seed = R.standard_normal(value.shape).astype(np.float32)
    grad = tape.gradient(value, v, output_gradients=seed)
    expected_grad = tf_tape.gradient(expected, tv, output_gradients=tf.constant(seed))
    assert_close_scaled(grad.numpy(), expected_grad.numpy(), tol=1e-5, err_msg=f"{name} {reduction} gradient")


@pytest.mark.parametrize("fn", ["mean_squared_error", "mean_absolute_error", "categorical_crossentropy",
                                "sparse_categorical_crossentropy", "binary_crossentropy"])
def test_loss_functions_match_keras(fn, tf):
    cls = {"mean_squared_error": "mse", "mean_absolute_error": "mae", "categorical_crossentropy": "cce",
           "sparse_categorical_crossentropy": "scce", "binary_crossentropy": "bce"}[fn]
    _, _, y_true, y_pred = CASES[cls]
    got = getattr(losses, fn)(y_true, y_pred)
    import keras  # keras 3 (installed with TF) exports the functions; tf.keras does not re-export them all

    want = getattr(keras.losses, fn)(y_true, np.asarray(y_pred, np.float32))
    assert isinstance(got, fastnn.Tensor)
    assert_close_scaled(got.numpy(), want.numpy(), tol=2e-6)


def test_lookup_and_custom_losses():
    assert losses.get("mse") is losses.mean_squared_error
    assert isinstance(losses.get("SparseCategoricalCrossentropy"), losses.SparseCategoricalCrossentropy)
    with pytest.raises(ValueError, match="'no_such_loss'"):
        losses.get("no_such_loss")

    class Huberish(losses.Loss):
        def call(self, y_true, y_pred):
            return fastnn.reduce_mean(fastnn.square(y_pred - y_true), axis=-1) * 0.5

    v = fastnn.Variable([[1.0, 3.0]])
    with fastnn.GradientTape() as tape:
        loss = Huberish()(np.zeros((1, 2)), v)
    assert float(loss) == 2.5
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), [[0.5, 1.5]])
    assert Huberish().name == "huberish"


@pytest.mark.parametrize("call, error, message", [
    (lambda: losses.mean_squared_error(np.ones((2, 3)), np.ones((2, 4))), ValueError, r"\(2, 3\) and \(2, 4\)"),
    (lambda: losses.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1))), ValueError, "classes > 1"),
    (lambda: losses.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 3)), label_smoothing=2.0), ValueError,
     "label_smoothing"),
    (lambda: losses.sparse_categorical_crossentropy([0, 9], np.full((2, 3), 0.3)), ValueError, "label value of 9"),
    (lambda: losses.sparse_categorical_crossentropy([0.5, 1], np.full((2, 3), 0.3)), ValueError, "integer"),
    (lambda: losses.binary_crossentropy(np.ones(3), np.float32(0.5)), ValueError, "rank >= 1"),
    (lambda: losses.MeanSquaredError(reduction="avg"), ValueError, "reduction=\'avg\'"),
    (lambda: losses.MeanSquaredError()(np.ones((4, 2)), np.ones((4, 2)), sample_weight=np.ones(3)), ValueError,
     "sample_weight"),
    (lambda: losses.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 3)), axis=0), ValueError, "axis=0"),
])
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()

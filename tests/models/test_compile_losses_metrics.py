"""Losses and metrics given to compile() by name or as objects: fit and evaluate match Keras (same initial weights,
unshuffled batches) — weights, every History key and the evaluate results."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn

R = np.random.default_rng(5)
X = R.standard_normal((120, 8)).astype(np.float32)
Y_REG = np.stack([X[:, 0] + 0.5 * X[:, 1], np.abs(X[:, 2]), X[:, 3] * X[:, 4]], axis=1).astype(np.float32)
Y_BIN = (X[:, :2].sum(axis=1) + 0.3 * R.standard_normal(120) > 0).astype(np.float32)[:, None]
Y_CAT = np.eye(5, dtype=np.float32)[np.argmax(X[:, :5] + 0.5 * R.standard_normal((120, 5)), axis=1)]


def model(M, outputs, activation):
    return M.Sequential([M.layers.Input((8,)), M.layers.Dense(16, activation="tanh"),
                         M.layers.Dense(outputs, activation=activation)])


CASES = {  # name -> (outputs, activation, loss(M), metrics(M), y)
    "regression_mae": (3, None, lambda M: "mae",
                       lambda M: ["mse", "mape", "msle", M.metrics.RootMeanSquaredError(name="rmse"),
                                  M.metrics.R2Score(name="r2")], Y_REG),
    "regression_huber": (3, None, lambda M: M.losses.Huber(delta=0.5), lambda M: ["mean_absolute_error"], Y_REG),
    "regression_logcosh": (3, None, lambda M: "log_cosh", lambda M: ["mse"], Y_REG),
    "binary_focal": (1, "sigmoid", lambda M: M.losses.BinaryFocalCrossentropy(gamma=2.0),
                     lambda M: ["AUC", "Precision", "Recall", "bce",
                                M.metrics.AUC(curve="PR", name="pr_auc")], Y_BIN),
    "binary_hinge": (1, "tanh", lambda M: "hinge", lambda M: [M.metrics.Precision(thresholds=0.0, name="p")], Y_BIN),
    "categorical_focal": (5, "softmax", lambda M: "categorical_focal_crossentropy",
                          lambda M: ["top_k_categorical_accuracy", M.metrics.TopKCategoricalAccuracy(k=2, name="top2"),
                                     M.metrics.F1Score(average="macro", name="f1"), "categorical_crossentropy"],
                          Y_CAT),
    "categorical_hinge": (5, None, lambda M: M.losses.CategoricalHinge(), lambda M: ["categorical_accuracy"], Y_CAT),
    "kld_poisson": (5, "softmax", lambda M: "kld", lambda M: ["mse"], Y_CAT),
    "cosine": (3, None, lambda M: M.losses.CosineSimilarity(), lambda M: ["mae"], Y_REG),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fit_with_losses_and_metrics_matches_keras(name, tf):
    outputs, activation, loss, make_metrics, y = CASES[name]
    theirs = model(tf.keras, outputs, activation)
    ours = model(fastnn, outputs, activation)
    ours.set_weights(theirs.get_weights())
    for m, M in ((ours, fastnn), (theirs, tf.keras)):
        m.compile(optimizer=M.optimizers.SGD(0.05), loss=loss(M), metrics=make_metrics(M))
    h_ours = ours.fit(X, y, batch_size=16, epochs=2, shuffle=False, verbose=0, validation_split=0.25)
    h_theirs = theirs.fit(X, y, batch_size=16, epochs=2, shuffle=False, verbose=0, validation_split=0.25)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        assert_close_scaled(a, b, tol=1e-4, err_msg=name)
    assert set(h_ours.history) == set(h_theirs.history)
    for key in h_theirs.history:
        np.testing.assert_allclose(h_ours.history[key], h_theirs.history[key], rtol=2e-4, atol=2e-5,
                                   err_msg=f"{name} {key}")
    np.testing.assert_allclose(ours.evaluate(X, y, verbose=0), theirs.evaluate(X, y, verbose=0), rtol=2e-4,
                               atol=2e-5)

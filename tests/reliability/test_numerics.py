"""Numerical robustness not covered elsewhere. Already covered, so not repeated: the kernels' forward values of
sigmoid/tanh/exp/log at ±1e4 / ±inf / NaN (tests/csrc/test_vmath.py, test_elementwise.py) and the fused xent
kernels at logit scale 1e4 (tests/csrc/test_softmax_xent.py).

Here: the derivatives at saturation (kernels and GradientTape, every ISA path); softmax + cross-entropy at logits
±1e4 through `fastnn.losses` (from_logits, the softmax-layer path that reuses the logits, and the clipped
probability path) and `ops.log_softmax`, value and gradient finite; `TerminateOnNaN` stops a diverging `fit`.
"""
import numpy as np
import pytest
from references import softmax_xent_ref

import fastnn
from fastnn import kernels as K

SATURATING = np.array([-np.inf, -1e4, -1e3, -100.0, -30.0, 30.0, 100.0, 1e3, 1e4, np.inf], np.float32)


@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
def test_saturated_derivatives_are_finite_and_zero(isa, op):
    y = getattr(K, op)(SATURATING)
    assert not np.isnan(y).any()
    low = 0.0 if op == "sigmoid" else -1.0
    np.testing.assert_array_equal(y[[0, 1, 2, 3]], low)  # saturated exactly (float32)
    np.testing.assert_array_equal(y[[6, 7, 8, 9]], 1.0)
    dy = np.ones_like(SATURATING)
    g = getattr(K, op + "_grad")(dy, y)
    assert np.isfinite(g).all()
    np.testing.assert_array_equal(g[[0, 1, 2, 3, 6, 7, 8, 9]], 0.0)
    # through the differentiable ops and a tape
    x = fastnn.Variable(SATURATING)
    with fastnn.GradientTape() as tape:
        out = fastnn.reduce_sum(getattr(fastnn.nn, op)(x))
    grad = tape.gradient(out, x).numpy()
    assert np.isfinite(out.numpy()) if op == "tanh" else not np.isnan(out.numpy())
    assert np.isfinite(grad).all() and not grad[[0, 1, 2, 3, 6, 7, 8, 9]].any()


@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
def test_saturated_dense_and_conv_epilogues(isa, op):
    """The fused GEMM / conv epilogues saturate like the standalone kernel (no NaN from exp overflow)."""
    x = np.array([[1e4], [-1e4], [3e4], [-3e4]], np.float32)
    w = np.ones((1, 3), np.float32)
    y = K.dense(x, w, np.zeros(3, np.float32), activation=op)
    np.testing.assert_array_equal(y, getattr(K, op)(x @ w))
    img = np.full((1, 3, 3, 1), 1e4, np.float32) * np.array([1, -1, 1], np.float32)[:, None, None]
    yc = K.conv2d(img, np.ones((1, 1, 1, 2), np.float32), 1, "VALID", activation=op)
    assert not np.isnan(yc).any()
    np.testing.assert_array_equal(yc, getattr(K, op)(img.repeat(2, axis=-1)))
    dz, db = K.dense_activation_grad(np.ones_like(y), y, activation=op)
    assert np.isfinite(dz).all() and np.isfinite(db).all() and not dz.any()


LOGITS = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4, -1e4, 1e4], [1e4, 1e4, -1e4, -1e4], [0.0, 1.0, -1e4, 2.0]],
                  np.float32)
LABELS = np.array([1, 0, 2, 2])  # mostly the least likely class: losses ~2e4, the worst case
ONE_HOT = np.eye(4, dtype=np.float32)[LABELS]


def _expected_loss():
    return softmax_xent_ref(ONE_HOT, LOGITS)[0]


def _loss_and_grad(loss_fn, through_softmax_layer=False):
    z = fastnn.Variable(LOGITS)
    with fastnn.GradientTape() as tape:
        pred = fastnn.layers.Softmax()(z) if through_softmax_layer else z
        per_sample = loss_fn(pred)
        loss = fastnn.reduce_mean(per_sample)
    return per_sample.numpy(), loss.numpy(), tape.gradient(loss, z).numpy()


@pytest.mark.parametrize("case", ["categorical_from_logits", "sparse_from_logits", "categorical_softmax_layer",
                                  "sparse_softmax_layer", "ops_softmax_xent", "ops_sparse_softmax_xent"])
def test_cross_entropy_at_logits_1e4_is_stable(isa, case):
    L = fastnn.losses
    fns = {
        "categorical_from_logits": lambda p: L.categorical_crossentropy(ONE_HOT, p, from_logits=True),
        "sparse_from_logits": lambda p: L.sparse_categorical_crossentropy(LABELS, p, from_logits=True),
        "categorical_softmax_layer": lambda p: L.categorical_crossentropy(ONE_HOT, p),
        "sparse_softmax_layer": lambda p: L.sparse_categorical_crossentropy(LABELS, p),
        "ops_softmax_xent": lambda p: fastnn.nn.softmax_cross_entropy_with_logits(labels=ONE_HOT, logits=p),
        "ops_sparse_softmax_xent": lambda p: fastnn.nn.sparse_softmax_cross_entropy_with_logits(labels=LABELS,
                                                                                                logits=p),
    }
    per_sample, loss, grad = _loss_and_grad(fns[case], through_softmax_layer="layer" in case)
    assert np.isfinite(per_sample).all() and np.isfinite(loss) and np.isfinite(grad).all()
    # the fused paths compute the exact loss (~2e4), not a clipped one
    np.testing.assert_allclose(per_sample, _expected_loss(), rtol=1e-6, atol=1e-6)
    z = LOGITS.astype(np.float64)
    p = np.exp(z - z.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(grad, (p - ONE_HOT) / 4, atol=1e-6)


def test_probability_path_at_logits_1e4_is_clipped_and_finite(isa):
    """Softmax probabilities without their logits (a plain op, not a layer): Keras clips to [1e-7, 1 - 1e-7]."""
    z = fastnn.Variable(LOGITS)
    with fastnn.GradientTape() as tape:
        probs = fastnn.nn.softmax(z)
        per_sample = fastnn.losses.categorical_crossentropy(ONE_HOT, probs)
        loss = fastnn.reduce_mean(per_sample)
    grad = tape.gradient(loss, z).numpy()
    assert np.isfinite(per_sample.numpy()).all() and np.isfinite(grad).all()
    assert per_sample.numpy().max() <= -np.log(1e-7) + 1e-3  # clipped, not -log(0)


def test_log_softmax_at_logits_1e4(isa):
    z = fastnn.Variable(LOGITS)
    with fastnn.GradientTape() as tape:
        out = fastnn.nn.log_softmax(z)
        picked = fastnn.reduce_sum(out * ONE_HOT)
    grad = tape.gradient(picked, z).numpy()
    assert np.isfinite(out.numpy()).all() and np.isfinite(grad).all()
    np.testing.assert_allclose(-out.numpy()[np.arange(4), LABELS], _expected_loss(), rtol=1e-6)


def test_terminate_on_nan_stops_a_diverging_fit(capsys):
    fastnn.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 8)) * 10).astype(np.float32)
    y = (rng.standard_normal((64, 1)) * 10).astype(np.float32)
    L = fastnn.layers
    model = fastnn.Sequential([L.Input((8,)), L.Dense(32, activation="relu"), L.Dense(1)])
    model.compile(optimizer=fastnn.optimizers.SGD(learning_rate=1e6), loss="mse")
    epochs = 50
    history = model.fit(x, y, batch_size=8, epochs=epochs, verbose=0,
                        callbacks=[fastnn.callbacks.TerminateOnNaN()])
    losses = history.history["loss"]
    assert len(losses) < epochs, "fit ran every epoch: TerminateOnNaN did not stop it"
    assert not np.isfinite(losses[-1]), losses  # it stopped on the epoch whose loss went bad
    assert all(np.isfinite(v) for v in losses[:-1])
    assert "Invalid loss, terminating training" in capsys.readouterr().out

    # and without the callback the same run goes on through every epoch
    fastnn.utils.set_random_seed(0)
    model = fastnn.Sequential([L.Input((8,)), L.Dense(32, activation="relu"), L.Dense(1)])
    model.compile(optimizer=fastnn.optimizers.SGD(learning_rate=1e6), loss="mse")
    with np.errstate(all="ignore"):
        assert len(model.fit(x, y, batch_size=8, epochs=epochs, verbose=0).history["loss"]) == epochs

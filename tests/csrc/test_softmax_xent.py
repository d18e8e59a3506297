"""Fused softmax cross-entropy (dense and sparse labels) and the Keras probability-path losses, against
tf.nn.*, tf.keras.losses.* (per sample) and tf.GradientTape, on every ISA path."""
import numpy as np
import pytest
from references import softmax_xent_ref
from tolerances import assert_close_elementwise

import fastnn
import fastnn.kernels as F

SHAPES = [(1, 1), (1, 10), (7, 13), (128, 10), (5, 1000), (0, 10), (2, 3, 7)]


def _logits(rng, shape, scale):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def _one_hot(rng, shape, soft):
    if soft:
        y = rng.random(shape).astype(np.float32)
        return y / np.maximum(y.sum(-1, keepdims=True), 1e-6)
    ids = rng.integers(0, shape[-1], size=shape[:-1])
    return np.eye(shape[-1], dtype=np.float32)[ids], ids


def _tf_loss_and_grad(tf, loss_fn, logits, grad_scale=1.0):
    z = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = loss_fn(z)
        total = tf.reduce_sum(loss) * grad_scale
    return loss.numpy(), tape.gradient(total, z).numpy()


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_dense_xent_matches_tf(isa, tf, rng, shape, scale):
    logits = _logits(rng, shape, scale)
    for soft in (False, True):
        labels = _one_hot(rng, shape, soft)
        labels = labels if soft else labels[0]
        grad_scale = 1.0 / max(shape[0], 1)
        tf_loss, tf_grad = _tf_loss_and_grad(
            tf, lambda z: tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=z), logits, grad_scale)  # noqa: B023  (called at once, inside the loop)
        loss = F.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        loss2, dlogits = F.softmax_cross_entropy_with_logits_and_grad(labels, logits, grad_scale=grad_scale)
        assert loss.shape == shape[:-1] and dlogits.shape == shape
        assert np.all(np.isfinite(loss)) and np.all(np.isfinite(dlogits))
        np.testing.assert_array_equal(loss, loss2)  # the gradient request does not change the loss bits
        rtol = 1e-6 if scale < 1e3 else 2e-6  # TF's own loss at |z| ~ 1e4 is a difference of ~1e4-sized floats
        assert_close_elementwise(loss, tf_loss, rtol=rtol, err_msg=f"loss, soft={soft}")
        assert_close_elementwise(dlogits, tf_grad, err_msg=f"dlogits, soft={soft}")
        ref_loss, ref_grad = softmax_xent_ref(labels, logits)
        assert_close_elementwise(loss, ref_loss.astype(np.float32), rtol=rtol)
        assert_close_elementwise(dlogits, (ref_grad * grad_scale).astype(np.float32))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("scale", [1.0, 1e4])
@pytest.mark.parametrize("label_dtype", [np.int64, np.int32, np.uint8, np.float32])
def test_sparse_xent_matches_tf(isa, tf, rng, shape, scale, label_dtype):
    logits = _logits(rng, shape, scale)
    one_hot, ids = _one_hot(rng, shape, soft=False)
    if label_dtype == np.uint8 and shape[-1] > 256:
        pytest.skip("class ids do not fit uint8")
    labels = ids.astype(label_dtype)
    tf_loss, tf_grad = _tf_loss_and_grad(
        tf, lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=z), logits)
    loss = F.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    loss2, dlogits = F.sparse_softmax_cross_entropy_with_logits_and_grad(labels, logits)
    np.testing.assert_array_equal(loss, loss2)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(dlogits))
    rtol = 1e-6 if scale < 1e3 else 2e-6
    assert_close_elementwise(loss, tf_loss, rtol=rtol)
    assert_close_elementwise(dlogits, tf_grad)
    dense_loss, dense_grad = F.softmax_cross_entropy_with_logits_and_grad(one_hot, logits)
    assert_close_elementwise(loss, dense_loss, rtol=rtol)
    assert_close_elementwise(dlogits, dense_grad)


def test_dense_xent_on_another_axis_matches_tf(isa, tf, rng):
    logits = _logits(rng, (4, 6, 3), 2.0)
    labels = _one_hot(rng, (4, 3, 6), soft=True).transpose(0, 2, 1).copy()
    tf_loss, tf_grad = _tf_loss_and_grad(
        tf, lambda z: tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=z, axis=1), logits)
    loss, grad = F.softmax_cross_entropy_with_logits_and_grad(labels, logits, axis=1)
    assert_close_elementwise(loss, tf_loss)
    assert_close_elementwise(grad, tf_grad)
    assert_close_elementwise(F.softmax_cross_entropy_with_logits(labels=labels, logits=logits, axis=1), tf_loss)


def test_nan_and_inf_logits_behave_like_tf(isa, tf):
    logits = np.array([[np.nan, 1.0, 2.0], [np.inf, 1.0, 2.0], [-np.inf, 1.0, 2.0], [1.0, 2.0, 3.0]], np.float32)
    labels = np.eye(3, dtype=np.float32)[[1, 1, 1, 1]]
    loss, grad = F.softmax_cross_entropy_with_logits_and_grad(labels, logits)
    tf_loss, tf_grad = _tf_loss_and_grad(
        tf, lambda z: tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=z), logits)
    np.testing.assert_allclose(loss, tf_loss, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad, tf_grad, rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------------------------------------ label errors
@pytest.mark.parametrize("bad", [-1, 10, 11])
def test_sparse_labels_out_of_range_raise_like_tf(isa, bad):
    logits = np.zeros((3, 10), np.float32)
    msg = rf"Received a label value of {bad} which is outside the valid range of \[0, 10\)\."
    with pytest.raises(ValueError, match=msg):
        F.sparse_softmax_cross_entropy_with_logits(labels=[0, bad, 1], logits=logits)
    with pytest.raises(ValueError, match=msg):
        F.sparse_categorical_crossentropy([0, bad, 1], np.full((3, 10), 0.1, np.float32))


def test_bad_labels_and_shapes_raise_with_the_argument_name():
    logits = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match="integer class ids, received 1.5"):
        F.sparse_softmax_cross_entropy_with_logits(labels=[0.0, 1.5], logits=logits)
    with pytest.raises(ValueError, match="integer class ids"):
        F.sparse_softmax_cross_entropy_with_logits(labels=[0.0, np.nan], logits=logits)
    with pytest.raises(TypeError, match="`labels`"):
        F.sparse_softmax_cross_entropy_with_logits(labels=[True, False], logits=logits)
    with pytest.raises(ValueError, match=r"`labels` must have shape \(2,\)"):
        F.sparse_softmax_cross_entropy_with_logits(labels=[0, 1, 2], logits=logits)
    with pytest.raises(ValueError, match="`labels` and `logits` must have the same shape"):
        F.softmax_cross_entropy_with_logits(labels=np.zeros((2, 4)), logits=logits)
    with pytest.raises(ValueError, match="`logits` must have rank >= 1"):
        F.softmax_cross_entropy_with_logits(labels=1.0, logits=1.0)
    with pytest.raises(TypeError, match="`logits`"):
        F.softmax_cross_entropy_with_logits(labels=logits, logits=logits.astype(complex))
    with pytest.raises(ValueError, match="`axis` must be an int in"):
        F.softmax_cross_entropy_with_logits(labels=logits, logits=logits, axis=2)
    with pytest.raises(TypeError, match="`grad_scale`"):
        F.softmax_cross_entropy_with_logits_and_grad(logits, logits, grad_scale="1")
    with pytest.raises(ValueError, match="`y_true` and `y_pred` must have the same shape"):
        F.mean_squared_error(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="`label_smoothing` must be in"):
        F.categorical_crossentropy(logits, logits + 1, label_smoothing=2.0)
    with pytest.raises(ValueError, match="`logits` must be 2-D"):  # the binding checks ranks too
        fastnn._core.softmax_xent(np.zeros(3, np.float32), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="outside the valid range"):
        fastnn._core.sparse_softmax_xent(logits, np.array([0, 3], np.int64))
    with pytest.raises(TypeError):  # the binding takes int64 labels (or safely widened ints) only
        fastnn._core.sparse_softmax_xent(logits, np.array([0.0, 1.0]))


# ------------------------------------------------------------------------------ Keras probability-path losses
def _probabilities(rng, shape):
    p = rng.random(shape).astype(np.float32)
    p /= p.sum(-1, keepdims=True)
    rows = p.reshape(-1, shape[-1])
    rows[0, :] = 0.0
    rows[0, 1] = 1.0  # an exact one-hot prediction: both clip bounds active
    rows[-1, 0] = 0.0  # an exact zero
    rows[1] *= 3.0  # unnormalised
    return p


@pytest.mark.parametrize("shape", [(4, 2), (7, 10), (128, 10), (3, 4, 5)], ids=str)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_categorical_crossentropy_matches_keras(isa, tf, rng, shape, label_smoothing):
    p = _probabilities(rng, shape)
    y = _one_hot(rng, shape, soft=False)[0]
    kfn = lambda t: tf.keras.losses.categorical_crossentropy(y, t, label_smoothing=label_smoothing)  # noqa: E731
    k_loss, k_grad = _tf_loss_and_grad(tf, kfn, p, grad_scale=0.25)
    loss = F.categorical_crossentropy(y, p, label_smoothing=label_smoothing)
    grad = F.categorical_crossentropy_grad(y, p, label_smoothing=label_smoothing, grad_scale=0.25)
    assert_close_elementwise(loss, k_loss)
    assert_close_elementwise(grad, k_grad, rtol=2e-6)  # gradients reach 1/ε = 1e7 at clipped entries
    z = _logits(rng, shape, 3.0)
    lfn = lambda t: tf.keras.losses.categorical_crossentropy(y, t, from_logits=True)  # noqa: E731
    k_loss, k_grad = _tf_loss_and_grad(tf, lfn, z)
    assert_close_elementwise(F.categorical_crossentropy(y, z, from_logits=True), k_loss)
    assert_close_elementwise(F.categorical_crossentropy_grad(y, z, from_logits=True), k_grad)


@pytest.mark.parametrize("shape", [(4, 2), (7, 10), (128, 10), (3, 4, 5)], ids=str)
@pytest.mark.parametrize("trailing_one", [False, True])
def test_sparse_categorical_crossentropy_matches_keras(isa, tf, rng, shape, trailing_one):
    p = _probabilities(rng, shape)
    ids = rng.integers(0, shape[-1], size=shape[:-1])
    ids.flat[0] = 0  # the clipped-to-ε entry of the one-hot first row
    labels = ids[..., None] if trailing_one else ids
    kfn = lambda t: tf.keras.losses.sparse_categorical_crossentropy(labels, t)  # noqa: E731
    k_loss, k_grad = _tf_loss_and_grad(tf, kfn, p, grad_scale=0.5)
    assert_close_elementwise(F.sparse_categorical_crossentropy(labels, p), k_loss)
    assert_close_elementwise(F.sparse_categorical_crossentropy_grad(labels, p, grad_scale=0.5), k_grad, rtol=2e-6)
    z = _logits(rng, shape, 3.0)
    lfn = lambda t: tf.keras.losses.sparse_categorical_crossentropy(labels, t, from_logits=True)  # noqa: E731
    k_loss, k_grad = _tf_loss_and_grad(tf, lfn, z)
    assert_close_elementwise(F.sparse_categorical_crossentropy(labels, z, from_logits=True), k_loss)
    assert_close_elementwise(F.sparse_categorical_crossentropy_grad(labels, z, from_logits=True), k_grad)


@pytest.mark.parametrize("shape", [(1, 1), (7, 10), (128, 10), (3, 4, 5), (0, 3)], ids=str)
def test_mean_squared_error_matches_keras(tf, rng, shape):
    y_true = _logits(rng, shape, 2.0)
    y_pred = _logits(rng, shape, 2.0)
    k_loss, k_grad = _tf_loss_and_grad(tf, lambda t: tf.keras.losses.mse(y_true, t), y_pred, grad_scale=0.1)
    assert_close_elementwise(F.mean_squared_error(y_true, y_pred), k_loss)
    assert_close_elementwise(F.mean_squared_error_grad(y_true, y_pred, grad_scale=0.1), k_grad)


# ------------------------------------------------------------------------------------------------ determinism
@pytest.mark.parametrize("sparse", [False, True])
def test_one_and_two_threads_bitwise_equal(isa, rng, sparse):
    shape = (20000, 37)
    logits = _logits(rng, shape, 5.0)
    one_hot, ids = _one_hot(rng, shape, soft=False)

    def run(n):
        fastnn.set_num_threads(n)
        try:
            if sparse:
                return F.sparse_softmax_cross_entropy_with_logits_and_grad(ids, logits, grad_scale=1 / 20000)
            return F.softmax_cross_entropy_with_logits_and_grad(one_hot, logits, grad_scale=1 / 20000)
        finally:
            fastnn.set_num_threads(None)

    (l1, g1), (l2, g2) = run(1), run(2)
    np.testing.assert_array_equal(l1, l2)
    np.testing.assert_array_equal(g1, g2)

"""fastnn.losses' regression, hinge, cosine and focal losses: the expected numbers of Keras 3.15's own
losses_test.py (ported as a table), then value and gradient (through both tapes) against keras on random inputs
for every reduction with sample weights, get_config round trips, string aliases and bad arguments."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import losses

R = np.random.default_rng(31)
YT = np.array([[1, 9, 2], [-5, -2, 6]], np.float32)     # Keras' regression fixtures
YP = np.array([[4, 8, 12], [8, 1, 3]], np.float32)
HT = np.array([[0.0, 1.0], [0.0, 0.0]], np.float32)     # hinge fixtures
HP = np.array([[0.6, 0.4], [0.4, 0.6]], np.float32)
BT = np.array([[1, 0], [1, 0]], np.float32)
BP = np.array([[0.9, 0.8], [0.7, 0.2]], np.float32)
BT3 = np.array([[1, 1, 0], [0, 1, 0]], np.float32)
BL3 = np.array([[1.5, -2.7, 2.9], [-3.8, 1.2, -4.5]], np.float32)
CT = np.eye(3, dtype=np.float32)
CP = np.array([[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]], np.float32)
CL = np.array([[8.0, 1.0, 1.0], [0.0, 9.0, 1.0], [2.0, 3.0, 5.0]], np.float32)
W2 = np.array([[1.2], [3.4]], np.float32)

# (class, kwargs, y_true, y_pred, sample_weight, expected) — numbers from keras/src/losses/losses_test.py
KERAS_VALUES = [
    ("MeanAbsolutePercentageError", {}, YT, YP, None, 211.8518),
    ("MeanAbsolutePercentageError", {}, YT, YP, 2.3, 487.259),
    ("MeanAbsolutePercentageError", {}, YT, YP, W2, 422.8888),
    ("MeanAbsolutePercentageError", {"reduction": None}, YT, YP, 2.3, [621.8518, 352.6666]),
    ("MeanAbsolutePercentageError", {"reduction": "mean_with_sample_weight"}, YT, YP, W2, 183.865),
    ("MeanAbsolutePercentageError", {}, YT.reshape(2, 3, 1), YP.reshape(2, 3, 1),
     np.array([3, 6, 5, 0, 4, 2], np.float32).reshape(2, 3), 694.4444),
    ("MeanAbsolutePercentageError", {}, YT, YP, 0.0, 0.0),
    ("MeanSquaredLogarithmicError", {}, YT, YP, None, 1.4370),
    ("MeanSquaredLogarithmicError", {}, YT, YP, 2.3, 3.3051),
    ("MeanSquaredLogarithmicError", {}, YT, YP, W2, 3.7856),
    ("MeanSquaredLogarithmicError", {"reduction": "mean_with_sample_weight"}, YT, YP, W2, 1.646),
    ("MeanSquaredLogarithmicError", {}, YT.reshape(2, 3, 1), YP.reshape(2, 3, 1),
     np.array([3, 6, 5, 0, 4, 2], np.float32).reshape(2, 3), 2.647374),
    ("Hinge", {}, HT, HP, None, 1.3),
    ("Hinge", {"reduction": "sum"}, HT, HP, None, 2.6),
    ("Hinge", {"reduction": None}, HT, HP, None, [1.1, 1.5]),
    ("Hinge", {"reduction": None}, HT, HP, [1, 0], [1.1, 0.0]),
    ("SquaredHinge", {}, HT, HP, None, 1.86),
    ("SquaredHinge", {"reduction": None}, HT, HP, None, [1.46, 2.26]),
    ("SquaredHinge", {"reduction": None}, HT, HP, [1, 0], [1.46, 0.0]),
    ("CategoricalHinge", {}, HT, HP, None, 1.4),
    ("CategoricalHinge", {"reduction": "sum"}, HT, HP, None, 2.8),
    ("CategoricalHinge", {"reduction": None}, HT, HP, None, [1.2, 1.6]),
    ("CategoricalHinge", {}, HT, HP, [1, 0], 0.6),
    ("Huber", {}, HT, HP, None, 0.155),  # the Huber docstring example
    ("BinaryFocalCrossentropy", {"gamma": 2.0}, BT, BP, None, 0.268),
    ("BinaryFocalCrossentropy", {"gamma": 3.0, "from_logits": True}, BT3, BL3, None, 0.799),
    ("BinaryFocalCrossentropy", {"gamma": 2.0}, BT, BP, 1.23, 0.3296),
    ("BinaryFocalCrossentropy", {"gamma": 3.0, "from_logits": True}, BT3, BL3, 3.21, 2.565),
    ("BinaryFocalCrossentropy", {"gamma": 1.5}, CT, CT, None, 0.0),
    ("CategoricalFocalCrossentropy", {}, CT, CP, None, 0.02059),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, CT, CL, None, 0.000345),
    ("CategoricalFocalCrossentropy", {}, CT, CP, 2.3, 0.047368),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, CT, CL, 2.3, 0.000794),
    ("CategoricalFocalCrossentropy", {}, CT, CP, np.array([[1.2], [3.4], [5.6]]), 0.06987),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "reduction": None}, CT, CL, None,
     [1.5096224e-09, 2.4136547e-11, 1.0360638e-03]),
]


@pytest.mark.parametrize("row", range(len(KERAS_VALUES)))
def test_keras_test_values(row):
    cls, kwargs, y_true, y_pred, weight, expected = KERAS_VALUES[row]
    got = getattr(losses, cls)(**kwargs)(y_true, y_pred, sample_weight=weight).numpy()
    np.testing.assert_allclose(got, np.asarray(expected, np.float32), rtol=2e-4, atol=1e-3 if np.ndim(expected)
                               == 0 and expected > 100 else 5e-4, err_msg=f"{cls} {kwargs} weight={weight}")


def test_keras_docstring_values():
    got = losses.categorical_focal_crossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])
    np.testing.assert_allclose(got.numpy(), [2.63401289e-04, 6.75912094e-01], rtol=1e-5)
    got = losses.binary_focal_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], gamma=2)
    np.testing.assert_allclose(got.numpy(), [0.330, 0.206], atol=1e-3)


def _random(kind, shape=(6, 4)):
    if kind == "real":
        return R.standard_normal(shape).astype(np.float32), R.standard_normal(shape).astype(np.float32)
    if kind == "positive":
        return (R.random(shape) * 5).astype(np.float32), (R.random(shape) * 5 + 0.05).astype(np.float32)
    if kind == "probs":
        t, p = R.random(shape) + 0.01, R.random(shape) + 0.01
        return (t / t.sum(-1, keepdims=True)).astype(np.float32), (p / p.sum(-1, keepdims=True)).astype(np.float32)
    if kind == "binary":
        return R.integers(0, 2, shape).astype(np.float32), R.standard_normal(shape).astype(np.float32)
    if kind == "binary_probs":
        return R.integers(0, 2, shape).astype(np.float32), R.uniform(0.02, 0.98, shape).astype(np.float32)
    if kind == "binary_extreme":
        return R.integers(0, 2, shape).astype(np.float32), (R.standard_normal(shape) * 40).astype(np.float32)
    if kind == "signs":
        return np.where(R.random(shape) < 0.5, -1.0, 1.0).astype(np.float32), \
            R.standard_normal(shape).astype(np.float32)
    if kind == "onehot":
        return np.eye(shape[-1], dtype=np.float32)[R.integers(0, shape[-1], shape[:-1])], \
            R.standard_normal(shape).astype(np.float32)
    if kind == "onehot_probs":
        return np.eye(shape[-1], dtype=np.float32)[R.integers(0, shape[-1], shape[:-1])], _random("probs", shape)[1]
    raise AssertionError(kind)


RANDOM_CASES = {  # name -> (class, kwargs, input kind)
    "mape": ("MeanAbsolutePercentageError", {}, "real"),
    "msle": ("MeanSquaredLogarithmicError", {}, "positive"),
    "msle_negative": ("MeanSquaredLogarithmicError", {}, "real"),
    "huber": ("Huber", {}, "real"),
    "huber_delta": ("Huber", {"delta": 0.3}, "real"),
    "log_cosh": ("LogCosh", {}, "real"),
    "kld": ("KLDivergence", {}, "probs"),
    "poisson": ("Poisson", {}, "positive"),
    "hinge_01": ("Hinge", {}, "binary"),
    "hinge_signs": ("Hinge", {}, "signs"),
    "squared_hinge": ("SquaredHinge", {}, "binary"),
    "categorical_hinge": ("CategoricalHinge", {}, "onehot"),
    "cosine": ("CosineSimilarity", {}, "real"),
    "bfce": ("BinaryFocalCrossentropy", {}, "binary_probs"),
    "bfce_balanced": ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5,
                                                  "label_smoothing": 0.1}, "binary_probs"),
    "bfce_logits": ("BinaryFocalCrossentropy", {"from_logits": True, "gamma": 3.0}, "binary"),
    "bfce_logits_extreme": ("BinaryFocalCrossentropy", {"from_logits": True, "gamma": 2.0}, "binary_extreme"),
    "cfce": ("CategoricalFocalCrossentropy", {}, "onehot_probs"),
    "cfce_logits": ("CategoricalFocalCrossentropy", {"from_logits": True, "alpha": 0.5, "gamma": 1.0,
                                                     "label_smoothing": 0.2}, "onehot"),
}
REDUCTIONS = ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(RANDOM_CASES))
def test_value_and_gradient_match_keras(name, reduction, tf):
    cls, kwargs, kind = RANDOM_CASES[name]
    y_true, y_pred = _random(kind)
    weights = (R.random(6).astype(np.float32) + 0.5) if reduction != "sum_over_batch_size" else None
    ours = getattr(losses, cls)(reduction=reduction, **kwargs)
    theirs = getattr(tf.keras.losses, cls)(reduction=reduction, **kwargs)
    v, tv = fastnn.Variable(y_pred), tf.Variable(y_pred)
    with fastnn.GradientTape() as tape:
        value = ours(y_true, v, sample_weight=weights)
    with tf.GradientTape() as tf_tape:
        expected = theirs(y_true, tv, sample_weight=weights)
    assert value.shape == tuple(expected.shape)
    assert_close_scaled(value.numpy(), expected.numpy(), tol=5e-6, err_msg=f"{name} {reduction} value")
    seed = R.standard_normal(value.shape).astype(np.float32)
    grad = tape.gradient(value, v, output_gradients=seed)
    expected_grad = tf_tape.gradient(expected, tv, output_gradients=tf.constant(seed))
    assert_close_scaled(grad.numpy(), expected_grad.numpy(), tol=2e-5, err_msg=f"{name} {reduction} gradient")


FUNCTIONS = {"mean_absolute_percentage_error": "real", "mean_squared_logarithmic_error": "positive",
             "huber": "real", "log_cosh": "real", "kl_divergence": "probs", "poisson": "positive", "hinge": "binary",
             "squared_hinge": "signs", "categorical_hinge": "onehot", "cosine_similarity": "real",
             "binary_focal_crossentropy": "binary_probs", "categorical_focal_crossentropy": "onehot_probs"}


@pytest.mark.parametrize("fn", sorted(FUNCTIONS))
def test_functions_match_keras(fn):
    import keras

    y_true, y_pred = _random(FUNCTIONS[fn], (3, 5, 4))  # a time axis: one value per (sample, step)
    got = getattr(losses, fn)(y_true, y_pred)
    want = getattr(keras.losses, fn)(y_true, y_pred)
    assert isinstance(got, fastnn.Tensor) and got.shape == tuple(want.shape)
    assert_close_scaled(got.numpy(), np.asarray(want), tol=5e-6, err_msg=fn)


def test_cosine_similarity_other_axis_and_zero_vector(tf):
    y_true, y_pred = _random("real", (3, 4))
    y_true[0] = 0.0
    got = losses.CosineSimilarity(axis=0, reduction="none")(y_true, y_pred)
    want = tf.keras.losses.CosineSimilarity(axis=0, reduction="none")(y_true, y_pred)
    assert_close_scaled(got.numpy(), want.numpy(), tol=5e-6)
    assert float(losses.cosine_similarity(np.zeros((1, 3)), np.ones((1, 3)))[0]) == 0.0


@pytest.mark.parametrize("name", sorted(RANDOM_CASES))
def test_config_round_trip_matches_keras(name, tf):
    cls, kwargs, _ = RANDOM_CASES[name]
    ours = getattr(losses, cls)(**kwargs)
    theirs = getattr(tf.keras.losses, cls)(**kwargs).get_config()
    config = ours.get_config()
    # Keras' Huber and CosineSimilarity leave delta/axis out of their config (so from_config loses them);
    # fastnn keeps them: every key Keras writes is there with Keras' value.
    assert {k: v for k, v in theirs.items() if k != "dtype"} == {k: config[k] for k in theirs if k != "dtype"}
    clone = getattr(losses, cls).from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("alias, fn", [
    ("mape", "mean_absolute_percentage_error"), ("MAPE", "mean_absolute_percentage_error"),
    ("msle", "mean_squared_logarithmic_error"), ("kld", "kl_divergence"), ("KLD", "kl_divergence"),
    ("kullback_leibler_divergence", "kl_divergence"), ("logcosh", "log_cosh"), ("huber", "huber"),
    ("poisson", "poisson"), ("hinge", "hinge"), ("squared_hinge", "squared_hinge"),
    ("categorical_hinge", "categorical_hinge"), ("cosine_similarity", "cosine_similarity"),
    ("binary_focal_crossentropy", "binary_focal_crossentropy"), ("mae", "mean_absolute_error"),
])
def test_string_aliases(alias, fn):
    assert losses.get(alias) is getattr(losses, fn)


def test_class_names_resolve():
    for cls in ("Huber", "LogCosh", "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge",
                "CosineSimilarity", "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
                "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError"):
        assert type(losses.get(cls)) is getattr(losses, cls)


@pytest.mark.parametrize("call, error, message", [
    (lambda: losses.Huber(delta=0), ValueError, r"delta=0"),
    (lambda: losses.Huber(delta="1"), TypeError, r"delta='1'"),
    (lambda: losses.huber(np.ones((2, 2)), np.ones((2, 2)), delta=-1.0), ValueError, r"delta=-1.0"),
    (lambda: losses.BinaryFocalCrossentropy(gamma=-1), ValueError, r"gamma=-1"),
    (lambda: losses.BinaryFocalCrossentropy(apply_class_balancing="yes"), TypeError, "apply_class_balancing='yes'"),
    (lambda: losses.CategoricalFocalCrossentropy(alpha=None), TypeError, "alpha=None"),
    (lambda: losses.CategoricalFocalCrossentropy(label_smoothing=1.5), ValueError, "label_smoothing"),
    (lambda: losses.CategoricalFocalCrossentropy(axis=1), ValueError, "axis=1"),
    (lambda: losses.CosineSimilarity(axis=1.5), TypeError, r"axis=1.5"),
    (lambda: losses.cosine_similarity(np.ones((2, 2)), np.ones((2, 2)), axis=3), ValueError, r"axis=3"),
    (lambda: losses.Hinge(reduction="avg"), ValueError, "reduction='avg'"),
    (lambda: losses.poisson(np.ones((2, 3)), np.ones((2, 4))), ValueError, r"\(2, 3\) and \(2, 4\)"),
])
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()

"""fastnn.metrics' regression, probabilistic, top-k, confusion (Precision, Recall, AUC), F-score, R² and IoU
metrics: streamed over several update_state calls (with and without sample weights) against keras itself on
random inputs, the expected numbers of Keras 3.15's own metric tests, configs, lookup by name, bad arguments."""
import numpy as np
import pytest

from fastnn import metrics

R = np.random.default_rng(44)


def _batch(kind, n):
    if kind == "real":
        return R.standard_normal((n, 3)).astype(np.float32), R.standard_normal((n, 3)).astype(np.float32)
    if kind == "positive":
        return (R.random((n, 3)) * 4).astype(np.float32), (R.random((n, 3)) * 4).astype(np.float32)
    if kind == "binary":
        return R.integers(0, 2, (n, 3)).astype(np.float32), R.random((n, 3)).astype(np.float32)
    if kind == "binary_logits":
        return R.integers(0, 2, (n, 3)).astype(np.float32), (R.standard_normal((n, 3)) * 3).astype(np.float32)
    if kind == "binary_flat":
        return R.integers(0, 2, n).astype(np.float32), R.random(n).astype(np.float32)
    if kind == "onehot":
        p = R.random((n, 6)).astype(np.float32) + 0.01
        return np.eye(6, dtype=np.float32)[R.integers(0, 6, n)], p / p.sum(-1, keepdims=True)
    if kind == "onehot_logits":
        return np.eye(6, dtype=np.float32)[R.integers(0, 6, n)], R.standard_normal((n, 6)).astype(np.float32)
    if kind == "sparse":
        return R.integers(0, 6, n), R.random((n, 6)).astype(np.float32)
    if kind == "sparse_column":
        return R.integers(0, 6, (n, 1)), R.random((n, 6)).astype(np.float32)
    if kind == "segmentation":
        return R.integers(0, 4, (n, 5)), R.integers(0, 4, (n, 5))
    if kind == "segmentation_scores":
        return np.eye(4, dtype=np.float32)[R.integers(0, 4, (n, 5))], R.random((n, 5, 4)).astype(np.float32)
    raise AssertionError(kind)


CASES = {  # name -> (class, kwargs, input kind)
    "mse": ("MeanSquaredError", {}, "real"),
    "mae": ("MeanAbsoluteError", {}, "real"),
    "mape": ("MeanAbsolutePercentageError", {}, "real"),
    "msle": ("MeanSquaredLogarithmicError", {}, "positive"),
    "rmse": ("RootMeanSquaredError", {}, "real"),
    "r2": ("R2Score", {}, "real"),
    "r2_variance_weighted": ("R2Score", {"class_aggregation": "variance_weighted_average"}, "real"),
    "r2_per_output": ("R2Score", {"class_aggregation": None}, "real"),
    "r2_adjusted": ("R2Score", {"num_regressors": 2}, "real"),
    "bce": ("BinaryCrossentropy", {}, "binary"),
    "bce_logits_smoothing": ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    "cce": ("CategoricalCrossentropy", {}, "onehot"),
    "cce_logits": ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot_logits"),
    "scce": ("SparseCategoricalCrossentropy", {}, "sparse"),
    "top_k": ("TopKCategoricalAccuracy", {}, "onehot"),
    "top_2": ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    "sparse_top_k": ("SparseTopKCategoricalAccuracy", {}, "sparse"),
    "sparse_top_3_column": ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse_column"),
    "precision": ("Precision", {}, "binary"),
    "precision_thresholds": ("Precision", {"thresholds": [0.3, 0.8, 0.5]}, "binary"),
    "precision_top_k": ("Precision", {"top_k": 2}, "binary"),
    "precision_class_id": ("Precision", {"class_id": 1, "thresholds": 0.4}, "binary"),
    "recall": ("Recall", {}, "binary"),
    "recall_thresholds": ("Recall", {"thresholds": [0.1, 0.9]}, "binary"),
    "recall_top_k_class": ("Recall", {"top_k": 2, "class_id": 0}, "binary"),
    "auc": ("AUC", {}, "binary"),
    "auc_flat": ("AUC", {}, "binary_flat"),
    "auc_pr": ("AUC", {"curve": "PR"}, "binary"),
    "auc_pr_majoring": ("AUC", {"curve": "PR", "summation_method": "majoring", "num_thresholds": 50}, "binary"),
    "auc_minoring": ("AUC", {"summation_method": "minoring", "num_thresholds": 17}, "binary"),
    "auc_prgain": ("AUC", {"curve": "PRGAIN", "num_thresholds": 30}, "binary"),
    "auc_thresholds": ("AUC", {"thresholds": [0.2, 0.5, 0.7]}, "binary"),
    "auc_multi_label": ("AUC", {"multi_label": True}, "binary"),
    "auc_multi_label_pr": ("AUC", {"multi_label": True, "curve": "PR", "label_weights": [0.2, 1.0, 0.5]},
                           "binary"),
    "auc_label_weights": ("AUC", {"label_weights": [0.2, 1.0, 0.5]}, "binary"),
    "auc_logits": ("AUC", {"from_logits": True}, "binary_logits"),
    "f1": ("F1Score", {}, "onehot"),
    "f1_threshold_macro": ("F1Score", {"threshold": 0.5, "average": "macro"}, "binary"),
    "f1_micro": ("F1Score", {"average": "micro"}, "onehot"),
    "f1_weighted": ("F1Score", {"average": "weighted", "threshold": 0.3}, "binary"),
    "fbeta": ("FBetaScore", {"beta": 2.0, "threshold": 0.4}, "binary"),
    "mean_iou": ("MeanIoU", {"num_classes": 4}, "segmentation"),
    "mean_iou_ignore": ("MeanIoU", {"num_classes": 4, "ignore_class": 0}, "segmentation"),
    "mean_iou_scores": ("MeanIoU", {"num_classes": 4, "sparse_y_true": False, "sparse_y_pred": False},
                        "segmentation_scores"),
}
SIZES = (5, 8, 3)


def _weights(kind, n):
    if kind in ("segmentation", "segmentation_scores"):
        return R.integers(0, 3, (n, 5))  # per pixel, integers: MeanIoU counts in integers by default
    return (R.random(n) + 0.2).astype(np.float32)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", sorted(CASES))
def test_streaming_matches_keras(name, weighted, tf):
    cls, kwargs, kind = CASES[name]
    ours, theirs = getattr(metrics, cls)(**kwargs), getattr(tf.keras.metrics, cls)(**kwargs)
    assert theirs.name.split("_")[:-1] == ours.name.split("_") or ours.name == theirs.name  # Keras numbers "auc_1"
    for n in SIZES:
        y_true, y_pred = _batch(kind, n)
        weight = _weights(kind, n) if weighted else None
        ours.update_state(y_true, y_pred, sample_weight=weight)
        theirs.update_state(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(ours.result().numpy(), np.asarray(theirs.result()), rtol=2e-5, atol=2e-6,
                                   err_msg=f"{name} after a batch of {n}")
    ours.reset_state()
    theirs.reset_state()
    y_true, y_pred = _batch(kind, 4)
    np.testing.assert_allclose(ours(y_true, y_pred).numpy(), np.asarray(theirs(y_true, y_pred)), rtol=2e-5,
                               atol=2e-6, err_msg=f"{name} after reset")


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_round_trip_matches_keras(name, tf):
    cls, kwargs, _ = CASES[name]
    ours = getattr(metrics, cls)(**kwargs)
    config = ours.get_config()
    theirs = getattr(tf.keras.metrics, cls)(**kwargs).get_config()
    # fastnn keeps SparseTopKCategoricalAccuracy's from_sorted_ids (Keras' config drops it); fastnn's sparse
    # cross-entropy has no ignore_class.
    assert set(theirs) - {"ignore_class"} <= set(config) <= set(theirs) | {"from_sorted_ids"}, name
    for key, value in theirs.items():
        # Keras numbers names: "auc_3"
        if key in config and key not in ("name", "dtype", "label_weights", "thresholds"):
            assert config[key] == value, (name, key)
    clone = getattr(metrics, cls).from_config(config)
    assert clone.get_config() == config


_AUC_T, _AUC_P, _AUC_W = [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 2, 3, 4]  # Keras' AUCTest fixtures
_R = ([[0, 1], [0, 0]], [[1, 1], [0, 0]])  # Keras' regression docstring fixtures
_TOPK = ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])

# (class, kwargs, [update_state args...], expected) — from keras/src/metrics/*_test.py and the metrics' docstrings
KERAS_VALUES = [
    ("MeanSquaredError", {}, [_R], 0.25),
    ("MeanAbsoluteError", {}, [_R], 0.25),
    ("MeanAbsoluteError", {}, [_R + ([1, 0],)], 0.5),
    ("MeanAbsolutePercentageError", {}, [_R], 250000000.0),
    ("MeanAbsolutePercentageError", {}, [_R + ([1, 0],)], 500000000.0),
    ("MeanSquaredLogarithmicError", {}, [_R], 0.12011322),
    ("MeanSquaredLogarithmicError", {}, [_R + ([1, 0],)], 0.24022643),
    ("RootMeanSquaredError", {}, [_R], 0.5),
    ("RootMeanSquaredError", {}, [_R + ([1, 0],)], 0.70710677),
    ("R2Score", {}, [([[1], [4], [3]], [[2], [4], [4]])], 0.57142854),
    ("BinaryCrossentropy", {}, [([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])], 0.81492424),
    ("BinaryCrossentropy", {}, [([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], [1, 0])], 0.9162905),
    ("CategoricalCrossentropy", {}, [([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])], 1.1769392),
    ("CategoricalCrossentropy", {}, [([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]],
                                      np.array([0.3, 0.7]))], 1.6271976),
    ("TopKCategoricalAccuracy", {"k": 1}, [_TOPK], 0.5),
    ("TopKCategoricalAccuracy", {"k": 1}, [_TOPK + ([0.7, 0.3],)], 0.3),
    ("SparseTopKCategoricalAccuracy", {"k": 1}, [([2, 1], _TOPK[1])], 0.5),
    ("SparseTopKCategoricalAccuracy", {"k": 1}, [([2, 1], _TOPK[1], [0.7, 0.3])], 0.3),
    ("SparseTopKCategoricalAccuracy", {"k": 1, "from_sorted_ids": True}, [([2, 1], [[1, 0, 3], [1, 2, 3]])], 0.5),
    ("Precision", {}, [([0, 1, 1, 0], [1, 0, 1, 0])], 0.5),
    ("Precision", {}, [([[0, 1, 1, 0], [1, 0, 0, 1]], [[1, 0, 1, 0], [1, 0, 1, 0]], [[1, 2, 3, 4], [4, 3, 2, 1]])],
     7.0 / 10.0),
    ("Precision", {}, [([0, 0, 0, 0], [0, 0, 0, 0])], 0.0),
    ("Precision", {"thresholds": [0.5, 0.7]}, [([0, 1, 1, 0], [1, 0, 0.6, 0])], [0.5, 0.0]),
    ("Precision", {"thresholds": [0.5, 1.0]}, [([[0, 1], [1, 0]], [[1, 0], [0.6, 0]], [[4, 0], [3, 1]])] * 2,
     [6.0 / 14.0, 0.0]),
    ("Precision", {"top_k": 3}, [([0, 1, 1, 0, 0], [0.2, 0.1, 0.5, 0, 0.2])], 1.0 / 3),
    ("Precision", {"top_k": 3}, [([[0, 1, 1, 0, 1]], [[0.2, 0.1, 0.4, 0, 0.2]], [[1, 4, 2, 3, 5]]),
                                 ([1, 0, 1, 1, 1], [0.2, 0.6, 0.4, 0.2, 0.2], 3)], 13.0 / 17.0),
    ("Recall", {}, [([0, 1, 1, 0], [1, 0, 1, 0])], 0.5),
    ("Recall", {}, [([[0, 1, 1, 0], [1, 0, 0, 1]], [[1, 0, 1, 0], [0, 1, 0, 1]], [[1, 2, 3, 4], [4, 3, 2, 1]])],
     (3.0 + 1.0) / ((2.0 + 3.0) + (4.0 + 1.0))),
    ("AUC", {"num_thresholds": 3}, [(_AUC_T, _AUC_P)], 0.75),
    ("AUC", {"num_thresholds": 3, "from_logits": True}, [(_AUC_T, -np.log(1.0 / (np.array(_AUC_P) + 1e-12) - 1.0))],
     0.75),
    ("AUC", {"num_thresholds": 2, "thresholds": [0.5]}, [(_AUC_T, _AUC_P)], 0.75),
    ("AUC", {"num_thresholds": 3}, [(_AUC_T, _AUC_P, _AUC_W)], 0.7855),
    ("AUC", {"num_thresholds": 3, "summation_method": "majoring"}, [(_AUC_T, _AUC_P, _AUC_W)], 1.0),
    ("AUC", {"num_thresholds": 3, "summation_method": "minoring"}, [(_AUC_T, _AUC_P, _AUC_W)], 0.571),
    ("AUC", {"num_thresholds": 3, "curve": "PR", "summation_method": "majoring"}, [(_AUC_T, _AUC_P, _AUC_W)],
     0.429 + 0.571),
    ("AUC", {"num_thresholds": 3, "curve": "PR", "summation_method": "minoring"}, [(_AUC_T, _AUC_P, _AUC_W)],
     0.7 * 0.429),
    ("AUC", {"num_thresholds": 3, "curve": "PR"}, [(_AUC_T, _AUC_P, _AUC_W)], 2.416 / 7 + 4 / 7),
    ("AUC", {"num_thresholds": 3, "curve": "PR"}, [(_AUC_T, _AUC_P, [-1, -2, -3, -4])], 0.0),
    ("AUC", {"num_thresholds": 3, "curve": "PRGAIN", "summation_method": "majoring"}, [(_AUC_T, _AUC_P, _AUC_W)],
     1.0),
    ("AUC", {"num_thresholds": 3, "curve": "PRGAIN", "summation_method": "minoring"}, [(_AUC_T, _AUC_P, _AUC_W)],
     0.0),
    ("AUC", {"num_thresholds": 3, "curve": "PRGAIN"}, [(_AUC_T, _AUC_P, _AUC_W)], 0.5),
    ("AUC", {"num_thresholds": 3, "curve": "PRGAIN"}, [([0, 0, 0, 1, 0, 1, 0, 1, 1, 1],
                                                         [0.1, 0.2, 0.3, 0.3, 0.4, 0.4, 0.6, 0.6, 0.8, 0.9])],
     0.666666 * 0.333333 + 0.333333 * 0.833333),
    ("F1Score", {"threshold": 0.5}, [([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6],
                                                                          [0.6, 0.8, 0.0]])], [0.5, 0.8, 0.6666667]),
    ("MeanIoU", {"num_classes": 2}, [([0, 0, 1, 1], [0, 1, 0, 1])], 0.33333334),
    ("MeanIoU", {"num_classes": 2, "dtype": "float32"}, [([0, 0, 1, 1], [0, 1, 0, 1], [0.3, 0.3, 0.3, 0.1])],
     0.23809525),
]


@pytest.mark.parametrize("row", range(len(KERAS_VALUES)))
def test_keras_test_values(row):
    cls, kwargs, updates, expected = KERAS_VALUES[row]
    metric = getattr(metrics, cls)(**kwargs)
    for args in updates:
        metric.update_state(*args)
    np.testing.assert_allclose(metric.result().numpy(), np.asarray(expected, np.float32), rtol=1e-3, atol=1e-6,
                               err_msg=f"{cls} {kwargs}")

"""Accuracy metrics (`keras.metrics`): per-sample match functions and their running means."""
import numpy as np

from ..tensor import Tensor, as_array
from .reduction_metrics import MeanMetricWrapper

__all__ = ["accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy"]


def _same_rank(a, b):
    """Keras' squeeze_or_expand_to_same_rank for (y_true, y_pred)."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        a = a[..., 0] if b.ndim != 1 else a
        b = b[..., None] if b.ndim == 1 else b
    elif b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        b = b[..., 0] if a.ndim != 1 else b
        a = a[..., None] if a.ndim == 1 else a
    return a, b


def accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred exactly, else 0.0."""
    y_pred = as_array(y_pred, "y_pred")
    y_true, y_pred = _same_rank(as_array(y_true, "y_true").astype(y_pred.dtype), y_pred)
    _check_broadcast(y_true, y_pred)
    return Tensor(np.equal(y_true, y_pred).astype(np.float32))


def _check_broadcast(y_true, y_pred):
    try:
        np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        raise ValueError(f"`y_true` and `y_pred` must have compatible shapes, received {y_true.shape} and "
                         f"{y_pred.shape}") from None


def _check_threshold(threshold):
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)):
        raise TypeError(f"`threshold` must be a number, received {threshold!r}")
    return threshold


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where (y_pred > threshold) equals y_true, per element."""
    _check_threshold(threshold)
    y_true = as_array(y_true, "y_true")
    y_true, y_pred = _same_rank(y_true, as_array(y_pred, "y_pred"))
    _check_broadcast(y_true, y_pred)
    return Tensor(np.equal(y_true, (y_pred > threshold).astype(y_true.dtype)).astype(np.float32))


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) == argmax(y_true) (one-hot labels), per sample."""
    y_true, y_pred = as_array(y_true, "y_true"), as_array(y_pred, "y_pred")
    if y_true.ndim == 0 or y_pred.ndim == 0 or y_true.shape[-1] != y_pred.shape[-1]:
        raise ValueError(f"`y_true` (one-hot) and `y_pred` must have the same number of classes on the last axis, "
                         f"received shapes {y_true.shape} and {y_pred.shape}")
    return _match_ids(np.argmax(y_true, axis=-1), y_pred)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label, per sample (labels may carry a trailing axis of 1)."""
    y_pred = as_array(y_pred, "y_pred")
    return _match_ids(as_array(y_true, "y_true").astype(y_pred.dtype), y_pred)


def _match_ids(y_true, y_pred):
    shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,)
    if reshape:
        y_true = y_true[..., 0]
    predicted = np.argmax(y_pred, axis=-1).astype(y_true.dtype)
    if predicted.shape != y_true.shape:
        raise ValueError(f"labels of shape {shape} do not match predictions of shape {y_pred.shape}")
    matches = np.equal(y_true, predicted).astype(np.float32)
    if reshape:
        matches = matches.reshape(shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches[..., 0]
    return Tensor(matches)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches binary labels."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=_check_threshold(threshold))


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches one-hot labels."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches integer labels."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

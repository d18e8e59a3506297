"""Accuracy metrics (`keras.metrics`): per-sample match functions and their running means."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._validation import boolean, integer
from ..tensor import Tensor, as_array
from .reduction_metrics import MeanMetricWrapper

__all__ = ["accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
           "SparseTopKCategoricalAccuracy"]


def _same_rank(a, b):
    """Keras' squeeze_or_expand_to_same_rank for (y_true, y_pred)."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        a = a[..., 0] if b.ndim != 1 else a
        b = b[..., None] if b.ndim == 1 else b
    elif b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        b = b[..., 0] if a.ndim != 1 else b
        a = a[..., None] if a.ndim == 1 else a
    return a, b


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """1.0 where y_true == y_pred exactly, else 0.0.

    Args:
        y_true: Labels, a tensor-like.
        y_pred: Predictions, a tensor-like.

    Returns:
        A float32 Tensor of 0.0/1.0 values.
    """
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


def binary_accuracy(y_true: ArrayLike, y_pred: ArrayLike, threshold: float | None = 0.5) -> Tensor:
    """1.0 where (y_pred > threshold) equals y_true, per element.

    Args:
        y_true: Labels, a tensor-like.
        y_pred: Predictions, a tensor-like.
        threshold: Predictions above it count as 1.

    Returns:
        A float32 Tensor of 0.0/1.0 values.
    """
    _check_threshold(threshold)
    y_true = as_array(y_true, "y_true")
    y_true, y_pred = _same_rank(y_true, as_array(y_pred, "y_pred"))
    _check_broadcast(y_true, y_pred)
    return Tensor(np.equal(y_true, (y_pred > threshold).astype(y_true.dtype)).astype(np.float32))


def categorical_accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """1.0 where argmax(y_pred) == argmax(y_true) (one-hot labels), per sample.

    Args:
        y_true: One-hot labels.
        y_pred: Scores, one column per class.

    Returns:
        A float32 Tensor of 0.0/1.0 values.
    """
    y_true, y_pred = as_array(y_true, "y_true"), as_array(y_pred, "y_pred")
    if y_true.ndim == 0 or y_pred.ndim == 0 or y_true.shape[-1] != y_pred.shape[-1]:
        raise ValueError(f"`y_true` (one-hot) and `y_pred` must have the same number of classes on the last axis, "
                         f"received shapes {y_true.shape} and {y_pred.shape}")
    return _match_ids(np.argmax(y_true, axis=-1), y_pred)


def sparse_categorical_accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """1.0 where argmax(y_pred) equals the integer label, per sample (labels may carry a trailing axis of 1).

    Args:
        y_true: Integer labels (a trailing axis of 1 is allowed).
        y_pred: Scores, one column per class.

    Returns:
        A float32 Tensor of 0.0/1.0 values.
    """
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
    """How often predictions equal labels exactly.

    Args:
        name: The metric's name (the key in `fit`'s logs).
        dtype: The dtype of the result (float32).
    """

    def __init__(self, name: str | None = "accuracy", dtype: str | None = None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches binary labels.

    Args:
        name: The metric's name (the key in `fit`'s logs).
        dtype: The dtype of the result (float32).
        threshold: Predictions above it count as 1.
    """

    def __init__(self, name: str | None = "binary_accuracy", dtype: str | None = None,
                 threshold: float | None = 0.5) -> None:
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=_check_threshold(threshold))


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches one-hot labels.

    Args:
        name: The metric's name (the key in `fit`'s logs).
        dtype: The dtype of the result (float32).
    """

    def __init__(self, name: str | None = "categorical_accuracy", dtype: str | None = None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches integer labels.

    Args:
        name: The metric's name (the key in `fit`'s logs).
        dtype: The dtype of the result (float32).

    Example:

    ```python
    import fastnn

    m = fastnn.metrics.SparseCategoricalAccuracy()
    m.update_state([0, 1], [[0.9, 0.1], [0.8, 0.2]])
    print(float(m.result()))  # 0.5
    ```
    """

    def __init__(self, name: str | None = "sparse_categorical_accuracy", dtype: str | None = None) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


def _check_k(k):
    return integer(k, "k", minimum=1)


def _in_top_k(labels, y_pred, k, from_sorted_ids=False):
    """TF's in_top_k per flattened sample: ties at the k-th score count as inside; non-finite scores never do."""
    flat = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.ndim > 2 else y_pred
    shape = labels.shape
    labels = labels.reshape(-1).astype(np.int64)
    if flat.ndim != 2 or labels.shape[0] != flat.shape[0]:
        raise ValueError(f"labels of shape {shape} do not match predictions of shape {y_pred.shape}")
    if from_sorted_ids:
        return np.any(labels[:, None] == flat[:, :k], axis=1).astype(np.float32).reshape(shape)
    if labels.size and (labels.min() < 0 or labels.max() >= flat.shape[1]):
        raise ValueError(f"labels must be class ids in [0, {flat.shape[1]}). Received labels in "
                         f"[{labels.min()}, {labels.max()}]")
    target = flat[np.arange(flat.shape[0]), labels]
    inside = (np.sum(flat > target[:, None], axis=1) < k) & np.isfinite(target)
    return inside.astype(np.float32).reshape(shape)


def top_k_categorical_accuracy(y_true: ArrayLike, y_pred: ArrayLike, k: int = 5) -> Tensor:
    """1.0 where the one-hot label's class is among the `k` highest predictions, per sample.

    Args:
        y_true: One-hot labels, shape `(batch_size, classes)`.
        y_pred: Prediction scores, same shape.
        k: Number of top predictions to look at. Defaults to `5`.

    Returns:
        The per-sample matches (0.0 or 1.0), shape `(batch_size,)`.
    """
    k = _check_k(k)
    y_true, y_pred = as_array(y_true, "y_true"), np.asarray(as_array(y_pred, "y_pred"), np.float32)
    if y_true.ndim == 0 or y_pred.ndim == 0 or y_true.shape[-1] != y_pred.shape[-1]:
        raise ValueError(f"`y_true` (one-hot) and `y_pred` must have the same number of classes on the last axis, "
                         f"received shapes {y_true.shape} and {y_pred.shape}")
    return Tensor(_in_top_k(np.argmax(y_true, axis=-1), y_pred, k))


def sparse_top_k_categorical_accuracy(y_true: ArrayLike, y_pred: ArrayLike, k: int = 5,
                                      from_sorted_ids: bool = False) -> Tensor:
    """1.0 where the integer label is among the `k` highest predictions, per sample.

    Args:
        y_true: Integer class ids, shape `(batch_size,)` (or `(batch_size, 1)`).
        y_pred: Prediction scores `(batch_size, classes)`; or, with `from_sorted_ids`, class ids sorted by
            decreasing score (only the first `k` are looked at).
        k: Number of top predictions to look at. Defaults to `5`.
        from_sorted_ids: Whether `y_pred` holds sorted class ids instead of scores.

    Returns:
        The per-sample matches (0.0 or 1.0).
    """
    k = _check_k(k)
    y_pred = np.asarray(as_array(y_pred, "y_pred"))
    y_true = np.asarray(as_array(y_true, "y_true"))
    if y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,):
        y_true = y_true[..., 0]
    return Tensor(_in_top_k(y_true, y_pred if from_sorted_ids else y_pred.astype(np.float32), k,
                            from_sorted_ids=bool(from_sorted_ids)))


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is in the top `k` predictions.

    Args:
        k: Number of top elements to look at. Defaults to `5`.
        name: Name of the metric instance.
        dtype: Data type of the metric result.

    Example:
    >>> m = fastnn.metrics.TopKCategoricalAccuracy(k=1)
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, k: int = 5, name: str | None = "top_k_categorical_accuracy", dtype: str | None = None) -> None:
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=_check_k(k))


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is in the top `k` predictions.

    Args:
        k: Number of top elements to look at. Defaults to `5`.
        name: Name of the metric instance.
        dtype: Data type of the metric result.
        from_sorted_ids: Whether `y_pred` holds class ids sorted by decreasing score. Defaults to `False`.
    """

    def __init__(self, k: int = 5, name: str | None = "sparse_top_k_categorical_accuracy", dtype: str | None = None,
                 from_sorted_ids: bool = False) -> None:
        from_sorted_ids = boolean(from_sorted_ids, "from_sorted_ids")
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=_check_k(k),
                         from_sorted_ids=from_sorted_ids)

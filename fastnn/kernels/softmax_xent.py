"""fastnn.kernels.softmax_xent — per-sample (softmax) cross-entropy losses and their gradients.

- From logits (C++, one fused row pass): `softmax_cross_entropy_with_logits`, `sparse_softmax_cross_entropy_with_logits`
  exactly as `tf.nn.*`, and `*_and_grad` variants returning (loss, dlogits) for training.
- Keras' probability path (`keras.losses.categorical_crossentropy` etc. with from_logits=False): probabilities are
  clipped to [1e-7, 1 − 1e-7] as Keras does, so their gradient is 0 where the clip was active.

Every `*_grad(..., grad_scale=1.0)` returns the gradient of grad_scale · Σ_samples loss w.r.t. the prediction
(grad_scale = 1/B for Keras' default batch mean). Classes are on the last axis; leading axes are samples.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from ._convert import as_f32

__all__ = [
    "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_and_grad", "sparse_softmax_cross_entropy_with_logits_and_grad",
    "categorical_crossentropy", "categorical_crossentropy_grad",
    "sparse_categorical_crossentropy", "sparse_categorical_crossentropy_grad",
    "mean_squared_error", "mean_squared_error_grad",
]

EPSILON = 1e-7  # keras.config.epsilon()


def _as_scale(grad_scale):
    if isinstance(grad_scale, bool) or not isinstance(grad_scale, numbers.Real):
        raise TypeError(f"`grad_scale` must be a real number, received {grad_scale!r}")
    return float(grad_scale)


_INT64_MAX = np.iinfo(np.int64).max


def _as_class_ids(labels, num_classes):
    """Sparse labels as int64 (any int dtype; floats only when integral, as Keras casts them). A label that int64
    cannot hold (uint64 above 2**63-1, a float beyond ±2**63) is reported with its own value here: the cast would
    wrap it (2**64-1 becomes -1) and the kernel's range check would name the wrapped value."""
    labels = np.asarray(labels)
    if labels.dtype.kind in "iu":
        if labels.dtype == np.uint64 and labels.size and int(labels.max()) > _INT64_MAX:  # int: exact on numpy 1 too
            _label_out_of_range(int(labels.max()), num_classes)
        return np.ascontiguousarray(labels, dtype=np.int64)
    if labels.dtype.kind == "f":
        bad = ~np.isfinite(labels) | (labels != np.floor(labels))
        if bad.any():
            raise ValueError(f"`labels` must hold integer class ids, received {float(labels[bad].flat[0])!r}")
        huge = np.abs(labels) >= 2.0**63
        if huge.any():
            _label_out_of_range(int(labels[huge].flat[0]), num_classes)
        return np.ascontiguousarray(labels, dtype=np.int64)
    raise TypeError(f"`labels` must be an integer array of class ids, received dtype {labels.dtype}")


def _label_out_of_range(value, num_classes):
    raise ValueError(f"Received a label value of {value} which is outside the valid range of [0, {num_classes}).")


def _logits_2d(logits):
    if np.ndim(logits) < 1:  # checked before as_f32, which turns a scalar into shape (1,)
        raise ValueError(f"`logits` must have rank >= 1 (classes on the last axis), received shape {np.shape(logits)}")
    logits = as_f32(logits, "logits")
    rows = math.prod(logits.shape[:-1])
    return logits, logits.reshape(rows, logits.shape[-1])


def _class_axis(axis, ndim):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"`axis` must be an int in [-{ndim}, {ndim}), received {axis!r}")
    return int(axis) % ndim


def _dense_xent(labels, logits, grad_scale, with_grad, axis=-1):
    logits, z = _logits_2d(logits)
    labels = as_f32(labels, "labels")
    if labels.shape != logits.shape:
        raise ValueError(
            f"`labels` and `logits` must have the same shape, received {labels.shape} and {logits.shape}"
        )
    if axis != -1 and _class_axis(axis, logits.ndim) != logits.ndim - 1:  # move the classes last and back
        axis = _class_axis(axis, logits.ndim)
        moved = _dense_xent(np.moveaxis(labels, axis, -1), np.moveaxis(logits, axis, -1), grad_scale, with_grad)
        return (moved[0], np.moveaxis(moved[1], -1, axis)) if with_grad else moved
    out = _core.softmax_xent(z, labels.reshape(z.shape), grad_scale, with_grad)
    return _restore(out, logits.shape, with_grad)


def _sparse_xent(labels, logits, grad_scale, with_grad):
    logits, z = _logits_2d(logits)
    labels = _as_class_ids(labels, logits.shape[-1])
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            f"`labels` must have shape {logits.shape[:-1]} (the shape of `logits` {logits.shape} without its "
            f"last axis), received {labels.shape}"
        )
    out = _core.sparse_softmax_xent(z, labels.reshape(-1), grad_scale, with_grad)
    return _restore(out, logits.shape, with_grad)


def _restore(out, shape, with_grad):
    if with_grad:
        loss, dlogits = out
        return loss.reshape(shape[:-1]), dlogits.reshape(shape)
    return out.reshape(shape[:-1])


def softmax_cross_entropy_with_logits(labels: ArrayLike, logits: ArrayLike, axis: int = -1) -> np.ndarray:
    """Per-sample −Σ labels · log softmax(logits) over `axis` (`tf.nn.softmax_cross_entropy_with_logits`).
    labels: same shape as logits (soft labels allowed). Returns logits' shape without `axis`.

    Args:
        labels: Targets: probabilities of `logits`' shape.
        logits: Logits, a real numeric array-like.
        axis: The axis to normalise over.

    Returns:
        A float32 numpy array.
    """
    return _dense_xent(labels, logits, 1.0, False, axis)


def sparse_softmax_cross_entropy_with_logits(labels: ArrayLike, logits: ArrayLike) -> np.ndarray:
    """Per-sample −log softmax(logits)[label] (`tf.nn.sparse_softmax_cross_entropy_with_logits`).
    labels: integer class ids of shape logits.shape[:-1], each in [0, N) (ValueError otherwise).

    Args:
        labels: Integer class ids of shape `logits.shape[:-1]`, each in [0, N).
        logits: Logits, a real numeric array-like.

    Returns:
        A float32 numpy array.
    """
    return _sparse_xent(labels, logits, 1.0, False)


def softmax_cross_entropy_with_logits_and_grad(labels: ArrayLike, logits: ArrayLike, grad_scale: float = 1.0,
                                               axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """(loss, dlogits): the per-sample loss and grad_scale · (softmax(logits) − labels), in one pass.

    Args:
        labels: Targets: probabilities of `logits`' shape.
        logits: Logits, a real numeric array-like.
        grad_scale: A factor applied to the gradient (e.g. 1 / batch for a mean loss).
        axis: The axis to normalise over.

    Returns:
        A tuple `(loss, dlogits)` of float32 arrays.
    """
    return _dense_xent(labels, logits, _as_scale(grad_scale), True, axis)


def sparse_softmax_cross_entropy_with_logits_and_grad(labels: ArrayLike, logits: ArrayLike,
                                                      grad_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(loss, dlogits): the per-sample sparse loss and grad_scale · (softmax(logits) − one_hot(labels)).

    Args:
        labels: Integer class ids of shape `logits.shape[:-1]`, each in [0, N).
        logits: Logits, a real numeric array-like.
        grad_scale: A factor applied to the gradient (e.g. 1 / batch for a mean loss).

    Returns:
        A tuple `(loss, dlogits)` of float32 arrays.
    """
    return _sparse_xent(labels, logits, _as_scale(grad_scale), True)


# ------------------------------------------------------------------------------ Keras losses (probability path)
def _pred_and_true(y_true, y_pred):
    if np.ndim(y_pred) < 1:
        raise ValueError(f"`y_pred` must have rank >= 1, received shape {np.shape(y_pred)}")
    y_pred = as_f32(y_pred, "y_pred")
    y_true = as_f32(y_true, "y_true")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"`y_true` and `y_pred` must have the same shape, received {y_true.shape} and {y_pred.shape}"
        )
    return y_true, y_pred


def _smoothed(y_true, label_smoothing):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"`label_smoothing` must be in [0, 1], received {label_smoothing!r}")
    if label_smoothing == 0:
        return y_true
    n = np.float32(y_true.shape[-1])
    return y_true * np.float32(1.0 - label_smoothing) + np.float32(label_smoothing) / n


def _clip_bounds():
    eps = np.float32(EPSILON)
    return eps, np.float32(1.0) - eps  # both computed in float32, as Keras does


def categorical_crossentropy(y_true: ArrayLike, y_pred: ArrayLike, from_logits: bool = False,
                             label_smoothing: float = 0.0) -> np.ndarray:
    """Per-sample Keras categorical crossentropy. Probabilities: p /= Σp, clip to [ε, 1−ε], −Σ y·log p.
    from_logits=True: `softmax_cross_entropy_with_logits`.

    Args:
        y_true: Targets (one-hot rows, or probabilities).
        y_pred: Predictions: probabilities, or logits with `from_logits=True`.
        from_logits: Whether `y_pred` holds logits rather than probabilities.
        label_smoothing: A float in [0, 1]: targets are mixed with the uniform distribution by this much.

    Returns:
        A float32 numpy array.
    """
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true = _smoothed(y_true, label_smoothing)
    if from_logits:
        return softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    lo, hi = _clip_bounds()
    q = y_pred / np.sum(y_pred, axis=-1, keepdims=True)
    c = np.clip(q, lo, hi)
    return (-np.sum(y_true.astype(np.float64) * np.log(c.astype(np.float64)), axis=-1)).astype(np.float32)


def categorical_crossentropy_grad(y_true: ArrayLike, y_pred: ArrayLike, from_logits: bool = False,
                                  label_smoothing: float = 0.0, grad_scale: float = 1.0) -> np.ndarray:
    """d(grad_scale · Σ loss)/d y_pred for `categorical_crossentropy` (0 where the clip was active).

    Args:
        y_true: Targets (one-hot rows, or probabilities).
        y_pred: Predictions: probabilities, or logits with `from_logits=True`.
        from_logits: Whether `y_pred` holds logits rather than probabilities.
        label_smoothing: A float in [0, 1]: targets are mixed with the uniform distribution by this much.
        grad_scale: A factor applied to the gradient (e.g. 1 / batch for a mean loss).

    Returns:
        A float32 numpy array.
    """
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true = _smoothed(y_true, label_smoothing)
    scale = _as_scale(grad_scale)
    if from_logits:
        return softmax_cross_entropy_with_logits_and_grad(y_true, y_pred, scale)[1]
    lo, hi = _clip_bounds()
    total = np.sum(y_pred, axis=-1, keepdims=True)
    q = y_pred / total
    c = np.clip(q, lo, hi).astype(np.float64)
    dq = np.where((q >= lo) & (q <= hi), -y_true / c, 0.0)
    dp = (dq - np.sum(dq * q, axis=-1, keepdims=True)) / total
    return (scale * dp).astype(np.float32)


def _sparse_pred(y_true, y_pred):
    """Keras' sparse convention: labels of shape y_pred.shape[:-1], or with a trailing axis of 1 (squeezed)."""
    if np.ndim(y_pred) < 1:
        raise ValueError(f"`y_pred` must have rank >= 1, received shape {np.shape(y_pred)}")
    y_pred = as_f32(y_pred, "y_pred")
    labels = _as_class_ids(y_true, y_pred.shape[-1])
    if labels.ndim == y_pred.ndim and labels.shape[-1:] == (1,):
        labels = labels[..., 0]
    return labels, y_pred


def sparse_categorical_crossentropy(y_true: ArrayLike, y_pred: ArrayLike, from_logits: bool = False) -> np.ndarray:
    """Per-sample Keras sparse categorical crossentropy. Probabilities: clip to [ε, 1−ε], log, then the sparse
    softmax cross-entropy of those logs (renormalising through logsumexp, as Keras does).

    Args:
        y_true: Integer class ids.
        y_pred: Predictions: probabilities, or logits with `from_logits=True`.
        from_logits: Whether `y_pred` holds logits rather than probabilities.

    Returns:
        A float32 numpy array.
    """
    labels, y_pred = _sparse_pred(y_true, y_pred)
    if from_logits:
        return sparse_softmax_cross_entropy_with_logits(labels, y_pred)
    lo, hi = _clip_bounds()
    return sparse_softmax_cross_entropy_with_logits(labels, _core.unary(np.clip(y_pred, lo, hi), "log"))


def sparse_categorical_crossentropy_grad(y_true: ArrayLike, y_pred: ArrayLike, from_logits: bool = False,
                                         grad_scale: float = 1.0) -> np.ndarray:
    """d(grad_scale · Σ loss)/d y_pred for `sparse_categorical_crossentropy` (0 where the clip was active).

    Args:
        y_true: Integer class ids.
        y_pred: Predictions: probabilities, or logits with `from_logits=True`.
        from_logits: Whether `y_pred` holds logits rather than probabilities.
        grad_scale: A factor applied to the gradient (e.g. 1 / batch for a mean loss).

    Returns:
        A float32 numpy array.
    """
    labels, y_pred = _sparse_pred(y_true, y_pred)
    scale = _as_scale(grad_scale)
    if from_logits:
        return sparse_softmax_cross_entropy_with_logits_and_grad(labels, y_pred, scale)[1]
    lo, hi = _clip_bounds()
    c = np.clip(y_pred, lo, hi)
    _, dlog = sparse_softmax_cross_entropy_with_logits_and_grad(labels, _core.unary(c, "log"), scale)
    inside = (y_pred >= lo) & (y_pred <= hi)
    return np.where(inside, dlog * (np.float32(1.0) / c), np.float32(0.0)).astype(np.float32)


def mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """Per-sample mean((y_true − y_pred)²) over the last axis (`keras.losses.mean_squared_error`).

    Args:
        y_true: Targets.
        y_pred: Predictions of `y_true`'s shape.

    Returns:
        A float32 numpy array.
    """
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    d = y_true.astype(np.float64) - y_pred
    return np.mean(d * d, axis=-1).astype(np.float32)


def mean_squared_error_grad(y_true: ArrayLike, y_pred: ArrayLike, grad_scale: float = 1.0) -> np.ndarray:
    """grad_scale · 2·(y_pred − y_true)/N, N = size of the last axis.

    Args:
        y_true: Targets.
        y_pred: Predictions of `y_true`'s shape.
        grad_scale: A factor applied to the gradient (e.g. 1 / batch for a mean loss).

    Returns:
        A float32 numpy array.
    """
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    scale = _as_scale(grad_scale)
    n = max(y_pred.shape[-1], 1)
    return (scale * 2.0 * (y_pred.astype(np.float64) - y_true) / n).astype(np.float32)

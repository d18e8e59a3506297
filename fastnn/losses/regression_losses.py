"""Keras 3's regression, probabilistic, hinge and cosine losses (`keras.losses`), composed from fastnn.ops so
`GradientTape` records them: each function returns one value per sample (last axis reduced), each class adds
Keras' reduction and `sample_weight` (see `fastnn.losses.Loss`)."""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from .. import ops
from .._validation import axis as check_axis
from .._validation import finite_real
from ..tensor import Tensor
from .losses import EPSILON, _FunctionLoss, _pred, _true_like

__all__ = [
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "huber", "log_cosh", "kl_divergence",
    "poisson", "hinge", "squared_hinge", "categorical_hinge", "cosine_similarity",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Huber", "LogCosh", "KLDivergence", "Poisson",
    "Hinge", "SquaredHinge", "CategoricalHinge", "CosineSimilarity",
]


def _pair(y_true, y_pred):
    """(y_true as a float32 array of y_pred's shape, y_pred as a float32 Tensor), Keras' rank rule."""
    pred = _pred(y_pred)
    return _true_like(y_true, pred), pred


def _check_number(name, value, positive=False):
    return finite_real(value, name, positive)


# ------------------------------------------------------------------------------------------- functions
def mean_absolute_percentage_error(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """Mean absolute percentage error between labels and predictions.

    `loss = 100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`, epsilon = 1e-7.

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, same shape.

    Returns:
        The per-sample losses, shape `(batch_size, d0, .. dN-1)`.
    """
    truth, pred = _pair(y_true, y_pred)
    scale = np.maximum(np.abs(truth), np.float32(EPSILON))
    return ops.reduce_mean(ops.abs((truth - pred) / scale), axis=-1) * np.float32(100.0)


def mean_squared_logarithmic_error(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """Mean squared logarithmic error.

    `loss = mean(square(log(max(y_true, eps) + 1) - log(max(y_pred, eps) + 1)), axis=-1)`.

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, same shape.

    Returns:
        The per-sample losses, shape `(batch_size, d0, .. dN-1)`.
    """
    truth, pred = _pair(y_true, y_pred)
    first = ops.log(ops.maximum(pred, np.float32(EPSILON)) + np.float32(1.0))
    second = np.log(np.maximum(truth, np.float32(EPSILON)) + np.float32(1.0))
    return ops.reduce_mean(ops.square(first - second), axis=-1)


def huber(y_true: ArrayLike, y_pred: ArrayLike, delta: float = 1.0) -> Tensor:
    """Huber loss: quadratic for errors up to `delta`, linear beyond.

    `0.5 * x**2` where `|x| <= delta`, else `delta * |x| - 0.5 * delta**2`, averaged over the last axis,
    with `x = y_pred - y_true`.

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, same shape.
        delta: A float > 0, the point where the loss changes from quadratic to linear. Defaults to `1.0`.

    Returns:
        The per-sample losses, shape `(batch_size, d0, .. dN-1)`.
    """
    delta = np.float32(_check_number("delta", delta, positive=True))
    truth, pred = _pair(y_true, y_pred)
    error = pred - truth
    abs_error = ops.abs(error)
    half = np.float32(0.5)
    inside = abs_error.numpy() <= delta
    return ops.reduce_mean(ops.where(inside, half * ops.square(error), delta * abs_error - half * delta * delta),
                           axis=-1)


def log_cosh(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """Logarithm of the hyperbolic cosine of the prediction error, averaged over the last axis.

    Computed as `x + softplus(-2x) - log(2)` with `x = y_pred - y_true` (no overflow for large errors).

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, same shape.

    Returns:
        The per-sample losses, shape `(batch_size, d0, .. dN-1)`.
    """
    truth, pred = _pair(y_true, y_pred)
    x = pred - truth
    return ops.reduce_mean(x + ops.softplus(x * np.float32(-2.0)) - np.float32(math.log(2.0)), axis=-1)


def kl_divergence(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred), axis=-1)`.

    Both inputs are clipped to `[epsilon, 1]` first (epsilon = 1e-7), as in Keras.

    Args:
        y_true: Probability distributions, shape `(batch_size, d0, .. dN)`.
        y_pred: Predicted distributions, same shape.

    Returns:
        The per-sample divergences, shape `(batch_size, d0, .. dN-1)`.
    """
    truth, pred = _pair(y_true, y_pred)
    truth = np.clip(truth, np.float32(EPSILON), np.float32(1.0))
    pred = ops.clip_by_value(pred, np.float32(EPSILON), np.float32(1.0))
    return ops.reduce_sum(truth * (np.log(truth) - ops.log(pred)), axis=-1)


def poisson(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """Poisson loss `mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`.

    Args:
        y_true: Ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: The predicted values, same shape.

    Returns:
        The per-sample losses, shape `(batch_size, d0, .. dN-1)`.
    """
    truth, pred = _pair(y_true, y_pred)
    return ops.reduce_mean(pred - truth * ops.log(pred + np.float32(EPSILON)), axis=-1)


def _hinge_labels(truth):
    """Keras' convert_binary_labels_to_hinge: 0/1 labels become -1/1 (only when every label is 0 or 1)."""
    if np.all((truth == 0) | (truth == 1)):
        return np.float32(2.0) * truth - np.float32(1.0)
    return truth


def hinge(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """Hinge loss `mean(maximum(1 - y_true * y_pred, 0), axis=-1)`.

    Args:
        y_true: Labels in {-1, 1}; 0/1 labels are converted to -1/1.
        y_pred: The predicted values, same shape.

    Returns:
        The per-sample losses, shape `(batch_size, d0, .. dN-1)`.
    """
    truth, pred = _pair(y_true, y_pred)
    return ops.reduce_mean(ops.relu(np.float32(1.0) - _hinge_labels(truth) * pred), axis=-1)


def squared_hinge(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """Squared hinge loss `mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`.

    Args:
        y_true: Labels in {-1, 1}; 0/1 labels are converted to -1/1.
        y_pred: The predicted values, same shape.

    Returns:
        The per-sample losses, shape `(batch_size, d0, .. dN-1)`.
    """
    truth, pred = _pair(y_true, y_pred)
    return ops.reduce_mean(ops.square(ops.relu(np.float32(1.0) - _hinge_labels(truth) * pred)), axis=-1)


def categorical_hinge(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """Categorical hinge loss `maximum(neg - pos + 1, 0)`, `pos = sum(y_true * y_pred)`,
    `neg = max((1 - y_true) * y_pred)` over the last axis.

    Args:
        y_true: One-hot labels (0/1 or -1/1), shape `(batch_size, classes)`.
        y_pred: The predicted scores, same shape.

    Returns:
        The per-sample losses, shape `(batch_size,)`.
    """
    truth, pred = _pair(y_true, y_pred)
    pos = ops.reduce_sum(truth * pred, axis=-1)
    neg = ops.reduce_max((np.float32(1.0) - truth) * pred, axis=-1)
    return ops.relu(neg - pos + np.float32(1.0))


def cosine_similarity(y_true: ArrayLike, y_pred: ArrayLike, axis: int = -1) -> Tensor:
    """Negative cosine similarity `-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`.

    Values lie in [-1, 1]; -1 means the same direction. A zero vector gives 0.

    Args:
        y_true: Ground truth vectors, shape `(batch_size, d0, .. dN)`.
        y_pred: Predicted vectors, same shape.
        axis: The axis along which the similarity is computed. Defaults to `-1`.

    Returns:
        The per-sample losses, `axis` reduced.
    """
    check_axis(axis)
    truth, pred = _pair(y_true, y_pred)
    check_axis(axis, ndim=pred.ndim)
    truth = ops.l2_normalize(truth, axis=axis).numpy()
    return -ops.reduce_sum(truth * ops.l2_normalize(pred, axis=axis), axis=axis)


# ------------------------------------------------------------------------------------------- classes
class MeanAbsolutePercentageError(_FunctionLoss):
    """Mean absolute percentage error between labels and predictions (see
    `mean_absolute_percentage_error`), reduced over the batch.

    Args:
        reduction: One of "sum_over_batch_size" (default), "sum", "mean", "mean_with_sample_weight",
            "none" or None.
        name: Optional name for the loss instance.
    """
    _fn = staticmethod(mean_absolute_percentage_error)

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "mean_absolute_percentage_error") -> None:
        super().__init__(name=name, reduction=reduction)


class MeanSquaredLogarithmicError(_FunctionLoss):
    """Mean squared logarithmic error (see `mean_squared_logarithmic_error`), reduced over the batch.

    Args:
        reduction: Keras' reduction, "sum_over_batch_size" by default.
        name: Optional name for the loss instance.
    """
    _fn = staticmethod(mean_squared_logarithmic_error)

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "mean_squared_logarithmic_error") -> None:
        super().__init__(name=name, reduction=reduction)


class Huber(_FunctionLoss):
    """Huber loss (see `huber`), reduced over the batch.

    Args:
        delta: A float > 0, the point where the loss changes from quadratic to linear. Defaults to `1.0`.
        reduction: Keras' reduction, "sum_over_batch_size" by default.
        name: Optional name for the loss instance.

    Example:
    >>> fastnn.losses.Huber(delta=1.0)([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]])  # 0.155
    """
    _fn = staticmethod(huber)

    def __init__(self, delta: float = 1.0, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "huber_loss") -> None:
        super().__init__(name=name, reduction=reduction, delta=_check_number("delta", delta, positive=True))


class LogCosh(_FunctionLoss):
    """Logarithm of the hyperbolic cosine of the prediction error (see `log_cosh`), reduced over the batch.

    Args:
        reduction: Keras' reduction, "sum_over_batch_size" by default.
        name: Optional name for the loss instance.
    """
    _fn = staticmethod(log_cosh)

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "log_cosh") -> None:
        super().__init__(name=name, reduction=reduction)


class KLDivergence(_FunctionLoss):
    """Kullback-Leibler divergence (see `kl_divergence`), reduced over the batch.

    Args:
        reduction: Keras' reduction, "sum_over_batch_size" by default.
        name: Optional name for the loss instance.
    """
    _fn = staticmethod(kl_divergence)

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "kl_divergence") -> None:
        super().__init__(name=name, reduction=reduction)


class Poisson(_FunctionLoss):
    """Poisson loss (see `poisson`), reduced over the batch.

    Args:
        reduction: Keras' reduction, "sum_over_batch_size" by default.
        name: Optional name for the loss instance.
    """
    _fn = staticmethod(poisson)

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "poisson") -> None:
        super().__init__(name=name, reduction=reduction)


class Hinge(_FunctionLoss):
    """Hinge loss (see `hinge`); 0/1 labels are converted to -1/1.

    Args:
        reduction: Keras' reduction, "sum_over_batch_size" by default.
        name: Optional name for the loss instance.
    """
    _fn = staticmethod(hinge)

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "hinge") -> None:
        super().__init__(name=name, reduction=reduction)


class SquaredHinge(_FunctionLoss):
    """Squared hinge loss (see `squared_hinge`); 0/1 labels are converted to -1/1.

    Args:
        reduction: Keras' reduction, "sum_over_batch_size" by default.
        name: Optional name for the loss instance.
    """
    _fn = staticmethod(squared_hinge)

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "squared_hinge") -> None:
        super().__init__(name=name, reduction=reduction)


class CategoricalHinge(_FunctionLoss):
    """Categorical hinge loss (see `categorical_hinge`), reduced over the batch.

    Args:
        reduction: Keras' reduction, "sum_over_batch_size" by default.
        name: Optional name for the loss instance.
    """
    _fn = staticmethod(categorical_hinge)

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "categorical_hinge") -> None:
        super().__init__(name=name, reduction=reduction)


class CosineSimilarity(_FunctionLoss):
    """Negative cosine similarity between labels and predictions (see `cosine_similarity`).

    Args:
        axis: The axis along which the similarity is computed. Defaults to `-1`.
        reduction: Keras' reduction, "sum_over_batch_size" by default.
        name: Optional name for the loss instance.
    """
    _fn = staticmethod(cosine_similarity)

    def __init__(self, axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "cosine_similarity") -> None:
        super().__init__(name=name, reduction=reduction, axis=int(check_axis(axis)))

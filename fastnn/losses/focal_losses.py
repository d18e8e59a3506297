"""Keras 3's focal cross-entropies (`keras.losses.BinaryFocalCrossentropy`, `CategoricalFocalCrossentropy`),
composed from fastnn.ops so `GradientTape` records them. Probabilities are clipped to [1e-7, 1 - 1e-7] in the
log as Keras does."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import ops
from .._validation import boolean
from ..tensor import Tensor
from .losses import EPSILON, _check_from_logits, _check_label_smoothing, _FunctionLoss, _pred, _true_like
from .regression_losses import _check_number

__all__ = ["binary_focal_crossentropy", "categorical_focal_crossentropy", "BinaryFocalCrossentropy",
           "CategoricalFocalCrossentropy"]


def _check_gamma(gamma):
    gamma = _check_number("gamma", gamma)
    if gamma < 0:
        raise ValueError(f"`gamma` must be >= 0. Received: gamma={gamma!r}")
    return gamma


def _check_axis(axis):
    if axis != -1 or isinstance(axis, bool):
        raise ValueError(f"fastnn's focal losses reduce the last axis (axis=-1). Received: axis={axis!r}")
    return axis


def _check_bool(name, value):
    return boolean(value, name)


def binary_focal_crossentropy(y_true: ArrayLike, y_pred: ArrayLike, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """Binary focal cross-entropy (Lin et al., 2018), averaged over the last axis.

    `focal_factor = (1 - p_t) ** gamma` with `p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)` multiplies
    the binary cross-entropy; with `apply_class_balancing` it is further weighted by `alpha` for class 1 and
    `1 - alpha` for class 0.

    Args:
        y_true: Ground truth values in [0, 1], shape `(batch_size, d0, .. dN)`.
        y_pred: Predicted probabilities (or logits when `from_logits`), same shape.
        apply_class_balancing: A bool, whether to weight the classes by `alpha`.
        alpha: Weight of class 1 (class 0 gets `1 - alpha`). Defaults to `0.25`.
        gamma: Focusing parameter >= 0. Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits.
        label_smoothing: Float in [0, 1]; labels become `y * (1 - s) + 0.5 * s`.
        axis: The axis along which the mean is computed; only -1 is supported.

    Returns:
        The per-sample losses, shape `(batch_size, d0, .. dN-1)`.
    """
    _check_axis(axis)
    apply_class_balancing = _check_bool("apply_class_balancing", apply_class_balancing)
    alpha, gamma = np.float32(_check_number("alpha", alpha)), np.float32(_check_gamma(gamma))
    from_logits, label_smoothing = _check_from_logits(from_logits), _check_label_smoothing(label_smoothing)
    logits = getattr(y_pred, "_keras_logits", None)  # a sigmoid layer's output remembers its logits
    pred = _pred(y_pred)
    truth = _true_like(y_true, pred)
    one = np.float32(1.0)
    if label_smoothing:
        truth = truth * np.float32(1.0 - label_smoothing) + np.float32(0.5 * label_smoothing)
    if from_logits:
        logits, pred = pred, ops.sigmoid(pred)
    if logits is not None:  # Keras' binary_crossentropy then takes TF's stable logits formula, unclipped
        bce = ops.sigmoid_cross_entropy_with_logits(labels=truth, logits=_pred(logits))
    else:
        clipped = ops.clip_by_value(pred, np.float32(EPSILON), one - np.float32(EPSILON))
        bce = -(truth * ops.log(clipped) + (one - truth) * ops.log(one - clipped))
    p_t = truth * pred + (one - truth) * (one - pred)
    focal = ops.pow(one - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (truth * alpha + (one - truth) * (one - alpha)) * focal
    return ops.reduce_mean(focal, axis=-1)


def categorical_focal_crossentropy(y_true: ArrayLike, y_pred: ArrayLike, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """Categorical focal cross-entropy: `sum(alpha * (1 - p) ** gamma * -y_true * log(p), axis=-1)`, p being
    y_pred normalised to sum 1 and clipped (softmax(y_pred) when `from_logits`).

    Args:
        y_true: One-hot (or soft) labels, shape `(batch_size, classes)`.
        y_pred: Predicted probabilities (or logits when `from_logits`), same shape.
        alpha: Weight of every class. Defaults to `0.25`.
        gamma: Focusing parameter >= 0. Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits.
        label_smoothing: Float in [0, 1]; labels become `y * (1 - s) + s / classes`.
        axis: The class axis; only -1 is supported.

    Returns:
        The per-sample losses, shape `(batch_size,)`.

    Example:
    >>> categorical_focal_crossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])
    [2.63401289e-04, 6.75912094e-01]
    """
    _check_axis(axis)
    alpha, gamma = np.float32(_check_number("alpha", alpha)), np.float32(_check_gamma(gamma))
    from_logits, label_smoothing = _check_from_logits(from_logits), _check_label_smoothing(label_smoothing)
    pred = _pred(y_pred)
    truth = _true_like(y_true, pred)
    one = np.float32(1.0)
    if label_smoothing:
        truth = truth * np.float32(1.0 - label_smoothing) + np.float32(label_smoothing / truth.shape[-1])
    if from_logits:
        pred = ops.softmax(pred, axis=-1)
    output = pred / ops.reduce_sum(pred, axis=-1, keepdims=True)
    output = ops.clip_by_value(output, np.float32(EPSILON), one - np.float32(EPSILON))
    cce = -truth * ops.log(output)
    return ops.reduce_sum(ops.pow(one - output, gamma) * alpha * cce, axis=-1)


class BinaryFocalCrossentropy(_FunctionLoss):
    """Binary focal cross-entropy (see `binary_focal_crossentropy`), reduced over the batch.

    Args:
        apply_class_balancing: A bool, whether to weight the classes by `alpha`. Defaults to `False`.
        alpha: Weight of class 1 (class 0 gets `1 - alpha`). Defaults to `0.25`.
        gamma: Focusing parameter >= 0. Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]. Defaults to `0.0`.
        axis: The axis along which the mean is computed; only -1.
        reduction: Keras' reduction, "sum_over_batch_size" by default.
        name: Optional name for the loss instance.
    """
    _fn = staticmethod(binary_focal_crossentropy)

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25, gamma: float = 2.0,
                 from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size", name: str | None = "binary_focal_crossentropy") -> None:
        super().__init__(name=name, reduction=reduction,
                         apply_class_balancing=_check_bool("apply_class_balancing", apply_class_balancing),
                         alpha=_check_number("alpha", alpha), gamma=_check_gamma(gamma),
                         from_logits=_check_from_logits(from_logits),
                         label_smoothing=_check_label_smoothing(label_smoothing), axis=_check_axis(axis))


class CategoricalFocalCrossentropy(_FunctionLoss):
    """Categorical focal cross-entropy (see `categorical_focal_crossentropy`), reduced over the batch.

    Args:
        alpha: Weight of every class. Defaults to `0.25`.
        gamma: Focusing parameter >= 0. Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]. Defaults to `0.0`.
        axis: The class axis; only -1.
        reduction: Keras' reduction, "sum_over_batch_size" by default.
        name: Optional name for the loss instance.
    """
    _fn = staticmethod(categorical_focal_crossentropy)

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "categorical_focal_crossentropy") -> None:
        super().__init__(name=name, reduction=reduction, alpha=_check_number("alpha", alpha),
                         gamma=_check_gamma(gamma), from_logits=_check_from_logits(from_logits),
                         label_smoothing=_check_label_smoothing(label_smoothing), axis=_check_axis(axis))

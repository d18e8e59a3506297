"""Keras 3's losses (`keras.losses`), differentiable through `GradientTape`.

Functions return one loss per sample (the class/feature axis reduced); each is a single recorded op whose forward
and gradient run in fastnn's kernels (the from-logits cross-entropies in one fused pass). Probability inputs are
clipped to [1e-7, 1 − 1e-7] as Keras does, so their gradient is 0 where the clip is active.

Classes add Keras' reduction: "sum_over_batch_size" (default; also "mean") = Σ weighted losses ÷ number of
per-sample values (not ÷ Σ weights), "mean_with_sample_weight" = ÷ Σ weights, "sum", and "none"/None.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from .. import kernels, ops
from .._tape import record
from .._validation import one_of
from ..saving.serialization import to_snake_case
from ..tensor import Tensor, as_array, convert_to_tensor

__all__ = [
    "Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "BinaryCrossentropy", "mean_squared_error", "mean_absolute_error",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "mse", "mae",
]

EPSILON = 1e-7  # keras.config.epsilon()
_REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


def _pred(y_pred):
    t = convert_to_tensor(y_pred, name="y_pred")
    if t.dtype != np.float32:
        t = Tensor(t._value.astype(np.float32))
    if t.ndim == 0:
        raise ValueError(f"`y_pred` must have rank >= 1, received shape {t.shape}")
    return t


def _true_like(y_true, pred):
    """y_true as float32, squeezed/expanded by one trailing axis of 1 to pred's rank (Keras' rule)."""
    a = as_array(y_true, "y_true").astype(np.float32, copy=False)
    p = pred.shape
    if a.ndim == len(p) + 1 and a.shape[-1] == 1:
        a = a[..., 0]
    elif len(p) == a.ndim + 1 and p[-1] == 1:
        a = a[..., None]
    if a.shape != p:
        raise ValueError(f"`y_true` and `y_pred` must have the same shape, received {a.shape} and {p}")
    return a


def _logits_of(y_pred, from_logits):
    """Keras' rule: a softmax/sigmoid layer output remembers its logits, and the cross-entropies use them (the
    stable fused path) instead of clipping probabilities."""
    logits = getattr(y_pred, "_keras_logits", None)
    if not from_logits and logits is not None:
        return logits, True
    return y_pred, from_logits


def _check_from_logits(from_logits):
    if not isinstance(from_logits, (bool, np.bool_)):  # bool("False") is True: never guess
        raise TypeError(f"`from_logits` must be a bool, received {from_logits!r}")
    return bool(from_logits)


def _check_label_smoothing(label_smoothing):
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float, np.number)) or \
            not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"`label_smoothing` must be a number in [0, 1], received {label_smoothing!r}")
    return float(label_smoothing)


def _check_axis(axis):
    if axis != -1:
        raise ValueError(f"fastnn's losses reduce the last axis (axis=-1), received axis={axis!r}")


def _with_sample_axis(g):
    return g[..., None]


# ------------------------------------------------------------------------------------------- functions
def mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """mean((y_true − y_pred)²) over the last axis.

    Args:
        y_true: Targets, a tensor-like.
        y_pred: Predictions, a tensor-like of `y_true`'s shape.

    Returns:
        A Tensor of per-sample losses (the last axis reduced).
    """
    pred = _pred(y_pred)
    truth = _true_like(y_true, pred)
    p = pred._value
    return record([pred], kernels.mean_squared_error(truth, p),
                  lambda g, needs: [kernels.mean_squared_error_grad(truth, p) * _with_sample_axis(g)])


def mean_absolute_error(y_true: ArrayLike, y_pred: ArrayLike) -> Tensor:
    """mean(|y_true − y_pred|) over the last axis; gradient sign(y_pred − y_true)/N.

    Args:
        y_true: Targets, a tensor-like.
        y_pred: Predictions, a tensor-like of `y_true`'s shape.

    Returns:
        A Tensor of per-sample losses (the last axis reduced).
    """
    pred = _pred(y_pred)
    truth = _true_like(y_true, pred)
    d = pred._value - truth
    n = np.float32(max(d.shape[-1], 1))
    return record([pred], np.mean(np.abs(d), axis=-1, dtype=np.float32),
                  lambda g, needs: [np.sign(d) / n * _with_sample_axis(g)])


def categorical_crossentropy(y_true: ArrayLike, y_pred: ArrayLike, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """−Σ y_true·log(p) over the classes (last axis); p = y_pred normalised and clipped, or softmax(y_pred)
    when `from_logits`. `label_smoothing` mixes y_true with the uniform distribution.

    Args:
        y_true: One-hot (or soft) labels.
        y_pred: Class probabilities (or logits), classes on `axis`.
        from_logits: Whether `y_pred` holds logits (unnormalised scores) rather than probabilities.
        label_smoothing: A float in [0, 1]: the targets are mixed with the uniform distribution by this much.
        axis: The class axis.

    Returns:
        A Tensor of per-sample losses (the last axis reduced).
    """
    _check_axis(axis)
    y_pred, from_logits = _logits_of(y_pred, _check_from_logits(from_logits))
    label_smoothing = _check_label_smoothing(label_smoothing)
    pred = _pred(y_pred)
    if pred.shape[-1] == 1:
        raise ValueError(f"categorical_crossentropy expects y_pred of shape (batch, classes) with classes > 1, "
                         f"received {pred.shape}; use binary_crossentropy for one output")
    truth = _true_like(y_true, pred)
    if from_logits:
        if label_smoothing:
            n = np.float32(truth.shape[-1])
            truth = truth * np.float32(1.0 - label_smoothing) + np.float32(label_smoothing) / n
        return ops.softmax_cross_entropy_with_logits(labels=truth, logits=pred)
    p = pred._value
    return record([pred], kernels.categorical_crossentropy(truth, p, label_smoothing=label_smoothing),
                  lambda g, needs: [kernels.categorical_crossentropy_grad(truth, p, label_smoothing=label_smoothing)
                                    * _with_sample_axis(g)])


def sparse_categorical_crossentropy(y_true: ArrayLike, y_pred: ArrayLike, from_logits: bool = False,
                                    axis: int = -1) -> Tensor:
    """−log p[label] per sample, labels being integer class ids of y_pred's shape without the class axis (a
    trailing axis of 1 is squeezed, as Keras does).

    Args:
        y_true: Integer class ids, of `y_pred`'s shape without the class axis (a trailing axis of 1 is squeezed).
        y_pred: Class probabilities (or logits) with the classes on `axis`.
        from_logits: Whether `y_pred` holds logits (unnormalised scores) rather than probabilities.
        axis: The class axis.

    Returns:
        A Tensor of per-sample losses (the last axis reduced).
    """
    _check_axis(axis)
    y_pred, from_logits = _logits_of(y_pred, _check_from_logits(from_logits))
    pred = _pred(y_pred)
    labels = as_array(y_true, "y_true")
    if labels.ndim == pred.ndim and labels.shape[-1:] == (1,):
        labels = labels[..., 0]
    if from_logits:
        return ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=pred)
    p = pred._value
    return record([pred], kernels.sparse_categorical_crossentropy(labels, p),
                  lambda g, needs: [kernels.sparse_categorical_crossentropy_grad(labels, p) * _with_sample_axis(g)])


def binary_crossentropy(y_true: ArrayLike, y_pred: ArrayLike, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> Tensor:
    """mean over the last axis of −(y·log p + (1 − y)·log(1 − p)); p = clip(y_pred, ε, 1 − ε), or
    sigmoid(y_pred) through TF's stable formula when `from_logits`. Smoothing: y·(1 − s) + s/2.

    Args:
        y_true: 0/1 (or soft) targets.
        y_pred: Probabilities (or logits) of `y_true`'s shape.
        from_logits: Whether `y_pred` holds logits (unnormalised scores) rather than probabilities.
        label_smoothing: A float in [0, 1]: the targets are mixed with the uniform distribution by this much.
        axis: The class axis.

    Returns:
        A Tensor of per-sample losses (the last axis reduced).
    """
    _check_axis(axis)
    y_pred, from_logits = _logits_of(y_pred, _check_from_logits(from_logits))
    label_smoothing = _check_label_smoothing(label_smoothing)
    pred = _pred(y_pred)
    truth = _true_like(y_true, pred)
    if label_smoothing:
        truth = truth * np.float32(1.0 - label_smoothing) + np.float32(0.5 * label_smoothing)
    if from_logits:
        return ops.reduce_mean(ops.sigmoid_cross_entropy_with_logits(labels=truth, logits=pred), axis=-1)
    p = pred._value
    eps = np.float32(EPSILON)
    lo, hi = eps, np.float32(1.0) - eps
    c = np.clip(p, lo, hi)
    per_value = -(truth * np.log(c) + (np.float32(1) - truth) * np.log(np.float32(1) - c))
    n = np.float32(max(p.shape[-1], 1))

    def backward(g, needs):
        inside = (p >= lo) & (p <= hi)
        d = -(truth / c - (np.float32(1) - truth) / (np.float32(1) - c))
        return [np.where(inside, d, np.float32(0)) / n * _with_sample_axis(g)]
    return record([pred], np.mean(per_value, axis=-1, dtype=np.float32), backward)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# ------------------------------------------------------------------------------------------- classes
def _reduce(values, sample_weight, reduction):
    if sample_weight is not None:
        w = as_array(sample_weight, "sample_weight").astype(np.float32, copy=False)
        if w.ndim == values.ndim + 1 and w.shape[-1] == 1:
            w = w[..., 0]
        elif values.ndim == w.ndim + 1 and values.shape[-1] == 1:
            w = w[..., None]
        try:
            np.broadcast_shapes(w.shape, values.shape)
        except ValueError:
            raise ValueError(f"`sample_weight` of shape {w.shape} does not broadcast to the losses' shape "
                             f"{values.shape}") from None
        values = values * w
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    total = ops.reduce_sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = float(np.sum(np.broadcast_to(w, values.shape), dtype=np.float32))
    else:
        divisor = float(np.prod(values.shape))
    return total / np.float32(divisor) if divisor else total * np.float32(0)  # divide_no_nan


class Loss:
    """Base of the loss classes: `loss(y_true, y_pred, sample_weight=None)` -> the reduced loss. Subclass it
    and implement `call(y_true, y_pred)` (per-sample losses, written with fastnn.ops) for a custom loss.

    Args:
        name: The loss's name.
        reduction: How per-sample losses are reduced: `"sum_over_batch_size"` (default), `"mean"`,
            `"mean_with_sample_weight"`, `"sum"`, or `"none"`/None (per-sample losses).
        dtype: The dtype of the computation (float32).

    Example:

    ```python
    import fastnn

    class MeanCube(fastnn.losses.Loss):
        def call(self, y_true, y_pred):
            return fastnn.reduce_mean(fastnn.abs(fastnn.subtract(y_pred, y_true)) ** 3, axis=-1)

    print(float(MeanCube()([[0.0, 0.0]], [[1.0, 2.0]])))  # 4.5
    ```
    """

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype: str | None = None) -> None:
        one_of(reduction, "reduction", _REDUCTIONS,
               "Invalid value for argument `{name}`. Expected one of {choices}. Received: {name}={value!r}")
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype or "float32"

    def __call__(self, y_true, y_pred, sample_weight=None):
        return _reduce(self.call(y_true, y_pred), sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _FunctionLoss(Loss):
    _fn = None

    def __init__(self, name=None, reduction="sum_over_batch_size", **fn_kwargs):
        super().__init__(name=name, reduction=reduction)
        self._fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred):
        return type(self)._fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


class LossFunctionWrapper(Loss):
    """A per-sample loss function (y_true, y_pred) -> losses made into a Loss with Keras' reduction (what
    `compile(loss="mse")` uses).

    Args:
        fn: A per-sample loss function `(y_true, y_pred, **kwargs) -> losses`.
        reduction: How per-sample losses are reduced: `"sum_over_batch_size"` (default), `"mean"`,
            `"mean_with_sample_weight"`, `"sum"`, or `"none"`/None (per-sample losses).
        name: The loss's name.
        **kwargs: Keyword arguments passed on to `fn`.
    """

    def __init__(self, fn: Callable, reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 **kwargs) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction)
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)


class MeanSquaredError(_FunctionLoss):
    """Mean of squared errors over the last axis, reduced over the batch.

    Args:
        reduction: How per-sample losses are reduced: `"sum_over_batch_size"` (default), `"mean"`,
            `"mean_with_sample_weight"`, `"sum"`, or `"none"`/None (per-sample losses).
        name: The loss's name.

    Example:

    ```python
    import fastnn

    mse = fastnn.losses.MeanSquaredError()
    print(float(mse([[0.0, 1.0]], [[1.0, 1.0]])))  # 0.5
    ```
    """
    _fn = staticmethod(mean_squared_error)

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "mean_squared_error") -> None:
        super().__init__(name=name, reduction=reduction)


class MeanAbsoluteError(_FunctionLoss):
    """Mean of absolute errors over the last axis, reduced over the batch.

    Args:
        reduction: How per-sample losses are reduced: `"sum_over_batch_size"` (default), `"mean"`,
            `"mean_with_sample_weight"`, `"sum"`, or `"none"`/None (per-sample losses).
        name: The loss's name.
    """
    _fn = staticmethod(mean_absolute_error)

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "mean_absolute_error") -> None:
        super().__init__(name=name, reduction=reduction)


class CategoricalCrossentropy(_FunctionLoss):
    """Cross-entropy with one-hot (or soft) labels; `from_logits=True` for unnormalised scores.

    Args:
        from_logits: Whether `y_pred` holds logits (unnormalised scores) rather than probabilities.
        label_smoothing: A float in [0, 1]: the targets are mixed with the uniform distribution by this much.
        axis: The class axis.
        reduction: How per-sample losses are reduced: `"sum_over_batch_size"` (default), `"mean"`,
            `"mean_with_sample_weight"`, `"sum"`, or `"none"`/None (per-sample losses).
        name: The loss's name.
    """
    _fn = staticmethod(categorical_crossentropy)

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size", name: str | None = "categorical_crossentropy") -> None:
        _check_axis(axis)
        super().__init__(name=name, reduction=reduction, from_logits=_check_from_logits(from_logits),
                         label_smoothing=_check_label_smoothing(label_smoothing), axis=axis)


class SparseCategoricalCrossentropy(_FunctionLoss):
    """Cross-entropy with integer class labels; `from_logits=True` for unnormalised scores.

    Args:
        from_logits: Whether `y_pred` holds logits (unnormalised scores) rather than probabilities.
        reduction: How per-sample losses are reduced: `"sum_over_batch_size"` (default), `"mean"`,
            `"mean_with_sample_weight"`, `"sum"`, or `"none"`/None (per-sample losses).
        name: The loss's name.

    Example:

    ```python
    import numpy as np
    import fastnn

    loss = fastnn.losses.SparseCategoricalCrossentropy(from_logits=True)
    print(round(float(loss([0, 1], np.array([[2.0, 0.0], [0.0, 2.0]], "float32"))), 4))  # 0.1269
    ```
    """
    _fn = staticmethod(sparse_categorical_crossentropy)

    def __init__(self, from_logits: bool = False, reduction: str | None = "sum_over_batch_size",
                 name: str | None = "sparse_categorical_crossentropy") -> None:
        super().__init__(name=name, reduction=reduction, from_logits=_check_from_logits(from_logits))


class BinaryCrossentropy(_FunctionLoss):
    """Binary cross-entropy for 0/1 (or soft) targets; `from_logits=True` for unnormalised scores.

    Args:
        from_logits: Whether `y_pred` holds logits (unnormalised scores) rather than probabilities.
        label_smoothing: A float in [0, 1]: the targets are mixed with the uniform distribution by this much.
        axis: The class axis.
        reduction: How per-sample losses are reduced: `"sum_over_batch_size"` (default), `"mean"`,
            `"mean_with_sample_weight"`, `"sum"`, or `"none"`/None (per-sample losses).
        name: The loss's name.
    """
    _fn = staticmethod(binary_crossentropy)

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size", name: str | None = "binary_crossentropy") -> None:
        _check_axis(axis)
        super().__init__(name=name, reduction=reduction, from_logits=_check_from_logits(from_logits),
                         label_smoothing=_check_label_smoothing(label_smoothing), axis=axis)

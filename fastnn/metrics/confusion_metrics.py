"""Confusion-matrix metrics (`keras.metrics.Precision`, `Recall`, `AUC`): weighted true/false positive/negative
counts per threshold, accumulated over batches in float32 state, with Keras' rules — a prediction is positive when
strictly above the threshold, labels are positive when non-zero, `sample_weight` gets a trailing axis and is
broadcast to y_pred, `top_k` keeps each row's k highest scores, `class_id` picks one column."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._validation import boolean, integer, one_of
from ..tensor import Tensor, as_array
from .metric import Metric

__all__ = ["Precision", "Recall", "AUC"]

NEG_INF = -1e10  # keras' metrics_utils.NEG_INF
EPSILON = 1e-7


def _check_thresholds(thresholds, default):
    if thresholds is None:
        return np.asarray([default], np.float32)
    values = np.atleast_1d(np.asarray(thresholds, dtype=object))
    for t in values.ravel():
        if isinstance(t, bool) or not isinstance(t, (int, float, np.number)) or not 0 <= t <= 1:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: thresholds={thresholds!r}")
    return values.astype(np.float32)


def _check_optional_int(name, value, low):
    return integer(value, name, minimum=low, allow_none=True)


def _filter_top_k(x, k):
    """Every score outside a row's k highest becomes NEG_INF (ties: the first indices win, as tf.math.top_k)."""
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(x.shape, bool)
    np.put_along_axis(mask, order, True, axis=-1)
    return np.where(mask, x, np.float32(NEG_INF)).astype(np.float32)


def _prepare(y_true, y_pred, sample_weight, top_k=None, class_id=None, label_weights=None):
    """(labels as bool, predictions, weights) all of y_pred's shape, after Keras' rank, top_k and class_id rules."""
    y_pred = np.asarray(as_array(y_pred, "y_pred"), np.float32)
    y_true = np.asarray(as_array(y_true, "y_true"), np.float32)
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"`y_true` and `y_pred` must have the same shape, received {y_true.shape} and "
                         f"{y_pred.shape}")
    w = None
    if sample_weight is not None:
        w = np.asarray(as_array(sample_weight, "sample_weight"), np.float32)[..., None]
        if w.ndim == y_true.ndim + 1 and w.shape[-1] == 1:
            w = w[..., 0]
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim < 2 or not class_id < y_pred.shape[-1]:
            raise ValueError(f"When class_id is provided, y_pred must be a 2D array with shape (num_samples, "
                             f"num_classes), found shape: {y_pred.shape}; and class_id < num_classes. "
                             f"Received: class_id={class_id}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = np.ones(y_pred.shape, np.float32)
    try:
        if w is not None:
            weights = weights * np.broadcast_to(w, y_pred.shape)
        if label_weights is not None:
            weights = weights * np.broadcast_to(label_weights, y_pred.shape)
    except ValueError:
        raise ValueError(f"`sample_weight` of shape {np.shape(sample_weight)} does not broadcast to y_pred's "
                         f"shape {y_pred.shape}") from None
    return y_true != 0, y_pred, weights


def _confusion(labels, preds, weights, thresholds, per_label=False):
    """Weighted (tp, fp, tn, fn) with one row per threshold (and one column per label if `per_label`).

    Sorting the thresholds once and bucketing every prediction by how many thresholds it exceeds gives all the
    counts from one cumulative sum: O(n log T) rather than a (T, n) comparison."""
    order = np.argsort(thresholds, kind="stable")
    t = len(thresholds)
    if per_label:
        labels, preds, weights = (a.reshape(-1, a.shape[-1]) for a in (labels, preds, weights))
        columns = preds.shape[-1]
    else:
        labels, preds, weights = labels.reshape(-1, 1), preds.reshape(-1, 1), weights.reshape(-1, 1)
        columns = 1
    above = np.searchsorted(thresholds[order], preds, side="left")  # how many thresholds each prediction exceeds
    above = np.where(np.isnan(preds), 0, above)
    slot = above + np.arange(columns) * (t + 1)

    def positives(values):  # for sorted threshold j: Σ values where prediction > threshold j
        counts = np.bincount(slot.ravel(), values.ravel().astype(np.float64), minlength=columns * (t + 1))
        counts = counts.reshape(columns, t + 1)
        return (counts.sum(axis=1, keepdims=True) - np.cumsum(counts, axis=1)[:, :t]).T  # (t, columns)

    pos_w, neg_w = weights * labels, weights * ~labels
    tp, fp = positives(pos_w), positives(neg_w)
    fn = pos_w.sum(axis=0, dtype=np.float64) - tp
    tn = neg_w.sum(axis=0, dtype=np.float64) - fp
    inverse = np.argsort(order)
    out = [a[inverse].astype(np.float32) for a in (tp, fp, tn, fn)]
    return [a if per_label else a[:, 0] for a in out]


def _divide_no_nan(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, np.float32(0), a / np.where(b == 0, 1, b)).astype(np.float32)


class _ThresholdMetric(Metric):
    def __init__(self, thresholds, top_k, class_id, name, dtype):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = _check_optional_int("top_k", top_k, 1)
        self.class_id = _check_optional_int("class_id", class_id, 0)
        self.thresholds = _check_thresholds(thresholds, 0.5 if self.top_k is None else NEG_INF)
        self.true_positives = self.add_variable((len(self.thresholds),), name="true_positives")

    def _counts(self, y_true, y_pred, sample_weight):
        labels, preds, weights = _prepare(y_true, y_pred, sample_weight, self.top_k, self.class_id)
        return _confusion(labels, preds, weights, self.thresholds)

    def _ratio(self, other):
        tp = self.true_positives.numpy()
        value = _divide_no_nan(tp, tp + other.numpy())
        return Tensor(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_ThresholdMetric):
    """Precision `tp / (tp + fp)` of the predictions, streamed over batches.

    A prediction is positive when above the threshold; labels are positive when non-zero.

    Args:
        thresholds: A float or list of floats in [0, 1]; the result has one value per threshold (a scalar for
            one). Defaults to 0.5 (or, with `top_k`, every kept score counts as positive).
        top_k: Only each row's `top_k` highest scores can be positive.
        class_id: Only this class (column) is looked at.
        name: Name of the metric instance.
        dtype: Data type of the metric result.

    Example:
    >>> m = fastnn.metrics.Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> float(m.result())
    0.6666667
    """

    def __init__(self, thresholds: float | Sequence[float] | None = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = "precision", dtype: str | None = None) -> None:
        super().__init__(thresholds, top_k, class_id, name, dtype)
        self.false_positives = self.add_variable((len(self.thresholds),), name="false_positives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the weighted true and false positives."""
        tp, fp, _, _ = self._counts(y_true, y_pred, sample_weight)
        self.true_positives.assign_add(tp)
        self.false_positives.assign_add(fp)

    def result(self):
        return self._ratio(self.false_positives)


class Recall(_ThresholdMetric):
    """Recall `tp / (tp + fn)` of the predictions, streamed over batches.

    Args:
        thresholds: A float or list of floats in [0, 1]; the result has one value per threshold (a scalar for
            one). Defaults to 0.5 (or, with `top_k`, every kept score counts as positive).
        top_k: Only each row's `top_k` highest scores can be positive.
        class_id: Only this class (column) is looked at.
        name: Name of the metric instance.
        dtype: Data type of the metric result.

    Example:
    >>> m = fastnn.metrics.Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> float(m.result())
    0.6666667
    """

    def __init__(self, thresholds: float | Sequence[float] | None = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = "recall", dtype: str | None = None) -> None:
        super().__init__(thresholds, top_k, class_id, name, dtype)
        self.false_negatives = self.add_variable((len(self.thresholds),), name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the weighted true positives and false negatives."""
        tp, _, _, fn = self._counts(y_true, y_pred, sample_weight)
        self.true_positives.assign_add(tp)
        self.false_negatives.assign_add(fn)

    def result(self):
        return self._ratio(self.false_negatives)


_CURVES = ("ROC", "PR", "PRGAIN")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(Metric):
    """Area under the ROC or precision-recall curve, approximated by a Riemann sum over thresholds.

    Args:
        num_thresholds: Number of evenly spaced thresholds (> 1). Defaults to 200.
        curve: "ROC" (default), "PR" or "PRGAIN" (precision-recall-gain, Flach & Kull 2015).
        summation_method: "interpolation" (default; for PR, Davis & Goadrich's interpolation), "minoring" or
            "majoring".
        name: Name of the metric instance.
        dtype: Data type of the metric result.
        thresholds: Optional list of thresholds in [0, 1] used instead of `num_thresholds` (-ε and 1 + ε are
            added).
        multi_label: Whether each column is a separate label (AUC per label, then averaged) rather than all
            values being pooled.
        num_labels: Number of labels with `multi_label` (else taken from the first batch).
        label_weights: Per-label weights: of the average with `multi_label`, else of the counts.
        from_logits: Whether `y_pred` holds logits (a sigmoid is applied).

    Example:
    >>> m = fastnn.metrics.AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name: str | None = None, dtype: str | None = None, thresholds: float | Sequence[float] | None = None,
                 multi_label: bool = False, num_labels: int | None = None, label_weights: ArrayLike | None = None,
                 from_logits: bool = False) -> None:
        one_of(curve, "curve", _CURVES, "Invalid `curve` argument value. Expected one of {choices}. "
                                        "Received: {name}={value!r}")
        one_of(summation_method, "summation_method", _SUMMATIONS, "Invalid `summation_method` argument value. "
               "Expected one of {choices}. Received: {name}={value!r}")
        multi_label, from_logits = boolean(multi_label, "multi_label"), boolean(from_logits, "from_logits")
        super().__init__(name=name or "auc", dtype=dtype)
        if thresholds is not None:
            inner = sorted(_check_thresholds(thresholds, None).tolist())
            self.num_thresholds = len(inner) + 2
        else:
            num_thresholds = integer(num_thresholds, "num_thresholds", minimum=2,
                                     message="Argument `{name}` must be an integer > 1. Received: {name}={value!r}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._init_from_thresholds = thresholds is not None
        self._thresholds = np.asarray([0.0 - EPSILON] + inner + [1.0 + EPSILON], np.float32)
        self.curve, self.summation_method = curve, summation_method
        self.multi_label, self._from_logits = bool(multi_label), bool(from_logits)
        if num_labels is not None and not self.multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self.num_labels = _check_optional_int("num_labels", num_labels, 1)
        self.label_weights = None if label_weights is None else np.asarray(label_weights, self.dtype)
        if self.label_weights is not None and np.any(self.label_weights < 0):
            raise ValueError(f"All values of `label_weights` must be non-negative. "
                             f"Received: label_weights={label_weights!r}")
        self._built = False
        if not self.multi_label:
            self._build(())
        elif self.num_labels:
            self._build((self.num_labels,))

    @property
    def thresholds(self):
        """The thresholds, -ε and 1 + ε included."""
        return list(self._thresholds)

    def _build(self, labels_shape):
        shape = (self.num_thresholds,) + tuple(labels_shape)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the weighted confusion counts at every threshold."""
        y_pred = np.asarray(as_array(y_pred, "y_pred"), np.float32)
        if self.multi_label:
            if y_pred.ndim != 2:
                raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {y_pred.ndim}. "
                                 f"Full shape received for `y_pred`: {y_pred.shape}")
            if not self._built:
                self._build(y_pred.shape[1:])
            elif y_pred.shape[1] != self.true_positives.shape[1]:
                raise ValueError(f"AUC was built for {self.true_positives.shape[1]} labels; received "
                                 f"y_pred.shape={y_pred.shape}")
        if self._from_logits:
            y_pred = (1.0 / (1.0 + np.exp(-y_pred.astype(np.float64)))).astype(np.float32)
        labels, preds, weights = _prepare(y_true, y_pred, sample_weight,
                                          label_weights=None if self.multi_label else self.label_weights)
        for var, count in zip((self.true_positives, self.false_positives, self.true_negatives,
                               self.false_negatives),
                              _confusion(labels, preds, weights, self._thresholds, per_label=self.multi_label)):
            var.assign_add(count)

    def _by_label(self, increments):
        if not self.multi_label:
            return np.sum(increments)
        by_label = np.sum(increments, axis=0)
        if self.label_weights is None:
            return np.mean(by_label)
        return _divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights))

    def _interpolate_pr_auc(self, tp, fp, fn):
        n = self.num_thresholds
        dtp = tp[:n - 1] - tp[1:]
        p = tp + fp
        dp = p[:n - 1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:n - 1] > 0) & (p[1:] > 0), _divide_no_nan(p[:n - 1], np.maximum(p[1:], 0)), 1.0)
        return _divide_no_nan(slope * (dtp + intercept * np.log(ratio.astype(np.float32))),
                              np.maximum(tp[1:] + fn[1:], 0))

    def result(self):
        if not self._built:
            return Tensor(np.asarray(0.0, self.dtype))
        tp, fp, tn, fn = (v.numpy() for v in (self.true_positives, self.false_positives, self.true_negatives,
                                             self.false_negatives))
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            return Tensor(np.asarray(self._by_label(self._interpolate_pr_auc(tp, fp, fn)), self.dtype))
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:
            scale = _divide_no_nan(tp + fn, tn + fp)
            x = np.maximum(np.where(tp == 0, 0.0, 1.0 - scale * _divide_no_nan(fn, tp)), 0.0).astype(np.float32)
            y = np.where(tp == 0, 1.0, 1.0 - scale * _divide_no_nan(fp, tp)).astype(np.float32)
        if self.summation_method == "interpolation":
            heights = (y[:n - 1] + y[1:]) / np.float32(2)
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:n - 1], y[1:])
        else:
            heights = np.maximum(y[:n - 1], y[1:])
        return Tensor(np.asarray(self._by_label((x[:n - 1] - x[1:]) * heights), self.dtype))

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "from_logits": self._from_logits,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist()}
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config

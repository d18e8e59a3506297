"""F-score metrics (`keras.metrics.FBetaScore`, `F1Score`): per-class weighted true/false positive and false
negative counts streamed over batches, combined as Keras does (with its 1e-7 epsilons)."""
from __future__ import annotations

import numpy as np

from .._validation import one_of
from ..tensor import Tensor, as_array
from .metric import Metric

__all__ = ["FBetaScore", "F1Score"]

EPSILON = 1e-7


class FBetaScore(Metric):
    """F-beta score `(1 + beta²) · precision · recall / (beta² · precision + recall)` for multi-class or
    multi-label data, streamed over batches.

    Args:
        average: None (one score per class, default), "micro" (pooled counts), "macro" (mean of the class scores)
            or "weighted" (mean weighted by each class' support).
        beta: A float > 0, the weight of recall. Defaults to `1.0`.
        threshold: A float in (0, 1]: predictions above it are positive. None (default): each row's highest
            score(s) are positive.
        name: Name of the metric instance.
        dtype: Data type of the metric result.

    Inputs are 2-D, `(batch_size, classes)`; `sample_weight` has one weight per sample.
    """

    def __init__(self, average: str | None = None, beta: float = 1.0, threshold: float | None = None,
                 name: str | None = "fbeta_score", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        one_of(average, "average", (None, "micro", "macro", "weighted"), "Invalid `{name}` argument value. Expected "
               "one of: {{None, 'micro', 'macro', 'weighted'}}. Received: {name}={value!r}")
        if not isinstance(beta, float):
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float. Received: beta={beta!r} "
                             f"of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta!r}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"Invalid `threshold` argument value. It should be a Python float. "
                                 f"Received: threshold={threshold!r} of type '{type(threshold)}'")
            if not 0.0 < threshold <= 1.0:
                raise ValueError(f"Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                                 f"Received: threshold={threshold!r}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true, y_pred):
        if y_true.ndim != 2 or y_pred.ndim != 2:
            raise ValueError(f"FBetaScore expects 2D inputs with shape (batch_size, output_dim). Received input "
                             f"shapes: y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
        shape = () if self.average == "micro" else (y_pred.shape[-1],)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, name="intermediate_weights")
        self._classes = y_pred.shape[-1]
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the weighted true positives, false positives, false negatives and supports."""
        y_true = np.asarray(as_array(y_true, "y_true"), self.dtype)
        y_pred = np.asarray(as_array(y_pred, "y_pred"), self.dtype)
        if not self._built:
            self._build(y_true, y_pred)
        if y_true.shape != y_pred.shape or y_pred.ndim != 2 or y_pred.shape[-1] != self._classes:
            raise ValueError(f"FBetaScore expects y_true and y_pred of shape (batch_size, {self._classes}). "
                             f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}")
        if self.threshold is None:
            positive = (y_pred >= np.max(y_pred, axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            positive = y_pred > self.threshold
        y_pred = positive.astype(self.dtype)
        w = None
        if sample_weight is not None:
            w = np.asarray(as_array(sample_weight, "sample_weight"), self.dtype)
            if w.ndim == 2 and w.shape[-1] == 1:
                w = w[:, 0]
            if w.ndim > 1 or (w.ndim == 1 and w.shape[0] not in (1, y_true.shape[0])):
                raise ValueError(f"`sample_weight` must hold one weight per sample, shape ({y_true.shape[0]},). "
                                 f"Received: sample_weight.shape={w.shape}")
            w = w[..., None] if w.ndim else w

        def weighted_sum(value):
            return np.sum(value if w is None else value * w, axis=self.axis, dtype=self.dtype)

        one = self.dtype.type(1)
        self.true_positives.assign_add(weighted_sum(y_pred * y_true))
        self.false_positives.assign_add(weighted_sum(y_pred * (one - y_true)))
        self.false_negatives.assign_add(weighted_sum((one - y_pred) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        if not self._built:
            return Tensor(np.asarray(0.0, self.dtype))
        eps = self.dtype.type(EPSILON)
        tp, fp, fn = (v.numpy() for v in (self.true_positives, self.false_positives, self.false_negatives))
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        beta2 = self.dtype.type(self.beta ** 2)
        score = precision * recall / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            support = self.intermediate_weights.numpy()
            score = np.sum(score * (support / (np.sum(support) + eps)))
        elif self.average is not None:
            score = np.mean(score)
        return Tensor(np.asarray(score, self.dtype))

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score, the harmonic mean of precision and recall (`FBetaScore` with beta = 1).

    Args:
        average: None (one score per class, default), "micro", "macro" or "weighted".
        threshold: A float in (0, 1]: predictions above it are positive. None (default): each row's highest
            score(s) are positive.
        name: Name of the metric instance.
        dtype: Data type of the metric result.

    Example:
    >>> m = fastnn.metrics.F1Score(threshold=0.5)
    >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
    >>> m.result().numpy()
    array([0.5      , 0.8      , 0.6666667], dtype=float32)
    """

    def __init__(self, average: str | None = None, threshold: float | None = None, name: str | None = "f1_score",
                 dtype: str | None = None) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config

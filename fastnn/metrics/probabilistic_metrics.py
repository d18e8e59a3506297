"""Probabilistic metrics (`keras.metrics`): running means of the cross-entropy losses."""
from __future__ import annotations

from .. import losses
from .reduction_metrics import MeanMetricWrapper

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy"]


class BinaryCrossentropy(MeanMetricWrapper):
    """The (weighted) mean binary cross-entropy over every sample seen.

    Args:
        name: Name of the metric instance.
        dtype: Data type of the metric result.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]; labels become `y * (1 - s) + 0.5 * s`.

    Example:
    >>> m = fastnn.metrics.BinaryCrossentropy()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> float(m.result())
    0.81492424
    """

    def __init__(self, name: str | None = "binary_crossentropy", dtype: str | None = None, from_logits: bool = False,
                 label_smoothing: float = 0) -> None:
        losses.losses._check_from_logits(from_logits)
        losses.losses._check_label_smoothing(label_smoothing)
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """The (weighted) mean categorical cross-entropy (one-hot labels) over every sample seen.

    Args:
        name: Name of the metric instance.
        dtype: Data type of the metric result.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]; labels become `y * (1 - s) + s / classes`.
        axis: The class axis; only -1 is supported.
    """

    def __init__(self, name: str | None = "categorical_crossentropy", dtype: str | None = None,
                 from_logits: bool = False, label_smoothing: float = 0, axis: int = -1) -> None:
        losses.losses._check_from_logits(from_logits)
        losses.losses._check_label_smoothing(label_smoothing)
        losses.losses._check_axis(axis)
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The (weighted) mean sparse categorical cross-entropy (integer labels) over every sample seen.

    Args:
        name: Name of the metric instance.
        dtype: Data type of the metric result.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        axis: The class axis; only -1 is supported.
    """

    def __init__(self, name: str | None = "sparse_categorical_crossentropy", dtype: str | None = None,
                 from_logits: bool = False, axis: int = -1) -> None:
        losses.losses._check_from_logits(from_logits)
        losses.losses._check_axis(axis)
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         axis=axis)

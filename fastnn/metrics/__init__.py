"""fastnn.metrics — Keras 3's metrics: stateful `Mean`, `Sum`, accuracy, regression, probabilistic, confusion
(Precision, Recall, AUC), F-score and IoU metrics (`update_state`, `result`, `reset_state`), their per-sample
functions, and `get` (lookup by name)."""
from __future__ import annotations
from ..saving import serialization

from collections.abc import Callable

from .accuracy_metrics import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                               SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy, binary_accuracy,
                               categorical_accuracy, sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
                               top_k_categorical_accuracy)
from .confusion_metrics import AUC, Precision, Recall
from .f_score_metrics import F1Score, FBetaScore
from .iou_metrics import MeanIoU
from .metric import Metric
from .probabilistic_metrics import BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy
from .reduction_metrics import Mean, MeanMetricWrapper, Sum
from .regression_metrics import (MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
                                 MeanSquaredLogarithmicError, R2Score, RootMeanSquaredError)

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
           "SparseCategoricalAccuracy", "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "accuracy",
           "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
           "sparse_top_k_categorical_accuracy", "MeanSquaredError", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "RootMeanSquaredError", "R2Score",
           "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "Precision", "Recall",
           "AUC", "FBetaScore", "F1Score", "MeanIoU", "get"]

_CLASSES = [Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
            TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, RootMeanSquaredError, R2Score,
            BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Precision, Recall, AUC,
            FBetaScore, F1Score]  # MeanIoU needs num_classes: not constructible from a name
# Keras' lookup table: class names, their snake_case names, and the short aliases.
_BY_NAME = {**{c.__name__: c for c in _CLASSES}, **{c().name: c for c in _CLASSES},
            "acc": Accuracy, "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy, "mse": MeanSquaredError,
            "MSE": MeanSquaredError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
            "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
            "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError}


def get(identifier: str | Metric | Callable) -> Metric | Callable:
    """Retrieves a metric instance from its name, or returns a `Metric` / callable as is.

    Args:
        identifier: A class name ('AUC', 'MeanSquaredError'), its snake_case name ('mean_squared_error',
            'sparse_top_k_categorical_accuracy') or an alias ('mae', 'mse', 'mape', 'msle', 'bce', 'acc'), a
            `Metric` instance or a callable.

    Returns:
        A default-configured metric instance, or the identifier itself.

    Raises:
        ValueError: if the identifier names no metric.
    """
    return serialization.get(identifier, "metric", _BY_NAME, instance_of=Metric,
                             expected=f"one of {sorted(k for k in _BY_NAME if k.islower())} or a class name")

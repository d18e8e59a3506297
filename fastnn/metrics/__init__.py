"""fastnn.metrics — Keras 3's metrics: stateful `Mean`, `Sum` and accuracy metrics (`update_state`, `result`,
`reset_state`), their per-sample functions, and `get` (lookup by name)."""
from .accuracy_metrics import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                               accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy)
from .metric import Metric
from .reduction_metrics import Mean, MeanMetricWrapper, Sum

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
           "SparseCategoricalAccuracy", "accuracy", "binary_accuracy", "categorical_accuracy",
           "sparse_categorical_accuracy", "get"]

_BY_NAME = {"accuracy": Accuracy, "acc": Accuracy, "binary_accuracy": BinaryAccuracy,
            "categorical_accuracy": CategoricalAccuracy, "sparse_categorical_accuracy": SparseCategoricalAccuracy,
            "mean": Mean, "sum": Sum}


def get(identifier):
    """A metric instance from a name ('mean', 'sparse_categorical_accuracy', a class name, ...) or as is."""
    if isinstance(identifier, Metric) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier) or {c.__name__: c for c in _BY_NAME.values()}.get(identifier)
        if cls is not None:
            return cls()
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}; expected one of {sorted(_BY_NAME)}")

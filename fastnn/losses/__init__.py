"""fastnn.losses — Keras 3's losses (`keras.losses`), differentiable through `GradientTape`.

Functions return one loss per sample (the class/feature axis reduced); classes add Keras' reduction
("sum_over_batch_size" default, "mean", "mean_with_sample_weight", "sum", "none"/None) and `sample_weight`.
Modules: `losses` (base class, reductions, MSE/MAE and the cross-entropies on fused kernels),
`regression_losses` (MAPE, MSLE, Huber, LogCosh, KL, Poisson, hinges, cosine), `focal_losses`.
"""
from __future__ import annotations
from ..saving import serialization

from collections.abc import Callable

from . import focal_losses, losses, regression_losses
from .focal_losses import *  # noqa: F403
from .losses import *  # noqa: F403
from .losses import EPSILON  # noqa: F401  (re-exported: fastnn.losses.EPSILON, as before losses became a package)
from .regression_losses import *  # noqa: F403

__all__ = losses.__all__ + regression_losses.__all__ + focal_losses.__all__ + ["get"]

_CLASSES = [Loss, MeanSquaredError, MeanAbsoluteError, CategoricalCrossentropy,  # noqa: F405
            SparseCategoricalCrossentropy, BinaryCrossentropy, MeanAbsolutePercentageError,  # noqa: F405
            MeanSquaredLogarithmicError, Huber, LogCosh, KLDivergence, Poisson, Hinge, SquaredHinge,  # noqa: F405
            CategoricalHinge, CosineSimilarity, BinaryFocalCrossentropy, CategoricalFocalCrossentropy]  # noqa: F405
_FUNCTIONS = {  # Keras' function names and its legacy aliases
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error, "MSE": mean_squared_error,  # noqa: F405
    "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error,  # noqa: F405
    "MAE": mean_absolute_error,  # noqa: F405
    "mean_absolute_percentage_error": mean_absolute_percentage_error,  # noqa: F405
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,  # noqa: F405
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,  # noqa: F405
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,  # noqa: F405
    "huber": huber, "log_cosh": log_cosh, "logcosh": log_cosh,  # noqa: F405
    "kl_divergence": kl_divergence, "kld": kl_divergence, "KLD": kl_divergence,  # noqa: F405
    "kullback_leibler_divergence": kl_divergence, "poisson": poisson,  # noqa: F405
    "hinge": hinge, "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge,  # noqa: F405
    "cosine_similarity": cosine_similarity,  # noqa: F405
    "categorical_crossentropy": categorical_crossentropy,  # noqa: F405
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,  # noqa: F405
    "binary_crossentropy": binary_crossentropy,  # noqa: F405
    "binary_focal_crossentropy": binary_focal_crossentropy,  # noqa: F405
    "categorical_focal_crossentropy": categorical_focal_crossentropy,  # noqa: F405
}
_BY_NAME = {**_FUNCTIONS, **{c.__name__: c for c in _CLASSES if c is not losses.Loss}}


def get(identifier: str | losses.Loss | Callable) -> losses.Loss | Callable:
    """Retrieves a loss from its name, or returns a callable / `Loss` instance as is.

    Args:
        identifier: A function name or alias ('mse', 'mae', 'huber', 'kld', ...), a class name
            ('SparseCategoricalCrossentropy', 'Huber', ...; gives a default-configured instance), a `Loss`
            instance or a callable.

    Returns:
        The loss function or `Loss` instance.

    Raises:
        ValueError: if the identifier names no loss.
    """
    return serialization.get(identifier, "loss", _BY_NAME, instance_of=Loss,  # noqa: F405
                             expected=f"one of {sorted(k for k in _BY_NAME if k.islower())}, a class name, or a "
                                      "callable")

"""Regression metrics (`keras.metrics`): running means of the regression losses, `RootMeanSquaredError` and
`R2Score`, with Keras' sample-weight rules (see `reduction_metrics`)."""
from __future__ import annotations

import warnings

import numpy as np

from .. import losses
from .._validation import non_negative_int, one_of
from ..tensor import Tensor, as_array
from .accuracy_metrics import _same_rank
from .metric import Metric
from .reduction_metrics import Mean, MeanMetricWrapper

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
           "RootMeanSquaredError", "R2Score"]


class MeanSquaredError(MeanMetricWrapper):
    """The (weighted) mean of `mean(square(y_true - y_pred), axis=-1)` over every sample seen.

    Args:
        name: Name of the metric instance.
        dtype: Data type of the metric result.
    """

    def __init__(self, name: str | None = "mean_squared_error", dtype: str | None = None) -> None:
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The (weighted) mean of `mean(abs(y_true - y_pred), axis=-1)` over every sample seen.

    Args:
        name: Name of the metric instance.
        dtype: Data type of the metric result.
    """

    def __init__(self, name: str | None = "mean_absolute_error", dtype: str | None = None) -> None:
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The (weighted) mean of `fastnn.losses.mean_absolute_percentage_error` over every sample seen.

    Args:
        name: Name of the metric instance.
        dtype: Data type of the metric result.
    """

    def __init__(self, name: str | None = "mean_absolute_percentage_error", dtype: str | None = None) -> None:
        super().__init__(losses.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The (weighted) mean of `fastnn.losses.mean_squared_logarithmic_error` over every sample seen.

    Args:
        name: Name of the metric instance.
        dtype: Data type of the metric result.
    """

    def __init__(self, name: str | None = "mean_squared_logarithmic_error", dtype: str | None = None) -> None:
        super().__init__(losses.mean_squared_logarithmic_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """`sqrt` of the (weighted) mean of the squared errors seen.

    Args:
        name: Name of the metric instance.
        dtype: Data type of the metric result.

    Example:
    >>> m = fastnn.metrics.RootMeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name: str | None = "root_mean_squared_error", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _float_pair(y_true, y_pred, self.dtype)
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return Tensor(np.sqrt(super().result().numpy()))


def _float_pair(y_true, y_pred, dtype):
    y_true = np.asarray(as_array(y_true, "y_true"), dtype)
    y_pred = np.asarray(as_array(y_pred, "y_pred"), dtype)
    y_true, y_pred = _same_rank(y_true, y_pred)
    try:
        np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        raise ValueError(f"`y_true` and `y_pred` must have compatible shapes, received {y_true.shape} and "
                         f"{y_pred.shape}") from None
    return y_true, y_pred


_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """Coefficient of determination `1 - SS_res / SS_tot` per output, streamed over batches.

    Args:
        class_aggregation: How the per-output scores are combined: "uniform_average" (default),
            "variance_weighted_average", or None (one score per output).
        num_regressors: Number of independent regressors, for the adjusted R² (0 = plain R²).
        name: Name of the metric instance.
        dtype: Data type of the metric result.

    Inputs are 2-D, `(batch_size, output_dim)`; `sample_weight` weights each sample (or each value).

    Example:
    >>> m = fastnn.metrics.R2Score()
    >>> m.update_state([[1], [4], [3]], [[2], [4], [4]])
    >>> float(m.result())
    0.57142854
    """

    def __init__(self, class_aggregation: str | None = "uniform_average", num_regressors: int = 0,
                 name: str | None = "r2_score", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        one_of(class_aggregation, "class_aggregation", _AGGREGATIONS, "Invalid value for argument `{name}`. Expected "
               "one of {choices}. Received: {name}={value!r}")
        num_regressors = non_negative_int(num_regressors, "num_regressors", "Invalid value for argument `{name}`. "
                                          "Expected an int >= 0. Received: {name}={value!r}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable(name="num_samples")
        self._built = False

    def _build(self, y_true, y_pred):
        if y_true.ndim != 2 or y_pred.ndim != 2:
            raise ValueError(f"R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                             f"shapes: y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
        n = y_pred.shape[-1]
        self.squared_sum = self.add_variable((n,), name="squared_sum")
        self.sum = self.add_variable((n,), name="sum")
        self.total_mse = self.add_variable((n,), name="residual")
        self.count = self.add_variable((n,), name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the sums of y, y², the squared residuals and the weights, per output."""
        y_true, y_pred = _float_pair(y_true, y_pred, self.dtype)
        if not self._built:
            self._build(y_true, y_pred)
        if y_pred.shape[-1] != self.sum.shape[0]:
            raise ValueError(f"R2Score was built for {self.sum.shape[0]} outputs; received y_pred.shape="
                             f"{y_pred.shape}")
        w = np.asarray(1 if sample_weight is None else as_array(sample_weight, "sample_weight"), self.dtype)
        if w.ndim == 1:
            w = w[:, None]
        try:
            w = np.broadcast_to(w, y_true.shape)
        except ValueError:
            raise ValueError(f"`sample_weight` of shape {np.shape(sample_weight)} does not broadcast to "
                             f"y_true's shape {y_true.shape}") from None
        weighted = y_true * w
        self.sum.assign_add(np.sum(weighted, axis=0))
        self.squared_sum.assign_add(np.sum(y_true * weighted, axis=0))
        self.total_mse.assign_add(np.sum(np.square(y_true - y_pred) * w, axis=0))
        self.count.assign_add(np.sum(w, axis=0))
        self.num_samples.assign_add(np.asarray(y_true.size, self.dtype))

    def result(self):
        if not self._built:
            return Tensor(np.asarray(0.0 if self.class_aggregation else [], self.dtype))
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum.numpy() / self.count.numpy()
            total = self.squared_sum.numpy() - self.sum.numpy() * mean
            raw = np.float32(1) - self.total_mse.numpy() / total
        raw = np.where(np.isinf(raw), np.float32(0), raw).astype(self.dtype)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        n, p = float(self.num_samples.numpy()), float(self.num_regressors)
        if p:
            if p > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. Falling back "
                              "to standard R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return Tensor(np.asarray(score, self.dtype))

    def reset_state(self):
        super().reset_state()

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}

"""`Sum`, `Mean` and `MeanMetricWrapper` (`keras.metrics`), with Keras' sample-weight rules: weights are
squeezed/expanded by one trailing axis to the values' rank, values averaged (Sum: summed) down to the weights'
rank, and the count grows by Σ weights (or by the number of samples without weights)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..tensor import Tensor, as_array
from .metric import Metric

__all__ = ["Sum", "Mean", "MeanMetricWrapper"]


def _samplewise(values, sample_weight, dtype, reduce_fn=np.mean):
    """Keras' reduce_to_samplewise_values: (per-sample values, per-sample weights or None)."""
    values = np.asarray(as_array(values, "values"), dtype)
    if sample_weight is not None:
        w = np.asarray(as_array(sample_weight, "sample_weight"), dtype)
        if values.ndim == w.ndim + 1 and values.shape[-1] == 1:
            if w.ndim == 1:
                w = w[..., None]
            else:
                values = values[..., 0]
        elif w.ndim == values.ndim + 1 and w.shape[-1] == 1:
            if values.ndim == 1:
                values = values[..., None]
            else:
                w = w[..., 0]
        if values.ndim > w.ndim:
            values = reduce_fn(values, axis=tuple(range(w.ndim, values.ndim)), dtype=dtype)
        try:
            w = np.broadcast_to(w, values.shape)
        except ValueError:
            raise ValueError(f"`sample_weight` of shape {np.shape(sample_weight)} does not broadcast to the "
                             f"values' shape {values.shape}") from None
        values = values * w
        if w.ndim > 1:
            w = reduce_fn(w, axis=tuple(range(1, w.ndim)), dtype=dtype)
        sample_weight = w
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)), dtype=dtype)
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of every value seen.

    Args:
        name: The metric's name (the key in `fit`'s logs).
        dtype: The dtype of the result (float32).
    """

    def __init__(self, name: str | None = "sum", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = _samplewise(values, sample_weight, self.dtype, reduce_fn=np.sum)
        self.total.assign_add(np.sum(values, dtype=self.dtype))

    def result(self):
        return Tensor(self.total.numpy())


class Mean(Metric):
    """The (weighted) mean of every value seen: total / count.

    Args:
        name: The metric's name (the key in `fit`'s logs).
        dtype: The dtype of the result (float32).

    Example:

    ```python
    import fastnn

    m = fastnn.metrics.Mean()
    m.update_state([1.0, 2.0, 3.0])
    m.update_state(5.0, sample_weight=3.0)
    print(float(m.result()))  # 3.5
    ```
    """

    def __init__(self, name: str | None = "mean", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = _samplewise(values, sample_weight, self.dtype)
        self.total.assign_add(np.sum(values, dtype=self.dtype))
        if sample_weight is not None:
            samples = np.sum(sample_weight, dtype=self.dtype)
        else:
            samples = values.shape[0] if values.ndim >= 1 else 1
        self.count.assign_add(np.asarray(samples, self.dtype))

    def result(self):
        total, count = self.total.numpy(), self.count.numpy()
        return Tensor(np.asarray(total / count if count != 0 else 0, self.dtype))  # divide_no_nan


class MeanMetricWrapper(Mean):
    """Mean of `fn(y_true, y_pred, **kwargs)` over every sample seen.

    Args:
        fn: A per-sample function `(y_true, y_pred, **kwargs) -> values`.
        name: The metric's name (the key in `fit`'s logs).
        dtype: The dtype of the result (float32).
        **kwargs: Keyword arguments passed on to `fn`.
    """

    def __init__(self, fn: Callable, name: str | None = None, dtype: str | None = None, **kwargs) -> None:
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}

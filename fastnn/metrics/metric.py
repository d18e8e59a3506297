"""The metric base class (`keras.metrics.Metric`): state lives in float32 Variables, as in Keras, so long runs
round the same way."""
from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike

from ..saving.serialization import to_snake_case
from ..variable import Variable

__all__ = ["Metric"]


class Metric:
    """Base class of the metrics: state updated batch by batch, then a result (`keras.metrics.Metric`).

    Subclasses create their state with `add_variable` in `__init__`, and implement `update_state(...)` and
    `result()`; `reset_state()` zeroes every state variable, and calling the metric updates it and returns the
    result.

    Args:
        name: The metric's name (the key in `fit`'s logs); snake_case of the class name by default.
        dtype: A floating dtype for the state and result (default float32).

    Raises:
        TypeError: if `dtype` is not a floating dtype.

    Example:

    ```python
    import numpy as np
    import fastnn

    class CountPositives(fastnn.metrics.Metric):
        def __init__(self, name="count_positives", dtype=None):
            super().__init__(name=name, dtype=dtype)
            self.count = self.add_variable(name="count")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.count.assign_add(float(np.sum(np.asarray(y_pred) > 0)))

        def result(self):
            return self.count.numpy()

    m = CountPositives()
    m.update_state(None, [1.0, -2.0, 3.0])
    print(m.result())  # 2.0
    ```
    """

    def __init__(self, name: str | None = None, dtype: DTypeLike | None = None) -> None:
        self.name = name or to_snake_case(type(self).__name__)
        try:
            self.dtype = np.dtype(dtype or "float32")
        except TypeError:
            self.dtype = None
        if self.dtype is None or self.dtype.kind != "f":
            raise TypeError(f"`dtype` of a metric must be a floating dtype, received {dtype!r}")
        self._state = []

    def add_variable(self, shape=(), name=None):
        """A zero-initialised state variable, reset by `reset_state`."""
        v = Variable._named(np.zeros(shape, self.dtype), name, trainable=False)
        self._state.append(v)
        return v

    @property
    def variables(self):
        return list(self._state)

    def reset_state(self):
        """Zero every state variable."""
        for v in self._state:
            v.assign(np.zeros(v.shape, v.dtype))

    reset_states = reset_state  # the TF 2.x name

    def __call__(self, *args, **kwargs):
        """update_state(...) then result(), as Keras metrics do."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": str(self.dtype)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<fastnn.metrics.{type(self).__name__} name={self.name!r}>"

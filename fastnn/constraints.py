"""fastnn.constraints — projections applied to a weight after each optimizer step (`keras.constraints`)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .saving import serialization
from .tensor import as_array

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "get"]

_EPSILON = np.float32(1e-7)


class Constraint:
    """Base class of the weight constraints: `constraint(weight)` returns the projected value.

    The optimizer applies a variable's constraint after each update (`Dense(kernel_constraint=...)`). Any callable
    `array -> array` of the same shape is accepted where a constraint is.
    """

    def __call__(self, w):
        return as_array(w)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Constrains the L2 norm of the weights along an axis to be at most `max_value` (`"max_norm"`).

    Args:
        max_value: The maximum norm.
        axis: The axis (or axes) the norm is computed over; 0 for a Dense kernel `(input_dim, units)` constrains
            each unit's incoming weights.

    Example:

    ```python
    import numpy as np
    from fastnn import constraints

    w = np.array([[3.0], [4.0]], "float32")  # a column of L2 norm 5
    print(constraints.MaxNorm(2.0)(w).ravel())  # [1.2 1.6]
    ```
    """

    def __init__(self, max_value: float | None = 2, axis: int = 0) -> None:
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = as_array(w)
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Constrains the L2 norm of the weights along an axis to lie in `[min_value, max_value]` (`"min_max_norm"`).

    The norm is moved `rate` of the way to the clipped value: `rate=1` enforces the bounds at once.

    Args:
        min_value: The minimum norm.
        max_value: The maximum norm.
        rate: The fraction of the way to the bounds moved per application, in [0, 1].
        axis: The axis (or axes) the norm is computed over.

    Example:

    ```python
    import numpy as np
    from fastnn import constraints

    w = np.array([[3.0], [4.0]], "float32")  # a column of L2 norm 5
    print(constraints.MinMaxNorm(0.0, 1.0)(w).ravel())  # [0.6 0.8]
    ```
    """

    def __init__(self, min_value: float = 0.0, max_value: float | None = 1.0, rate: float = 1.0, axis: int = 0) -> None:
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = as_array(w)
        norms = _norms(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Constrains the weights to be non-negative: negative entries become zero (`"non_neg"`).

    Example:

    ```python
    import numpy as np
    from fastnn import constraints

    w = np.array([[3.0], [4.0]], "float32")  # a column of L2 norm 5
    print(constraints.NonNeg()(w).ravel())  # [3. 4.]
    ```
    """

    def __call__(self, w):
        w = as_array(w)
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Constrains the weights to have unit L2 norm along an axis (`"unit_norm"`).

    Args:
        axis: The axis (or axes) the norm is computed over.

    Example:

    ```python
    import numpy as np
    from fastnn import constraints

    w = np.array([[3.0], [4.0]], "float32")  # a column of L2 norm 5
    print(constraints.UnitNorm()(w).ravel())  # [0.6 0.8]
    ```
    """

    def __init__(self, axis: int = 0) -> None:
        self.axis = axis

    def __call__(self, w):
        w = as_array(w)
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


_BY_NAME = {"max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm}


def get(identifier: str | Constraint | Callable | None) -> Constraint | Callable | None:
    """Retrieves a constraint from its name, or returns a constraint / callable / None as is.

    Args:
        identifier: `"max_norm"`, `"non_neg"`, `"unit_norm"`, `"min_max_norm"` or a class name (gives a
            default-configured instance), a `Constraint`, a callable, or None.

    Returns:
        The constraint, or None.

    Raises:
        ValueError: if the identifier names no constraint.
    """
    return serialization.get(identifier, "constraint", {**{c.__name__: c for c in _BY_NAME.values()}, **_BY_NAME},
                             none=None, instance_of=Constraint, callables="any",
                             expected=f"one of {sorted(_BY_NAME)} or a callable")

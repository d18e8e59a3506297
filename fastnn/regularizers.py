"""fastnn.regularizers — weight penalties added to the training loss (`keras.regularizers`)."""
from __future__ import annotations

import functools
from collections.abc import Callable

from . import ops
from .saving import serialization

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get"]


class Regularizer:
    """Base class of the regularizers: `regularizer(weight)` returns a scalar penalty Tensor (differentiable).

    A layer adds the penalties of its regularized weights to the model's losses (`model.losses`), and `fit` adds
    them to the training loss. Any callable `weight -> scalar` is accepted where a regularizer is.
    """

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _factor(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"`{name}` must be a non-negative number, received {value!r}")
    return float(value)


class L1(Regularizer):
    """A regularizer applying an L1 penalty: `l1 * sum(abs(x))` (`"l1"`).

    Args:
        l1: A non-negative float, the penalty factor.

    Raises:
        ValueError: if `l1` is negative or not a number.

    Example:

    ```python
    import numpy as np
    from fastnn import layers, regularizers

    print(round(float(regularizers.L1(0.01)(np.array([1.0, -2.0], "float32"))), 6))  # 0.03
    layer = layers.Dense(4, kernel_regularizer=regularizers.L1(0.01))
    ```
    """

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = _factor(l1, "l1")

    def __call__(self, x):
        return ops.multiply(ops.reduce_sum(ops.abs(x)), self.l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """A regularizer applying an L2 penalty: `l2 * sum(square(x))` (`"l2"`).

    Args:
        l2: A non-negative float, the penalty factor.

    Raises:
        ValueError: if `l2` is negative or not a number.

    Example:

    ```python
    import numpy as np
    from fastnn import layers, regularizers

    print(round(float(regularizers.L2(0.01)(np.array([1.0, -2.0], "float32"))), 6))  # 0.05
    layer = layers.Dense(4, kernel_regularizer=regularizers.L2(0.01))
    ```
    """

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = _factor(l2, "l2")

    def __call__(self, x):
        return ops.multiply(ops.reduce_sum(ops.square(x)), self.l2)

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """A regularizer applying both penalties: `l1 * sum(abs(x)) + l2 * sum(square(x))` (`"l1_l2"`).

    Args:
        l1: A non-negative float, the L1 factor.
        l2: A non-negative float, the L2 factor.

    Raises:
        ValueError: if a factor is negative or not a number.

    Example:

    ```python
    import numpy as np
    from fastnn import layers, regularizers

    print(round(float(regularizers.L1L2(l1=0.01, l2=0.01)(np.array([1.0, -2.0], "float32"))), 6))  # 0.08
    layer = layers.Dense(4, kernel_regularizer=regularizers.L1L2(l1=0.01, l2=0.01))
    ```
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = _factor(l1, "l1"), _factor(l2, "l2")

    def __call__(self, x):
        total = 0.0
        if self.l1:
            total = ops.multiply(ops.reduce_sum(ops.abs(x)), self.l1)
        if self.l2:
            total = ops.add(total, ops.multiply(ops.reduce_sum(ops.square(x)), self.l2))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": functools.partial(L1L2, 0.01, 0.01), "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier: str | Regularizer | Callable | None) -> Regularizer | Callable | None:
    """Retrieves a regularizer from its name, or returns a regularizer / callable / None as is.

    Args:
        identifier: `"l1"`, `"l2"` or `"l1_l2"` (Keras' default factors, 0.01), a class name, a `Regularizer`,
            a callable, or None.

    Returns:
        The regularizer, or None.

    Raises:
        ValueError: if the identifier names no regularizer.
    """
    return serialization.get(identifier, "regularizer", _BY_NAME, none=None, instance_of=Regularizer,
                             callables="any", expected="'l1', 'l2', 'l1_l2' or a Regularizer")

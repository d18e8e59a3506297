"""fastnn.regularizers — weight penalties added to the training loss (`keras.regularizers`)."""
import functools

from . import ops
from .saving import serialization

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get"]


class Regularizer:
    """`regularizer(weight)` -> a scalar penalty Tensor (differentiable)."""

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
    """l1 · Σ|x|."""

    def __init__(self, l1=0.01):
        self.l1 = _factor(l1, "l1")

    def __call__(self, x):
        return ops.multiply(ops.reduce_sum(ops.abs(x)), self.l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """l2 · Σx²."""

    def __init__(self, l2=0.01):
        self.l2 = _factor(l2, "l2")

    def __call__(self, x):
        return ops.multiply(ops.reduce_sum(ops.square(x)), self.l2)

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """l1 · Σ|x| + l2 · Σx²."""

    def __init__(self, l1=0.0, l2=0.0):
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


def get(identifier):
    """A regularizer from 'l1', 'l2', 'l1_l2' (Keras' default factors 0.01), None, or an instance/callable."""
    return serialization.get(identifier, "regularizer", _BY_NAME, none=None, instance_of=Regularizer,
                             callables="any", expected="'l1', 'l2', 'l1_l2' or a Regularizer")

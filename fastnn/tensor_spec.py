"""`fastnn.TensorSpec` — the shape and dtype a function expects (`tf.TensorSpec`), used by
`fastnn.function(input_signature=...)` and `fastnn.Input`-like declarations."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import DTypeLike

from ._validation import shape as check_shape
from .tensor import _as_dtype

__all__ = ["TensorSpec"]


class TensorSpec:
    """Describes a tensor: its shape (`None` for a dimension that may vary, or `None` for any rank) and dtype.

    Args:
        shape: a list/tuple of ints and `None`s, or `None` (any shape).
        dtype: a dtype or its name (default float32).
        name: an optional name.

    Example:
        >>> spec = fastnn.TensorSpec(shape=[None, 28, 28], dtype=fastnn.float32)
        >>> spec.is_compatible_with(np.zeros((5, 28, 28), "float32"))
        True
    """

    def __init__(self, shape: Sequence[int | None] | None, dtype: DTypeLike = np.float32,
                 name: str | None = None) -> None:
        shape = check_shape(shape)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string or None. Received: name={name!r}")
        self.shape, self.dtype, self.name = shape, _as_dtype(dtype), name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        """The spec of an existing tensor or array (its exact shape and dtype)."""
        return cls(np.shape(tensor), getattr(tensor, "dtype", np.asarray(tensor).dtype), name)

    def is_compatible_with(self, value):
        """True if `value` (a TensorSpec, tensor or array) has a matching dtype and a shape that fits this spec."""
        if isinstance(value, TensorSpec):
            shape, dtype = value.shape, value.dtype
        else:
            shape, dtype = tuple(np.shape(value)), np.dtype(getattr(value, "dtype", np.asarray(value).dtype))
        if dtype != self.dtype:
            return False
        if self.shape is None or shape is None:
            return True
        return len(shape) == len(self.shape) and all(a is None or b is None or a == b
                                                     for a, b in zip(self.shape, shape))

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == (other.shape, other.dtype,
                                                                                          other.name)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype.name}, name={self.name!r})"

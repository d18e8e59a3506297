"""fastnn.Variable — mutable model state, like `tf.Variable`.

The value lives in one C-contiguous numpy array that never changes identity: `assign*` and the optimizers update
it in place (the fused optimizer kernels write straight into it). Floating values are stored as float32; integer
and bool values keep their dtype (such variables are never trainable). Inside a `GradientTape`, any op that reads a
trainable Variable makes the tape watch it (unless the tape was made with `watch_accessed_variables=False`).
"""
from __future__ import annotations

import contextvars
import itertools
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ._tape import record
from .tensor import TensorLike, _as_dtype, as_array

__all__ = ["Variable"]

_unique_ids = itertools.count()

# The active `fastnn.name_scope` ("outer/inner", "" outside any): a Variable created under it is named
# "outer/inner/<name>:0", as in TF. (Here, at the bottom of the import graph; `fastnn.module` sets it.)
NAME_SCOPE = contextvars.ContextVar("fastnn_name_scope", default="")


class Variable(TensorLike):
    """`Variable(initial_value, trainable=True, name=None, dtype=None, constraint=None)`; `initial_value` may be
    an array-like, a Tensor, another Variable, or a zero-argument callable returning one (as in TF).

    Args:
        initial_value: An array-like, a Tensor, another Variable, or a zero-argument callable returning one.
        trainable: Whether `GradientTape` watches it automatically and optimizers update it.
        name: The variable's name.
        dtype: The dtype, or None (floats become float32).
        constraint: None, or a callable applied to the value after each optimizer update.

    Example:

    ```python
    import fastnn

    v = fastnn.Variable([1.0, 2.0], name="v")
    v.assign_add([1.0, 1.0])
    print(v.numpy())  # [2. 3.]
    ```
    """
    __slots__ = ("_value", "trainable", "name", "constraint", "_unique_id", "__weakref__")

    def __init__(self, initial_value: ArrayLike | Callable[[], ArrayLike], trainable: bool = True,
                 name: str | None = None, dtype: str | np.dtype | None = None,
                 constraint: Callable | None = None) -> None:
        if callable(initial_value) and not isinstance(initial_value, TensorLike):
            initial_value = initial_value()
        if dtype is not None:
            value = np.array(as_array(initial_value, "initial_value"), dtype=_as_dtype(dtype), order="C")
        else:
            value = np.array(as_array(initial_value, "initial_value"), order="C")  # always a private copy
        if value.dtype.kind not in "fiub":
            raise TypeError(f"`initial_value` must be real numeric or bool, received dtype {value.dtype}")
        if value.dtype.kind == "f" and value.dtype != np.float32:
            value = value.astype(np.float32)
        if not isinstance(trainable, (bool, np.bool_)):
            raise TypeError(f"`trainable` must be a bool, received {trainable!r}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string or None, received {name!r}")
        self._value = value
        self.trainable = bool(trainable) and value.dtype == np.float32
        scope = NAME_SCOPE.get()
        self.name = (f"{scope}/" if scope else "") + ("Variable" if name is None else name) + ":0"
        if constraint is not None and not callable(constraint):
            raise TypeError(f"`constraint` must be callable, received {constraint!r}")
        self.constraint = constraint  # applied by optimizers after each update, as in Keras
        self._unique_id = next(_unique_ids)

    # --- reading
    def numpy(self):
        """A copy of the current value (later updates do not change it)."""
        return self._value.copy()

    def value(self):
        """The current value as a Tensor snapshot (recorded by an active tape, like reading a tf.Variable)."""
        return record([self], self._value.copy(), lambda g, needs: [g], lambda g, out, needs: [g])  # ops.identity

    read_value = value

    # --- writing (in place: the array keeps its identity)
    def _coerce(self, value, what):
        arr = as_array(value, what)
        if arr.shape != self._value.shape:
            try:
                arr = np.broadcast_to(arr, self._value.shape) if arr.ndim == 0 else None
            except ValueError:
                arr = None
            if arr is None:
                raise ValueError(f"cannot {what} a value of shape {np.shape(as_array(value, what))} to variable "
                                 f"'{self.name}' of shape {self._value.shape}")
        return arr

    def assign(self, value):
        """Set the value in place; the shape must match (a scalar broadcasts). Returns the variable."""
        np.copyto(self._value, self._coerce(value, "assign"), casting="unsafe")
        return self

    def assign_add(self, delta):
        """value += delta, in place. Returns the variable."""
        np.add(self._value, self._coerce(delta, "assign_add"), out=self._value, casting="unsafe")
        return self

    def assign_sub(self, delta):
        """value -= delta, in place. Returns the variable."""
        np.subtract(self._value, self._coerce(delta, "assign_sub"), out=self._value, casting="unsafe")
        return self

    @classmethod
    def _named(cls, initial_value, name, **kwargs):
        """A Variable named exactly `name` (Keras 3's weight names: no scope, no ":0")."""
        variable = cls(initial_value, **kwargs)
        variable.name = "Variable" if name is None else name
        return variable

    def __repr__(self):
        return (f"<fastnn.Variable '{self.name}' shape={self._value.shape} dtype={self._value.dtype}, "
                f"numpy=\n{self._value!r}>")

    def __str__(self):
        return self.__repr__()

"""fastnn.Tensor — the immutable result of an op, like TensorFlow's eager tensor.

A Tensor wraps one numpy array (float32 for everything differentiable; int64/int32/bool for helpers such as
`argmax`, `equal`, `one_hot` with an integer dtype). `np.asarray(t)` and `t.numpy()` return that array without a
copy: do not modify it in place while a tape may still use it. Operators dispatch to the differentiable
`fastnn.ops` functions, so `(x @ w + b) ** 2` is recorded by an active `GradientTape` like TF's.

`TensorLike` is the shared surface of `Tensor` and `Variable`: shape/dtype/ndim, numpy conversion and the
operators. Comparisons (`==` included, as in TF 2) are elementwise and return bool Tensors.
"""
from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .dtypes import _numpy_dtype

__all__ = ["Tensor", "TensorLike", "convert_to_tensor", "as_array"]

CPU_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"  # TensorFlow's name for the one CPU device

# numpy ufuncs whose call on a Tensor should go through the differentiable op (so `ndarray * tensor` records)
_UFUNC_OPS = {"add": "add", "subtract": "subtract", "multiply": "multiply", "true_divide": "divide",
              "divide": "divide", "power": "pow", "matmul": "matmul", "negative": "negative"}


class TensorLike:
    """Operators and numpy interop shared by Tensor and Variable; subclasses store the array in `_value`."""
    __slots__ = ()
    __array_priority__ = 1000

    # --- array facts
    @property
    def shape(self):
        return self._value.shape

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def ndim(self):
        return self._value.ndim

    def get_shape(self):
        return self._value.shape

    @property
    def device(self):
        """Where the value lives, named as TensorFlow names its CPU: fastnn computes on the CPU only."""
        return CPU_DEVICE

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("len() of a 0-d (scalar) tensor")
        return self._value.shape[0]

    # --- conversion to Python and numpy
    def __array__(self, dtype=None, copy=None):
        value = self._value
        if dtype is not None and np.dtype(dtype) != value.dtype:
            return value.astype(dtype)
        return value.copy() if copy else value

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = _UFUNC_OPS.get(ufunc.__name__)
        if name is not None and method == "__call__" and not kwargs:
            return getattr(_ops, name)(*inputs)  # `_ops`: imported at the end of this module
        arrays = [as_array(x) if isinstance(x, TensorLike) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(as_array(x) if isinstance(x, TensorLike) else x for x in kwargs["out"])
        return getattr(ufunc, method)(*arrays, **kwargs)

    def _scalar(self, kind):
        if self._value.size != 1:
            raise TypeError(f"only tensors with one element can be converted to Python {kind}, received shape "
                            f"{self._value.shape}")
        return self._value.reshape(()).item()

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if self._value.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, received dtype {self._value.dtype}")
        return int(self._scalar("int"))

    def __bool__(self):
        if self._value.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self._value.shape} is ambiguous; use "
                             "fastnn.ops.reduce_any / reduce_all or compare a reduced value")
        return bool(self._value.reshape(()).item())

    def __format__(self, spec):
        if self._value.ndim == 0:
            return format(self._value.item(), spec)
        return format(self._value, spec)

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("iteration over a 0-d (scalar) tensor")
        return (self[i] for i in range(self._value.shape[0]))

    # --- operators: all go through fastnn.ops (imported lazily: ops imports this module)
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.subtract(self, other)

    def __rsub__(self, other):
        return _ops.subtract(other, self)

    def __mul__(self, other):
        return _ops.multiply(self, other)

    def __rmul__(self, other):
        return _ops.multiply(other, self)

    def __truediv__(self, other):
        return _ops.divide(self, other)

    def __rtruediv__(self, other):
        return _ops.divide(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __neg__(self):
        return _ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    # comparisons are elementwise and not differentiable (TF 2 semantics, `==` included)
    def __eq__(self, other):
        return False if other is None else _ops.equal(self, other)

    def __ne__(self, other):
        return True if other is None else _ops.not_equal(self, other)

    def __lt__(self, other):
        return _ops.less(self, other)

    def __le__(self, other):
        return _ops.less_equal(self, other)

    def __gt__(self, other):
        return _ops.greater(self, other)

    def __ge__(self, other):
        return _ops.greater_equal(self, other)

    __hash__ = object.__hash__  # identity, so tensors and variables can key dicts (e.g. optimizer slots)


class Tensor(TensorLike):
    """The result of an op. Create one with `fastnn.constant(value)` or `fastnn.convert_to_tensor(value)`.

    Args:
        value: The value: a numpy array (kept without a copy) or anything numpy converts.
    """
    # _keras_logits: set on softmax/sigmoid layer outputs (see losses); _keras_mask: a (batch, timesteps) mask of
    # the timesteps to use, set by Masking / Embedding(mask_zero) / recurrent layers (Layer.compute_mask) and read
    # by the layers that follow (as Keras)
    __slots__ = ("_value", "_keras_logits", "_keras_mask")

    def __init__(self, value: ArrayLike) -> None:
        self._value = value if type(value) is np.ndarray else np.asarray(value)

    def numpy(self):
        """The value as a numpy array (no copy: treat it as read-only)."""
        return self._value

    def __repr__(self):
        if self._value.ndim == 0:
            return f"<fastnn.Tensor: shape=(), dtype={self._value.dtype}, numpy={self._value.item()!r}>"
        return f"<fastnn.Tensor: shape={self._value.shape}, dtype={self._value.dtype}, numpy=\n{self._value!r}>"

    def __str__(self):
        return f"fastnn.Tensor({self._value}, shape={self._value.shape}, dtype={self._value.dtype})"


def as_array(x, name="x"):
    """The numpy value of a Tensor / Variable / array-like, with fastnn's dtype rule: floating values become
    float32; ints and bools keep their dtype; anything else (complex, object, strings) is a TypeError."""
    if isinstance(x, TensorLike):
        return x._value
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind == "i" and not isinstance(x, (np.ndarray, np.generic)) and arr.dtype == np.int64 and \
            (arr.size == 0 or arr.min() >= -2**31 and arr.max() < 2**31):
        return arr.astype(np.int32)  # Python ints become int32, as in TF (numpy values keep their dtype)
    if kind == "f":
        return arr if arr.dtype == np.float32 else arr.astype(np.float32)
    if kind in "iub":
        return arr
    raise TypeError(f"`{name}` must be a real numeric or bool value, received {type(x).__name__} of dtype "
                    f"{arr.dtype}")


def convert_to_tensor(value: ArrayLike, dtype: DTypeLike | None = None, name: str | None = "value") -> TensorLike:
    """`value` as an op input: a Tensor or Variable is returned as is (so the tape can see it); anything else is
    converted with `as_array` (floats become float32) and wrapped. `dtype` casts non-tensor values.

    Args:
        value: A number, array-like, Tensor or Variable.
        dtype: The dtype for a non-tensor value (floats become float32 by default).
        name: Accepted for TensorFlow compatibility; ignored.

    Returns:
        A Tensor (or the Tensor/Variable given).
    """
    if isinstance(value, TensorLike):
        return value
    arr = as_array(value, name)
    if dtype is not None:
        arr = arr.astype(_as_dtype(dtype), copy=False)
    return Tensor(arr)


def _float_input(x, name="x"):
    """x as a Tensor/Variable whose array is float32 (ints and bools are cast)."""
    t = convert_to_tensor(x, name=name)
    if t._value.dtype != np.float32:
        t = Tensor(t._value.astype(np.float32))
    return t

def _as_dtype(dtype):
    try:
        return _numpy_dtype(dtype)
    except TypeError:
        raise TypeError(f"`dtype` must be a numpy dtype or its name, received {dtype!r}") from None


def is_real_number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


from . import ops as _ops  # noqa: E402  (circular: ops needs Tensor; operators need ops only at call time)

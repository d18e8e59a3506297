"""TF's enum-like dtypes: `fastnn.float32`, `fastnn.int32`, ... are `DType`s with TF's `name`,
`as_numpy_dtype`, `is_floating` / `is_integer` / `is_bool`, `size`, `min` / `max`. Each is accepted wherever numpy
takes a dtype (it carries the numpy dtype in `.dtype`) and compares equal to that dtype and to its name, so
`t.dtype == fastnn.float32`, `np.zeros(3, fastnn.int64)` and `cast(x, "float32")` all read as in TF."""
from __future__ import annotations

import numpy as np

__all__ = ["DType", "as_dtype"]


class DType:
    """A dtype as TensorFlow names it (`tf.DType`): `fastnn.float32`, `fastnn.int32`, ...

    It equals the numpy dtype and its name (`fastnn.float32 == np.float32 == "float32"`), and numpy accepts it
    wherever a dtype goes. Properties as TF's: `name`, `as_numpy_dtype`, `as_datatype_enum`, `is_floating`,
    `is_integer`, `is_bool`, `min`, `max`, `size`.

    Args:
        name: A numpy dtype or anything `np.dtype` accepts ("float32", np.int64, ...).

    Example:

    ```python
    import numpy as np
    import fastnn

    print(fastnn.float32.name, fastnn.float32 == np.float32, fastnn.int32.max)  # float32 True 2147483647
    ```
    """

    __slots__ = ("dtype",)

    def __init__(self, name: str) -> None:
        self.dtype = np.dtype(name)  # numpy reads an object's `.dtype` when it is given one as a dtype

    @property
    def name(self):
        return "bool" if self.dtype == np.bool_ else self.dtype.name

    @property
    def as_numpy_dtype(self):
        return self.dtype.type

    @property
    def is_floating(self):
        return self.dtype.kind == "f"

    @property
    def is_integer(self):
        return self.dtype.kind in "iu"

    @property
    def is_unsigned(self):
        return self.dtype.kind == "u"

    @property
    def is_bool(self):
        return self.dtype.kind == "b"

    @property
    def size(self):
        return self.dtype.itemsize

    @property
    def min(self):
        return (np.finfo if self.is_floating else np.iinfo)(self.dtype).min if not self.is_bool else False

    @property
    def max(self):
        return (np.finfo if self.is_floating else np.iinfo)(self.dtype).max if not self.is_bool else True

    @property
    def as_datatype_enum(self):
        return {name: number for number, name in _TF_ENUM.items()}[self.name]

    def __getattr__(self, attr):  # kind, itemsize, char, ...: what code written for numpy dtypes reads
        return getattr(object.__getattribute__(self, "dtype"), attr)

    def __eq__(self, other):
        try:
            return self.dtype == as_dtype(other).dtype
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return f"fastnn.{self.name}"

    def __reduce__(self):
        return (as_dtype, (self.name,))


_BY_NAME = {}

# TF's DataType enum numbers (types.proto) of the dtypes fastnn has: TF reads a bare int as one, so `tf.zeros(1, 1)`
# is float32 zeros of shape (1,).
_TF_ENUM = {1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 9: "int64", 10: "bool",
            17: "uint16", 19: "float16", 22: "uint32", 23: "uint64"}


def _numpy_dtype(value):
    """`value` as a numpy dtype: what `np.dtype` accepts, an object with TF's `as_numpy_dtype`, or a TF DataType
    enum number (1 is float32, 3 int32, ...); TypeError for anything else."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        if int(value) not in _TF_ENUM:
            raise TypeError(f"{value!r} is no TensorFlow DataType number of a dtype fastnn has "
                            f"(valid: {sorted(_TF_ENUM)})")
        return np.dtype(_TF_ENUM[int(value)])
    return np.dtype(getattr(value, "as_numpy_dtype", value))


def as_dtype(value: object) -> DType:
    """`value` (a DType, a numpy dtype or scalar type, a name such as "float32", an object with TF's
    `as_numpy_dtype`, e.g. `tf.float32`, or TF's DataType enum number, e.g. 1 for float32) as a fastnn `DType`
    (`tf.as_dtype`).

    Args:
        value: The dtype to convert.

    Returns:
        A `DType`.

    Raises:
        TypeError: for anything that names no dtype.
    """
    if isinstance(value, DType):
        return value
    try:
        dtype = _numpy_dtype(value)
    except TypeError:
        raise TypeError(f"Cannot convert {value!r} to a dtype. Received: dtype={value!r}") from None
    if dtype.name not in _BY_NAME:
        _BY_NAME[dtype.name] = DType(dtype)
    return _BY_NAME[dtype.name]


(float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
 bool_) = (as_dtype(n) for n in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                                 "uint16", "uint32", "uint64", "bool"))

"""fastnn.ops — differentiable ops with TensorFlow's names and semantics (`tf.math`, `tf.linalg`, `tf.nn`, array
ops). They take numpy arrays, Python scalars, Tensors and Variables alike, return `fastnn.Tensor`s, and are
recorded by an active `fastnn.GradientTape`. The compute runs in fastnn's C++ kernels (`fastnn.kernels`) where one
exists, forward and backward. `dense` and `conv2d_bias_activation` are fastnn's fused layer ops (no TF
counterpart): what the Keras-style layers run on.
"""
import functools
import inspect

from .array_ops import *  # noqa: F403
from .fused_ops import *  # noqa: F403
from .math_ops import *  # noqa: F403
from .nn_ops import *  # noqa: F403
from .linalg_ops import *  # noqa: F403
from .sort_ops import *  # noqa: F403
from .special_math_ops import *  # noqa: F403
from .conv_ops import *  # noqa: F403
from . import array_ops, fused_ops, linalg_ops, math_ops, nn_ops, sort_ops, special_math_ops
from . import conv_ops

__all__ = (array_ops.__all__ + fused_ops.__all__ + math_ops.__all__ + nn_ops.__all__ + linalg_ops.__all__
           + sort_ops.__all__ + special_math_ops.__all__ + conv_ops.__all__)


def _accept_name(op):
    """`op` that also takes TF's `name=` keyword (a string or None; fastnn runs eagerly, where TF ignores it too)."""
    @functools.wraps(op)
    def with_name(*args, name=None, **kwargs):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string or None. Received: name={name!r}")
        return op(*args, **kwargs)
    with_name._fastnn_op = op
    return with_name


def _with_name_argument():
    """Give every public op without a `name` parameter TF's `name=` (table-driven: one wrapper for all)."""
    for op_name in __all__:
        op = globals()[op_name]
        if not inspect.isfunction(op):
            continue
        try:
            params = inspect.signature(op).parameters
        except (TypeError, ValueError):
            continue
        if "name" not in params:
            wrapped = _accept_name(op)
            globals()[op_name] = wrapped
            for module in (array_ops, fused_ops, math_ops, nn_ops, linalg_ops, sort_ops, special_math_ops, conv_ops):
                if getattr(module, op_name, None) is op:
                    setattr(module, op_name, wrapped)


_with_name_argument()

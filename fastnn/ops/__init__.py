"""fastnn.ops — differentiable ops with TensorFlow's names and semantics (`tf.math`, `tf.linalg`, `tf.nn`, array
ops). They take numpy arrays, Python scalars, Tensors and Variables alike, return `fastnn.Tensor`s, and are
recorded by an active `fastnn.GradientTape`. The compute runs in fastnn's C++ kernels (`fastnn.kernels`) where one
exists, forward and backward. `dense` and `conv2d_bias_activation` are fastnn's fused layer ops (no TF
counterpart): what the Keras-style layers run on.
"""
from .array_ops import *  # noqa: F401,F403
from .fused_ops import *  # noqa: F401,F403
from .math_ops import *  # noqa: F401,F403
from .nn_ops import *  # noqa: F401,F403
from .linalg_ops import *  # noqa: F401,F403
from .sort_ops import *  # noqa: F401,F403
from .special_math_ops import *  # noqa: F401,F403
from .conv_ops import *  # noqa: F401,F403
from . import array_ops, fused_ops, linalg_ops, math_ops, nn_ops, sort_ops, special_math_ops  # noqa: F401
from . import conv_ops  # noqa: F401

__all__ = (array_ops.__all__ + fused_ops.__all__ + math_ops.__all__ + nn_ops.__all__ + linalg_ops.__all__
           + sort_ops.__all__ + special_math_ops.__all__ + conv_ops.__all__)

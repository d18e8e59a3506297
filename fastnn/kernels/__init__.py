"""fastnn.kernels — the C++ kernels over numpy arrays (numpy in, numpy out, nothing recorded), with TensorFlow's
names (`tf.nn.*`) where TF has one. The differentiable, Tensor-returning layer on top of them is `fastnn.ops`.

Inputs may be any real numeric array-likes; they are converted to C-contiguous float32 (never modified in
place). Anything else raises TypeError/ValueError naming the argument and the bad value.
"""
from .activations import *  # noqa: F401,F403
from .convolution import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .optimizer_updates import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from . import activations, convolution, losses, math, optimizer_updates, pooling  # noqa: F401
from . import normalization  # noqa: F401

__all__ = (activations.__all__ + convolution.__all__ + losses.__all__ + math.__all__
           + optimizer_updates.__all__ + pooling.__all__ + normalization.__all__)

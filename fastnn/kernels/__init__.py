"""fastnn.kernels — the C++ kernels over numpy arrays (numpy in, numpy out, nothing recorded), with TensorFlow's
names (`tf.nn.*`) where TF has one. The differentiable, Tensor-returning layer on top of them is `fastnn.ops`.

Inputs may be any real numeric array-likes; they are converted to C-contiguous float32 (never modified in
place). Anything else raises TypeError/ValueError naming the argument and the bad value.

One module per C++ kernel family, named as in csrc/ and tests/csrc/: `gemm`, `elementwise`, `softmax_xent`,
`conv2d`, `pool`, `optimizers`, `batch_norm`, `embedding`; `runtime` holds the rest (ISA path, threads,
version). This package is the only importer of the compiled extension (`fastnn._core`). `fastnn.kernels.conv2d`
is the function (as `tf.nn.conv2d`); its module is `sys.modules["fastnn.kernels.conv2d"]`.
"""
# The modules first, under private names: `from .conv2d import *` then rebinds `conv2d` to the function.
from . import conv2d as _conv2d, elementwise as _elementwise, gemm as _gemm, optimizers as _optimizers
from . import batch_norm as _batch_norm, pool as _pool, runtime, softmax_xent as _softmax_xent  # noqa: F401
from .batch_norm import *  # noqa: F403
from .conv2d import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .gemm import *  # noqa: F403
from .optimizers import *  # noqa: F403
from .pool import *  # noqa: F403
from .softmax_xent import *  # noqa: F403
from . import recurrent as _recurrent
from .recurrent import *  # noqa: F403
from . import embedding as _embedding
from .embedding import *  # noqa: F403

__all__ = (_elementwise.__all__ + _conv2d.__all__ + _softmax_xent.__all__ + _gemm.__all__ + _optimizers.__all__
           + _pool.__all__ + _batch_norm.__all__ + _recurrent.__all__ + _embedding.__all__)

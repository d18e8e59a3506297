"""fastnn: fast CPU neural networks with a Keras-shaped API.

The hot paths are fastnn's own C++ kernels (OpenMP threads + SIMD, the instruction set picked at import).
`fastnn.kernels` exposes them over numpy arrays; `fastnn.ops` (also re-exported here, as TF does with `tf.*`) is
the differentiable layer: ops on Tensors and Variables, recorded by `GradientTape`.
"""
import numbers as _numbers
import os as _os
import pkgutil as _pkgutil
import warnings as _warnings

import numpy as _np

# Run from a source checkout (`pip install . && python -m fastnn train` puts the checkout first on sys.path), this
# package has no compiled `_core`: let submodule imports also search the installed copy of the package, where
# `pip install .` put the extension. A developer build in the checkout (scripts/dev_build.sh) still wins.
__path__ = _pkgutil.extend_path(__path__, __name__)

from .kernels import runtime as _runtime  # noqa: E402  (the only importer of the compiled `_core`)

__version__ = _runtime.__version__

_ISA_NAMES = ("avx512", "avx2", "generic")
_requested_isa = _os.environ.get("FASTNN_ISA")
if _requested_isa is not None and _requested_isa not in _ISA_NAMES:
    _warnings.warn(
        f"Ignoring FASTNN_ISA={_requested_isa!r}: expected one of {', '.join(_ISA_NAMES)}",
        RuntimeWarning,
        stacklevel=2,
    )

_requested_policy = _os.environ.get("FASTNN_THREAD_POLICY")
if _requested_policy is not None and _requested_policy not in ("adaptive", "static"):
    _warnings.warn(
        f"Ignoring FASTNN_THREAD_POLICY={_requested_policy!r}: expected adaptive or static",
        RuntimeWarning,
        stacklevel=2,
    )


def isa():
    """The instruction-set path the kernels run on: 'avx512', 'avx2' or 'generic'."""
    return _runtime.isa()


def set_num_threads(n):
    """Sets how many threads every fastnn kernel uses.

    The count is capped at the number of CPUs this process may run on (`os.sched_getaffinity`), with a
    RuntimeWarning: more threads than CPUs only slow the kernels down (each parallel region waits for its slowest,
    descheduled thread), and a huge count would make the OpenMP runtime end the process when it cannot create the
    threads. `OMP_NUM_THREADS` and threadpoolctl's OpenMP limit are capped the same way (without a warning).

    While the cores are contended (another busy process, or another library's threads still spinning), kernels
    run on one thread for a while when more threads keep losing to one; `FASTNN_THREAD_POLICY=static` turns that
    off. Results are bitwise identical for every thread count.

    Args:
        n: a positive int, or None to return to the default: `OMP_NUM_THREADS` / threadpoolctl's OpenMP limit if
            set, else one thread per CPU.

    Raises:
        TypeError: if `n` is not an int (bool is not accepted) or None.
        ValueError: if `n` < 1.

    Example:

    >>> fastnn.set_num_threads(1)     # serial kernels
    >>> fastnn.set_num_threads(None)  # back to the default
    """
    if n is None:
        _runtime.set_num_threads(0)
        return
    if isinstance(n, bool) or not isinstance(n, _numbers.Integral):
        raise TypeError(f"set_num_threads expects an int or None, received {n!r}")
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads expects a positive int (or None for the default). Received: n={n}")
    cap = _runtime.max_threads()
    if n > cap:
        _warnings.warn(f"set_num_threads({n}): using {cap} threads, the number of CPUs this process may run on",
                       RuntimeWarning, stacklevel=2)
        n = cap
    _runtime.set_num_threads(n)


def get_num_threads():
    """Threads a kernel would use now (at most the number of CPUs this process may run on)."""
    return _runtime.get_num_threads()


from . import kernels  # noqa: E402
from .tensor import Tensor, convert_to_tensor  # noqa: E402
from .variable import Variable  # noqa: E402
from .gradient_tape import GradientTape, UnconnectedGradients  # noqa: E402
from .tensor_spec import TensorSpec  # noqa: E402
from .polymorphic_function import function  # noqa: E402
from . import ops  # noqa: E402
from . import backend, datasets, losses, metrics, optimizers, random, version  # noqa: E402
from . import activations, callbacks, constraints, data, initializers, layers, models, regularizers, utils  # noqa: E402,E501
from .models import Model, Sequential  # noqa: E402
from .layers import Input  # noqa: E402  (keras.Input)
from . import distributed  # noqa: E402  (mpi4py is imported by distributed.init() only)
from .ops import *  # noqa: E402,F401,F403

# dtype names, so `fastnn.cast(x, fastnn.float32)` and `t.dtype == fastnn.int64` read as in TF
float16, float32, float64 = _np.dtype("float16"), _np.dtype("float32"), _np.dtype("float64")
int32, int64, uint8 = _np.dtype("int32"), _np.dtype("int64"), _np.dtype("uint8")
bool_ = _np.dtype("bool")
newaxis = None  # x[:, fastnn.newaxis] as with tf.newaxis / np.newaxis

# `tf.nn.relu`, `tf.math.log`, `tf.linalg.matmul` port as `fastnn.nn.relu`, ... (one namespace underneath)
nn = math = linalg = ops

# The ops are attributes too (fastnn.matmul, fastnn.reduce_mean, ...), but not in __all__: a star-import must not
# shadow builtins (abs, pow, range) or the math module.
__all__ = ["isa", "set_num_threads", "get_num_threads", "kernels", "ops", "Tensor", "Variable", "GradientTape",
           "UnconnectedGradients", "TensorSpec", "function", "convert_to_tensor", "backend", "datasets", "losses",
           "metrics", "optimizers", "random", "version", "activations", "callbacks", "constraints", "data",
           "distributed", "initializers", "layers", "models", "regularizers", "utils", "Model", "Sequential", "Input",
           "newaxis", "__version__"]

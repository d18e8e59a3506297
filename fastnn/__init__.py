"""fastnn: fast CPU neural networks with a Keras-shaped API.

The hot paths are fastnn's own C++ kernels (OpenMP threads + SIMD, the instruction set picked at import).
`fastnn.kernels` exposes them over numpy arrays; `fastnn.ops` (also re-exported here, as TF does with `tf.*`) is
the differentiable layer: ops on Tensors and Variables, recorded by `GradientTape`.
"""
from __future__ import annotations

import os as _os
import pkgutil as _pkgutil
import warnings as _warnings


# Run from a source checkout (`pip install . && python -m fastnn train` puts the checkout first on sys.path), this
# package has no compiled `_core`: let submodule imports also search the installed copy of the package, where
# `pip install .` put the extension. A developer build in the checkout (scripts/dev_build.sh) still wins.
__path__ = _pkgutil.extend_path(__path__, __name__)

from .kernels import runtime as _runtime

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


from ._threads import get_num_threads, isa, set_num_threads  # noqa: E402

from . import kernels  # noqa: E402
from .tensor import Tensor, convert_to_tensor  # noqa: E402
from .variable import Variable  # noqa: E402
from .gradient_tape import GradientTape, UnconnectedGradients  # noqa: E402
from .tensor_spec import TensorSpec  # noqa: E402
from .polymorphic_function import function  # noqa: E402
from . import ops  # noqa: E402
from . import backend, datasets, losses, metrics, optimizers, random, version  # noqa: E402
from . import activations, callbacks, constraints, data, initializers, layers, models, regularizers, utils  # noqa: E402
from .models import Model, Sequential  # noqa: E402
from .layers import Input  # noqa: E402  (keras.Input)
from . import distributed  # noqa: E402  (mpi4py is imported by distributed.init() only)
from .ops import *  # noqa: E402, F403
from .models import functional as _functional  # noqa: E402
from .saving.serialization import register_modules as _register_modules  # noqa: E402

# The packages whose exported classes saved configs may name: the saving package finds them here, never by
# importing the packages above it.
_register_modules(layers=layers, models=models, initializers=initializers, regularizers=regularizers,
                  constraints=constraints, losses=losses, metrics=metrics, optimizers=optimizers,
                  schedules=optimizers.schedules, functional=_functional)
from . import saving  # noqa: E402  (model and weight files)
from . import config  # noqa: E402  (tf.config: devices, threading)
from .config import device  # noqa: E402  (tf.device)
from . import keras  # noqa: E402  (tf.keras spelled fastnn.keras; last: it aliases the subpackages above)

# TF's enum-like dtypes, so `fastnn.cast(x, fastnn.float32)`, `t.dtype == fastnn.int64` and `fastnn.float32.name`
# read as in TF (each also works wherever numpy takes a dtype)
from . import dtypes  # noqa: E402
from .dtypes import DType, as_dtype  # noqa: E402
from .dtypes import bool_, float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64  # noqa: E402, F401
from .module import Module, name_scope  # noqa: E402
newaxis = None  # x[:, fastnn.newaxis] as with tf.newaxis / np.newaxis

# `tf.nn.relu`, `tf.math.log`, `tf.linalg.matmul` port as `fastnn.nn.relu`, ... (one namespace underneath)
nn = math = linalg = ops

# The ops are attributes too (fastnn.matmul, fastnn.reduce_mean, ...), but not in __all__: a star-import must not
# shadow builtins (abs, pow, range) or the math module.
__all__ = ["isa", "set_num_threads", "get_num_threads", "kernels", "ops", "Tensor", "Variable", "GradientTape",
           "UnconnectedGradients", "TensorSpec", "function", "convert_to_tensor", "backend", "datasets", "losses",
           "metrics", "optimizers", "random", "version", "activations", "callbacks", "constraints", "data",
           "distributed", "initializers", "layers", "models", "regularizers", "utils", "Model", "Sequential", "Input",
           "newaxis", "__version__", "saving", "config", "device", "keras", "dtypes", "DType", "as_dtype", "Module",
           "name_scope"]

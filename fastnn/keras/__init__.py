"""`tf.keras` under fastnn: `fastnn.keras.layers.Dense` is `fastnn.layers.Dense`, and so on.

TensorFlow programs reach Keras as `tf.keras.X` or `from tensorflow.keras.X import Y`; with this package they port
by changing the import alone (`import fastnn as tf`, `from fastnn.keras.layers import Dense`). Every name here is
the fastnn object itself, not a copy, so `isinstance` checks and saved files are the same either way.

Example:

>>> import fastnn as tf
>>> model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
>>> from fastnn.keras.optimizers import Adam
>>> Adam is fastnn.optimizers.Adam
True
"""
import sys as _sys

from .. import (  # noqa: F401  (the tf.keras subpackages this module re-exports)
    activations, backend, callbacks, constraints, datasets, initializers, layers, losses, metrics, models, optimizers,
    random, regularizers, saving, utils)
from ..layers import Input
from ..models import Model, Sequential

# The subpackages tf.keras has under the same names (not `ops`: keras.ops is Keras 3's numpy-style API, which
# differs from TensorFlow's ops that `fastnn.ops` follows).
_ALIASED = ("activations", "backend", "callbacks", "constraints", "datasets", "initializers", "layers", "losses",
            "metrics", "models", "optimizers", "random", "regularizers", "saving", "utils")

# `from fastnn.keras.optimizers.schedules import X` needs the dotted names in the import system's module table;
# this is how tf.keras itself is wired to the keras package.
for _name, _module in list(_sys.modules.items()):
    _parts = _name.split(".")
    if len(_parts) >= 2 and _parts[0] == "fastnn" and _parts[1] in _ALIASED and _module is not None:
        _sys.modules.setdefault("fastnn.keras." + ".".join(_parts[1:]), _module)
del _name, _module, _parts

__all__ = [*_ALIASED, "Input", "Model", "Sequential"]

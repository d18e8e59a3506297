"""fastnn.layers.Layer — the base of every layer and model (`keras.layers.Layer`, Keras 3 semantics).

A subclass creates its weights in `build(input_shape)` with `add_weight` and computes in `call(inputs,
training=None)` with fastnn.ops, so it trains through the GradientTape with no extra code. The first call builds
the layer from its input's shape. Layers and Variables assigned as attributes are tracked, so `weights`,
`trainable_weights`, `get_weights`/`set_weights` and `count_params` cover sublayers too (own weights first,
then the sublayers' in assignment order, as Keras).
"""
import contextvars
import functools
import inspect
import itertools
import math
import re

import numpy as np

from .. import backend
from .. import constraints as constraints_module
from .. import initializers as initializers_module
from .. import regularizers as regularizers_module
from ..ops import identity
from ..tensor import TensorLike, as_array, convert_to_tensor
from ..variable import Variable

__all__ = ["Layer"]

_unique_name = backend.unique_name  # numbered per base; fastnn.backend.clear_session() restarts the numbering

# While load_model rebuilds a model from a file's (untrusted) config, the number of weight values the file holds:
# add_weight refuses to create more, so a config cannot make it allocate far beyond the file's own weights.
_weight_budget = contextvars.ContextVar("fastnn_weight_budget", default=None)


def _snake_case(name):
    """Keras' to_snake_case: Dense -> dense, Conv2D -> conv2d, MaxPooling2D -> max_pooling2d."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def shape_of(x):
    """The shape of a layer input (a Tensor, Variable, array, or a list/tuple of them)."""
    if isinstance(x, (list, tuple)) and x and not isinstance(x[0], (int, float, np.number)):
        return [shape_of(item) for item in x]
    return tuple(getattr(x, "shape", np.shape(x)))


def _layer_dtype(dtype, layer_class):
    """The layer's dtype name: float32 by default; fastnn layers compute and train in floating point only (an
    integer layer would hold zero-initialised weights that never train)."""
    if dtype is None:
        return "float32"
    try:
        resolved = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"Invalid dtype for layer {layer_class.__name__}: expected a floating-point dtype such as "
                        f"'float32'. Received: dtype={dtype!r}") from None
    if resolved.kind != "f":
        raise ValueError(f"Layer {layer_class.__name__} needs a floating-point dtype (its weights and outputs are "
                         f"floats): use e.g. 'float32'. Received: dtype={dtype!r}")
    return str(resolved)


def _wrap_build(build):
    """`build` that leaves the layer built (Keras 3's build wrapper): built-in layers and subclasses only create
    their weights, so `layer.build(shape)` called directly must mark the layer built (and record the shape), or
    the first call would build it again with fresh weights. Only the outermost build of a `super().build()` chain
    marks it, and a build that raises leaves the layer as it was."""
    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        outer = not self.__dict__.get("_in_build", False)
        was_built = self.__dict__.get("built", False)
        object.__setattr__(self, "_in_build", True)
        try:
            result = build(self, *args, **kwargs)
        except BaseException:
            if outer:
                object.__setattr__(self, "built", was_built)
            raise
        finally:
            if outer:
                object.__setattr__(self, "_in_build", False)
        if outer:
            object.__setattr__(self, "built", True)
            shape = args[0] if args else kwargs.get("input_shape")
            if shape is not None and self.__dict__.get("_build_shape") is None:
                object.__setattr__(self, "_build_shape", shape)
        return result

    wrapper._fastnn_build_wrapper = True
    return wrapper


class Layer:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_fastnn_build_wrapper", False):
            cls.build = _wrap_build(build)

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None, input_dim=None, **kwargs):
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string, received {name!r}")
        object.__setattr__(self, "_tracked_layers", [])
        object.__setattr__(self, "_own_weights", [])
        object.__setattr__(self, "_fixed_weights", [])  # created with trainable=False: unfreezing keeps them fixed
        self.name = name or _unique_name(_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.dtype = _layer_dtype(dtype, type(self))
        self.built = False
        self._regularized = []    # (variable, regularizer)
        self._call_losses = []    # add_loss() during the current call
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        self._input_shape_arg = None if input_shape is None else tuple(input_shape)
        self._build_shape = None
        self._call_takes_training = None

    # --- attribute tracking
    def __setattr__(self, name, value):
        if isinstance(value, Layer) and not name.startswith("_tracked"):
            if value is not self and value not in self._tracked_layers:
                self._tracked_layers.append(value)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value):
            for v in value:
                if v not in self._tracked_layers:
                    self._tracked_layers.append(v)
        elif isinstance(value, Variable) and not name.startswith("_"):
            if all(value is not w for w in self._own_weights):
                self._own_weights.append(value)
        object.__setattr__(self, name, value)

    # --- building and calling
    def build(self, input_shape):
        """Create the weights for inputs of `input_shape` (the default creates none)."""
        self.built = True

    def call(self, inputs, training=None):
        """The computation (identity by default)."""
        return inputs

    def _maybe_build(self, input_shape):
        if not self.built:
            self.build(input_shape)  # wrapped (see _wrap_build): marks the layer built and records the shape
            self.built = True        # for a build assigned to an instance, which no wrapper covers
            self._build_shape = input_shape

    def __call__(self, inputs, training=None, **kwargs):
        # Fast path, taken by every training step: a built layer called on a Tensor (not a Variable, and not a
        # symbolic KerasTensor, which is no TensorLike).
        if self.built and isinstance(inputs, TensorLike) and not isinstance(inputs, Variable):
            if self._call_losses:
                object.__setattr__(self, "_call_losses", [])
            if self._call_takes_training:
                return self.call(inputs, training=training, **kwargs)
            if self._call_takes_training is not None:
                return self.call(inputs, **kwargs)
        from .input_layer import KerasTensor  # noqa: PLC0415  (input_layer imports this module)

        symbolic = [t for t in (inputs if isinstance(inputs, (list, tuple)) else [inputs])
                    if isinstance(t, KerasTensor)]
        if symbolic:  # functional API: build for the symbolic shape and record the call
            if len(symbolic) != (len(inputs) if isinstance(inputs, (list, tuple)) else 1):
                raise TypeError(f"layer {self.name!r} received a mix of symbolic (Input) and concrete inputs")
            shape = [t.shape for t in inputs] if isinstance(inputs, (list, tuple)) else inputs.shape
            self._maybe_build(shape)
            return KerasTensor(self.compute_output_shape(shape), layer=self, inputs=inputs)
        if isinstance(inputs, Variable):
            inputs = identity(inputs)  # a layer reads a Variable input as a snapshot (recorded, as in Keras)
        elif not isinstance(inputs, (TensorLike, list, tuple, dict)):
            inputs = convert_to_tensor(inputs, name="inputs")
        self._maybe_build(shape_of(inputs))
        if self._call_takes_training is None:
            self._call_takes_training = "training" in inspect.signature(self.call).parameters
        if self._call_losses:
            object.__setattr__(self, "_call_losses", [])
        if self._call_takes_training:
            return self.call(inputs, training=training, **kwargs)
        return self.call(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        """The output shape for `input_shape` (None = unknown batch). The default runs the layer on zeros."""
        shape = tuple(1 if d is None else d for d in input_shape)
        out = self(np.zeros(shape, np.float32))
        return (input_shape[0],) + tuple(out.shape[1:])

    # --- weights
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, regularizer=None,
                   constraint=None, name=None):
        """A new Variable owned by this layer, initialised by `initializer` (name, object or callable; default
        glorot_uniform, or zeros for non-float dtypes)."""
        shape = () if shape is None else tuple(int(d) for d in shape)
        if any(d < 0 for d in shape):
            raise ValueError(f"`shape` of weight {name!r} must be non-negative, received {shape}")
        if math.prod(shape) > 2**60:  # beyond what numpy can address (2^63 bytes): say so before the initializer tries
            raise ValueError(f"`shape` of weight {name!r} is too large: {shape} holds {math.prod(shape)} values")
        budget = _weight_budget.get()
        if budget is not None:
            budget.take(math.prod(shape), name)
        dtype = np.dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        value = initializers_module.get(initializer)(shape, dtype=dtype)
        variable = Variable(np.asarray(value, dtype), trainable=bool(trainable) and self._trainable, name=name,
                            constraint=constraints_module.get(constraint))
        self._own_weights.append(variable)
        if not trainable:
            self._fixed_weights.append(variable)
        regularizer = regularizers_module.get(regularizer)
        if regularizer is not None:
            self._regularized.append((variable, regularizer))
        return variable

    def _all_layers(self):
        for layer in self._tracked_layers:
            yield layer
            yield from layer._all_layers()

    @property
    def weights(self):
        if not self._tracked_layers:  # a leaf layer (the common case, asked every training step)
            return list(self._own_weights)
        seen, out = set(), []
        for w in itertools.chain(self._own_weights, *(layer.weights for layer in self._tracked_layers)):
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        return out

    variables = weights

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        return [w for w in self.weights if w.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        if not self._trainable:
            return self.weights
        return [w for w in self.weights if not w.trainable]

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezing a layer freezes its weights and sublayers (as Keras 3); unfreezing leaves the weights created
        non-trainable (e.g. BatchNormalization's moving statistics) non-trainable."""
        self._trainable = bool(value)
        fixed = self.__dict__.get("_fixed_weights", ())
        for w in self._own_weights:
            w.trainable = bool(value) and w.dtype == np.float32 and all(w is not f for f in fixed)
        for layer in self._tracked_layers:
            layer.trainable = value

    def get_weights(self):
        """The weights' values as numpy arrays (copies), in `weights` order."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        """Set every weight from a list of arrays in `weights` order (as `get_weights` returns, or Keras')."""
        mine = self.weights
        if isinstance(weights, (str, bytes)) or not hasattr(weights, "__iter__"):
            raise TypeError(f"`weights` must be a list of arrays, received {weights!r}")
        weights = list(weights)
        if len(weights) != len(mine):
            raise ValueError(f"Layer {self.name!r} expects {len(mine)} weights, but the given list holds "
                             f"{len(weights)}")
        arrays = [as_array(value, "weights") for value in weights]
        for w, a in zip(mine, arrays):
            if tuple(a.shape) != w.shape:
                raise ValueError(f"Layer {self.name!r} weight {w.name!r} has shape {w.shape}; received a value "
                                 f"of shape {tuple(a.shape)}")
        for w, a in zip(mine, arrays):
            w.assign(a)

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name!r}, but the layer isn't built. "
                             "Build it first (call it on data, or call build(input_shape)).")
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # --- losses
    def add_loss(self, loss):
        """Add a loss term (e.g. an activity penalty computed in `call`) to the training loss."""
        self._call_losses.append(loss)

    @property
    def losses(self):
        """Weight-regularization penalties (recomputed now, so a tape records them) plus `add_loss` terms,
        for this layer and its sublayers."""
        if not (self._regularized or self._call_losses or self._tracked_layers):
            return []
        out = [reg(v) for v, reg in self._regularized] + list(self._call_losses)
        for layer in self._tracked_layers:
            out.extend(layer.losses)
        return out

    # --- config
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._input_shape_arg is not None:
            config["input_shape"] = self._input_shape_arg
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

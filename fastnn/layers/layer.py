"""fastnn.layers.Layer — the base of every layer and model (`keras.layers.Layer`, Keras 3 semantics).

A subclass creates its weights in `build(input_shape)` with `add_weight` and computes in `call(inputs,
training=None)` with fastnn.ops, so it trains through the GradientTape with no extra code. The first call builds
the layer from its input's shape. Layers and Variables assigned as attributes are tracked, so `weights`,
`trainable_weights`, `get_weights`/`set_weights` and `count_params` cover sublayers too (own weights first,
then the sublayers' in assignment order, as Keras).
"""
from __future__ import annotations

import functools
import inspect
import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .. import backend
from .. import constraints as constraints_module
from .. import initializers as initializers_module
from .. import regularizers as regularizers_module
from ..keras_tensor import KerasTensor
from ..module import Module, register_layer_type
from ..ops import identity
from ..saving.serialization import to_snake_case, weight_budget
from ..tensor import Tensor, TensorLike, as_array, convert_to_tensor
from ..variable import Variable

__all__ = ["Layer"]

_unique_name = backend.unique_name  # numbered per base; fastnn.backend.clear_session() restarts the numbering



def shape_of(x):
    """The shape of a layer input (a Tensor, Variable, array, or a list/tuple of them)."""
    if isinstance(x, (list, tuple)) and x and not isinstance(x[0], (int, float, np.number)):
        return [shape_of(item) for item in x]
    return tuple(getattr(x, "shape", np.shape(x)))


def _is_shape_list(shape):
    """Whether `shape` is a list of shapes (a layer with several inputs) rather than one shape."""
    return isinstance(shape, (list, tuple)) and bool(shape) and all(isinstance(s, (list, tuple)) for s in shape)


def _zeros_of(shape):
    """float32 zeros of `shape` (a batch of one where the batch is unknown), or a list of them for a shape list."""
    if _is_shape_list(shape):
        return [_zeros_of(s) for s in shape]
    return np.zeros(tuple(1 if d is None else d for d in shape), np.float32)


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


@register_layer_type
class Layer:
    """The base class of every layer: weights, `build`, `call`, and Keras' bookkeeping.

    Subclass it to write your own layer: create the weights in `build(input_shape)` with `add_weight`, compute in
    `call(inputs)` (with fastnn ops, so `GradientTape` and `fit` differentiate it), and return the layer's settings
    from `get_config` if it should be saved with the model. Calling a layer builds it on the first call, records
    the ops on an active tape, and works on KerasTensors too (the functional API).

    Args:
        trainable: Whether the layer's weights are updated by training.
        name: The layer's name; unique by default (`dense`, `dense_1`, ...).
        dtype: The dtype of the weights and computation: `"float32"` (the default; fastnn computes in float32).
        input_shape: The shape of one sample (without the batch axis), for a Sequential model's first layer.
        input_dim: Shorthand for `input_shape=(input_dim,)`.
        **kwargs: No other keyword is accepted (a TypeError names it).

    Example:

    ```python
    import fastnn

    class Linear(fastnn.layers.Layer):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")

        def call(self, inputs):
            return fastnn.matmul(inputs, self.w) + self.b

    y = Linear(2)(fastnn.ones((3, 5)))
    print(y.shape)  # (3, 2)
    ```
    """
    supports_masking = False  # Keras: whether the layer passes an input mask on (see compute_mask)
    _makes_masks = False      # whether compute_mask can return a mask for an unmasked input (Embedding's mask_zero)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_fastnn_build_wrapper", False):
            cls.build = _wrap_build(build)

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: str | None = None,
                 input_shape: Sequence[int | None] | None = None, input_dim: int | None = None, **kwargs) -> None:
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string, received {name!r}")
        object.__setattr__(self, "_tracked_layers", [])
        object.__setattr__(self, "_own_weights", [])
        object.__setattr__(self, "_fixed_weights", [])  # created with trainable=False: unfreezing keeps them fixed
        self.name = name or _unique_name(to_snake_case(type(self).__name__))
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
        elif isinstance(value, Module) and not name.startswith("_"):
            self._track_module(value)
        elif isinstance(value, (list, tuple, dict)) and value and not name.startswith("_tracked"):
            items = list(value.values()) if isinstance(value, dict) else value
            if all(isinstance(v, (Layer, Module)) for v in items):
                for v in items:
                    if isinstance(v, Module):
                        self._track_module(v)
                    elif v not in self._tracked_layers:
                        self._tracked_layers.append(v)
        elif (isinstance(value, Variable) and not name.startswith("_")
              and all(value is not w for w in self._own_weights)):
            self._own_weights.append(value)
        object.__setattr__(self, name, value)

    def _track_module(self, module):
        """A `fastnn.Module` attribute: its variables become this layer's weights (after its own)."""
        modules = self.__dict__.setdefault("_tracked_modules", [])
        if all(module is not m for m in modules):
            modules.append(module)

    # --- building and calling
    def build(self, input_shape: tuple) -> None:
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
        # Masks (Keras 3): a Tensor input carrying `_keras_mask`, or a layer that makes masks (Embedding), takes
        # the masked path, which passes the mask to `call(mask=...)` and attaches `compute_mask`'s result.
        if ((self._makes_masks or getattr(inputs, "_keras_mask", None) is not None)
                and not kwargs.pop("_mask_handled", False)):
            return self._masked_call(inputs, training, kwargs)
        # Fast path, taken by every training step: a built layer called on a Tensor (not a Variable, and not a
        # symbolic KerasTensor, which is no TensorLike).
        if self.built and isinstance(inputs, TensorLike) and not isinstance(inputs, Variable):
            if self._call_losses:
                object.__setattr__(self, "_call_losses", [])
            if self._call_takes_training:
                return self.call(inputs, training=training, **kwargs)
            if self._call_takes_training is not None:
                return self.call(inputs, **kwargs)
        symbolic = [t for t in (inputs if isinstance(inputs, (list, tuple)) else [inputs])
                    if isinstance(t, KerasTensor)]
        if symbolic:  # functional API: build for the symbolic shape and record the call
            if len(symbolic) != (len(inputs) if isinstance(inputs, (list, tuple)) else 1):
                raise TypeError(f"layer {self.name!r} received a mix of symbolic (Input) and concrete inputs")
            shape = [t.shape for t in inputs] if isinstance(inputs, (list, tuple)) else inputs.shape
            self._maybe_build(shape)
            output = KerasTensor(self.compute_output_shape(shape), layer=self, inputs=inputs)
            object.__setattr__(self, "_symbolic_call", (inputs, output))  # for `layer.input` / `layer.output`
            return output
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

    def _masked_call(self, inputs, training, kwargs):
        if isinstance(inputs, np.ndarray):  # an array input gets its mask too (on the Tensor it becomes)
            inputs = convert_to_tensor(inputs, name="inputs")
        mask = getattr(inputs, "_keras_mask", None)
        if mask is not None and kwargs.get("mask") is None:
            takes_mask = self.__dict__.get("_call_takes_mask")
            if takes_mask is None:
                takes_mask = "mask" in inspect.signature(self.call).parameters
                object.__setattr__(self, "_call_takes_mask", takes_mask)
            if takes_mask:
                kwargs = {**kwargs, "mask": mask}
        # the plain call (a keyword, not a flag on the layer: another thread may call it meanwhile)
        outputs = self.__call__(inputs, training=training, _mask_handled=True, **kwargs)
        if (self.supports_masking and isinstance(outputs, Tensor) and isinstance(inputs, TensorLike)
                and getattr(outputs, "_keras_mask", None) is None):
            out_mask = self.compute_mask(inputs, mask)
            if out_mask is not None:
                outputs._keras_mask = out_mask
        return outputs

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> TensorLike | None:
        """The mask of this layer's output for `inputs` and their `mask` (Keras 3): the input mask when the layer
        `supports_masking`, else None. Layers that make or change masks (Embedding with `mask_zero`) override it.

        Args:
            inputs: the layer's input.
            mask: the input's mask (a bool Tensor of shape (batch, steps)) or None.

        Returns:
            A bool Tensor or None.
        """
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape: tuple | list) -> tuple:
        """The output shape for `input_shape` (None = unknown batch), or for a list of input shapes when the layer
        takes several inputs. The default runs the layer on zeros of those shapes (a batch of one)."""
        out = self(_zeros_of(input_shape))
        batch = input_shape[0][0] if _is_shape_list(input_shape) else input_shape[0]
        return (batch,) + tuple(out.shape[1:])

    # --- weights
    def add_weight(self, shape: Sequence[int] | None = None, initializer: str | Callable | None = None,
                   dtype: str | None = None, trainable: bool = True, regularizer: str | Callable | None = None,
                   constraint: str | Callable | None = None, name: str | None = None) -> Variable:
        """A new Variable owned by this layer, initialised by `initializer` (name, object or callable; default
        glorot_uniform, or zeros for non-float dtypes)."""
        shape = () if shape is None else tuple(int(d) for d in shape)
        if any(d < 0 for d in shape):
            raise ValueError(f"`shape` of weight {name!r} must be non-negative, received {shape}")
        if math.prod(shape) > 2**60:  # beyond what numpy can address (2^63 bytes): say so before the initializer tries
            raise ValueError(f"`shape` of weight {name!r} is too large: {shape} holds {math.prod(shape)} values")
        budget = weight_budget.get()  # set while load_model rebuilds a model from an untrusted file
        if budget is not None:
            budget.take(math.prod(shape), name)
        dtype = np.dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        value = initializers_module.get(initializer)(shape, dtype=dtype)
        variable = Variable._named(np.asarray(value, dtype), name, trainable=bool(trainable) and self._trainable,
                                      constraint=constraints_module.get(constraint))
        self._own_weights.append(variable)
        if not trainable:
            self._fixed_weights.append(variable)
        regularizer = regularizers_module.get(regularizer)
        if regularizer is not None:
            self._regularized.append((variable, regularizer))
        return variable

    def flatten_layers(self, recursive=True):
        """Returns this layer's sublayers (layers set as its attributes, in the order they were set).

        Args:
            recursive: whether to include the sublayers' own sublayers (depth first), or only the direct ones.

        Returns:
            list of Layers (not including this one).

        Example:

        ```
        >>> [layer.name for layer in model.flatten_layers()]
        ['dense', 'dropout', 'dense_1']
        ```
        """
        out = []
        for layer in self._tracked_layers:
            out.append(layer)
            if recursive:
                out.extend(layer.flatten_layers())
        return out

    @property
    def input(self):
        """The symbolic input of this layer's last call on KerasTensors (in a functional or Sequential model).

        Raises:
            AttributeError: if the layer was never called on symbolic inputs.
        """
        return self._symbolic("input")[0]

    @property
    def output(self):
        """The symbolic output of this layer's last call on KerasTensors, e.g. to build a feature extractor
        `fastnn.Model(model.inputs, [layer.output for layer in model.layers])`.

        Raises:
            AttributeError: if the layer was never called on symbolic inputs.
        """
        return self._symbolic("output")[1]

    def _symbolic(self, what):
        call = self.__dict__.get("_symbolic_call")
        if call is None:
            raise AttributeError(f"Layer {self.name!r} is not connected (never called on an Input), so it has no "
                                 f"{what}")
        return call

    @property
    def seed_calls(self):
        """How many times this layer has drawn from its seeded random stream, or None for a layer without one.

        Seeded `Dropout` and augmentation layers vary their masks with this count; model files save it with the
        training state so that a resumed run draws what the uninterrupted run would have. Setting it on a layer
        without a seeded stream is an AttributeError.
        """
        return self.__dict__.get("_calls")

    @seed_calls.setter
    def seed_calls(self, count):
        if "_calls" not in self.__dict__:
            raise AttributeError(f"layer {self.name!r} has no seeded random stream")
        self._calls = count

    def save_own_variables(self, store):
        """Saves this layer's weights into `store` (Keras 3's contract): `store["0"]`, `store["1"]`, ... in
        `weights` order (a nested layer's weights included, as fastnn's weights files store them).

        Args:
            store: a dict-like object to write arrays into.

        Example:

        >>> store = {}
        >>> layer.save_own_variables(store)
        >>> sorted(store)
        ['0', '1']
        """
        for i, w in enumerate(self.weights):
            store[str(i)] = w.numpy()

    def load_own_variables(self, store):
        """Sets this layer's weights from a `store` written by `save_own_variables` (Keras 3's contract).

        Args:
            store: a dict-like object with the keys "0", "1", ... (one array per weight, in `weights` order).

        Raises:
            ValueError: `store` holds another number of weights, or one of another shape (nothing is changed).

        Example:

        >>> layer.load_own_variables({"0": kernel, "1": bias})
        """
        mine = self.weights
        keys = list(store.keys())
        if sorted(keys) != sorted(str(i) for i in range(len(mine))):
            raise ValueError(f"Layer {self.name!r} expected {len(mine)} variables, but received {len(keys)} "
                             f"variables during loading. Expected: {[w.name for w in mine]}")
        self.set_weights([store[str(i)] for i in range(len(mine))])

    @property
    def weights(self):
        modules = self.__dict__.get("_tracked_modules")
        if not self._tracked_layers and not modules:  # a leaf layer (the common case, asked every training step)
            return list(self._own_weights)
        seen, out = set(), []
        for w in itertools.chain(self._own_weights, *(m.variables for m in modules or ()),
                                 *(layer.weights for layer in self._tracked_layers)):
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

    def get_weights(self) -> list[np.ndarray]:
        """The weights' values as numpy arrays (copies), in `weights` order."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
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

    def count_params(self) -> int:
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
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._input_shape_arg is not None:
            config["input_shape"] = self._input_shape_arg
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

"""fastnn.Model — a Layer that trains: Keras' `Model` for Sequential models, the functional form
`Model(inputs, outputs)` and subclasses (`__init__` + `call`). The training API (compile, fit, evaluate, predict,
train_step, ...) comes from `fastnn.trainers.Trainer`; this module adds building, saving and `summary`.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..layers.layer import Layer
from ..saving import model_io
from ..trainers import Trainer
from .summary import summarize

__all__ = ["Model"]

_FUNCTIONAL_SUBCLASSES = {}


def _functional_subclass(cls, functional):
    """`cls` with Functional mixed in (made once per class): what Keras builds for `CustomModel(inputs, outputs)`,
    a subclass that overrides train_step & co. while its forward pass is the graph of layer calls."""
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, functional),
                                           {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
    return _FUNCTIONAL_SUBCLASSES[cls]


def _functional_init_arguments(args, kwargs):
    """Whether Model's arguments are the functional form's `(inputs, outputs)` (Keras' rule)."""
    return len(args) == 2 or (len(args) == 1 and "outputs" in kwargs) or ("inputs" in kwargs and "outputs" in kwargs)


class Model(Trainer, Layer):
    """A model: layers grouped into an object with training and inference features (`keras.Model`).

    There are three ways to make one:

    - the functional form, `Model(inputs, outputs)`: `inputs` from `fastnn.Input`, `outputs` from calling layers
      on them (branching and merging graphs included);
    - subclassing: create the layers in `__init__` and write the forward pass in `call(inputs, training=None)`;
      override `train_step` / `test_step` / `predict_step` (Keras 3's contract) to customise `fit` and `evaluate`;
    - `fastnn.Sequential` for a plain stack.

    A model trains with `compile` + `fit` (or a custom loop with `GradientTape`), predicts with `predict`, and is
    saved with `save` / `save_weights` (see `fastnn.models.load_model`).

    Args:
        *args: `(inputs, outputs)` for the functional form.
        **kwargs: `inputs` and `outputs` (the functional form, by keyword), and the base layer arguments `name`,
            `trainable`, `dtype`.

    Raises:
        TypeError: for positional arguments other than `(inputs, outputs)`.

    Example:

    ```python
    import numpy as np
    import fastnn
    from fastnn import layers

    inputs = fastnn.Input((4,))
    x = layers.Dense(8, activation="relu")(inputs)
    model = fastnn.Model(inputs, layers.Dense(1)(x))

    class TwoLayer(fastnn.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(1)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    for m in (model, TwoLayer()):
        m.compile(optimizer="adam", loss="mse")
        m.fit(np.ones((16, 4), "float32"), np.zeros((16, 1), "float32"), epochs=1, verbose=0)
        print(m.predict(np.ones((2, 4), "float32"), verbose=0).shape)  # (2, 1)
    ```
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_init_arguments(args, kwargs):
            from .functional import Functional  # noqa: PLC0415  (an arrow Keras has too: Model(inputs, outputs))

            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # As Keras decides: what the subclass passes up here (not what it was constructed with) makes it functional,
        # so `VAE(encoder, decoder)` whose __init__ calls `super().__init__()` is a plain subclassed model, while
        # `Sub(inputs, outputs)` and a subclass that calls `super().__init__(inputs, outputs)` run their graph.
        if _functional_init_arguments(args, kwargs):
            from .functional import Functional  # noqa: PLC0415  (as in __new__)

            if not isinstance(self, Functional):  # functional subclassing: Functional mixed into the subclass
                self.__class__ = _functional_subclass(type(self), Functional)
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise TypeError(f"Model() takes (inputs, outputs) or keyword arguments, received {args!r}")
        super().__init__(**kwargs)
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._compiled = None

    @property
    def layers(self):
        """The model's direct sublayers, in the order they were assigned (Keras' `model.layers`)."""
        own = self.__dict__.get("_layers_attribute")
        return own if own is not None else list(self._tracked_layers)

    @layers.setter
    def layers(self, value):  # a subclass may keep its own list in `self.layers`: its layers are tracked
        self.__dict__["_layers_attribute"] = value
        if isinstance(value, (list, tuple)):
            for layer in value:
                if isinstance(layer, Layer) and layer not in self._tracked_layers:
                    self._tracked_layers.append(layer)

    # --- building
    def build(self, input_shape=None):
        """Create every weight for inputs of `input_shape` (batch axis included; None dimensions count as 1) by
        running `call` once on zeros with training=False, as tf.keras builds a subclassed model, so that
        `set_weights`, `summary` and `count_params` work before any data is seen.

        Raises:
            ValueError: without an `input_shape`.
        """
        if input_shape is None:
            raise ValueError(f"Model {self.name!r} cannot be built without an input shape: call "
                             f"build(input_shape), e.g. build((None, 784)), or call the model on data")
        shape = tuple(input_shape)
        zeros = np.zeros((1,) + tuple(1 if d is None else int(d) for d in shape[1:]), np.float32)
        self.built = True  # the call below must not build again (a failure restores it: see Layer's wrapper)
        self(zeros, training=False)

    def _maybe_build(self, input_shape):
        """A model called on data builds its layers within that call; only a model overriding `build` is built
        first (Model.build's extra forward pass is for explicit `build()` calls)."""
        if self.built:
            return
        if type(self).build is Model.build:
            self.built = True
            self._build_shape = input_shape
        else:
            super()._maybe_build(input_shape)

    # --- saving
    def save_weights(self, filepath: str | os.PathLike, overwrite: bool = True) -> None:
        """Write every weight to `filepath` (.npz, atomically)."""
        model_io.save_weights(self, filepath, overwrite)

    def load_weights(self, filepath: str | os.PathLike) -> None:
        """Read weights saved by `save_weights` (the model must be built with the same architecture)."""
        model_io.load_weights(self, filepath)

    def save(self, filepath: str | os.PathLike, overwrite: bool = True, include_optimizer: bool = True) -> None:
        """Write architecture, weights, compile settings and optimizer state to one file (read it back with
        `fastnn.models.load_model`): fastnn's `.npz`, or a Keras 3 archive for a name ending in `.keras`."""
        model_io.save_model(self, filepath, overwrite, include_optimizer)

    def _saved_input_shape(self):
        shape = self._build_shape
        return None if shape is None else [None] + [int(d) if d is not None else None for d in shape[1:]]

    def _build_for_loading(self, input_shape):
        self.build(input_shape)

    def get_build_config(self):
        """Returns what `build_from_config` needs to build an equal model: `{"input_shape": [None, d1, ...]}`
        (the batch axis as None; the shape is None for a model built without one).

        Example:

        >>> fastnn.Sequential([fastnn.layers.Input((4,)), fastnn.layers.Dense(2)]).get_build_config()
        {'input_shape': [None, 4]}
        """
        return {"input_shape": self._saved_input_shape()}

    def build_from_config(self, config):
        """Builds the model from the dict `get_build_config` returned (as a loaded model file is built).

        Args:
            config: dict with "input_shape", a shape with the batch axis.

        Example:

        >>> model.build_from_config({"input_shape": (None, 4)})
        """
        self._build_for_loading(tuple(config["input_shape"]))

    def _summary_rows(self):
        """(layer, output shape or None) for each direct sublayer (a subclassed model's shapes are unknown)."""
        return [(layer, None) for layer in self._tracked_layers]

    # --- summary
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print Keras' summary table: each layer (type), its output shape and parameter count, then the totals."""
        (print_fn or print)(summarize(self))

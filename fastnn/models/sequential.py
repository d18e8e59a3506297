"""`Sequential`: a stack of layers, each feeding the next (`keras.Sequential`)."""
from __future__ import annotations

from collections.abc import Sequence

from ..keras_tensor import Input
from ..layers.input_layer import InputLayer, InputSpec
from ..layers.layer import Layer
from .model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """A plain stack of layers, each feeding the next (`keras.Sequential`).

    An `Input` (or `InputLayer`) first, or `input_shape=` on the first layer, fixes the input shape and builds the
    model at once; otherwise it builds on the first call, `fit` or `predict`.

    Args:
        layers: A list of layers (optionally starting with an `Input`), or None to `add` them later.
        trainable: Whether the model's weights are updated by training.
        name: The model's name.

    Raises:
        TypeError: if `layers` is not a list of layers.

    Example:

    ```python
    import numpy as np
    import fastnn
    from fastnn import layers

    model = fastnn.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu")])
    model.add(layers.Dense(3, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.random.rand(32, 8).astype("float32"), np.random.randint(0, 3, 32)
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    print(sorted(history.history))  # ['accuracy', 'loss']
    ```
    """
    def __init__(self, layers: Sequence[Layer] | None = None, trainable: bool = True, name: str | None = None) -> None:
        super().__init__(trainable=trainable, name=name)
        self._stack = []
        self._input_spec_shape = None
        self._output_shapes = None
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise TypeError(f"`layers` must be a list of layers, received {layers!r}")
        for layer in layers or []:
            self.add(layer)

    def add(self, layer: Layer | InputSpec) -> None:
        """Appends a layer on top of the stack.

        An `Input(...)` / `InputLayer` added first fixes the input shape and builds the model.

        Args:
            layer: A layer instance, an `Input` or an `InputLayer`.

        Raises:
            TypeError: if `layer` is not a layer.
            ValueError: if the layer is already in the model.
        """
        if isinstance(layer, InputSpec):
            self._set_input_shape(layer.shape)
            object.__setattr__(self, "_input_tensor", layer)  # the model's symbolic input, as Keras keeps it
            return
        if isinstance(layer, InputLayer):
            self._set_input_shape(layer.spec.shape)
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a layer instance, received {layer!r} of type "
                            f"{type(layer).__name__}")
        if any(layer is existing for existing in self._stack):
            raise ValueError(f"layer {layer.name!r} is already in this model")
        if not self._stack and self._input_spec_shape is None and layer._input_shape_arg is not None:
            self._input_spec_shape = (None,) + tuple(layer._input_shape_arg)
        self._stack.append(layer)
        self._tracked_layers.append(layer)
        self.built = False
        if self._input_spec_shape is not None:
            self.build(self._input_spec_shape)

    def _set_input_shape(self, shape):
        if self._stack:
            raise ValueError("an Input must be the first entry of a Sequential model")
        self._input_spec_shape = tuple(shape)

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._stack:
            raise IndexError("There are no layers in the model.")
        layer = self._stack.pop()
        self._tracked_layers.remove(layer)
        self._output_shapes = None
        return layer

    @property
    def layers(self):
        return list(self._stack)

    def build(self, input_shape=None):
        """Build every layer for inputs of `input_shape` (batch axis included, None allowed)."""
        if input_shape is None:
            input_shape = self._input_spec_shape
        if input_shape is None:
            raise ValueError("Sequential.build needs an input shape (or an Input first layer)")
        shape = tuple(input_shape)
        shapes = []
        for layer in self._stack:
            if not layer.built:
                layer._maybe_build(shape)
            shape = tuple(layer.compute_output_shape(shape))
            shapes.append(shape)
        self._output_shapes = shapes
        self.built = True
        if self._input_spec_shape is not None:
            self._connect_symbolically()

    def _connect_symbolically(self):
        """Runs the layers on the model's symbolic Input, so `inputs`, `outputs` and each layer's `input` /
        `output` exist as in Keras (for feature extractors built with `fastnn.Model(inputs, outputs)`)."""
        x = self.__dict__.get("_input_tensor")
        if x is None or tuple(x.shape) != tuple(self._input_spec_shape):
            x = Input(batch_shape=self._input_spec_shape)
            object.__setattr__(self, "_input_tensor", x)
        inputs = x
        for layer in self._stack:
            x = layer(x)
        object.__setattr__(self, "_graph", ([inputs], [x]))

    @property
    def inputs(self):
        """The model's symbolic inputs (a list of one KerasTensor), once its input shape is known.

        Raises:
            AttributeError: for a model built without an input shape (no Input and no `input_shape`).
        """
        return list(self._symbolic_graph()[0])

    @property
    def outputs(self):
        """The model's symbolic outputs (a list of one KerasTensor), once its input shape is known.

        Raises:
            AttributeError: for a model built without an input shape (no Input and no `input_shape`).
        """
        return list(self._symbolic_graph()[1])

    def _symbolic_graph(self):
        graph = self.__dict__.get("_graph")
        if graph is None or not self.built:
            raise AttributeError(f"Sequential model {self.name!r} has no symbolic inputs/outputs: start it with an "
                                 f"Input (or `input_shape=` on its first layer)")
        return graph

    def call(self, inputs, training=None):
        x = inputs
        for layer in self._stack:
            x = layer(x, training=training)
        return x

    def __call__(self, inputs, training=None, **kwargs):
        if not self._stack:
            raise ValueError("Sequential model has no layers: add some before calling it")
        out = super().__call__(inputs, training=training, **kwargs)
        if self._output_shapes is None:
            self.build((None,) + tuple(getattr(inputs, "shape", ()))[1:])
        return out

    def _maybe_build(self, input_shape):
        if not self.built:
            self.build((None,) + tuple(input_shape)[1:])

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._stack:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def _saved_input_shape(self):
        shape = self._input_spec_shape or self._stack[0]._build_shape if self._stack else None
        return None if shape is None else [None] + list(shape[1:])

    def _build_for_loading(self, input_shape):
        self.build(input_shape)

    def _summary_rows(self):
        shapes = self._output_shapes or [None] * len(self._stack)
        return list(zip(self._stack, shapes))

    def get_config(self):
        return {"name": self.name, "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                                              for layer in self._stack]}

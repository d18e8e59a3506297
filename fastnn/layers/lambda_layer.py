"""`Lambda`: a layer made of a Python function of its inputs (`keras.layers.Lambda`)."""
from __future__ import annotations

import inspect
from collections.abc import Callable

from .layer import Layer

__all__ = ["Lambda"]


class Lambda(Layer):
    """Wraps a function of tensors as a layer, for small computations in a functional or Sequential model.

    The function is differentiable as long as it is built from fastnn ops. Like Keras' Lambda it holds no weights
    (variables created inside `function` are not tracked): write a `Layer` subclass for anything with state.

    Args:
        function: `fn(inputs, **arguments)` (it may also take `training`), called on the layer's input (a tensor,
            or a list of tensors when the layer is called on a list).
        output_shape: The output shape without the batch axis (a tuple), or `fn(input_shape) -> output_shape`
            (batch axis included), or None to find it by running `function` on zeros.
        mask: Must be None (fastnn has no masking).
        arguments: A dict of keyword arguments passed to `function`.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        Whatever `function` takes.

    Output shape:
        Given by `output_shape`, or inferred.

    Raises:
        TypeError: `function` or a callable `output_shape` is not callable, `arguments` is not a dict, or
            `get_config` is asked for (fastnn saves no Python code).
        ValueError: `mask` is given.

    Example:

    ```python
    import numpy as np
    import fastnn
    from fastnn import layers

    a, b = fastnn.Input((3,)), fastnn.Input((3,))
    distance = layers.Lambda(lambda t: fastnn.norm(t[0] - t[1], axis=1, keepdims=True))([a, b])
    model = fastnn.Model([a, b], distance)
    print(model.predict([np.zeros((1, 3)), np.full((1, 3), 2.0)], verbose=0))  # [[3.4641016]]
    ```
    """

    def __init__(self, function: Callable, output_shape: tuple | Callable | None = None, mask: object = None,
                 arguments: dict | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"`function` must be callable. Received: function={function!r}")
        if output_shape is not None and not callable(output_shape) and not isinstance(output_shape, (list, tuple)):
            raise TypeError(f"`output_shape` must be a tuple, a callable or None. Received: "
                            f"output_shape={output_shape!r}")
        if mask is not None:
            raise ValueError(f"fastnn layers carry no masks; `mask` must be None. Received: mask={mask!r}")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"`arguments` must be a dict. Received: arguments={arguments!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):  # some builtins have no signature: they get the inputs only
            parameters = {}
        self._function_takes_training = "training" in parameters

    def call(self, inputs, training=None):
        kwargs = dict(self.arguments)
        if self._function_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch,) + tuple(self._output_shape)

    def get_config(self):
        raise TypeError(f"Lambda layer {self.name!r} wraps Python code, which fastnn does not save (loading code "
                        "from a file would run it); write a Layer subclass with get_config() to save this model")

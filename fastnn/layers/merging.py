"""Merge layers for branching models: `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`,
`Concatenate` — each takes a list of same-shape tensors (Concatenate: equal except along `axis`)."""
from __future__ import annotations

from .. import ops
from .layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"]


class _Merge(Layer):
    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a list of at least 2 "
                             f"inputs. Received: input_shape={input_shape}")

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(out, x)
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])


class Add(_Merge):
    """Adds a list of inputs elementwise.

    In a functional model: `layers.Add()([x1, x2])`.

    Args:
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`).

    Input shape:
        A list of at least 2 tensors of the same shape `(batch_size, ...)` (or shapes that broadcast).

    Output shape:
        The shape of the inputs.

    Raises:
        ValueError: if called on fewer than 2 inputs.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    a = np.full((2, 3), 4.0, "float32")
    b = np.full((2, 3), 1.0, "float32")
    print(layers.Add()([a, b]).numpy()[0])  # [5. 5. 5.]
    ```
    """
    _merge = staticmethod(ops.add)


class Multiply(_Merge):
    """Multiplies a list of inputs elementwise.

    In a functional model: `layers.Multiply()([x1, x2])`.

    Args:
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`).

    Input shape:
        A list of at least 2 tensors of the same shape `(batch_size, ...)` (or shapes that broadcast).

    Output shape:
        The shape of the inputs.

    Raises:
        ValueError: if called on fewer than 2 inputs.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    a = np.full((2, 3), 4.0, "float32")
    b = np.full((2, 3), 1.0, "float32")
    print(layers.Multiply()([a, b]).numpy()[0])  # [4. 4. 4.]
    ```
    """
    _merge = staticmethod(ops.multiply)


class Maximum(_Merge):
    """Elementwise maximum of a list of inputs.

    In a functional model: `layers.Maximum()([x1, x2])`.

    Args:
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`).

    Input shape:
        A list of at least 2 tensors of the same shape `(batch_size, ...)` (or shapes that broadcast).

    Output shape:
        The shape of the inputs.

    Raises:
        ValueError: if called on fewer than 2 inputs.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    a = np.full((2, 3), 4.0, "float32")
    b = np.full((2, 3), 1.0, "float32")
    print(layers.Maximum()([a, b]).numpy()[0])  # [4. 4. 4.]
    ```
    """
    _merge = staticmethod(ops.maximum)


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs.

    In a functional model: `layers.Minimum()([x1, x2])`.

    Args:
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`).

    Input shape:
        A list of at least 2 tensors of the same shape `(batch_size, ...)` (or shapes that broadcast).

    Output shape:
        The shape of the inputs.

    Raises:
        ValueError: if called on fewer than 2 inputs.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    a = np.full((2, 3), 4.0, "float32")
    b = np.full((2, 3), 1.0, "float32")
    print(layers.Minimum()([a, b]).numpy()[0])  # [1. 1. 1.]
    ```
    """
    _merge = staticmethod(ops.minimum)


class Subtract(_Merge):
    """Subtracts two inputs: `inputs[0] - inputs[1]`.

    It takes exactly two inputs.

    Args:
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`).

    Input shape:
        A list of 2 tensors of the same shape `(batch_size, ...)` (or shapes that broadcast).

    Output shape:
        The shape of the inputs.

    Raises:
        ValueError: if called on other than exactly 2 inputs.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    a = np.full((2, 3), 4.0, "float32")
    b = np.full((2, 3), 1.0, "float32")
    print(layers.Subtract()([a, b]).numpy()[0])  # [3. 3. 3.]
    ```
    """
    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: "
                             f"input_shape={input_shape}")

    def call(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Average(_Merge):
    """Averages a list of inputs elementwise.

    In a functional model: `layers.Average()([x1, x2])`.

    Args:
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`).

    Input shape:
        A list of at least 2 tensors of the same shape `(batch_size, ...)` (or shapes that broadcast).

    Output shape:
        The shape of the inputs.

    Raises:
        ValueError: if called on fewer than 2 inputs.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    a = np.full((2, 3), 4.0, "float32")
    b = np.full((2, 3), 1.0, "float32")
    print(layers.Average()([a, b]).numpy()[0])  # [2.5 2.5 2.5]
    ```
    """
    def call(self, inputs):
        return ops.divide(ops.add_n(list(inputs)), float(len(inputs)))


class Concatenate(_Merge):
    """Concatenates a list of inputs along an axis.

    Args:
        axis: The concatenation axis (default: the last one).
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`).

    Input shape:
        A list of at least 2 tensors whose shapes are equal except along `axis`.

    Output shape:
        The common shape, with the sizes along `axis` summed.

    Raises:
        ValueError: if called on fewer than 2 inputs, or on shapes that differ off `axis`.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    a, b = np.zeros((2, 3), "float32"), np.ones((2, 5), "float32")
    print(layers.Concatenate()([a, b]).shape)  # (2, 8)
    ```
    """
    def __init__(self, axis: int = -1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        return ops.concat(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [list(s) for s in input_shape]
        out = shapes[0][:]
        axis = self.axis % len(out)
        out[axis] = None if any(s[axis] is None for s in shapes) else sum(s[axis] for s in shapes)
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}

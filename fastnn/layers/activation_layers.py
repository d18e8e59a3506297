"""Activation layers: `Activation`, `ReLU`, `LeakyReLU` (Keras' layer default negative_slope 0.3), `Softmax`."""
from __future__ import annotations

from collections.abc import Callable

from .. import activations, ops
from .layer import Layer

__all__ = ["Activation", "ReLU", "LeakyReLU", "Softmax"]


class Activation(Layer):
    """Applies an activation function to its input.

    Args:
        activation: Activation name (`"relu"`, `"softmax"`, ...) or callable; see `fastnn.activations`.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        Arbitrary. Use the keyword `input_shape` when this is a model's first layer.

    Output shape:
        Same shape as the input.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    print(layers.Activation("relu")(np.array([-1.0, 2.0], "float32")).numpy())  # [0. 2.]
    ```
    """

    def __init__(self, activation: str | Callable, **kwargs) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        outputs = self.activation(inputs)
        if self.activation in (activations.softmax, activations.sigmoid):
            outputs._keras_logits = inputs
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class ReLU(Layer):
    """Rectified linear unit: `max(x, 0)`, with Keras' optional cap, leak and threshold.

    It computes `max_value` if `x >= max_value`, `x` if `threshold <= x < max_value`, and
    `negative_slope * (x - threshold)` otherwise.

    Args:
        max_value: A float >= 0 capping the output, or None (no cap).
        negative_slope: A float >= 0, the slope below the threshold.
        threshold: A float >= 0, the value below which the leak applies.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        Arbitrary. Use the keyword `input_shape` when this is a model's first layer.

    Output shape:
        Same shape as the input.

    Raises:
        ValueError: if `max_value`, `negative_slope` or `threshold` is negative.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    x = np.array([-3.0, 1.0, 10.0], "float32")
    print(layers.ReLU(max_value=6.0)(x).numpy())  # [0. 1. 6.]
    ```
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: {max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be None or a negative value. Received: "
                             f"negative_slope={negative_slope}")
        if threshold is None or threshold < 0:
            raise ValueError(f"threshold of a ReLU layer cannot be None or a negative value. Received: "
                             f"threshold={threshold}")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, inputs):
        return activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(Layer):
    """Leaky rectified linear unit: `x` if `x > 0`, else `negative_slope * x`.

    The layer's default slope is 0.3 (Keras'; the `leaky_relu` function's is 0.2).

    Args:
        negative_slope: A float >= 0, the slope for negative inputs.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        Arbitrary. Use the keyword `input_shape` when this is a model's first layer.

    Output shape:
        Same shape as the input.

    Raises:
        ValueError: if `negative_slope` is negative or not a number.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    print(layers.LeakyReLU()(np.array([-1.0, 2.0], "float32")).numpy())  # [-0.3  2. ]
    ```
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs) -> None:
        if "alpha" in kwargs:  # the Keras 2 name
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"The negative_slope value of a Leaky ReLU layer cannot be None or negative. "
                             f"Received: negative_slope={negative_slope}")
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return ops.leaky_relu(inputs, alpha=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class Softmax(Layer):
    """Softmax activation along an axis: `exp(x) / sum(exp(x))`, computed stably.

    Args:
        axis: The axis the softmax normalises over (default: the last one).
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        Arbitrary. Use the keyword `input_shape` when this is a model's first layer.

    Output shape:
        Same shape as the input.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    print(layers.Softmax()(np.array([[1.0, 1.0]], "float32")).numpy())  # [[0.5 0.5]]
    ```
    """

    def __init__(self, axis: int = -1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        outputs = ops.softmax(inputs, axis=self.axis)
        if self.axis == -1:
            outputs._keras_logits = inputs
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}

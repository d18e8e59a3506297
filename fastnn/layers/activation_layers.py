"""Activation layers: `Activation`, `ReLU`, `LeakyReLU` (Keras' layer default negative_slope 0.3), `Softmax`, `ELU`,
`PReLU`."""
from __future__ import annotations

from collections.abc import Callable

from .. import activations, ops
from .._validation import real
from .dense import _ser
from .layer import Layer

__all__ = ["Activation", "ReLU", "LeakyReLU", "Softmax", "ELU", "PReLU"]


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


class ELU(Layer):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)` (one C++ pass each way).

    Args:
        alpha: A number, the scale of the negative part (default 1.0).
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        Arbitrary. Use the keyword `input_shape` when this is a model's first layer.

    Output shape:
        Same shape as the input.

    Raises:
        TypeError: if `alpha` is not a number.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    print(layers.ELU(alpha=0.5)(np.array([-1.0, 2.0], "float32")).numpy())  # [-0.31606028  2.        ]
    ```
    """

    def __init__(self, alpha: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.alpha = real(alpha, "alpha", error=TypeError,
                          message="`{name}` of an ELU layer must be a number. Received: {name}={value!r}")

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(Layer):
    """Parametric relu: `x` if `x >= 0`, else `alpha * x`, with `alpha` a learned weight (Keras' layout).

    `alpha` has the input's shape without the batch axis, with size 1 along every axis in `shared_axes` (e.g.
    `shared_axes=[1, 2]` for NHWC images: one slope per channel). Computed as Keras does,
    `relu(x) - alpha * relu(-x)`, so values and gradients match it.

    Args:
        alpha_initializer: Initializer of the slopes (default `"zeros"`).
        alpha_regularizer: Optional regularizer of the slopes.
        alpha_constraint: Optional constraint on the slopes.
        shared_axes: None, an int or a list of ints in `[1, rank)`: the axes along which one slope is shared.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        Arbitrary, rank >= 2 (batch first). Use the keyword `input_shape` when this is a model's first layer.

    Output shape:
        Same shape as the input.

    Raises:
        TypeError: if `shared_axes` is not None, an int or a list of ints.
        ValueError: if an axis in `shared_axes` is out of range for the input (at build time).

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    layer = layers.PReLU(alpha_initializer="ones", shared_axes=[1, 2])
    print(layer(np.full((1, 2, 2, 3), -1.0, "float32")).shape, layer.alpha.shape)  # (1, 2, 2, 3) (1, 1, 3)
    ```
    """

    def __init__(self, alpha_initializer: str | Callable | None = "zeros",
                 alpha_regularizer: str | Callable | None = None, alpha_constraint: str | Callable | None = None,
                 shared_axes: int | list[int] | tuple[int, ...] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer, self.alpha_regularizer = alpha_initializer, alpha_regularizer
        self.alpha_constraint = alpha_constraint
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = [shared_axes] if isinstance(shared_axes, int) else shared_axes
            if (isinstance(shared_axes, bool) or not isinstance(axes, (list, tuple))
                    or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes)):
                raise TypeError(f"`shared_axes` must be None, an int or a list of ints. Received: "
                                f"shared_axes={shared_axes!r}")
            self.shared_axes = list(axes)

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected min_ndim=2, "
                             f"found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}")
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"`shared_axes` entries must be in [1, {len(input_shape)}) for an input of rank "
                                 f"{len(input_shape)}. Received: shared_axes={self.shared_axes}")
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU layer {self.name!r} needs known sizes on every non-shared axis, received shape "
                             f"{tuple(input_shape)}")
        self.alpha = self.add_weight(param_shape, self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)

    def call(self, inputs):
        positive = ops.relu(inputs)
        return ops.subtract(positive, ops.multiply(self.alpha, ops.relu(ops.negative(inputs))))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": _ser(self.alpha_initializer),
                "alpha_regularizer": _ser(self.alpha_regularizer), "alpha_constraint": _ser(self.alpha_constraint),
                "shared_axes": self.shared_axes}

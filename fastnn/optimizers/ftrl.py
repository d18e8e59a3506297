"""`Ftrl` (`keras.optimizers.Ftrl`): Follow The Regularized Leader, one fused in-place C++ update per variable in
Keras 3's float32 operation order (see `fastnn.kernels.optimizers.ftrl_update`)."""
from __future__ import annotations

import numbers
from collections.abc import Callable

from ..kernels.optimizers import unchecked as _fused
from .optimizer import Optimizer

__all__ = ["Ftrl"]


def _checked(value, name, sign):
    """A real number that is >= 0 (sign 1) or <= 0 (sign -1), with Keras' messages."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number. Received: {name}={value!r}")
    if sign > 0 and not value >= 0.0:
        raise ValueError(f"`{name}` needs to be positive or zero. Received: {name}={value}.")
    if sign < 0 and not value <= 0.0:
        raise ValueError(f"`{name}` needs to be negative or zero. Received: {name}={value}.")
    return float(value)


class Ftrl(Optimizer):
    """Optimizer that implements the FTRL ("Follow The Regularized Leader") algorithm (McMahan et al., 2013), suited
    to shallow models with large, sparse feature spaces; with online L2 and shrinkage-type L2 regularization.

    Per element, with `n` the accumulator (initially `initial_accumulator_value`), `z` the linear slot (initially
    0) and `p = -learning_rate_power`: `g' = g + 2·l2_shrinkage·w`; `n' = n + g²`;
    `z += g' - ((n'^p - n^p)/lr)·w`; `w = (clip(z, -l1, l1) - z) / (n'^p/lr + 2·(l2 + beta/(2·lr)))`.

    Args:
        learning_rate: A float or a `LearningRateSchedule`. Defaults to `0.001`.
        learning_rate_power: A float <= 0: how the learning rate decreases during training (0: fixed).
            Defaults to `-0.5`.
        initial_accumulator_value: The starting value of the accumulators, >= 0. Defaults to `0.1`.
        l1_regularization_strength: A float >= 0 (stabilization penalty). Defaults to `0.0`.
        l2_regularization_strength: A float >= 0 (stabilization penalty). Defaults to `0.0`.
        l2_shrinkage_regularization_strength: A float >= 0: an L2 penalty on the weights themselves (a magnitude
            penalty, added to the gradient). Defaults to `0.0`.
        beta: A float, the beta of the paper (0.0 by default).
        name: The optimizer's name. Defaults to `"ftrl"`.
        **kwargs: `weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm`, ... as in `Optimizer`.

    Raises:
        ValueError: if an argument is out of range (Keras' messages).

    Example:

    ```python
    import numpy as np
    import fastnn

    w = fastnn.Variable(np.ones(3, np.float32))
    opt = fastnn.optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    opt.apply_gradients([(np.full(3, 0.5, np.float32), w)])
    print(w.numpy())
    ```
    """

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, l2_shrinkage_regularization_strength: float = 0.0,
                 beta: float = 0.0, name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = _checked(initial_accumulator_value, "initial_accumulator_value", 1)
        self.learning_rate_power = _checked(learning_rate_power, "learning_rate_power", -1)
        self.l1_regularization_strength = _checked(l1_regularization_strength, "l1_regularization_strength", 1)
        self.l2_regularization_strength = _checked(l2_regularization_strength, "l2_regularization_strength", 1)
        self.l2_shrinkage_regularization_strength = _checked(
            l2_shrinkage_regularization_strength, "l2_shrinkage_regularization_strength", 1)
        if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
            raise TypeError(f"`beta` must be a number. Received: beta={beta!r}")
        self.beta = float(beta)

    def _slot_names(self):
        return ["accumulator", "linear"]

    def _slot_initial_value(self, slot):
        return self.initial_accumulator_value if slot == "accumulator" else 0.0

    def _update(self, var, grad, slots, learning_rate, step):
        _fused.ftrl_update(var, grad, slots[0], slots[1], float(learning_rate), self.learning_rate_power,
                           self.l1_regularization_strength, self.l2_regularization_strength,
                           self.l2_shrinkage_regularization_strength, self.beta)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}

"""`Adam` (`keras.optimizers.Adam`), with the AMSGrad variant."""
from __future__ import annotations

import numbers
from collections.abc import Callable

from ..kernels.optimizers import unchecked as _fused
from .optimizer import Optimizer

__all__ = ["Adam"]


def _unit_interval(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"`{name}` must be a number in [0, 1), received {value!r}")
    return float(value)


class Adam(Optimizer):
    """alpha = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ); m += (g − m)(1 − β₁); v += (g² − v)(1 − β₂); var −= alpha·m/(√v + ε).

    Args:
        learning_rate: A float, or a `fastnn.optimizers.schedules` schedule (called with the step count).
        beta_1: The decay rate of the first-moment estimates.
        beta_2: The decay rate of the second-moment estimates.
        epsilon: A small constant for numerical stability.
        amsgrad: Whether to apply the AMSGrad variant (the running maximum of the second moments).
        name: The optimizer's name.
        **kwargs: Keras' legacy arguments (`lr`, `decay`) are rejected with a message naming the replacement.

    Example:

    ```python
    import fastnn

    w = fastnn.Variable([1.0, 2.0])
    optimizer = fastnn.optimizers.Adam(learning_rate=0.1)
    with fastnn.GradientTape() as tape:
        loss = fastnn.reduce_sum(w * w)
    optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
    print(w.numpy())  # about [0.9 1.9]
    ```
    """

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False, name: str | None = None,
                 **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _unit_interval(beta_1, "beta_1")
        self.beta_2 = _unit_interval(beta_2, "beta_2")
        if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or epsilon < 0:
            raise ValueError(f"`epsilon` must be a non-negative number, received {epsilon!r}")
        self.epsilon = float(epsilon)
        self.amsgrad = bool(amsgrad)

    _keras_slot_groups = (("momentum", "velocity"), ("velocity_hat",))

    def _slot_names(self):
        return ["momentum", "velocity"] + (["velocity_hat"] if self.amsgrad else [])

    def _update(self, var, grad, slots, learning_rate, step):
        _fused.adam_update(var, grad, slots[0], slots[1], float(learning_rate), self.beta_1, self.beta_2,
                          self.epsilon, step, slots[2] if self.amsgrad else None)

    def _update_all(self, variables, grads, slots, learning_rate, step):
        _fused.adam_update_multi(variables, grads, [[s[0], s[1], s[2] if self.amsgrad else None] for s in slots],
                                 float(learning_rate), self.beta_1, self.beta_2, self.epsilon, step)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}

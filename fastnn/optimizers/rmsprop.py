"""`RMSprop` (`keras.optimizers.RMSprop`), with momentum and the centered variant."""
from __future__ import annotations

import numbers
from collections.abc import Callable

from ..kernels.optimizers import unchecked as _fused
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """velocity = ρ·velocity + (1 − ρ)·g²; var −= lr·g/√(velocity + ε) (centered: velocity − mean(g)² + ε);
    with momentum, the step goes through a momentum buffer.

    Args:
        learning_rate: A float, or a `fastnn.optimizers.schedules` schedule (called with the step count).
        rho: The decay rate of the running average of squared gradients.
        momentum: A float >= 0, the momentum factor (0: plain gradient descent).
        epsilon: A small constant for numerical stability.
        centered: Whether to normalise by the centred second moment (the variance estimate).
        name: The optimizer's name.
        **kwargs: Keras' legacy arguments (`lr`, `decay`) are rejected with a message naming the replacement.
    """

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        for value, arg in ((rho, "rho"), (momentum, "momentum"), (epsilon, "epsilon")):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
                raise ValueError(f"`{arg}` must be a non-negative number, received {value!r}")
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.centered = bool(centered)

    _keras_slot_groups = (("velocity",), ("momentum",), ("average_gradient",))

    def _slot_names(self):
        return (["velocity"] + (["momentum"] if self.momentum > 0 else [])
                + (["average_gradient"] if self.centered else []))

    def _update(self, var, grad, slots, learning_rate, step):
        it = iter(slots[1:])
        momentum_buf = next(it) if self.momentum > 0 else None
        average_grad = next(it) if self.centered else None
        _fused.rmsprop_update(var, grad, slots[0], float(learning_rate), self.rho, self.epsilon, self.momentum,
                             momentum_buf, average_grad)

    def _update_all(self, variables, grads, slots, learning_rate, step):
        # each tensor's [velocity, momentum_buf or None, average_grad or None], as `_update` picks them
        mom, avg = self.momentum > 0, self.centered
        kernel_slots = [[s[0], s[1] if mom else None, s[1 + mom] if avg else None] for s in slots]
        _fused.rmsprop_update_multi(variables, grads, kernel_slots, float(learning_rate), self.rho, self.epsilon,
                                    self.momentum)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}

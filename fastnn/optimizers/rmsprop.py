"""`RMSprop` (`keras.optimizers.RMSprop`), with momentum and the centered variant."""
import numbers

from ..kernels.optimizers import unchecked as _fused
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """velocity = ρ·velocity + (1 − ρ)·g²; var −= lr·g/√(velocity + ε) (centered: velocity − mean(g)² + ε);
    with momentum, the step goes through a momentum buffer."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        for value, arg in ((rho, "rho"), (momentum, "momentum"), (epsilon, "epsilon")):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
                raise ValueError(f"`{arg}` must be a non-negative number, received {value!r}")
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.centered = bool(centered)

    def _slot_names(self):
        return (["velocity"] + (["momentum"] if self.momentum > 0 else [])
                + (["average_gradient"] if self.centered else []))

    def _update(self, var, grad, slots, learning_rate, step):
        it = iter(slots[1:])
        momentum_buf = next(it) if self.momentum > 0 else None
        average_grad = next(it) if self.centered else None
        _fused.rmsprop_update(var, grad, slots[0], float(learning_rate), self.rho, self.epsilon, self.momentum,
                             momentum_buf, average_grad)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}

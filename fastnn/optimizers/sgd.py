"""`SGD`: plain, momentum or Nesterov gradient descent (`keras.optimizers.SGD`)."""
import numbers

from ..kernels.optimizers import unchecked as _fused
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """momentum == 0: var −= lr·g. Otherwise velocity = momentum·velocity − lr·g and var += velocity
    (nesterov: var += momentum·velocity − lr·g)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1], received {momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_names(self):
        return ["momentum"] if self.momentum != 0 else []

    def _update(self, var, grad, slots, learning_rate, step):
        _fused.sgd_update(var, grad, float(learning_rate), self.momentum, self.nesterov, slots[0] if slots else None)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}

"""`SGD`: plain, momentum or Nesterov gradient descent (`keras.optimizers.SGD`)."""
from __future__ import annotations

import numbers
from collections.abc import Callable

from ..kernels.optimizers import unchecked as _fused
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """momentum == 0: var −= lr·g. Otherwise velocity = momentum·velocity − lr·g and var += velocity
    (nesterov: var += momentum·velocity − lr·g).

    Args:
        learning_rate: A float, or a `fastnn.optimizers.schedules` schedule (called with the step count).
        momentum: A float >= 0, the momentum factor (0: plain gradient descent).
        nesterov: Whether to apply Nesterov momentum.
        name: The optimizer's name.
        **kwargs: Keras' legacy arguments (`lr`, `decay`) are rejected with a message naming the replacement.

    Example:

    ```python
    import fastnn

    w = fastnn.Variable([1.0])
    fastnn.optimizers.SGD(learning_rate=0.1).apply_gradients([(fastnn.constant([2.0]), w)])
    print(w.numpy())  # [0.8]
    ```
    """

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1], received {momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    _keras_slot_groups = (("momentum",),)

    def _slot_names(self):
        return ["momentum"] if self.momentum != 0 else []

    def _update(self, var, grad, slots, learning_rate, step):
        _fused.sgd_update(var, grad, float(learning_rate), self.momentum, self.nesterov, slots[0] if slots else None)

    def _update_all(self, variables, grads, slots, learning_rate, step):
        _fused.sgd_update_multi(variables, grads, [[s[0] if s else None] for s in slots], float(learning_rate),
                                self.momentum, self.nesterov)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}

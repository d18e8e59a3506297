"""`AdamW` (`keras.optimizers.AdamW`): Adam with decoupled weight decay."""
from __future__ import annotations

from collections.abc import Callable

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """Optimizer that implements the AdamW algorithm.

    Adam (see `Adam`) with decoupled weight decay: before each Adam step, every variable is shrunk in place,
    `var = var - var * weight_decay * learning_rate` (float32, Keras' order).

    Args:
        learning_rate: A float or a `LearningRateSchedule`. Defaults to `0.001`.
        weight_decay: A float, the decay rate. Defaults to `0.004`.
        beta_1: Decay rate of the 1st moment estimates, in [0, 1). Defaults to `0.9`.
        beta_2: Decay rate of the 2nd moment estimates, in [0, 1). Defaults to `0.999`.
        epsilon: A small constant for numerical stability. Defaults to `1e-7`.
        amsgrad: Whether to apply the AMSGrad variant. Defaults to `False`.
        name: The optimizer's name. Defaults to `"adamw"`.
        **kwargs: `clipnorm`, `clipvalue`, `global_clipnorm` as in `Optimizer`.

    Raises:
        ValueError: if `weight_decay` is None or negative, or another argument is out of range.

    Example:

    >>> opt = fastnn.optimizers.AdamW(learning_rate=1e-3, weight_decay=1e-4)
    """

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, weight_decay: float | None = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 name: str | None = None, **kwargs) -> None:
        if weight_decay is None:
            raise ValueError(f"Argument `weight_decay` must be a float. Received: weight_decay={weight_decay}")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, name=name, weight_decay=weight_decay, **kwargs)

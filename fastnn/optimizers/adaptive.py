"""`Adagrad`, `Nadam`, `Adamax`, `Lion`, `Adadelta` (`keras.optimizers.*`), each one fused in-place C++ update
per variable in Keras 3's float32 operation order (see `fastnn.kernels.optimizers`)."""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._validation import real
from ..kernels.optimizers import nadam_u_product
from ..kernels.optimizers import unchecked as _fused
from .optimizer import Optimizer

__all__ = ["Adagrad", "Nadam", "Adamax", "Lion", "Adadelta"]


def _number(value, name, low, high, low_open=False, high_open=True):
    """A real number in the interval [low, high) (ends as given); Keras-style ValueError otherwise."""
    return real(value, name, low, high, low_open, high_open)


def _epsilon(value):
    return _number(value, "epsilon", 0, math.inf)


class Adagrad(Optimizer):
    """Optimizer that implements the Adagrad algorithm.

    Per-parameter learning rates scaled by the accumulated squared gradients:
    `accumulator += g²; var -= lr * g / sqrt(accumulator + epsilon)`.

    Args:
        learning_rate: A float or a `LearningRateSchedule`. Defaults to `0.001`.
        initial_accumulator_value: Starting value of the accumulators, >= 0. Defaults to `0.1`.
        epsilon: A small constant for numerical stability. Defaults to `1e-7`.
        name: The optimizer's name. Defaults to `"adagrad"`.
        **kwargs: `weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm` as in `Optimizer`.

    Raises:
        ValueError: if an argument is out of range.
    """

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = _number(initial_accumulator_value, "initial_accumulator_value", 0,
                                                 math.inf)
        self.epsilon = _epsilon(epsilon)

    _keras_slot_groups = (("accumulator",),)

    def _slot_names(self):
        return ["accumulator"]

    def _slot_initial_value(self, slot):
        return self.initial_accumulator_value

    def _update(self, var, grad, slots, learning_rate, step):
        _fused.adagrad_update(var, grad, slots[0], float(learning_rate), self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Optimizer that implements the Nadam algorithm (Adam with Nesterov momentum).

    With `u_t = beta_1 * (1 - 0.5 * 0.96**t)` and `u_product` their running product:
    `m += (g - m)(1 - beta_1); v += (g² - v)(1 - beta_2)`,
    `m_hat = u_{t+1} m / (1 - u_product u_{t+1}) + (1 - u_t) g / (1 - u_product)`, `v_hat = v / (1 - beta_2**t)`,
    `var -= lr * m_hat / (sqrt(v_hat) + epsilon)`.

    Args:
        learning_rate: A float or a `LearningRateSchedule`. Defaults to `0.001`.
        beta_1: Decay rate of the 1st moment estimates, in [0, 1). Defaults to `0.9`.
        beta_2: Decay rate of the 2nd moment estimates, in [0, 1). Defaults to `0.999`.
        epsilon: A small constant for numerical stability. Defaults to `1e-7`.
        name: The optimizer's name. Defaults to `"nadam"`.
        **kwargs: `weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm` as in `Optimizer`.

    Raises:
        ValueError: if an argument is out of range.
    """

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _number(beta_1, "beta_1", 0, 1)
        self.beta_2 = _number(beta_2, "beta_2", 0, 1)
        self.epsilon = _epsilon(epsilon)
        self._u_product_cache = (0, np.float32(1.0))  # (step, Keras' _u_product after that step)

    def _slot_names(self):
        return ["momentum", "velocity"]

    def _u_product(self, step):
        # Keras keeps u_product in a float32 variable updated once per step; it is a function of the step count
        # alone, so it is recomputed (same float32 operations) when the step is not the cached one's successor,
        # e.g. after `iterations` was restored from a file.
        done, u = self._u_product_cache
        if done != step:
            u = nadam_u_product(step, self.beta_1, start=(done, u) if done == step - 1 else None)
            self._u_product_cache = (step, u)
        return u

    def _update(self, var, grad, slots, learning_rate, step):
        _fused.nadam_update(var, grad, slots[0], slots[1], float(learning_rate), self.beta_1, self.beta_2,
                           self.epsilon, step, float(self._u_product(step)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adamax(Optimizer):
    """Optimizer that implements the Adamax algorithm (Adam with the infinity norm).

    `m += (g - m)(1 - beta_1); u = max(beta_2 * u, |g|); var -= lr * m / ((1 - beta_1**t)(u + epsilon))`.

    Args:
        learning_rate: A float or a `LearningRateSchedule`. Defaults to `0.001`.
        beta_1: Decay rate of the 1st moment estimates, in [0, 1). Defaults to `0.9`.
        beta_2: Decay rate of the exponentially weighted infinity norm, in [0, 1). Defaults to `0.999`.
        epsilon: A small constant for numerical stability. Defaults to `1e-7`.
        name: The optimizer's name. Defaults to `"adamax"`.
        **kwargs: `weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm` as in `Optimizer`.

    Raises:
        ValueError: if an argument is out of range.
    """

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _number(beta_1, "beta_1", 0, 1)
        self.beta_2 = _number(beta_2, "beta_2", 0, 1)
        self.epsilon = _epsilon(epsilon)

    _keras_slot_groups = (("momentum", "norm"),)

    def _slot_names(self):
        return ["momentum", "norm"]

    def _update(self, var, grad, slots, learning_rate, step):
        _fused.adamax_update(var, grad, slots[0], slots[1], float(learning_rate), self.beta_1, self.beta_2,
                            self.epsilon, step)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Lion(Optimizer):
    """Optimizer that implements the Lion algorithm (sign of an interpolated momentum).

    `var -= lr * sign(beta_1 * m + (1 - beta_1) g); m = beta_2 * m + (1 - beta_2) g`.

    Args:
        learning_rate: A float or a `LearningRateSchedule`. Defaults to `0.001`.
        beta_1: Interpolation rate for the update direction, in (0, 1]. Defaults to `0.9`.
        beta_2: Decay rate of the momentum, in (0, 1]. Defaults to `0.99`.
        name: The optimizer's name. Defaults to `"lion"`.
        **kwargs: `weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm` as in `Optimizer`.

    Raises:
        ValueError: if `beta_1` or `beta_2` is not in (0, 1] (Keras' message).
    """

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, beta_1: float = 0.9, beta_2: float = 0.99,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        for value, arg in ((beta_1, "beta_1"), (beta_2, "beta_2")):
            real(value, arg, 0, 1, low_open=True, message="Argument `{name}` must be in the [0, 1] range. "
                 "Otherwise, the optimizer degenerates to SignSGD. Received: {name}={value!r}")
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)

    def _slot_names(self):
        return ["momentum"]

    def _update(self, var, grad, slots, learning_rate, step):
        _fused.lion_update(var, grad, slots[0], float(learning_rate), self.beta_1, self.beta_2)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}


class Adadelta(Optimizer):
    """Optimizer that implements the Adadelta algorithm.

    `acc_g = rho acc_g + (1 - rho) g²; delta = -sqrt(acc_d + epsilon) g / sqrt(acc_g + epsilon)`;
    `acc_d = rho acc_d + (1 - rho) delta²; var += lr * delta`.

    Args:
        learning_rate: A float or a `LearningRateSchedule`. Defaults to `0.001`.
        rho: The decay rate, in [0, 1]. Defaults to `0.95`.
        epsilon: A small constant for numerical stability. Defaults to `1e-7`.
        name: The optimizer's name. Defaults to `"adadelta"`.
        **kwargs: `weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm` as in `Optimizer`.

    Raises:
        ValueError: if an argument is out of range.
    """

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = _number(rho, "rho", 0, 1, high_open=False)
        self.epsilon = _epsilon(epsilon)

    def _slot_names(self):
        return ["accumulated_grad", "accumulated_delta_var"]

    def _update(self, var, grad, slots, learning_rate, step):
        _fused.adadelta_update(var, grad, slots[0], slots[1], float(learning_rate), self.rho, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}

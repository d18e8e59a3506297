"""Learning-rate schedules (`keras.optimizers.schedules`): called with the optimizer's step count, computed in
float32 as Keras does."""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from .._validation import real

__all__ = ["LearningRateSchedule", "ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "CosineDecay", "CosineDecayRestarts"]


def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value <= 0:
        raise ValueError(f"`{name}` must be a positive number, received {value!r}")
    return value


def _real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, received {value!r}")
    return value


class LearningRateSchedule:
    """Base class: `schedule(step)` returns the learning rate for that step (a float32 number)."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(step)")

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} must implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _DecaySchedule(LearningRateSchedule):
    """initial_learning_rate, decay_steps, decay_rate, staircase: what both decay schedules take."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False,
                 name: str | None = None) -> None:
        self.initial_learning_rate = _real(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _positive(decay_steps, "decay_steps")
        self.decay_rate = _real(decay_rate, "decay_rate")
        self.staircase = bool(staircase)
        self.name = name or type(self).__name__

    def _progress(self, step):
        p = np.float32(step) / np.float32(self.decay_steps)
        return np.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_DecaySchedule):
    """initial_learning_rate · decay_rate ^ (step / decay_steps), the exponent floored when `staircase`.

    Args:
        initial_learning_rate: The learning rate at step 0.
        decay_steps: A positive number of steps, the decay's time scale.
        decay_rate: The decay rate.
        staircase: Whether the decay happens at discrete intervals (the exponent/ratio floored).
        name: The optimizer's name.

    Example:

    ```python
    import fastnn

    schedule = fastnn.optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5)
    print(round(float(schedule(100)), 6))  # 0.05
    optimizer = fastnn.optimizers.SGD(learning_rate=schedule)
    ```
    """

    def __call__(self, step):
        return np.float32(self.initial_learning_rate) * np.power(np.float32(self.decay_rate), self._progress(step))


class InverseTimeDecay(_DecaySchedule):
    """initial_learning_rate / (1 + decay_rate · step / decay_steps), the ratio floored when `staircase`.

    Args:
        initial_learning_rate: The learning rate at step 0.
        decay_steps: A positive number of steps, the decay's time scale.
        decay_rate: The decay rate.
        staircase: Whether the decay happens at discrete intervals (the exponent/ratio floored).
        name: The optimizer's name.
    """

    def __call__(self, step):
        return np.float32(self.initial_learning_rate) / (np.float32(1) + np.float32(self.decay_rate)
                                                         * self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] while step <= boundaries[i] (and values[-1] after the last boundary).

    Args:
        boundaries: Increasing step counts where the value changes.
        values: The learning rates: one more than `boundaries`.
        name: The optimizer's name.
    """

    def __init__(self, boundaries: Sequence[int], values: Sequence[float], name: str = "PiecewiseConstant") -> None:
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"`values` must have one more element than `boundaries`, received "
                             f"{len(values)} values and {len(boundaries)} boundaries")
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return np.float32(value)
        return np.float32(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


# --- PolynomialDecay, CosineDecay (with warmup), CosineDecayRestarts (issue 16): Keras' float32 graphs in numpy.
_F = np.float32
_PI = _F(np.pi)


# TF evaluates these scalar float32 transcendentals with the C library (cosf, logf, powf: correctly rounded or
# nearly); numpy's float32 SIMD versions may differ by an ULP, so round the double-precision result instead.
def _cos(x):
    return _F(math.cos(float(x)))


def _log(x):
    return _F(math.log(float(x))) if x > 0 else _F(np.log(np.float64(x)))  # log(0) = -inf, log(<0) = nan


def _pow(x, y):
    try:
        return _F(math.pow(float(x), float(y)))
    except (ValueError, OverflowError):
        return _F(np.power(np.float64(x), np.float64(y)))


def _keras_positive(value, name):
    real(value, name, low=0, low_open=True, message="Argument `{name}` must be > 0. Received: {name}={value!r}")
    return value


def _non_negative(value, name):
    real(value, name, low=0, message="Argument `{name}` must be >= 0. Received: {name}={value!r}")
    return value


class PolynomialDecay(LearningRateSchedule):
    """A `LearningRateSchedule` that uses a polynomial decay schedule.

    `(initial_learning_rate - end_learning_rate) * (1 - step / decay_steps) ** power + end_learning_rate`, with
    `step` capped at `decay_steps`; with `cycle`, `decay_steps` is instead stretched to the first multiple of it
    that is >= step (1x at step 0).

    Args:
        initial_learning_rate: A float, the initial learning rate.
        decay_steps: A positive number of steps to decay over.
        end_learning_rate: A float, the minimal end learning rate. Defaults to `0.0001`.
        power: The power of the polynomial. Defaults to `1.0`.
        cycle: Whether it should cycle beyond decay_steps. Defaults to `False`.
        name: Defaults to `"PolynomialDecay"`.

    Returns:
        A callable: `schedule(step)` is the float32 learning rate at `step`.

    Raises:
        ValueError: if `decay_steps` is not > 0 or a rate is not a real number.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, end_learning_rate: float = 0.0001,
                 power: float = 1.0, cycle: bool = False, name: str = "PolynomialDecay") -> None:
        self.initial_learning_rate = _real(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _keras_positive(decay_steps, "decay_steps")
        self.end_learning_rate = _real(end_learning_rate, "end_learning_rate")
        self.power = _real(power, "power")
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step):
        initial, end, power = _F(self.initial_learning_rate), _F(self.end_learning_rate), _F(self.power)
        step, decay_steps = _F(step), _F(self.decay_steps)
        if self.cycle:
            multiplier = _F(1.0) if step == 0 else np.ceil(step / decay_steps)
            decay_steps = decay_steps * multiplier
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        return (initial - end) * _pow(_F(1) - p, power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class CosineDecay(LearningRateSchedule):
    """A `LearningRateSchedule` that uses a cosine decay with optional linear warmup.

    Without `warmup_target`: `initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) +
    alpha)` with `s = min(step, decay_steps)`. With `warmup_target`, the rate first rises linearly from
    `initial_learning_rate` to `warmup_target` over `warmup_steps`, then decays from `warmup_target` as above.

    Args:
        initial_learning_rate: A float, the initial learning rate.
        decay_steps: A positive number of steps to decay over.
        alpha: Minimum learning rate value as a fraction of the initial (or warmup target) rate. Defaults to `0.0`.
        name: Defaults to `"CosineDecay"`.
        warmup_target: A float, the rate reached after warmup; `None` (the default) means no warmup.
        warmup_steps: Number of warmup steps, >= 0. Defaults to `0`.

    Returns:
        A callable: `schedule(step)` is the float32 learning rate at `step`.

    Raises:
        ValueError: if `decay_steps` is not > 0, `warmup_steps` is negative, or a rate is not a real number.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0, name: str = "CosineDecay",
                 warmup_target: float | None = None, warmup_steps: int = 0) -> None:
        self.initial_learning_rate = _real(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _keras_positive(decay_steps, "decay_steps")
        self.alpha = _real(alpha, "alpha")
        self.name = name
        self.warmup_target = None if warmup_target is None else _real(warmup_target, "warmup_target")
        self.warmup_steps = _non_negative(warmup_steps, "warmup_steps")

    def _decay(self, step, decay_steps, decay_from_lr):
        cosine_decayed = _F(0.5) * (_F(1) + _cos(_PI * (step / decay_steps)))
        return decay_from_lr * (_F(1 - self.alpha) * cosine_decayed + _F(self.alpha))

    def __call__(self, step):
        initial, decay_steps, step = _F(self.initial_learning_rate), _F(self.decay_steps), _F(step)
        if self.warmup_target is None:
            return self._decay(np.minimum(step, decay_steps), decay_steps, initial)
        target, warmup_steps = _F(self.warmup_target), _F(self.warmup_steps)
        step = np.minimum(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (target - initial) * (step / warmup_steps) + initial
        return self._decay(step - warmup_steps, decay_steps, target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """A `LearningRateSchedule` that uses a cosine decay schedule with restarts (SGDR).

    The rate follows a cosine from `initial_learning_rate` towards `alpha * initial_learning_rate` over
    `first_decay_steps`, then restarts: each period is `t_mul` times longer and starts `m_mul` times lower.

    Args:
        initial_learning_rate: A float, the initial learning rate.
        first_decay_steps: A positive number of steps in the first decay period.
        t_mul: Factor for the length of each next period. Defaults to `2.0`.
        m_mul: Factor for the initial learning rate of each next period. Defaults to `1.0`.
        alpha: Minimum learning rate value as a fraction of the initial rate. Defaults to `0.0`.
        name: Defaults to `"SGDRDecay"`.

    Returns:
        A callable: `schedule(step)` is the float32 learning rate at `step`.

    Raises:
        ValueError: if `first_decay_steps` is not > 0 or a factor is not a real number.
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int, t_mul: float = 2.0, m_mul: float = 1.0,
                 alpha: float = 0.0, name: str = "SGDRDecay") -> None:
        self.initial_learning_rate = _real(initial_learning_rate, "initial_learning_rate")
        self.first_decay_steps = _keras_positive(first_decay_steps, "first_decay_steps")
        self.t_mul = _real(t_mul, "t_mul")
        self.m_mul = _real(m_mul, "m_mul")
        self.alpha = _real(alpha, "alpha")
        self.name = name

    def __call__(self, step):
        initial, alpha = _F(self.initial_learning_rate), _F(self.alpha)
        t_mul, m_mul, one = _F(self.t_mul), _F(self.m_mul), _F(1)
        completed_fraction = _F(step) / _F(self.first_decay_steps)
        if t_mul == one:
            i_restart = np.floor(completed_fraction)
            completed_fraction = completed_fraction - i_restart
        else:
            i_restart = np.floor(_log(one - completed_fraction * (one - t_mul)) / _log(t_mul))
            sum_r = (one - _pow(t_mul, i_restart)) / (one - t_mul)
            completed_fraction = (completed_fraction - sum_r) / _pow(t_mul, i_restart)
        m_fac = _pow(m_mul, i_restart)
        cosine_decayed = _F(0.5) * m_fac * (one + _cos(_PI * completed_fraction))
        return initial * ((one - alpha) * cosine_decayed + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}

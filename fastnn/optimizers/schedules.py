"""Learning-rate schedules (`keras.optimizers.schedules`): called with the optimizer's step count, computed in
float32 as Keras does."""
import numbers

import numpy as np

__all__ = ["LearningRateSchedule", "ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay"]


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

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
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
    """initial_learning_rate · decay_rate ^ (step / decay_steps), the exponent floored when `staircase`."""

    def __call__(self, step):
        return np.float32(self.initial_learning_rate) * np.power(np.float32(self.decay_rate), self._progress(step))


class InverseTimeDecay(_DecaySchedule):
    """initial_learning_rate / (1 + decay_rate · step / decay_steps), the ratio floored when `staircase`."""

    def __call__(self, step):
        return np.float32(self.initial_learning_rate) / (np.float32(1) + np.float32(self.decay_rate)
                                                         * self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] while step <= boundaries[i] (and values[-1] after the last boundary)."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
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

"""The metric base class (`keras.metrics.Metric`): state lives in float32 Variables, as in Keras, so long runs
round the same way."""
import numpy as np

from ..saving.serialization import to_snake_case
from ..variable import Variable

__all__ = ["Metric"]


class Metric:
    """Subclasses implement `update_state(...)`, `result()` and list their state in `self._state`."""

    def __init__(self, name=None, dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        try:
            self.dtype = np.dtype(dtype or "float32")
        except TypeError:
            self.dtype = None
        if self.dtype is None or self.dtype.kind != "f":
            raise TypeError(f"`dtype` of a metric must be a floating dtype, received {dtype!r}")
        self._state = []

    def add_variable(self, shape=(), name=None):
        """A zero-initialised state variable, reset by `reset_state`."""
        v = Variable._named(np.zeros(shape, self.dtype), name, trainable=False)
        self._state.append(v)
        return v

    @property
    def variables(self):
        return list(self._state)

    def reset_state(self):
        """Zero every state variable."""
        for v in self._state:
            v.assign(np.zeros(v.shape, v.dtype))

    reset_states = reset_state  # the TF 2.x name

    def __call__(self, *args, **kwargs):
        """update_state(...) then result(), as Keras metrics do."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": str(self.dtype)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<fastnn.metrics.{type(self).__name__} name={self.name!r}>"

"""fastnn.models — `Model` (the training API; subclass it) and `Sequential`."""
from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential"]

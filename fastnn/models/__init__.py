"""fastnn.models — `Model` (the training API; subclass it), `Sequential`, and `load_model`."""
from .model import Model
from .sequential import Sequential
from ..saving.model_io import load_model

__all__ = ["Model", "Sequential", "load_model"]

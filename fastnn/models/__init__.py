"""fastnn.models — `Model` (the training API; subclass it), `Sequential`, `load_model` and `clone_model`."""
from .model import Model
from .sequential import Sequential
from ..saving.model_io import load_model
from .cloning import clone_model

__all__ = ["Model", "Sequential", "load_model", "clone_model"]

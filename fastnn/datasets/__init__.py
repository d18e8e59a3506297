"""fastnn.datasets — small data sets for examples and tests (Keras' `load_data()` convention)."""
from . import digits

__all__ = ["digits"]

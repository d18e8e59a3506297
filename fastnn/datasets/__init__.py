"""fastnn.datasets — data sets for examples and tests (Keras' `load_data()` convention): `digits` and `iris`
ship inside the package; `mnist` reads a local folder or downloads into a checked cache."""
from . import digits, iris, mnist

__all__ = ["digits", "iris", "mnist"]

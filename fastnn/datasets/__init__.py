"""fastnn.datasets — data sets for examples and tests (Keras' `load_data()` convention): `digits` and `iris`
ship inside the package; `mnist`, `fashion_mnist`, `cifar10`, `cifar100` and `boston_housing` read a local copy
or download into a SHA-256-checked cache under `$FASTNN_HOME/datasets`."""
from . import digits, iris, mnist
from . import boston_housing, cifar10, cifar100, fashion_mnist

__all__ = ["digits", "iris", "mnist", "fashion_mnist", "cifar10", "cifar100", "boston_housing"]

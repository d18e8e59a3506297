"""`fastnn.version` — as `tf.version`: `VERSION` is the installed fastnn's version string."""
from .kernels.runtime import __version__ as VERSION

__all__ = ["VERSION"]

"""`fastnn.version` — as `tf.version`: `VERSION` is the installed fastnn's version string."""
from ._core import __version__ as VERSION

__all__ = ["VERSION"]

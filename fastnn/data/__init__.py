"""fastnn.data — `Dataset`, the input pipeline of `tf.data` that Keras tutorials use: `from_tensor_slices`,
`shuffle`, `batch`, `map`, `take`, `repeat`, `prefetch` (accepted; no-op), iterable, and accepted by `fit`,
`evaluate` and `predict`."""
from .dataset import Dataset

__all__ = ["Dataset"]

"""Intersection-over-union metrics (`keras.metrics.MeanIoU`): a running class-by-class confusion matrix."""
from __future__ import annotations

import numpy as np

from .._validation import boolean, integer
from ..tensor import Tensor, as_array
from .metric import Metric

__all__ = ["MeanIoU"]

EPSILON = 1e-7


class MeanIoU(Metric):
    """Mean intersection-over-union `TP / (TP + FP + FN)` over the classes, for semantic segmentation.

    Args:
        num_classes: Number of classes (an int >= 1); the confusion matrix is `num_classes × num_classes`.
        name: Name of the metric instance.
        dtype: Data type of the counts. None (Keras' default) counts in integers: labels, predictions and
            weights are truncated to ints. A float dtype keeps fractional weights.
        ignore_class: A class id whose pixels are skipped (e.g. a "void" class), or None.
        sparse_y_true: Whether labels are class ids (True, default) or one-hot / scores (argmax on `axis`).
        sparse_y_pred: Whether predictions are class ids (True, default) or scores (argmax on `axis`).
        axis: The class axis for the argmax. Defaults to `-1`.

    Labels or predictions outside `[0, num_classes)` are ignored.

    Example:
    >>> m = fastnn.metrics.MeanIoU(num_classes=2)
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> float(m.result())
    0.33333334
    """

    def __init__(self, num_classes: int, name: str | None = None, dtype: str | None = None,
                 ignore_class: int | None = None, sparse_y_true: bool = True, sparse_y_pred: bool = True,
                 axis: int = -1) -> None:
        num_classes = integer(num_classes, "num_classes", minimum=1)
        sparse_y_true, sparse_y_pred = boolean(sparse_y_true, "sparse_y_true"), boolean(sparse_y_pred, "sparse_y_pred")
        ignore_class = integer(ignore_class, "ignore_class", allow_none=True, error=TypeError)
        super().__init__(name=name or "mean_io_u", dtype=dtype)
        self._integer_counts = dtype is None
        self.num_classes, self.ignore_class = int(num_classes), ignore_class
        self.sparse_y_true, self.sparse_y_pred, self.axis = bool(sparse_y_true), bool(sparse_y_pred), axis
        self.total_cm = self.add_variable((self.num_classes, self.num_classes), name="total_confusion_matrix")

    def _ids(self, values, sparse, what):
        values = np.asarray(as_array(values, what))
        if not sparse:
            values = np.argmax(values, axis=self.axis)
        cast = np.int64 if self._integer_counts else self.dtype
        return values.astype(cast).reshape(-1)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's (weighted) confusion matrix to the running one."""
        y_true = self._ids(y_true, self.sparse_y_true, "y_true")
        y_pred = self._ids(y_pred, self.sparse_y_pred, "y_pred")
        if y_true.shape != y_pred.shape:
            raise ValueError(f"`y_true` and `y_pred` must hold the same number of values, received {y_true.size} "
                             f"and {y_pred.size}")
        w = np.asarray(1 if sample_weight is None else as_array(sample_weight, "sample_weight"))
        w = w.astype(np.int64 if self._integer_counts else self.dtype).reshape(-1) if w.ndim > 1 else \
            w.astype(np.int64 if self._integer_counts else self.dtype)
        try:
            w = np.broadcast_to(w, y_true.shape)
        except ValueError:
            raise ValueError(f"`sample_weight` of shape {np.shape(sample_weight)} does not broadcast to the "
                             f"{y_true.size} labels") from None
        valid = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        rows, cols = y_true[valid].astype(np.int64), y_pred[valid].astype(np.int64)
        cm = np.bincount(rows * self.num_classes + cols, weights=w[valid].astype(np.float64),
                         minlength=self.num_classes ** 2).reshape(self.num_classes, self.num_classes)
        self.total_cm.assign_add(cm.astype(self.dtype))

    def result(self):
        cm = self.total_cm.numpy().astype(np.float32)
        tp = np.diag(cm)
        denominator = cm.sum(axis=0) + cm.sum(axis=1) - tp
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + np.float32(EPSILON)), np.float32(0))
        return Tensor(np.asarray(np.sum(iou) / (np.sum(valid, dtype=np.float32) + np.float32(EPSILON)), np.float32))

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name,
                "dtype": None if self._integer_counts else str(self.dtype), "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}

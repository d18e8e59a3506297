"""`ZeroPadding2D`, `Cropping2D` and `UpSampling2D` (channels-last): reshape the spatial axes of images."""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from .. import ops
from .._tape import record
from .._validation import spatial_pair
from ..ops.math_ops import _float_input
from ._conv_common import check_channels_last
from .layer import Layer

__all__ = ["ZeroPadding2D", "Cropping2D", "UpSampling2D"]


def _two_pairs(value, name):
    """((top, bottom), (left, right)) from an int, a pair of ints (symmetric) or a pair of pairs (Keras' forms)."""
    def nonneg(v):
        return not isinstance(v, bool) and isinstance(v, numbers.Integral) and v >= 0

    if nonneg(value):
        return ((int(value), int(value)), (int(value), int(value)))
    if isinstance(value, (list, tuple)) and len(value) == 2:
        if all(nonneg(v) for v in value):
            return ((int(value[0]), int(value[0])), (int(value[1]), int(value[1])))
        if all(isinstance(v, (list, tuple)) and len(v) == 2 and all(nonneg(u) for u in v) for v in value):
            return tuple((int(v[0]), int(v[1])) for v in value)
    raise ValueError(f"`{name}` should be a non-negative int, a tuple of 2 non-negative ints or a tuple of 2 "
                     f"tuples of 2 non-negative ints. Received: {name}={value!r}")


def _check_images(layer, shape):
    if len(shape) != 4:
        raise ValueError(f"{type(layer).__name__} layer {layer.name!r} expects inputs (batch, height, width, "
                         f"channels), received shape {tuple(shape)}")


class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros at the top, bottom, left and right of images (channels-last).

    Args:
        padding: int (the same on all four sides), (symmetric_height_pad, symmetric_width_pad), or
            ((top_pad, bottom_pad), (left_pad, right_pad)). Default (1, 1).
        data_format: "channels_last" or None.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        4-D tensor of shape `(batch_size, rows, cols, channels)`.

    Output shape:
        4-D tensor of shape `(batch_size, top_pad + rows + bottom_pad, left_pad + cols + right_pad, channels)`.

    Example:

    >>> fastnn.layers.ZeroPadding2D(((1, 0), (2, 3)))(np.ones((1, 2, 2, 1), np.float32)).shape
    (1, 3, 7, 1)
    """

    def __init__(self, padding: int | Sequence[int] | Sequence[Sequence[int]] = (1, 1), data_format: str | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.padding = _two_pairs(padding, "padding")
        check_channels_last(data_format)

    def build(self, input_shape):
        _check_images(self, input_shape)

    def call(self, inputs):
        _check_images(self, inputs.shape)
        return ops.pad(inputs, [[0, 0], list(self.padding[0]), list(self.padding[1]), [0, 0]])

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        (t, b), (left, r) = self.padding
        return (n, None if h is None else h + t + b, None if w is None else w + left + r, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": "channels_last"}


class Cropping2D(Layer):
    """Removes rows and columns at the top, bottom, left and right of images (channels-last).

    Args:
        cropping: int (the same on all four sides), (symmetric_height_crop, symmetric_width_crop), or
            ((top_crop, bottom_crop), (left_crop, right_crop)). Default ((0, 0), (0, 0)).
        data_format: "channels_last" or None.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        4-D tensor of shape `(batch_size, rows, cols, channels)`.

    Output shape:
        4-D tensor of shape `(batch_size, rows - top_crop - bottom_crop, cols - left_crop - right_crop, channels)`;
        at least one row and column must remain (ValueError otherwise).
    """

    def __init__(self, cropping: int | Sequence[int] | Sequence[Sequence[int]] = ((0, 0), (0, 0)),
                 data_format: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cropping = _two_pairs(cropping, "cropping")
        check_channels_last(data_format)

    def build(self, input_shape):
        _check_images(self, input_shape)
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        _check_images(self, inputs.shape)
        _, h, w, _ = self.compute_output_shape(inputs.shape)
        (t, _), (left, _) = self.cropping
        return inputs[:, t:t + h, left:left + w, :]

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        out = []
        for size, (before, after) in zip((h, w), self.cropping):
            if size is not None and size - before - after <= 0:
                raise ValueError(f"Values in `cropping` argument should be smaller than the corresponding spatial "
                                 f"dimension of the input. Received: input_shape={tuple(input_shape)}, "
                                 f"cropping={self.cropping}")
            out.append(None if size is None else size - before - after)
        return (n, out[0], out[1], c)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": "channels_last"}


def _bilinear_matrix(size, factor):
    """[size·factor, size] weights of TF's half-pixel-centre bilinear resize along one axis (tf.image.resize
    with method='bilinear', which Keras' UpSampling2D calls): source position (i + 0.5)/factor − 0.5, its two
    neighbours clamped to the edge."""
    out = size * factor
    pos = (np.arange(out, dtype=np.float64) + 0.5) * (size / out) - 0.5
    lower = np.floor(pos)
    lerp = pos - lower
    lo = np.clip(lower, 0, size - 1).astype(np.intp)
    hi = np.clip(np.ceil(pos), 0, size - 1).astype(np.intp)
    m = np.zeros((out, size), np.float64)
    np.add.at(m, (np.arange(out), lo), 1 - lerp)
    np.add.at(m, (np.arange(out), hi), lerp)
    return m.astype(np.float32)


def upsample2d(images, size, interpolation="nearest"):
    """images [N, H, W, C] -> [N, H·size[0], W·size[1], C], each pixel repeated ('nearest') or TF's bilinear
    resize ('bilinear'); differentiable in `images`."""
    t = _float_input(images, "images")
    x = t._value
    fh, fw = size
    n, h, w, c = x.shape
    if interpolation == "nearest":
        y = np.repeat(np.repeat(x, fh, axis=1), fw, axis=2)
        return record([t], y, lambda g, needs: [
            g.reshape(n, h, fh, w, fw, c).sum(axis=(2, 4), dtype=np.float32)])
    ah, aw = _bilinear_matrix(h, fh), _bilinear_matrix(w, fw)
    y = np.einsum("jb,nibc->nijc", aw, np.einsum("ia,nabc->nibc", ah, x, optimize=True), optimize=True)

    def backward(g, needs):
        gi = np.einsum("jb,nijc->nibc", aw, g, optimize=True)
        return [np.ascontiguousarray(np.einsum("ia,nibc->nabc", ah, gi, optimize=True), dtype=np.float32)]
    return record([t], np.ascontiguousarray(y, dtype=np.float32), backward)


class UpSampling2D(Layer):
    """Upsamples images by whole factors along rows and columns (channels-last).

    Args:
        size: int or pair (row factor, column factor). Default (2, 2).
        data_format: "channels_last" or None.
        interpolation: "nearest" (each pixel repeated, Keras' `ops.repeat`) or "bilinear" (TF's
            `tf.image.resize` with half-pixel centres, which Keras' bilinear mode runs).
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        4-D tensor of shape `(batch_size, rows, cols, channels)`.

    Output shape:
        4-D tensor of shape `(batch_size, rows * size[0], cols * size[1], channels)`.

    Example:

    >>> fastnn.layers.UpSampling2D(2)(np.ones((1, 3, 4, 2), np.float32)).shape
    (1, 6, 8, 2)
    """

    def __init__(self, size: int | Sequence[int] = (2, 2), data_format: str | None = None,
                 interpolation: str = "nearest", **kwargs) -> None:
        super().__init__(**kwargs)
        self.size = spatial_pair(size, "size")
        check_channels_last(data_format)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"`interpolation` must be 'nearest' or 'bilinear' in fastnn. Received: "
                             f"interpolation={interpolation!r}")
        self.interpolation = interpolation

    def build(self, input_shape):
        _check_images(self, input_shape)

    def call(self, inputs):
        _check_images(self, inputs.shape)
        return upsample2d(inputs, self.size, self.interpolation)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, None if h is None else h * self.size[0], None if w is None else w * self.size[1], c)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": "channels_last",
                "interpolation": self.interpolation}

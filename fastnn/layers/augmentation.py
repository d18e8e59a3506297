"""Image augmentation layers (`keras.layers.RandomFlip`, `RandomRotation`, `RandomTranslation`, `RandomZoom`):
random per-image transforms of NHWC batches, applied only when training (identity at inference).

The geometric ones share one projective resampler with TensorFlow's ImageProjectiveTransformV3 semantics (what
Keras 3 runs on the TF backend): each output pixel (x, y) reads the input at the transformed point, out-of-range
coordinates are mapped by `fill_mode` (reflect: dcba|abcd|dcba, wrap, nearest, constant -> fill_value), then
sampled bilinearly or by the nearest pixel. Augmentation outputs are not differentiated (they feed the model's
first layer).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from .. import random as fastnn_random
from .._validation import one_of
from ..tensor import Tensor, as_array
from .layer import Layer

__all__ = ["RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "projective_transform"]

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("bilinear", "nearest")


def _map_coordinates(coord, size, mode):
    """TF's MapCoordinate for each fill mode (float coordinates, `size` pixels along the axis)."""
    if mode == "constant":
        return coord
    if size <= 1:
        return np.zeros_like(coord)
    if mode == "nearest":
        return np.clip(coord, 0, size - 1)
    c = coord.copy()
    low, high = coord < 0, coord > size - 1  # from the original coordinates: TF's branches are if / else-if
    if mode == "reflect":
        sz2 = 2 * size
        lc = c[low]
        lc = np.where(lc < sz2, sz2 * np.trunc(-lc / sz2) + lc, lc)
        c[low] = np.where(lc < -size, lc + sz2, -lc - 1)
        hc = c[high]
        hc = hc - sz2 * np.trunc(hc / sz2)
        c[high] = np.where(hc >= size, sz2 - hc - 1, hc)
    else:  # wrap
        span = size - 1
        c[low] = c[low] + size * (np.trunc(-c[low] / span) + 1)
        c[high] = c[high] - size * np.trunc(c[high] / span)
    return np.clip(c, 0, size - 1)


def _round_half_away(v):
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def projective_transform(images, transforms, fill_mode="reflect", interpolation="bilinear", fill_value=0.0):
    """images (N, H, W, C); transforms (N, 8) rows [a0, a1, a2, b0, b1, b2, c0, c1] mapping each output point
    (x, y) to the input point ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1."""
    images = np.asarray(images, np.float32)
    n, h, w, c = images.shape
    t = np.asarray(transforms, np.float32).reshape(n, 8, 1, 1)
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32), indexing="ij")
    k = t[:, 6] * xs + t[:, 7] * ys + np.float32(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        in_x = (t[:, 0] * xs + t[:, 1] * ys + t[:, 2]) / k
        in_y = (t[:, 3] * xs + t[:, 4] * ys + t[:, 5]) / k
    degenerate = k == 0
    x = _map_coordinates(in_x, w, fill_mode)
    y = _map_coordinates(in_y, h, fill_mode)
    batch = np.arange(n).reshape(n, 1, 1)
    fill = np.float32(fill_value)

    def read(yy, xx):
        inside = (yy >= 0) & (yy <= h - 1) & (xx >= 0) & (xx <= w - 1) & ~degenerate
        yi = np.clip(yy, 0, h - 1).astype(np.int64)
        xi = np.clip(xx, 0, w - 1).astype(np.int64)
        return np.where(inside[..., None], images[batch, yi, xi], fill)

    if interpolation == "nearest":
        return read(_round_half_away(y), _round_half_away(x))
    y0, x0 = np.floor(y), np.floor(x)
    y1, x1 = y0 + 1, x0 + 1
    top = (x1 - x)[..., None] * read(y0, x0) + (x - x0)[..., None] * read(y0, x1)
    bottom = (x1 - x)[..., None] * read(y1, x0) + (x - x0)[..., None] * read(y1, x1)
    out = (y1 - y)[..., None] * top + (y - y0)[..., None] * bottom
    return np.where(degenerate[..., None], fill, out).astype(np.float32)


def _factor_range(factor, name, symmetric=True):
    if isinstance(factor, numbers.Real) and not isinstance(factor, bool):
        lower, upper = (-float(factor), float(factor)) if symmetric else (0.0, float(factor))
    else:
        try:
            lower, upper = (float(v) for v in factor)
        except (TypeError, ValueError):
            raise ValueError(f"`{name}` must be a number or a pair (lower, upper), received {factor!r}") from None
    if lower > upper:
        raise ValueError(f"`{name}` lower bound must not exceed the upper bound, received {factor!r}")
    return lower, upper


class _Augmentation(Layer):
    def __init__(self, seed=None, fill_mode="reflect", interpolation="bilinear", fill_value=0.0, **kwargs):
        super().__init__(**kwargs)
        one_of(fill_mode, "fill_mode", _FILL_MODES,
               "`{name}` must be one of " + str(_FILL_MODES) + ", received {value!r}")
        one_of(interpolation, "interpolation", _INTERPOLATIONS,
               "`{name}` must be one of " + str(_INTERPOLATIONS) + ", received {value!r}")
        self.seed, self.fill_mode, self.interpolation, self.fill_value = seed, fill_mode, interpolation, fill_value
        self._calls = 0

    def _generator(self):
        if self.seed is None:
            return fastnn_random._generator()
        self._calls += 1
        return fastnn_random._generator(self.seed + self._calls)

    def build(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(f"{type(self).__name__} expects images (batch, height, width, channels) or (height, "
                             f"width, channels), received shape {input_shape}")

    def call(self, inputs, training=None):
        if not training:
            return inputs
        images = as_array(inputs, "inputs").astype(np.float32, copy=False)
        single = images.ndim == 3
        batch = images[None] if single else images
        out = self._augment(batch, self._generator())
        return Tensor(out[0] if single else out)

    def _transform(self, images, transforms):
        return projective_transform(images, transforms, self.fill_mode, self.interpolation, self.fill_value)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


class RandomFlip(_Augmentation):
    """Randomly flips images horizontally and/or vertically during training.

    Each image is flipped left-right and/or up-down, each with probability 1/2; at inference (`training` not True)
    the layer is the identity.

    Args:
        mode: `"horizontal"`, `"vertical"` or `"horizontal_and_vertical"`.
        seed: An int making the flips reproducible, or None.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        3D (unbatched) or 4D tensor: `(height, width, channels)` or `(batch_size, height, width, channels)`.

    Output shape:
        Same shape as the input.

    Raises:
        ValueError: for an unknown `mode`.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    images = np.random.rand(4, 8, 8, 3).astype("float32")
    augment = layers.RandomFlip("horizontal", seed=1)
    print(augment(images, training=True).shape)  # (4, 8, 8, 3)
    print(np.array_equal(augment(images), images))  # True: the identity at inference
    ```
    """

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None, **kwargs) -> None:
        super().__init__(seed=seed, **kwargs)
        one_of(mode, "mode", ("horizontal", "vertical", "horizontal_and_vertical"),
               f"RandomFlip layer {self.name} received an unknown mode argument {{value}}")
        self.mode = mode

    def _augment(self, images, generator):
        out = images.copy()
        n = len(images)
        if "horizontal" in self.mode:
            flip = generator.random(n) < 0.5
            out[flip] = out[flip][:, :, ::-1]
        if "vertical" in self.mode:
            flip = generator.random(n) < 0.5
            out[flip] = out[flip][:, ::-1]
        return out

    def get_config(self):
        # as Keras' RandomFlip: no fill settings (a flip fills nothing; Keras refuses them in a config)
        config = {key: value for key, value in super().get_config().items()
                  if key not in ("fill_mode", "interpolation", "fill_value")}
        return {**config, "mode": self.mode}


class RandomRotation(_Augmentation):
    """Randomly rotates images during training.

    Each image is rotated counter-clockwise by `factor * 2π` radians, the factor drawn uniformly from
    `[lower, upper]`; at inference the layer is the identity. Pixels are resampled as TensorFlow's
    ImageProjectiveTransformV3 does (the same pixels as Keras for the same transform).

    Args:
        factor: A float `f` (the range `[-f, f]`) or a pair `(lower, upper)`, fractions of a full turn.
        fill_mode: How points outside the image are filled: `"reflect"` (d c b a | a b c d | d c b a), `"wrap"`,
            `"nearest"` or `"constant"` (`fill_value`).
        interpolation: `"bilinear"` or `"nearest"`.
        seed: An int making the random transforms reproducible, or None.
        fill_value: The value outside the image when `fill_mode="constant"`.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        3D (unbatched) or 4D tensor: `(height, width, channels)` or `(batch_size, height, width, channels)`.

    Output shape:
        Same shape as the input.

    Raises:
        ValueError: for an invalid `factor`, `fill_mode` or `interpolation`.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    images = np.random.rand(4, 8, 8, 3).astype("float32")
    augment = layers.RandomRotation(0.1, seed=1)
    print(augment(images, training=True).shape)  # (4, 8, 8, 3)
    print(np.array_equal(augment(images), images))  # True: the identity at inference
    ```
    """

    def __init__(self, factor: float | Sequence[float], fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(seed, fill_mode, interpolation, fill_value, **kwargs)
        self.factor = factor
        self._range = _factor_range(factor, "factor")

    def _augment(self, images, generator):
        n, h, w, _ = images.shape
        angles = generator.uniform(*self._range, size=n) * 2.0 * math.pi
        cos, sin = np.cos(angles), np.sin(angles)
        x_offset = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2.0
        y_offset = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2.0
        transforms = np.stack([cos, -sin, x_offset, sin, cos, y_offset, np.zeros(n), np.zeros(n)], axis=1)
        return self._transform(images, transforms)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomTranslation(_Augmentation):
    """Randomly translates images during training.

    Each image is shifted by fractions of its height and width drawn from the factors' ranges (positive: down /
    right); at inference the layer is the identity.

    Args:
        height_factor: A float `f` (the range `[-f, f]`) or a pair `(lower, upper)`, fractions of the height.
        width_factor: A float or a pair, fractions of the width.
        fill_mode: How points outside the image are filled: `"reflect"` (d c b a | a b c d | d c b a), `"wrap"`,
            `"nearest"` or `"constant"` (`fill_value`).
        interpolation: `"bilinear"` or `"nearest"`.
        seed: An int making the random transforms reproducible, or None.
        fill_value: The value outside the image when `fill_mode="constant"`.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        3D (unbatched) or 4D tensor: `(height, width, channels)` or `(batch_size, height, width, channels)`.

    Output shape:
        Same shape as the input.

    Raises:
        ValueError: for an invalid factor, `fill_mode` or `interpolation`.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    images = np.random.rand(4, 8, 8, 3).astype("float32")
    augment = layers.RandomTranslation(0.1, 0.1, seed=1)
    print(augment(images, training=True).shape)  # (4, 8, 8, 3)
    print(np.array_equal(augment(images), images))  # True: the identity at inference
    ```
    """

    def __init__(self, height_factor: float | Sequence[float], width_factor: float | Sequence[float],
                 fill_mode: str = "reflect", interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(seed, fill_mode, interpolation, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h_range = _factor_range(height_factor, "height_factor")
        self._w_range = _factor_range(width_factor, "width_factor")

    def _augment(self, images, generator):
        n, h, w, _ = images.shape
        dy = generator.uniform(*self._h_range, size=n) * h
        dx = generator.uniform(*self._w_range, size=n) * w
        ones, zeros = np.ones(n), np.zeros(n)
        transforms = np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)
        return self._transform(images, transforms)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}


class RandomZoom(_Augmentation):
    """Randomly zooms images during training.

    Each image is scaled by `1 + factor`, the factor drawn from the ranges (positive: zoom out, negative: zoom in);
    without `width_factor` the aspect ratio is kept. At inference the layer is the identity.

    Args:
        height_factor: A float `f` (the range `[-f, f]`) or a pair `(lower, upper)`, for the height.
        width_factor: A float, a pair, or None (zoom the width as the height).
        fill_mode: How points outside the image are filled: `"reflect"` (d c b a | a b c d | d c b a), `"wrap"`,
            `"nearest"` or `"constant"` (`fill_value`).
        interpolation: `"bilinear"` or `"nearest"`.
        seed: An int making the random transforms reproducible, or None.
        fill_value: The value outside the image when `fill_mode="constant"`.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`).

    Input shape:
        3D (unbatched) or 4D tensor: `(height, width, channels)` or `(batch_size, height, width, channels)`.

    Output shape:
        Same shape as the input.

    Raises:
        ValueError: for an invalid factor, `fill_mode` or `interpolation`.

    Example:

    ```python
    import numpy as np
    from fastnn import layers

    images = np.random.rand(4, 8, 8, 3).astype("float32")
    augment = layers.RandomZoom(0.2, seed=1)
    print(augment(images, training=True).shape)  # (4, 8, 8, 3)
    print(np.array_equal(augment(images), images))  # True: the identity at inference
    ```
    """

    def __init__(self, height_factor: float | Sequence[float], width_factor: float | Sequence[float] | None = None,
                 fill_mode: str = "reflect", interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(seed, fill_mode, interpolation, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h_range = _factor_range(height_factor, "height_factor")
        self._w_range = None if width_factor is None else _factor_range(width_factor, "width_factor")
        if self._h_range[0] < -1 or (self._w_range and self._w_range[0] < -1):
            raise ValueError(f"zoom factors must be >= -1, received height_factor={height_factor!r}, "
                             f"width_factor={width_factor!r}")

    def _augment(self, images, generator):
        n, h, w, _ = images.shape
        zy = 1.0 + generator.uniform(*self._h_range, size=n)
        zx = zy if self._w_range is None else 1.0 + generator.uniform(*self._w_range, size=n)
        x_offset = (w - 1) / 2.0 * (1.0 - zx)
        y_offset = (h - 1) / 2.0 * (1.0 - zy)
        zeros = np.zeros(n)
        transforms = np.stack([zx, zeros, x_offset, zeros, zy, y_offset, zeros, zeros], axis=1)
        return self._transform(images, transforms)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}

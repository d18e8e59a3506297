"""Image arrays to and from PIL images (`keras.utils.array_to_img` / `img_to_array`). Pillow is optional: these
two functions need it, nothing else in fastnn does."""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._validation import one_of

__all__ = ["array_to_img", "img_to_array"]


def _pil_image():
    try:
        from PIL import Image  # noqa: PLC0415  (optional dependency, loaded on first use)
    except ImportError:
        raise ImportError("array_to_img needs Pillow: pip install pillow") from None
    return Image


def _data_format(data_format):
    one_of(data_format, "data_format", (None, "channels_last", "channels_first"),
           "`{name}` must be 'channels_last' or 'channels_first'. Received: {name}={value!r}")
    return data_format or "channels_last"


def array_to_img(x: ArrayLike, data_format: str | None = None, scale: bool = True, dtype: str | None = None) -> Any:
    """A PIL image from one image array (height, width, channels) with 1, 3 or 4 channels.

    Args:
        x: the image, rank 3 (channels last unless `data_format="channels_first"`).
        data_format: "channels_last" (default) or "channels_first".
        scale: stretch the values to [0, 255] (subtract the minimum, divide by the new maximum) before the
            conversion to 8 bits; without it the values are cast as they are.
        dtype: the float type the array is read as (default float32).

    Returns:
        A `PIL.Image.Image`: mode "L" for one channel (or "I" when values exceed 255), "RGB", or "RGBA".

    Example:
        >>> img = fastnn.utils.array_to_img(np.random.rand(28, 28, 1))
        >>> img.size
        (28, 28)
    """
    image_module = _pil_image()
    values = np.array(x, dtype=dtype or "float32")
    if values.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: "
                         f"{values.shape}")
    if _data_format(data_format) == "channels_first":
        values = values.transpose(1, 2, 0)
    if scale:
        values -= values.min(initial=0.0) if values.size == 0 else values.min()
        top = values.max() if values.size else 0.0
        if top != 0:
            values /= top
        values *= 255
    # Pillow infers the mode from the array (RGBA, RGB, L, or I for int32); passing it is deprecated (Pillow 11.3)
    channels = values.shape[2]
    if channels in (3, 4):
        return image_module.fromarray(values.astype("uint8"))
    if channels == 1:
        if values.size and values.max() > 255:  # 32-bit grey (PIL's "I" mode) rather than wrapping around
            return image_module.fromarray(values[:, :, 0].astype("int32"))
        return image_module.fromarray(values[:, :, 0].astype("uint8"))
    raise ValueError(f"Unsupported channel number: {channels} (expected 1, 3 or 4)")


def img_to_array(img: Any, data_format: str | None = None, dtype: str | None = None) -> np.ndarray:
    """A float32 numpy array (height, width, channels) from a PIL image (or any array-like image).

    Args:
        img: a PIL image or an array of rank 2 (grey) or 3.
        data_format: "channels_last" (default) or "channels_first" for the result.
        dtype: the result's dtype (default float32).

    Returns:
        A numpy array of rank 3.
    """
    values = np.asarray(img, dtype=dtype or "float32")
    channels_first = _data_format(data_format) == "channels_first"
    if values.ndim == 2:
        return values[None] if channels_first else values[..., None]
    if values.ndim == 3:
        return values.transpose(2, 0, 1) if channels_first else values
    raise ValueError(f"Unsupported image shape: {values.shape} (expected rank 2 or 3)")

"""Argument checks shared by layers, ops, kernels, losses, metrics, optimizers and the rest (a leaf module: it imports
only numpy and the standard library, so anything in fastnn may use it).

Every check returns the normalized value or raises TypeError/ValueError with a Keras-style message that names the
argument and echoes the bad value ("... Received: units=-1"). A caller whose Keras counterpart words the message
differently passes `message`, a format string with the fields `{name}` and `{value}` (and `{low}`/`{high}` for
ranges), so the wording users see stays Keras'.
"""
import math
import numbers

import numpy as np

__all__ = ["integer", "positive_int", "non_negative_int", "real", "finite_real", "boolean", "one_of", "axis",
           "shape", "spatial_pair", "padding_arg", "data_format_arg", "layer_padding", "layer_data_format"]


def _raise(error, message, default, name, value, **fields):
    raise error((message or default).format(name=name, value=value, **fields))


def _is_int(value):
    return not isinstance(value, bool) and isinstance(value, (numbers.Integral, np.integer))


def _is_real(value):
    return not isinstance(value, bool) and isinstance(value, (numbers.Real, np.number))


def integer(value, name, minimum=None, allow_none=False, message=None, error=ValueError):
    """An int (numpy integers too, bool not) >= `minimum`, or None when `allow_none`; returned as a Python int.

    Args:
        value: the argument.
        name: its name, for the message.
        minimum: the smallest value allowed, or None for no bound.
        allow_none: whether None passes (and is returned).
        message: the error's format string, if not the default "`{name}` must be an int >= {low}.".
        error: the exception type raised.

    Raises:
        ValueError (or `error`): if `value` is not such an int.
    """
    if value is None and allow_none:
        return None
    if not _is_int(value) or (minimum is not None and value < minimum):
        default = ("`{name}` must be None or an int" if allow_none else "`{name}` must be an int") + \
            (" >= {low}" if minimum is not None else "") + ". Received: {name}={value!r}"
        _raise(error, message, default, name, value, low=minimum)
    return int(value)


def positive_int(value, name, message=None):
    """An int >= 1 (Keras' wording for layer sizes such as `units` and `filters` by default).

    Args:
        value: the argument.
        name: its name, for the message.
        message: the error's format string, if not Keras' layer wording.

    Raises:
        ValueError: if `value` is not an int >= 1 (bool is not an int here).
    """
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        _raise(ValueError, message, "Received an invalid value for `{name}`, expected a positive integer. "
                                    "Received: {name}={value!r}", name, value)
    return value


def non_negative_int(value, name, message=None):
    """An int >= 0, returned as a Python int.

    Raises:
        ValueError: if `value` is not an int >= 0.
    """
    return integer(value, name, minimum=0, message=message)


def real(value, name, low=None, high=None, low_open=False, high_open=False, message=None, error=ValueError):
    """A real number (not bool, not NaN) in the interval from `low` to `high` (None: unbounded on that side;
    `*_open`: the end is excluded), returned as a float.

    Args:
        value: the argument.
        name: its name, for the message.
        low, high: the interval's ends, or None.
        low_open, high_open: whether the interval excludes that end.
        message: the error's format string, if not "`{name}` must be a number in [low, high]."
        error: the exception type raised.

    Raises:
        ValueError (or `error`): if `value` is not such a number.
    """
    ok = _is_real(value) and not math.isnan(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        _raise(error, message, "`{name}` must be a number in " + interval + ". Received: {name}={value!r}", name,
               value, low=low, high=high)
    return float(value)


def finite_real(value, name, positive=False):
    """A finite real number (> 0 if `positive`), returned as a float.

    Raises:
        TypeError: if `value` is not a finite real number.
        ValueError: if `positive` and `value` <= 0.
    """
    if not _is_real(value) or not math.isfinite(value):
        raise TypeError(f"`{name}` must be a finite number. Received: {name}={value!r}")
    if positive and value <= 0:
        raise ValueError(f"`{name}` must be > 0. Received: {name}={value!r}")
    return float(value)


def boolean(value, name):
    """A bool (numpy's too), returned as a Python bool.

    Raises:
        TypeError: if `value` is not a bool (0 and 1 are not).
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be a bool. Received: {name}={value!r}")
    return bool(value)


def one_of(value, name, choices, message=None):
    """`value` if it is one of `choices`.

    Args:
        value: the argument.
        name: its name, for the message.
        choices: the allowed values.
        message: the error's format string (fields `{name}`, `{value}`, `{choices}`), if not the default.

    Raises:
        ValueError: if `value` is not in `choices`.
    """
    if not isinstance(value, (str, numbers.Number, type(None))) or value not in choices:
        raise ValueError((message or "`{name}` must be one of {choices}. Received: {name}={value!r}").format(
            name=name, value=value, choices=tuple(choices)))
    return value


def axis(value, name="axis", ndim=None):
    """An int axis, checked against `ndim` when given; returned as given (negative axes stay negative).

    Raises:
        TypeError: if `value` is not an int.
        ValueError: if `ndim` is given and `value` is not in [-ndim, ndim).
    """
    if not _is_int(value):
        raise TypeError(f"`{name}` must be an int. Received: {name}={value!r}")
    if ndim is not None and not -ndim <= value < ndim:
        raise ValueError(f"`{name}` is out of range for inputs of rank {ndim}. Received: {name}={value}")
    return value


def shape(value, name="shape"):
    """A shape as a tuple of non-negative ints and Nones (a dimension that may vary), or None (any shape).

    Raises:
        TypeError: if `value` is not iterable.
        ValueError: if a dimension is not a non-negative int or None.
    """
    if value is None:
        return None
    try:
        dims = tuple(value)
    except TypeError:
        raise TypeError(f"`{name}` must be a list of ints/None or None. Received: {name}={value!r}") from None
    for d in dims:
        if d is not None and (not _is_int(d) or d < 0):
            raise ValueError(f"`{name}` must hold non-negative ints or None. Received: {name}={value!r}")
    return tuple(None if d is None else int(d) for d in dims)


def spatial_pair(value, name):
    """(h, w) >= 1 from an int, a 1- or 2-sequence, or TF's NHWC 4-list [1, h, w, 1] (ksize, strides, dilations)."""
    # Fast path for what layers pass on every call: a pair of positive Python ints.
    if type(value) is tuple and len(value) == 2 and type(value[0]) is int and type(value[1]) is int \
            and value[0] >= 1 and value[1] >= 1:
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = [value]
    else:
        try:
            values = list(value)
        except TypeError:
            raise TypeError(f"`{name}` must be an int, a pair of ints or [1, h, w, 1], received {value!r}") from None
        if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in values):
            raise TypeError(f"`{name}` must contain ints, received {value!r}")
    if len(values) == 1:
        pair = (int(values[0]), int(values[0]))
    elif len(values) == 2:
        pair = (int(values[0]), int(values[1]))
    elif len(values) == 4:
        if values[0] != 1 or values[3] != 1:
            raise ValueError(f"`{name}` must be 1 along the batch and channel axes (NHWC), received {value!r}")
        pair = (int(values[1]), int(values[2]))
    else:
        raise ValueError(f"`{name}` must have 1, 2 or 4 elements, received {value!r}")
    if pair[0] < 1 or pair[1] < 1:
        raise ValueError(f"`{name}` must be positive, received {value!r}")
    return pair


def padding_arg(padding):
    """'valid' or 'same' from TF's 'VALID'/'SAME' in any case (the ops' wording)."""
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'VALID' or 'SAME', received {padding!r}")
    return padding.lower()


def data_format_arg(data_format):
    """Accepts TF's 'NHWC' or Keras' 'channels_last' (the ops' wording): fastnn works channels-last."""
    if data_format not in ("NHWC", "channels_last"):
        raise ValueError(f"`data_format` must be 'NHWC' (fastnn works channels-last), received {data_format!r}")


def layer_padding(padding):
    """A layer's `padding`: 'valid' or 'same' in any case, returned lower-case (Keras' layer wording)."""
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: padding={padding!r}")
    return padding.lower()


def layer_data_format(data_format):
    """A layer's `data_format`: 'channels_last' or None (fastnn layers are channels-last)."""
    if data_format not in (None, "channels_last"):
        raise ValueError(f"fastnn layers are channels-last: `data_format` must be 'channels_last' or None, "
                         f"received {data_format!r}")
    return "channels_last"

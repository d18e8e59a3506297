"""fastnn._validation, the shared argument checks (issue 14): each returns the normalized value or raises the
Keras-style error that names the argument and echoes the bad value; callers may pass Keras' own wording."""
import numpy as np
import pytest

from fastnn import _validation as v
from fastnn.kernels import _convert


def test_integer_checks():
    assert v.integer(np.int64(3), "k", minimum=1) == 3 and type(v.integer(np.int64(3), "k")) is int
    assert v.integer(None, "n", minimum=1, allow_none=True) is None
    assert v.positive_int(4, "units") == 4
    assert v.non_negative_int(0, "n") == 0
    for bad in (0, True, 1.5, "2", None):
        with pytest.raises(ValueError, match=rf"`k` must be an int >= 1. Received: k={bad!r}"):
            v.integer(bad, "k", minimum=1)
    with pytest.raises(ValueError, match=r"`n` must be None or an int >= 2. Received: n=1"):
        v.integer(1, "n", minimum=2, allow_none=True)
    with pytest.raises(TypeError, match=r"`c` must be None or an int. Received: c=True"):
        v.integer(True, "c", allow_none=True, error=TypeError)
    with pytest.raises(ValueError, match=r"Received an invalid value for `units`, expected a positive integer. "
                                         r"Received: units=-1"):
        v.positive_int(-1, "units")
    with pytest.raises(ValueError, match=r"^Argument `n` must be an integer > 1. Received: n=1$"):
        v.integer(1, "n", minimum=2, message="Argument `{name}` must be an integer > 1. Received: {name}={value!r}")


def test_real_checks():
    assert v.real(1, "rate", 0, 1) == 1.0 and type(v.real(np.float32(0.5), "rate", 0, 1)) is float
    assert v.real(5, "x", low=0) == 5.0
    for bad in (float("nan"), True, "0.5", None, 1.5, -0.1):
        with pytest.raises(ValueError, match=r"`rate` must be a number in \[0, 1\]. Received: rate="):
            v.real(bad, "rate", 0, 1)
    with pytest.raises(ValueError, match=r"`b` must be a number in \(0, 1\)"):
        v.real(0, "b", 0, 1, low_open=True, high_open=True)
    assert v.finite_real(2, "delta", positive=True) == 2.0
    with pytest.raises(TypeError, match=r"`delta` must be a finite number. Received: delta=inf"):
        v.finite_real(float("inf"), "delta")
    with pytest.raises(ValueError, match=r"`delta` must be > 0. Received: delta=0"):
        v.finite_real(0, "delta", positive=True)


def test_boolean_one_of_axis_shape():
    assert v.boolean(np.bool_(True), "flag") is True
    for bad in (1, 0, "True", None):
        with pytest.raises(TypeError, match=rf"`flag` must be a bool. Received: flag={bad!r}"):
            v.boolean(bad, "flag")
    assert v.one_of("sum", "reduction", ("sum", None)) == "sum"
    assert v.one_of(None, "reduction", ("sum", None)) is None
    for bad in ("mean", ["sum"], np.array(["sum"])):
        with pytest.raises(ValueError, match=r"`reduction` must be one of \('sum', None\). Received: reduction="):
            v.one_of(bad, "reduction", ("sum", None))
    assert v.axis(-1, ndim=2) == -1
    with pytest.raises(TypeError, match=r"`axis` must be an int. Received: axis=1.0"):
        v.axis(1.0)
    with pytest.raises(ValueError, match=r"`axis` is out of range for inputs of rank 2. Received: axis=2"):
        v.axis(2, ndim=2)
    assert v.shape([None, np.int64(3)]) == (None, 3) and v.shape(None) is None
    with pytest.raises(TypeError, match=r"`shape` must be a list of ints/None or None. Received: shape=3"):
        v.shape(3)
    with pytest.raises(ValueError, match=r"`shape` must hold non-negative ints or None. Received: shape=\[-1\]"):
        v.shape([-1])


def test_geometry_checks_and_their_old_home():
    assert _convert.spatial_pair is v.spatial_pair and _convert.padding_arg is v.padding_arg
    assert v.spatial_pair(3, "strides") == (3, 3) and v.spatial_pair([1, 2, 3, 1], "ksize") == (2, 3)
    with pytest.raises(ValueError, match=r"`strides` must be positive, received \(0, 1\)"):
        v.spatial_pair((0, 1), "strides")
    assert v.padding_arg("SAME") == "same" and v.layer_padding("Valid") == "valid"
    with pytest.raises(ValueError, match=r"`padding` must be 'VALID' or 'SAME', received 'full'"):
        v.padding_arg("full")
    with pytest.raises(ValueError, match=r"The `padding` argument must be one of 'valid', 'same'. "
                                         r"Received: padding='full'"):
        v.layer_padding("full")
    assert v.layer_data_format(None) == "channels_last"
    with pytest.raises(ValueError, match="fastnn layers are channels-last"):
        v.layer_data_format("channels_first")
    with pytest.raises(ValueError, match="`data_format` must be 'NHWC'"):
        v.data_format_arg("NCHW")


def test_validation_is_a_leaf():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(v))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"math", "numbers", "numpy"}
    assert not any(isinstance(n, ast.ImportFrom) for n in ast.walk(tree))

"""fastnn.Tensor: what TF-eager code does with an op's result (numpy(), float(), f-strings, operators,
indexing, numpy interop) works the same."""
import numpy as np
import pytest

import fastnn


def test_result_of_an_op_is_a_tensor_with_numpy_facts():
    t = fastnn.ops.add(np.ones((2, 3)), 1.0)
    assert isinstance(t, fastnn.Tensor)
    assert t.shape == (2, 3) and t.dtype == fastnn.float32 and t.ndim == 2 and len(t) == 2
    np.testing.assert_array_equal(t.numpy(), np.full((2, 3), 2.0, np.float32))
    assert np.asarray(t) is t.numpy()  # no copy
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert "shape=(2, 3)" in repr(t) and "float32" in repr(t)


def test_scalars_convert_to_python():
    loss = fastnn.reduce_mean(fastnn.constant([1.0, 2.0, 4.5]))
    assert float(loss) == 2.5 and f"{loss:.2f}" == "2.50" and f"{loss}" == "2.5"
    assert int(fastnn.constant(3)) == 3 and bool(fastnn.constant(True))
    assert [10, 20, 30][fastnn.argmax(fastnn.constant([0.0, 5.0, 1.0]))] == 20  # __index__
    with pytest.raises(TypeError, match="one element"):
        float(fastnn.ones((2,)))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(fastnn.ones((2,)))
    with pytest.raises(TypeError, match="integer"):
        [1, 2][fastnn.constant(1.0)]


def test_operators_match_numpy_and_accept_every_operand_kind():
    a = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    t, v = fastnn.constant(a), fastnn.Variable(a)
    cases = {
        "add": (t + 1, a + 1), "radd": (1 + t, 1 + a), "sub": (t - v, a - a), "rsub": (2.0 - t, 2 - a),
        "mul": (t * a, a * a), "rmul": (a * t, a * a), "div": (t / 2, a / 2), "rdiv": (1 / t, 1 / a),
        "matmul": (t @ v, a @ a), "rmatmul": (a @ t, a @ a), "pow": (t ** 2, a ** 2), "rpow": (2.0 ** t, 2 ** a),
        "neg": (-t, -a), "abs": (abs(-t), a), "var_add": (v + v, a + a),
    }
    for name, (got, want) in cases.items():
        assert isinstance(got, fastnn.Tensor), name
        assert got.dtype == np.float32, name
        np.testing.assert_allclose(got.numpy(), want.astype(np.float32), rtol=1e-6, err_msg=name)


def test_comparisons_are_elementwise_bool_tensors():
    t = fastnn.constant([1.0, 2.0, 3.0])
    np.testing.assert_array_equal((t == 2.0).numpy(), [False, True, False])
    np.testing.assert_array_equal((t != 2.0).numpy(), [True, False, True])
    np.testing.assert_array_equal((t < 2).numpy(), [True, False, False])
    np.testing.assert_array_equal((t >= np.array([3.0, 2.0, 1.0])).numpy(), [False, True, True])
    assert (t == None) is False and (t != None) is True  # noqa: E711  (TF's rule)
    assert {t: 1}[t] == 1  # identity-hashable (e.g. dict keys)


def test_indexing_and_iteration():
    t = fastnn.constant(np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(t[1].numpy(), [4, 5, 6, 7])
    np.testing.assert_array_equal(t[:, 1::2].numpy(), [[1, 3], [5, 7], [9, 11]])
    np.testing.assert_array_equal(t[[0, 2], -1].numpy(), [3, 11])
    np.testing.assert_array_equal(t[fastnn.constant([2, 0])].numpy()[:, 0], [8, 0])
    np.testing.assert_array_equal(t[t > 9.0].numpy(), [10, 11])
    rows = list(t)
    assert len(rows) == 3 and float(rows[2][3]) == 11.0
    with pytest.raises(IndexError, match="shape"):
        t[5]


def test_numpy_functions_take_tensors():
    t = fastnn.constant([[1.0, 2.0], [3.0, 4.0]])
    assert float(np.mean(t)) == 2.5
    np.testing.assert_allclose(np.exp(t), np.exp(t.numpy()))  # non-arithmetic ufuncs give arrays, as TF
    assert isinstance(np.add(np.ones((2, 2)), t), fastnn.Tensor)  # arithmetic ufuncs stay differentiable


def test_convert_to_tensor_dtype_rules():
    assert fastnn.convert_to_tensor(np.ones(2, np.float64)).dtype == np.float32
    assert fastnn.convert_to_tensor([1, 2]).dtype.kind == "i"
    assert fastnn.constant([1, 2], dtype="float32").dtype == np.float32
    assert fastnn.constant(True).dtype == np.bool_
    v = fastnn.Variable([1.0])
    assert fastnn.convert_to_tensor(v) is v
    with pytest.raises(TypeError, match="complex"):
        fastnn.constant(np.ones(2, complex))
    with pytest.raises(TypeError, match="str"):
        fastnn.ops.add("a", 1.0)

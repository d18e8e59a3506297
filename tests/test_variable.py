"""fastnn.Variable: tf.Variable's surface (numpy, shape, dtype, assign*, np.asarray, operators) with in-place
storage that optimizers update."""
import numpy as np
import pytest

import fastnn


def test_construction_and_facts():
    v = fastnn.Variable(np.ones((2, 3)), name="kernel")
    # TF names a Variable "<name>:0"
    assert v.shape == (2, 3) and v.dtype == np.float32 and v.trainable and v.name == "kernel:0"
    assert "kernel" in repr(v)
    assert fastnn.Variable(lambda: np.zeros(4)).shape == (4,)  # callable initial value, as TF
    assert fastnn.Variable(fastnn.constant([1.0, 2.0])).shape == (2,)
    assert fastnn.Variable(3, trainable=True).trainable is False  # integers are never trainable
    assert fastnn.Variable(2.5).shape == ()
    with pytest.raises(TypeError, match="trainable"):
        fastnn.Variable(1.0, trainable="yes")
    with pytest.raises(TypeError, match="complex"):
        fastnn.Variable(np.ones(2, complex))


def test_initial_value_is_copied_and_numpy_returns_a_copy():
    source = np.arange(3.0, dtype=np.float32)
    v = fastnn.Variable(source)
    source[0] = 99.0
    assert v.numpy()[0] == 0.0
    snapshot = v.numpy()
    v.assign_add([1.0, 1.0, 1.0])
    np.testing.assert_array_equal(snapshot, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(v), [1.0, 2.0, 3.0])  # np.asarray reads the live value


def test_assign_family_updates_in_place():
    v = fastnn.Variable(np.zeros((2, 2)))
    storage = np.asarray(v)
    assert v.assign([[1.0, 2.0], [3.0, 4.0]]) is v
    v.assign_sub(np.ones((2, 2)))
    v.assign_add(fastnn.constant(0.5))  # a scalar broadcasts
    np.testing.assert_array_equal(storage, [[0.5, 1.5], [2.5, 3.5]])
    assert np.asarray(v) is storage
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(2, 2\)"):
        v.assign(np.ones(3))


def test_operators_and_value():
    v = fastnn.Variable([[1.0, 2.0]])
    np.testing.assert_array_equal((v * 2 + 1).numpy(), [[3.0, 5.0]])
    np.testing.assert_array_equal((v @ np.ones((2, 1))).numpy(), [[3.0]])
    t = v.value()
    assert isinstance(t, fastnn.Tensor)
    v.assign([[0.0, 0.0]])
    np.testing.assert_array_equal(t.numpy(), [[1.0, 2.0]])  # a snapshot
    with fastnn.GradientTape() as tape:
        y = fastnn.reduce_sum(v.value() * 3.0)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [[3.0, 3.0]])

"""The embedded 8×8 digits: shipped inside the package, fixed split, Keras' load_data() shape convention."""
import numpy as np

from fastnn.datasets import digits


def test_load_data_shapes_types_and_split():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert x_train.max() == 16 and x_train.min() == 0
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))


def test_first_images_are_the_known_ones():
    (x_train, y_train), _ = digits.load_data()
    # The first two rows of the UCI optdigits test file: a 0 and a 1.
    assert y_train[:2].tolist() == [0, 1]
    assert x_train[0, 0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]
    assert int(x_train.sum(dtype=np.int64)) > 0


def test_returns_fresh_arrays():
    (a, _), _ = digits.load_data()
    a[:] = 0
    (b, _), _ = digits.load_data()
    assert b.max() == 16

"""The shipped iris data: Fisher's published values."""
import numpy as np

from fastnn.datasets import iris


def test_iris_facts():
    x, y = iris.load_data()
    assert x.shape == (150, 4) and x.dtype == np.float32 and y.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(y), [50, 50, 50])
    np.testing.assert_allclose(x.mean(axis=0), [5.8433, 3.0573, 3.758, 1.1993], atol=1e-4)
    np.testing.assert_allclose(x[0], [5.1, 3.5, 1.4, 0.2])
    np.testing.assert_allclose(x[34], [4.9, 3.1, 1.5, 0.2])  # Fisher's value (the UCI copy has an erratum here)
    assert len(iris.FEATURE_NAMES) == 4 and iris.TARGET_NAMES[y[-1]] == "virginica"

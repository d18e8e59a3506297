"""The agreement tolerances of the whole suite, in one place (the float64 references they apply to: references.py).

- elementwise ops (activations, their derivatives, softmax, losses per sample): 1e-6 absolute (+1e-6 relative
  for large magnitudes), the accuracy TF's own float32 kernels have against float64;
- reductions of length K (GEMM, conv, pooled sums): relative 1e-5, absolute 1e-6·√K scaled by the operands'
  magnitude, since our blocking orders the sums differently from oneDNN/Eigen.
"""
import math

import numpy as np

ELEMENTWISE_ATOL = 1e-6
ELEMENTWISE_RTOL = 1e-6
REDUCTION_RTOL = 1e-5
REDUCTION_ATOL_PER_SQRT_K = 1e-6


def assert_close_elementwise(actual, expected, atol=ELEMENTWISE_ATOL, rtol=ELEMENTWISE_RTOL, err_msg=""):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=err_msg)


def assert_close_reduction(actual, expected, k, scale=1.0, err_msg=""):
    """For sums of `k` products whose operands have magnitude ~`scale` (product of the two operands' max abs)."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    atol = REDUCTION_ATOL_PER_SQRT_K * math.sqrt(max(k, 1)) * max(scale, 1e-30)
    np.testing.assert_allclose(actual, expected, rtol=REDUCTION_RTOL, atol=atol, err_msg=err_msg)


def max_errors(actual, expected):
    """(max abs error, max rel error) — for the figures reported in closing notes."""
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    diff = np.abs(actual - expected)
    rel = diff / np.maximum(np.abs(expected), 1e-30)
    return float(diff.max(initial=0.0)), float(rel.max(initial=0.0))


GRADIENT_RTOL = 2e-5


def assert_close_scaled(actual, expected, tol=GRADIENT_RTOL, err_msg=""):
    """max |actual − expected| <= tol · max |expected|: for tape gradients, which chain several float32 kernels
    (each within its own tolerance) so an elementwise relative bound would be meaningless near zero."""
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape} {err_msg}"
    scale = max(float(np.abs(expected).max(initial=0.0)), 1e-30)
    worst = float(np.abs(actual - expected).max(initial=0.0))
    assert worst <= tol * scale, f"max abs diff {worst:.3g} > {tol:g} x max|expected| {scale:.3g} {err_msg}"

"""csrc/batch_norm: batch and layer normalization kernels against float64 numpy on every ISA path (channel counts
around the vector widths, empty inputs, means far from zero), bitwise equality across thread counts and
interrupt piece sizes, and the bindings' argument checks."""
import numpy as np
import pytest

import fastnn
from fastnn import _core
from fastnn import kernels as k

EPS = 1e-3
SHAPES = [(7, 1), (5, 3), (9, 16), (4, 17), (3, 2, 33), (40, 64), (2, 3, 3, 100), (0, 5)]


def _reference_bn(x, dy, gamma, beta):
    x64, dy64 = x.astype(np.float64), dy.astype(np.float64)
    axes = tuple(range(x.ndim - 1))
    m, v = x64.mean(axes), x64.var(axes)
    inv = 1 / np.sqrt(v + EPS)
    xhat = (x64 - m) * inv
    n = x.size // x.shape[-1]
    dbeta, dgamma = dy64.sum(axes), (dy64 * xhat).sum(axes)
    dx = gamma * inv / n * (n * dy64 - dbeta - xhat * dgamma)
    return xhat * gamma + beta, m, v, dx, dgamma, dbeta


@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_matches_float64(isa, shape):
    rng = np.random.default_rng(len(shape) + shape[-1])
    x = (rng.standard_normal(shape) * 2 + 100).astype(np.float32)  # |mean| >> std: the shifted sums matter
    dy = rng.standard_normal(shape).astype(np.float32)
    gamma = rng.standard_normal(shape[-1]).astype(np.float32)
    beta = rng.standard_normal(shape[-1]).astype(np.float32)
    y, m, v = k.batch_norm(x, gamma, beta, epsilon=EPS)
    dx, dgamma, dbeta = k.batch_norm_grad(x, dy, m, v, gamma, epsilon=EPS)
    if x.size == 0:
        assert y.shape == shape and dx.shape == shape
        return
    want = _reference_bn(x, dy, gamma, beta)
    scale = np.sqrt(x.size // shape[-1])
    for got, ref, tol in zip((y, m, v, dx, dgamma, dbeta), want, (2e-3, 1e-4, 1e-5, 1e-4, 1e-5, 1e-5)):
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=tol * max(1, scale * (ref is want[4])))


@pytest.mark.parametrize("shape", SHAPES[:-1])
def test_batch_norm_with_given_statistics(isa, shape):
    rng = np.random.default_rng(shape[-1])
    x, dy = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
    mean, var = rng.standard_normal(shape[-1]).astype(np.float32), rng.random(shape[-1]).astype(np.float32) + 0.1
    y, m_out, v_out = k.batch_norm(x, None, None, mean, var, epsilon=EPS)
    inv = 1 / np.sqrt(var.astype(np.float64) + EPS)
    np.testing.assert_allclose(y, (x - mean.astype(np.float64)) * inv, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(m_out, mean)
    dx, dgamma, dbeta = k.batch_norm_grad(x, dy, mean, var, None, epsilon=EPS, batch_stats=False)
    np.testing.assert_allclose(dx, dy * inv, rtol=1e-5, atol=1e-6)
    axes = tuple(range(x.ndim - 1))
    np.testing.assert_allclose(dbeta, dy.astype(np.float64).sum(axes), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("shape", SHAPES)
def test_layer_norm_matches_float64(isa, shape):
    rng = np.random.default_rng(shape[-1] + 5)
    x = (rng.standard_normal(shape) * 3 + 50).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    gamma = rng.standard_normal(shape[-1]).astype(np.float32)
    beta = rng.standard_normal(shape[-1]).astype(np.float32)
    y, mean, inv = k.layer_norm(x, gamma, beta, epsilon=EPS)
    dx, dgamma, dbeta = k.layer_norm_grad(x, dy, mean, inv, gamma)
    if x.size == 0:
        assert y.shape == shape and dx.shape == shape and mean.shape == (0,)
        return
    x64, dy64 = x.astype(np.float64), dy.astype(np.float64)
    m, v = x64.mean(-1, keepdims=True), x64.var(-1, keepdims=True)
    xhat = (x64 - m) / np.sqrt(v + EPS)
    g = dy64 * gamma
    want_dx = (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / np.sqrt(v + EPS)
    axes = tuple(range(x.ndim - 1))
    np.testing.assert_allclose(y, xhat * gamma + beta, rtol=1e-4, atol=2e-4)
    np.testing.assert_allclose(dx, want_dx, rtol=1e-4, atol=2e-4)
    np.testing.assert_allclose(dgamma, (dy64 * xhat).sum(axes), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dbeta, dy64.sum(axes), rtol=1e-5, atol=1e-4)


def test_bitwise_equal_for_any_thread_count_and_piece_size(isa):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3000, 120)) + 2).astype(np.float32)
    dy = rng.standard_normal(x.shape).astype(np.float32)

    def run():
        y, m, v = k.batch_norm(x, None, None, epsilon=EPS)
        yl, ml, il = k.layer_norm(x, None, None, epsilon=EPS)
        return [y, m, v, *k.batch_norm_grad(x, dy, m, v), yl, *k.layer_norm_grad(x, dy, ml, il)]

    results = []
    old_piece = _core._set_interrupt_piece_work(1)
    _core._set_interrupt_piece_work(old_piece)
    try:
        for threads, piece in ((1, None), (2, None), (2, 1)):
            fastnn.set_num_threads(threads)
            if piece is not None:
                _core._set_interrupt_piece_work(piece)
            results.append(run())
    finally:
        fastnn.set_num_threads(None)
        _core._set_interrupt_piece_work(old_piece)  # the default, for the tests after this one
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


def test_binding_argument_checks():
    x = np.ones((4, 3), np.float32)
    with pytest.raises(TypeError):
        _core.batch_norm(x.astype(np.float64))
    with pytest.raises(ValueError, match=r"`gamma` must have shape \(3,\)"):
        _core.batch_norm(x, np.ones(4, np.float32))
    with pytest.raises(ValueError, match="must be given together"):
        _core.batch_norm(x, None, None, np.ones(3, np.float32), None)
    with pytest.raises(ValueError, match="rank >= 1"):
        _core.batch_norm(np.float32(1))
    with pytest.raises(ValueError, match="`grad` must have the shape of `x`"):
        _core.batch_norm_grad(x, np.ones((4, 2), np.float32), np.ones(3, np.float32), np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"one value per row"):
        _core.layer_norm_grad(x, x, np.ones(3, np.float32), np.ones(4, np.float32))

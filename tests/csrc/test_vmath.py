"""vmath.h accuracy: a dense sampled sweep of exp / log / sigmoid / tanh on every ISA path against float64, in
ULP of the float32 result, plus their NaN / ±inf / ±0 behaviour (TF's, with denormals flushed)."""
import numpy as np
import pytest
from references import unary_ref

from fastnn import _core

FLT_MIN = np.float32(1.17549435e-38)
MAX_ULP = {"exp": 2.0, "log": 2.0, "sigmoid": 4.0, "tanh": 4.0}


def _sweep(lo, hi, n=1_000_001):
    """Evenly spaced points, random points, and ± log-spaced tiny-to-large magnitudes inside [lo, hi]."""
    rng = np.random.default_rng(7)
    mags = np.logspace(-30, np.log10(max(abs(lo), abs(hi))), 200_001)
    pts = np.concatenate([np.linspace(lo, hi, n), rng.uniform(lo, hi, n // 2), mags, -mags])
    return pts[(pts >= lo) & (pts <= hi)].astype(np.float32)


def _max_ulp(got, ref):
    spacing = np.spacing(np.abs(ref.astype(np.float32))).astype(np.float64)
    return float(np.max(np.abs(got.astype(np.float64) - ref) / spacing, initial=0.0))


SWEEPS = {
    "exp": (-90.0, 90.0),
    "sigmoid": (-90.0, 90.0),
    "tanh": (-90.0, 90.0),
    "log": (1e-37, 3e38),
}


@pytest.mark.parametrize("op", list(SWEEPS))
def test_max_ulp_over_a_dense_sweep(isa, op):
    x = _sweep(*SWEEPS[op])
    if op == "log":  # log-uniform over the normal range, plus a dense sweep around 1 where cancellation bites
        rng = np.random.default_rng(3)
        x = np.concatenate([np.exp(rng.uniform(-87, 88.7, 1_500_000)), np.linspace(0.5, 2.0, 1_000_001)])
        x = x.astype(np.float32)
    got = _core.unary(x, op)
    ref = unary_ref(op, x)
    normal = (np.abs(ref) >= FLT_MIN) & (np.abs(ref) <= np.finfo(np.float32).max)
    ulp = _max_ulp(got[normal], ref[normal])
    assert ulp <= MAX_ULP[op], f"{op} on {isa}: max error {ulp:.2f} ULP"
    # Results below FLT_MIN flush to 0 (as TF, which runs with FTZ/DAZ); overflow gives +inf.
    tiny = np.abs(ref) < FLT_MIN
    assert np.all(np.abs(got[tiny]) <= FLT_MIN)
    assert np.all(got[ref > np.finfo(np.float32).max] == np.inf)


SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 88.8, -88.0, -1e4, 1e4], np.float32)
EXPECTED = {
    "exp": [np.nan, np.inf, 0.0, 1.0, 1.0, np.e, 1 / np.e, np.inf, 0.0, 0.0, np.inf],
    "sigmoid": [np.nan, 1.0, 0.0, 0.5, 0.5, 0.7310586, 0.26894143, 1.0, 0.0, 0.0, 1.0],
    "tanh": [np.nan, 1.0, -1.0, 0.0, -0.0, 0.7615942, -0.7615942, 1.0, -1.0, -1.0, 1.0],
    "log": [np.nan, np.inf, np.nan, -np.inf, -np.inf, 0.0, np.nan, 4.4863872, np.nan, np.nan, 9.2103405],
}


@pytest.mark.parametrize("op", list(EXPECTED))
def test_special_values(isa, op):
    got = _core.unary(SPECIALS, op)
    expected = np.array(EXPECTED[op], np.float32)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)
    if op == "tanh":  # odd: keeps the sign of zero
        assert np.signbit(got[4]) and not np.signbit(got[3])


def test_log_of_denormals_is_minus_inf(isa):
    # TF runs with denormals-are-zero, so log(denormal) = log(0) = -inf.
    got = _core.unary(np.array([1e-40, 1e-45, FLT_MIN], np.float32), "log")
    assert got[0] == -np.inf and got[1] == -np.inf
    assert got[2] == pytest.approx(np.log(np.float64(FLT_MIN)), rel=1e-7)

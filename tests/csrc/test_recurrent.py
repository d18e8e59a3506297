"""csrc/recurrent: the SimpleRNN/LSTM/GRU sequence kernels against the float64 step-by-step reference on every ISA
path (unit counts around the vector widths, masks, reversed sequences), backprop-through-time against central
differences of the reference, bitwise equality across thread counts, and the bindings' argument checks."""
import numpy as np
import pytest
from references import rnn_reference

import fastnn
from fastnn import kernels as k

GATES = {"simple": 1, "lstm": 4, "gru": 3}


def _problem(cell, batch, steps, features, units, rng, bias=True, scale=0.5):
    g = GATES[cell] * units
    x = rng.standard_normal((batch, steps, features)).astype(np.float32)
    w = (rng.standard_normal((features, g)) * scale).astype(np.float32)
    r = (rng.standard_normal((units, g)) * scale).astype(np.float32)
    b = (rng.standard_normal((2, g) if cell == "gru" else (g,)) * scale).astype(np.float32) if bias else None
    h0 = rng.standard_normal((batch, units)).astype(np.float32)
    c0 = rng.standard_normal((batch, units)).astype(np.float32) if cell == "lstm" else None
    mask = rng.random((batch, steps)) > 0.3
    return x, w, r, b, h0, c0, mask


@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
@pytest.mark.parametrize("units", [1, 4, 8, 17, 33])
@pytest.mark.parametrize("reverse,zero", [(False, False), (True, True)])
def test_rnn_forward_matches_float64(isa, cell, units, reverse, zero):
    rng = np.random.default_rng(units * 7 + len(cell))
    x, w, r, b, h0, c0, mask = _problem(cell, 3, 6, 5, units, rng)
    for m in (None, mask):
        y, h, c, _ = k.rnn(cell, x, w, r, b, h0, c0, m, go_backwards=reverse, zero_output_for_mask=zero)
        want = rnn_reference(cell, x, w, r, b, h0, c0, m, go_backwards=reverse, zero_output_for_mask=zero)
        np.testing.assert_allclose(y, want[0], rtol=0, atol=2e-5)
        np.testing.assert_allclose(h, want[1], rtol=0, atol=2e-5)
        if cell == "lstm":
            np.testing.assert_allclose(c, want[2], rtol=0, atol=2e-5)
        else:
            assert c is None


@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
@pytest.mark.parametrize("act,rec_act", [("tanh", "sigmoid"), ("relu", "tanh"), ("sigmoid", "linear")])
def test_rnn_grad_matches_central_differences(isa, cell, act, rec_act):
    """<grad, d> of L = Σ dy·y + dh·h_T (+ dc·c_T) against (L(p + εd) − L(p − εd)) / 2ε of the float64 reference,
    for one random direction d through every input (x, weights, bias, initial states)."""
    rng = np.random.default_rng(len(cell) + len(act) * 3)
    x, w, r, b, h0, c0, mask = _problem(cell, 3, 5, 4, 9, rng)
    y, h, c, saved = k.rnn(cell, x, w, r, b, h0, c0, mask, act, rec_act, zero_output_for_mask=True)
    dy, dh = rng.standard_normal(y.shape).astype(np.float32), rng.standard_normal(h.shape).astype(np.float32)
    dc = rng.standard_normal(h.shape).astype(np.float32) if cell == "lstm" else None
    dx, dw, dr, db, dh0, dc0 = k.rnn_grad(cell, x, w, r, True, mask, saved, dy, dh, dc, act, rec_act,
                                          zero_output_for_mask=True)
    params = [x, w, r, b, h0] + ([c0] if cell == "lstm" else [])
    grads = [dx, dw, dr, db, dh0] + ([dc0] if cell == "lstm" else [])
    dirs = [rng.standard_normal(p.shape) for p in params]

    def loss(eps):
        p = [a.astype(np.float64) + eps * d for a, d in zip(params, dirs)]
        yy, hh, cc = rnn_reference(cell, p[0], p[1], p[2], p[3], p[4], p[5] if cell == "lstm" else None, mask,
                                   act, rec_act, zero_output_for_mask=True)
        return (dy * yy).sum() + (dh * hh).sum() + ((dc * cc).sum() if cell == "lstm" else 0.0)

    eps = 1e-5
    numeric = (loss(eps) - loss(-eps)) / (2 * eps)
    analytic = sum((g.astype(np.float64) * d).sum() for g, d in zip(grads, dirs))
    assert abs(numeric - analytic) <= 1e-4 * max(1.0, abs(numeric)), (numeric, analytic)


@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
def test_rnn_is_bitwise_equal_for_any_thread_count(cell):
    rng = np.random.default_rng(3)
    x, w, r, b, h0, c0, mask = _problem(cell, 64, 6, 40, 128, rng, scale=0.1)
    results = []
    try:
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            y, h, c, saved = k.rnn(cell, x, w, r, b, h0, c0, mask)
            grads = k.rnn_grad(cell, x, w, r, True, mask, saved, y, h, c)
            results.append([y, h] + [g for g in grads if g is not None])
    finally:
        fastnn.set_num_threads(None)
    for a, b_ in zip(*results):
        np.testing.assert_array_equal(a, b_)


def test_rnn_empty_batch_and_single_step():
    rng = np.random.default_rng(5)
    for batch, steps in ((0, 4), (2, 1)):
        x, w, r, b, h0, c0, _ = _problem("lstm", batch, steps, 3, 5, rng)
        y, h, c, saved = k.rnn("lstm", x, w, r, b, h0, c0)
        assert y.shape == (batch, steps, 5) and h.shape == (batch, 5)
        grads = k.rnn_grad("lstm", x, w, r, True, None, saved, np.ones_like(y), None, None)
        assert grads[0].shape == x.shape and np.isfinite(grads[1]).all()


@pytest.mark.parametrize("call,message", [
    (lambda x, w, r: k.rnn("lstmx", x, w, r), "`cell` must be one of"),
    (lambda x, w, r: k.rnn("lstm", x[0], w, r), "`x` must be 3-D"),
    (lambda x, w, r: k.rnn("lstm", x, w[:, :-1], r), "`kernel` must have shape"),
    (lambda x, w, r: k.rnn("lstm", x, w, r[:, :-1]), "`recurrent_kernel` must have shape"),
    (lambda x, w, r: k.rnn("lstm", x, w, r, np.zeros(3, np.float32)), "`bias` must have shape"),
    (lambda x, w, r: k.rnn("lstm", x, w, r, h0=np.zeros((1, 5), np.float32)), "`h0` must have shape"),
    (lambda x, w, r: k.rnn("lstm", x, w, r, mask=np.ones((2, 3))), "`mask` must have shape"),
    (lambda x, w, r: k.rnn("lstm", x, w, r, activation="softmax"), "Unknown activation"),
])
def test_rnn_bindings_reject_bad_shapes(call, message):
    x, w, r, *_ = _problem("lstm", 2, 4, 3, 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match=message):
        call(x, w, r)

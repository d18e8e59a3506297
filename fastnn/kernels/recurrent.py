"""fastnn.kernels.recurrent — SimpleRNN, LSTM and GRU (Keras' cells; GRU with `reset_after=True`) over a whole
sequence, forward and backprop-through-time, in C++.

Shapes: `x` (B, T, F); `kernel` (F, k·U) and `recurrent_kernel` (U, k·U) with k = 1 (`"simple"`), 4 (`"lstm"`,
gates i, f, c, o) or 3 (`"gru"`, gates z, r, h), Keras' layouts; `bias` (k·U,) or, for GRU, (2, 3·U) (input bias
row, recurrent bias row). `mask` (B, T): nonzero = the step counts. The forward runs the input projection of the
whole sequence as one GEMM, then per time step one recurrent GEMM and one fused gate pass. Results are bitwise
identical for any thread count.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from ._convert import as_f32

__all__ = ["rnn", "rnn_grad", "RNN_ACTIVATIONS"]

# Activations the fused gate passes implement (Keras names).
RNN_ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")


def _mask_arg(mask):
    if mask is None:
        return None
    return np.ascontiguousarray(np.asarray(mask) != 0, dtype=np.uint8)


def _opt(a, name):
    return None if a is None else as_f32(a, name)


def rnn(cell: str, x: ArrayLike, kernel: ArrayLike, recurrent_kernel: ArrayLike, bias: ArrayLike | None = None,
        h0: ArrayLike | None = None, c0: ArrayLike | None = None, mask: ArrayLike | None = None,
        activation: str = "tanh", recurrent_activation: str = "sigmoid", go_backwards: bool = False,
        zero_output_for_mask: bool = False) -> tuple:
    """Runs a recurrent layer over a sequence.

    Args:
        cell: `"simple"`, `"lstm"` or `"gru"`.
        x: `(B, T, F)` inputs.
        kernel: `(F, k*U)` input kernel.
        recurrent_kernel: `(U, k*U)` recurrent kernel.
        bias: `(k*U,)` bias (`(2, 3*U)` for GRU), or None.
        h0: `(B, U)` initial state, or None (zeros).
        c0: `(B, U)` initial carry state (LSTM), or None (zeros).
        mask: `(B, T)` mask (nonzero: the step counts), or None.
        activation: one of `RNN_ACTIVATIONS`.
        recurrent_activation: one of `RNN_ACTIVATIONS` (LSTM and GRU gates).
        go_backwards: process the sequence from its end; output step s is time step T-1-s.
        zero_output_for_mask: masked steps output zeros (else the carried state).

    Returns:
        `(y, h_T, c_T, saved)`: `(B, T, U)` outputs per step, the final state(s) (`c_T` None unless LSTM) and what
        `rnn_grad` needs.

    Example:
    >>> x = np.ones((2, 5, 3), np.float32)
    >>> y, h, c, saved = fastnn.kernels.rnn("lstm", x, np.zeros((3, 16), np.float32), np.zeros((4, 16), np.float32))
    >>> y.shape, h.shape, c.shape
    ((2, 5, 4), (2, 4), (2, 4))
    """
    return _core.rnn(cell, as_f32(x, "x"), as_f32(kernel, "kernel"), as_f32(recurrent_kernel, "recurrent_kernel"),
                     _opt(bias, "bias"), _opt(h0, "h0"), _opt(c0, "c0"), _mask_arg(mask), activation,
                     recurrent_activation, bool(go_backwards), bool(zero_output_for_mask))


def rnn_grad(cell: str, x: ArrayLike, kernel: ArrayLike, recurrent_kernel: ArrayLike, has_bias: bool,
             mask: ArrayLike | None, saved: tuple, dy: ArrayLike | None = None, dh: ArrayLike | None = None,
             dc: ArrayLike | None = None, activation: str = "tanh", recurrent_activation: str = "sigmoid",
             go_backwards: bool = False, zero_output_for_mask: bool = False) -> tuple:
    """Backprop-through-time of `rnn`.

    Args:
        cell: as given to `rnn`.
        x: the forward's inputs.
        kernel: the forward's kernel.
        recurrent_kernel: the forward's recurrent kernel.
        has_bias: whether `rnn` had a bias (its gradient is then returned).
        mask: the forward's mask, or None.
        saved: the `saved` item `rnn` returned.
        dy: `(B, T, U)` gradient of the per-step outputs, or None.
        dh: `(B, U)` gradient of `h_T`, or None.
        dc: `(B, U)` gradient of `c_T` (LSTM), or None.
        activation: as given to `rnn`.
        recurrent_activation: as given to `rnn`.
        go_backwards: as given to `rnn`.
        zero_output_for_mask: as given to `rnn`.

    Returns:
        `(dx, dkernel, drecurrent_kernel, dbias or None, dh0, dc0 or None)`.

    Example:
    >>> x, w, r = np.ones((2, 5, 3), np.float32), np.zeros((3, 4), np.float32), np.zeros((4, 4), np.float32)
    >>> y, h, _, saved = fastnn.kernels.rnn("simple", x, w, r)
    >>> dx, dw, dr, db, dh0, _ = fastnn.kernels.rnn_grad("simple", x, w, r, False, None, saved, dh=np.ones_like(h))
    >>> dx.shape, dw.shape
    ((2, 5, 3), (3, 4))
    """
    gates, hprev, cprev, qh = saved
    return _core.rnn_grad(cell, as_f32(x, "x"), as_f32(kernel, "kernel"),
                          as_f32(recurrent_kernel, "recurrent_kernel"), bool(has_bias), _mask_arg(mask), gates,
                          hprev, cprev, qh, _opt(dy, "dy"), _opt(dh, "dh"), _opt(dc, "dc"), activation,
                          recurrent_activation, bool(go_backwards), bool(zero_output_for_mask))

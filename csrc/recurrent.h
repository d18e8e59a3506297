// recurrent.h — SimpleRNN, LSTM and GRU (Keras' cells, reset_after=True) over a whole sequence, forward and
// backprop-through-time.
//
// Shapes (row-major): x[B, T, F]; kernel W[F, G]; recurrent kernel R[U, G]; G = k·U with k = 1 (SimpleRNN),
// 4 (LSTM, gates i, f, c, o) or 3 (GRU, gates z, r, h), Keras' layouts. bias: G floats (SimpleRNN, LSTM) or
// 2·G (GRU: the input bias row, then the recurrent bias row), or null. mask[B, T] (1 = keep) or null.
//
// Forward: P = x·W + b_in for all B·T rows at once (one GEMM), then for each step s (time index t = s, or
// T−1−s when `reverse`, Keras' go_backwards), one GEMM h·R (+ b_rec for GRU) and one fused vectorised pass over
// the gates:
//   SimpleRNN: h' = act(P_t + h·R)
//   LSTM:      [i f c o] = P_t + h·R; i, f, o = rec_act(·), c~ = act(c); c' = f·c + i·c~; h' = o·act(c')
//   GRU:       Q = h·R + b_rec; z = rec_act(Pz + Qz), r = rec_act(Pr + Qr), hh = act(Ph + r·Qh);
//              h' = z·h + (1 − z)·hh
// A masked (b, t) keeps h (and c); its output is h (or 0 with zero_masked_output). y[b, s] is the output of step s.
// The forward saves what the backward needs: the activated gates (the new h for SimpleRNN), each step's input
// state h (and c for LSTM), and Q's h part for GRU, all indexed by the time index t.
//
// Backward, steps in reverse: the fused pass turns dh (and dc) into the pre-activation gate gradients dP_t (and
// dQ_t for GRU; dQ = dP otherwise) and the direct part of dh_prev, one GEMM adds dQ_t·Rᵀ; after the loop three
// GEMMs over all B·T rows give dx = dP·Wᵀ, dW = xᵀ·dP, dR = Hprevᵀ·dQ, and the bias gradients are column sums
// in row order. Every step splits over batch rows only, so 1 and N threads give bitwise equal results.
#pragma once
#include <cstdint>

#include "common.h"

namespace fastnn {

enum class CellKind : int { simple = 0, lstm = 1, gru = 2 };

inline int gate_count(CellKind kind) { return kind == CellKind::simple ? 1 : kind == CellKind::lstm ? 4 : 3; }

struct RnnDims {
  index_t B = 0, T = 0, F = 0, U = 0;
  CellKind kind = CellKind::simple;
  Act act = Act::tanh, rec_act = Act::sigmoid;
  bool reverse = false;             // go_backwards: step s reads time index T−1−s
  bool zero_masked_output = false;  // Keras' zero_output_for_mask
};

// Saved forward state for the backward (all [B, T, ·], indexed by time index t).
struct RnnSaved {
  float* gates = nullptr;  // [B, T, G]: activated gates (SimpleRNN: the new h)
  float* hprev = nullptr;  // [B, T, U]: the h each step started from
  float* cprev = nullptr;  // [B, T, U]: LSTM only, the c each step started from
  float* qh = nullptr;     // [B, T, U]: GRU only, the h part of h·R + b_rec
};

// h0 (and c0 for LSTM) [B, U]; writes y[B, T, U], h_T, c_T (LSTM; others may pass null) and `saved`.
void rnn_forward(const RnnDims& d, const float* x, const float* W, const float* R, const float* bias,
                 const float* h0, const float* c0, const std::uint8_t* mask, float* y, float* hT, float* cT,
                 const RnnSaved& saved);

// Gradients from dy[B, T, U] (per step s; null: zeros), dhT, dcT [B, U] (null: zeros). Writes dx[B, T, F],
// dW[F, G], dR[U, G], dbias (G, or 2·G for GRU; null when there is no bias), dh0, dc0 [B, U] (dc0: LSTM only).
void rnn_backward(const RnnDims& d, const float* x, const float* W, const float* R, const std::uint8_t* mask,
                  const RnnSaved& saved, const float* dy, const float* dhT, const float* dcT, float* dx, float* dW,
                  float* dR, float* dbias, float* dh0, float* dc0);

// Per-ISA fused gate passes over batch rows [r0, r1) of one step (recurrent_impl.h). p: that step's row of P
// with row stride ldp (the GEMM already added h·R for SimpleRNN/LSTM); q: GRU's h·R + b_rec row (stride ldq).
struct RecurrentStepArgs {
  index_t U = 0;
  Act act = Act::tanh, rec_act = Act::sigmoid;
  bool zero_masked_output = false;
  float* p = nullptr;  // in: pre-activations; out (forward): activated gates
  index_t ldp = 0;
  float* q = nullptr;  // GRU: in Q row (forward); backward: out dQ row
  index_t ldq = 0;
  const std::uint8_t* mask = nullptr;  // mask[b·ldm] for row b, or null
  index_t ldm = 0;
  float* h = nullptr;  // [B, U] state: in h_prev, out h' (forward)
  float* c = nullptr;  // [B, U] LSTM cell state, the same
  float* y = nullptr;  // forward output row of step s, row stride ldy
  index_t ldy = 0;
  float* qh = nullptr;  // GRU forward: saves Q's h part (stride ldqh)
  index_t ldqh = 0;
  // backward
  const float* hprev = nullptr;  // saved h_prev rows (stride ldh)
  const float* cprev = nullptr;  // saved c_prev rows (stride ldh)
  index_t ldh = 0;
  const float* dy = nullptr;  // dy row of step s (stride ldy), or null
  float* dh = nullptr;        // [B, U]: in dh carried from later steps; out: its direct part for h_prev
  float* dc = nullptr;        // [B, U]: LSTM, in dc; out dc_prev
  float* dp = nullptr;        // out: dP row (stride ldp)
};

struct RecurrentKernels {
  void (*simple_fwd)(const RecurrentStepArgs& a, index_t r0, index_t r1);
  void (*lstm_fwd)(const RecurrentStepArgs& a, index_t r0, index_t r1);
  void (*gru_fwd)(const RecurrentStepArgs& a, index_t r0, index_t r1);
  void (*simple_bwd)(const RecurrentStepArgs& a, index_t r0, index_t r1);
  void (*lstm_bwd)(const RecurrentStepArgs& a, index_t r0, index_t r1);
  void (*gru_bwd)(const RecurrentStepArgs& a, index_t r0, index_t r1);
};

}  // namespace fastnn

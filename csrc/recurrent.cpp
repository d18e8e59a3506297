// recurrent.cpp — recurrent-layer drivers (see recurrent.h): the sequence-wide GEMMs, the step loop (one
// recurrent GEMM + one fused gate pass split over batch rows per step) and the bias column sums. The step loop is
// serial in time; each step's GEMM and gate pass use the threads. Results do not depend on the thread count: the
// GEMMs do not, the gate pass has no cross-row sums, and the bias sums run in row order.
#include "recurrent.h"

#include <vector>

#include "dispatch.h"
#include "gemm.h"
#include "parallel.h"

FASTNN_DECLARE_PER_ISA(fastnn::RecurrentKernels, recurrent_kernels)

namespace fastnn {
namespace {

using StepFn = void (*)(const RecurrentStepArgs&, index_t, index_t);

void run_rows(StepFn fn, const RecurrentStepArgs& a, index_t B, index_t work_per_row) {
  parallel_for(B, work_per_row, [&](index_t r0, index_t r1) { fn(a, r0, r1); });
}

// out[j] = Σ_rows m[row, j] over `rows` rows of width G, in row order (double accumulators).
void column_sums(const float* m, index_t rows, index_t G, float* out) {
  std::vector<double> acc(static_cast<size_t>(G), 0.0);
  for (index_t r = 0; r < rows; ++r)
    for (index_t j = 0; j < G; ++j) acc[j] += m[r * G + j];
  for (index_t j = 0; j < G; ++j) out[j] = static_cast<float>(acc[j]);
}

}  // namespace

void rnn_forward(const RnnDims& d, const float* x, const float* W, const float* R, const float* bias,
                 const float* h0, const float* c0, const std::uint8_t* mask, float* y, float* hT, float* cT,
                 const RnnSaved& saved) {
  const RecurrentKernels& K = FASTNN_SELECT(recurrent_kernels);
  const index_t B = d.B, T = d.T, U = d.U, G = gate_count(d.kind) * U;
  const bool lstm = d.kind == CellKind::lstm, gru = d.kind == CellKind::gru;
  float* P = saved.gates;
  Epilogue in_ep;
  in_ep.bias = bias;  // GRU: the input row of its (2, G) bias
  gemm(false, false, B * T, G, d.F, x, d.F, W, G, P, G, false, in_ep);
  std::vector<float> h(static_cast<size_t>(B * U), 0.f), c(lstm ? static_cast<size_t>(B * U) : 0, 0.f);
  std::vector<float> Q(gru ? static_cast<size_t>(B * G) : 0);
  if (h0) copy_floats(h.data(), h0, B * U);
  if (lstm && c0) copy_floats(c.data(), c0, B * U);
  Epilogue rec_ep;
  rec_ep.bias = gru && bias ? bias + G : nullptr;
  RecurrentStepArgs a;
  a.U = U;
  a.act = d.act;
  a.rec_act = d.rec_act;
  a.zero_masked_output = d.zero_masked_output;
  a.ldp = T * G;
  a.q = Q.data();
  a.ldq = G;
  a.ldm = T;
  a.h = h.data();
  a.c = c.data();
  a.ldy = T * U;
  a.ldqh = T * U;
  const StepFn fn = lstm ? K.lstm_fwd : gru ? K.gru_fwd : K.simple_fwd;
  InterruptScope* irq = current_interrupt();
  for (index_t s = 0; s < T; ++s) {
    if (interrupted(irq)) return;
    const index_t t = d.reverse ? T - 1 - s : s;
    for (index_t b = 0; b < B; ++b) {
      copy_floats(saved.hprev + (b * T + t) * U, h.data() + b * U, U);
      if (lstm) copy_floats(saved.cprev + (b * T + t) * U, c.data() + b * U, U);
    }
    if (gru)
      gemm(false, false, B, G, U, h.data(), U, R, G, Q.data(), G, false, rec_ep);
    else
      gemm(false, false, B, G, U, h.data(), U, R, G, P + t * G, T * G, true, Epilogue());
    a.p = P + t * G;
    a.mask = mask ? mask + t : nullptr;
    a.y = y + s * U;
    a.qh = gru ? saved.qh + t * U : nullptr;
    run_rows(fn, a, B, 8 * G);
  }
  if (hT) copy_floats(hT, h.data(), B * U);
  if (lstm && cT) copy_floats(cT, c.data(), B * U);
}

void rnn_backward(const RnnDims& d, const float* x, const float* W, const float* R, const std::uint8_t* mask,
                  const RnnSaved& saved, const float* dy, const float* dhT, const float* dcT, float* dx, float* dW,
                  float* dR, float* dbias, float* dh0, float* dc0) {
  const RecurrentKernels& K = FASTNN_SELECT(recurrent_kernels);
  const index_t B = d.B, T = d.T, U = d.U, G = gate_count(d.kind) * U;
  const bool lstm = d.kind == CellKind::lstm, gru = d.kind == CellKind::gru;
  std::vector<float> dP(static_cast<size_t>(B * T * G)), dQ(gru ? static_cast<size_t>(B * T * G) : 0);
  float* dq = gru ? dQ.data() : dP.data();
  std::vector<float> dh(static_cast<size_t>(B * U), 0.f), dc(lstm ? static_cast<size_t>(B * U) : 0, 0.f);
  if (dhT) copy_floats(dh.data(), dhT, B * U);
  if (lstm && dcT) copy_floats(dc.data(), dcT, B * U);
  RecurrentStepArgs a;
  a.U = U;
  a.act = d.act;
  a.rec_act = d.rec_act;
  a.zero_masked_output = d.zero_masked_output;
  a.ldp = T * G;
  a.ldq = T * G;
  a.ldm = T;
  a.ldh = T * U;
  a.ldqh = T * U;
  a.ldy = T * U;
  a.dh = dh.data();
  a.dc = dc.data();
  const StepFn fn = lstm ? K.lstm_bwd : gru ? K.gru_bwd : K.simple_bwd;
  InterruptScope* irq = current_interrupt();
  for (index_t s = T - 1; s >= 0; --s) {
    if (interrupted(irq)) return;
    const index_t t = d.reverse ? T - 1 - s : s;
    a.p = saved.gates + t * G;
    a.dp = dP.data() + t * G;
    a.q = gru ? dQ.data() + t * G : nullptr;
    a.mask = mask ? mask + t : nullptr;
    a.hprev = saved.hprev + t * U;
    a.cprev = lstm ? saved.cprev + t * U : nullptr;
    a.qh = gru ? saved.qh + t * U : nullptr;
    a.dy = dy ? dy + s * U : nullptr;
    run_rows(fn, a, B, 8 * G);
    // dh_prev = (its direct part) + dQ_t·Rᵀ
    gemm(false, true, B, U, G, dq + t * G, T * G, R, G, dh.data(), U, true, Epilogue());
  }
  if (dh0) copy_floats(dh0, dh.data(), B * U);
  if (lstm && dc0) copy_floats(dc0, dc.data(), B * U);
  const index_t BT = B * T;
  gemm(false, true, BT, d.F, G, dP.data(), G, W, G, dx, d.F, false, Epilogue());
  gemm(true, false, d.F, G, BT, x, d.F, dP.data(), G, dW, G, false, Epilogue());
  gemm(true, false, U, G, BT, saved.hprev, U, dq, G, dR, G, false, Epilogue());
  if (dbias) {
    column_sums(dP.data(), BT, G, dbias);
    if (gru) column_sums(dQ.data(), BT, G, dbias + G);
  }
}

}  // namespace fastnn

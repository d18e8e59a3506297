// recurrent_impl.h — per-ISA fused gate passes of one recurrent step (see recurrent.h): each batch row's gates
// are activated, combined and stored in one vectorised sweep over the U units (a partial last vector uses masked
// loads/stores); the backward turns dh (and dc) into the gate gradients in one sweep too. Activation derivatives
// are taken from the activated values the forward stored (tanh: 1 − y², sigmoid: y·(1 − y), relu: y > 0).
#pragma once
#include "recurrent.h"
#include "vmath.h"

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace {

static FASTNN_INLINE vf ld(const float* p, int k) { return k == W ? vload(p) : vload_n(p, k); }
static FASTNN_INLINE void st(float* p, vf v, int k) {
  if (k == W) vstore(p, v); else vstore_n(p, v, k);
}

static FASTNN_INLINE vf act_fwd(Act a, vf x) {
  switch (a) {
    case Act::tanh: return vtanh(x);
    case Act::sigmoid: return vsigmoid(x);
    case Act::relu: return vmax(x, vzero());
    default: return x;
  }
}

// d act / dx expressed through y = act(x)
static FASTNN_INLINE vf act_grad(Act a, vf y) {
  const vf one = vset1(1.f);
  switch (a) {
    case Act::tanh: return vfnma(y, y, one);
    case Act::sigmoid: return vfnma(y, y, y);
    case Act::relu: return vselect_gt(y, vzero(), one, vzero());
    default: return one;
  }
}

static FASTNN_INLINE bool kept(const RecurrentStepArgs& a, index_t b) { return !a.mask || a.mask[b * a.ldm] != 0; }

// Masked row of the forward: the state stays, the output is the state (or 0).
static FASTNN_INLINE void masked_output(const RecurrentStepArgs& a, index_t b) {
  float* y = a.y + b * a.ldy;
  const float* h = a.h + b * a.U;
  for (index_t j = 0; j < a.U; ++j) y[j] = a.zero_masked_output ? 0.f : h[j];
}

// The output gradient of step s that reaches row b's state: none when the output was a masked zero.
static FASTNN_INLINE vf dh_total(const RecurrentStepArgs& a, index_t b, bool keep, index_t j, int k) {
  const vf dh = ld(a.dh + b * a.U + j, k);
  if (!a.dy || (!keep && a.zero_masked_output)) return dh;
  return vadd(dh, ld(a.dy + b * a.ldy + j, k));
}

void simple_fwd(const RecurrentStepArgs& a, index_t r0, index_t r1) {
  const index_t U = a.U;
  for (index_t b = r0; b < r1; ++b) {
    float* p = a.p + b * a.ldp;
    const bool keep = kept(a, b);
    if (!keep) masked_output(a, b);
    for (index_t j = 0; j < U; j += W) {
      const int k = U - j < W ? static_cast<int>(U - j) : W;
      const vf hn = act_fwd(a.act, ld(p + j, k));
      st(p + j, hn, k);
      if (keep) {
        st(a.h + b * U + j, hn, k);
        st(a.y + b * a.ldy + j, hn, k);
      }
    }
  }
}

void lstm_fwd(const RecurrentStepArgs& a, index_t r0, index_t r1) {
  const index_t U = a.U;
  for (index_t b = r0; b < r1; ++b) {
    float* p = a.p + b * a.ldp;
    const bool keep = kept(a, b);
    if (!keep) masked_output(a, b);
    float *h = a.h + b * U, *c = a.c + b * U, *y = a.y + b * a.ldy;
    for (index_t j = 0; j < U; j += W) {
      const int k = U - j < W ? static_cast<int>(U - j) : W;
      const vf i = act_fwd(a.rec_act, ld(p + j, k));
      const vf f = act_fwd(a.rec_act, ld(p + U + j, k));
      const vf g = act_fwd(a.act, ld(p + 2 * U + j, k));
      const vf o = act_fwd(a.rec_act, ld(p + 3 * U + j, k));
      st(p + j, i, k);
      st(p + U + j, f, k);
      st(p + 2 * U + j, g, k);
      st(p + 3 * U + j, o, k);
      if (keep) {
        const vf cn = vfma(f, ld(c + j, k), vmul(i, g));
        const vf hn = vmul(o, act_fwd(a.act, cn));
        st(c + j, cn, k);
        st(h + j, hn, k);
        st(y + j, hn, k);
      }
    }
  }
}

void gru_fwd(const RecurrentStepArgs& a, index_t r0, index_t r1) {
  const index_t U = a.U;
  for (index_t b = r0; b < r1; ++b) {
    float* p = a.p + b * a.ldp;
    const float* q = a.q + b * a.ldq;
    const bool keep = kept(a, b);
    if (!keep) masked_output(a, b);
    float *h = a.h + b * U, *y = a.y + b * a.ldy, *qh = a.qh + b * a.ldqh;
    for (index_t j = 0; j < U; j += W) {
      const int k = U - j < W ? static_cast<int>(U - j) : W;
      const vf z = act_fwd(a.rec_act, vadd(ld(p + j, k), ld(q + j, k)));
      const vf r = act_fwd(a.rec_act, vadd(ld(p + U + j, k), ld(q + U + j, k)));
      const vf qhv = ld(q + 2 * U + j, k);
      const vf hh = act_fwd(a.act, vfma(r, qhv, ld(p + 2 * U + j, k)));
      st(p + j, z, k);
      st(p + U + j, r, k);
      st(p + 2 * U + j, hh, k);
      st(qh + j, qhv, k);
      if (keep) {  // Keras: z·h + (1 − z)·hh
        const vf hn = vadd(vmul(z, ld(h + j, k)), vmul(vsub(vset1(1.f), z), hh));
        st(h + j, hn, k);
        st(y + j, hn, k);
      }
    }
  }
}

// Masked row of the backward: no gate gradient, dh (with the output's) and dc pass to the previous step.
static FASTNN_INLINE void masked_backward(const RecurrentStepArgs& a, index_t b, index_t G, bool gru) {
  float* dp = a.dp + b * a.ldp;
  for (index_t j = 0; j < G; ++j) dp[j] = 0.f;
  if (gru) {
    float* dq = a.q + b * a.ldq;
    for (index_t j = 0; j < G; ++j) dq[j] = 0.f;
  }
  for (index_t j = 0; j < a.U; j += W) {
    const int k = a.U - j < W ? static_cast<int>(a.U - j) : W;
    st(a.dh + b * a.U + j, dh_total(a, b, false, j, k), k);
  }
}

void simple_bwd(const RecurrentStepArgs& a, index_t r0, index_t r1) {
  const index_t U = a.U;
  for (index_t b = r0; b < r1; ++b) {
    if (!kept(a, b)) {
      masked_backward(a, b, U, false);
      continue;
    }
    const float* p = a.p + b * a.ldp;
    float* dp = a.dp + b * a.ldp;
    for (index_t j = 0; j < U; j += W) {
      const int k = U - j < W ? static_cast<int>(U - j) : W;
      st(dp + j, vmul(dh_total(a, b, true, j, k), act_grad(a.act, ld(p + j, k))), k);
      st(a.dh + b * U + j, vzero(), k);  // h_prev reaches h' only through R: the GEMM adds dP·Rᵀ
    }
  }
}

void lstm_bwd(const RecurrentStepArgs& a, index_t r0, index_t r1) {
  const index_t U = a.U;
  for (index_t b = r0; b < r1; ++b) {
    if (!kept(a, b)) {
      masked_backward(a, b, 4 * U, false);  // dc passes unchanged
      continue;
    }
    const float* p = a.p + b * a.ldp;
    const float* cp = a.cprev + b * a.ldh;
    float *dp = a.dp + b * a.ldp, *dc = a.dc + b * U;
    for (index_t j = 0; j < U; j += W) {
      const int k = U - j < W ? static_cast<int>(U - j) : W;
      const vf i = ld(p + j, k), f = ld(p + U + j, k), g = ld(p + 2 * U + j, k), o = ld(p + 3 * U + j, k);
      const vf cprev = ld(cp + j, k);
      const vf tc = act_fwd(a.act, vfma(f, cprev, vmul(i, g)));  // the forward's c' and act(c'), recomputed
      const vf dh = dh_total(a, b, true, j, k);
      const vf dcn = vfma(vmul(dh, o), act_grad(a.act, tc), ld(dc + j, k));
      st(dp + j, vmul(vmul(dcn, g), act_grad(a.rec_act, i)), k);
      st(dp + U + j, vmul(vmul(dcn, cprev), act_grad(a.rec_act, f)), k);
      st(dp + 2 * U + j, vmul(vmul(dcn, i), act_grad(a.act, g)), k);
      st(dp + 3 * U + j, vmul(vmul(dh, tc), act_grad(a.rec_act, o)), k);
      st(dc + j, vmul(dcn, f), k);
      st(a.dh + b * U + j, vzero(), k);
    }
  }
}

void gru_bwd(const RecurrentStepArgs& a, index_t r0, index_t r1) {
  const index_t U = a.U;
  for (index_t b = r0; b < r1; ++b) {
    if (!kept(a, b)) {
      masked_backward(a, b, 3 * U, true);
      continue;
    }
    const float* p = a.p + b * a.ldp;
    const float *hp = a.hprev + b * a.ldh, *qh = a.qh + b * a.ldqh;
    float *dp = a.dp + b * a.ldp, *dq = a.q + b * a.ldq;
    for (index_t j = 0; j < U; j += W) {
      const int k = U - j < W ? static_cast<int>(U - j) : W;
      const vf z = ld(p + j, k), r = ld(p + U + j, k), hh = ld(p + 2 * U + j, k);
      const vf dh = dh_total(a, b, true, j, k);
      const vf dz = vmul(vmul(dh, vsub(ld(hp + j, k), hh)), act_grad(a.rec_act, z));
      const vf dhh = vmul(vmul(dh, vsub(vset1(1.f), z)), act_grad(a.act, hh));
      const vf dr = vmul(vmul(dhh, ld(qh + j, k)), act_grad(a.rec_act, r));
      st(dp + j, dz, k);
      st(dp + U + j, dr, k);
      st(dp + 2 * U + j, dhh, k);
      st(dq + j, dz, k);
      st(dq + U + j, dr, k);
      st(dq + 2 * U + j, vmul(dhh, r), k);
      st(a.dh + b * U + j, vmul(dh, z), k);
    }
  }
}

}  // namespace

extern const RecurrentKernels recurrent_kernels = {&simple_fwd, &lstm_fwd, &gru_fwd,
                                                   &simple_bwd, &lstm_bwd, &gru_bwd};

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

// optimizers_impl.h — per-ISA fused optimizer updates (see optimizers.h). Each element is updated with the
// same float32 operations, in the same order, as Keras 3's TensorFlow graph: separate multiplies and adds
// (no FMA), so the vector body and the tail give identical bits and any thread split is bitwise neutral.
#pragma once
#include <cmath>

#include "optimizers.h"

// Keras' TF ops round after every multiply and add; GCC would otherwise contract mul+add pairs into FMAs
// (-ffp-contract=fast is its default), which round once and drift by an ULP.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace {

// Loads/stores `k` lanes: a full vector (k == W, the constant case after inlining) or a masked tail.
static FASTNN_INLINE vf ld(const float* p, int k) { return k == W ? vload(p) : vload_n(p, k); }
static FASTNN_INLINE void st(float* p, vf x, int k) {
  if (k == W) vstore(p, x); else vstore_n(p, x, k);
}

// Calls body(i, k) on [i, i+k) for full vectors then the tail.
template <class Body>
static FASTNN_INLINE void for_each_vector(index_t n, Body&& body) {
  index_t i = 0;
  for (; i + W <= n; i += W) body(i, W);
  if (i < n) body(i, static_cast<int>(n - i));
}

void sgd(float* w, const float* g, float* m, index_t n, const SgdCoeffs& c) {
  const vf lr = vset1(c.lr), mu = vset1(c.momentum);
  if (m == nullptr) {  // w -= g*lr
    for_each_vector(n, [&](index_t i, int k) { st(w + i, vsub(ld(w + i, k), vmul(ld(g + i, k), lr)), k); });
  } else if (!c.nesterov) {  // m = m*mu - g*lr; w += m
    for_each_vector(n, [&](index_t i, int k) {
      const vf mi = vsub(vmul(ld(m + i, k), mu), vmul(ld(g + i, k), lr));
      st(m + i, mi, k);
      st(w + i, vadd(ld(w + i, k), mi), k);
    });
  } else {  // m = m*mu - g*lr; w += m*mu - g*lr
    for_each_vector(n, [&](index_t i, int k) {
      const vf glr = vmul(ld(g + i, k), lr);
      const vf mi = vsub(vmul(ld(m + i, k), mu), glr);
      st(m + i, mi, k);
      st(w + i, vadd(ld(w + i, k), vsub(vmul(mi, mu), glr)), k);
    });
  }
}

void adam(float* w, const float* g, float* m, float* v, float* vhat, index_t n, const AdamCoeffs& c) {
  const vf alpha = vset1(c.alpha), b1c = vset1(c.one_minus_beta_1), b2c = vset1(c.one_minus_beta_2);
  const vf eps = vset1(c.epsilon);
  auto step = [&](index_t i, int k, bool amsgrad) {
    const vf gi = ld(g + i, k);
    vf mi = ld(m + i, k), vi = ld(v + i, k);
    mi = vadd(mi, vmul(vsub(gi, mi), b1c));
    vi = vadd(vi, vmul(vsub(vmul(gi, gi), vi), b2c));
    st(m + i, mi, k);
    st(v + i, vi, k);
    if (amsgrad) {
      // max(vhat, v) with vhat's NaN-free value kept on ties; vmax returns the 2nd operand if either is NaN.
      vi = vmax(ld(vhat + i, k), vi);
      st(vhat + i, vi, k);
    }
    st(w + i, vsub(ld(w + i, k), vdiv(vmul(mi, alpha), vadd(vsqrt(vi), eps))), k);
  };
  if (vhat) for_each_vector(n, [&](index_t i, int k) { step(i, k, true); });
  else for_each_vector(n, [&](index_t i, int k) { step(i, k, false); });
}

void rmsprop(float* w, const float* g, float* v, float* mom, float* avg, index_t n, const RmspropCoeffs& c) {
  const vf lr = vset1(c.lr), rho = vset1(c.rho), omr = vset1(c.one_minus_rho), eps = vset1(c.epsilon);
  const vf mu = vset1(c.momentum);
  auto step = [&](index_t i, int k, bool centered, bool momentum) {
    const vf gi = ld(g + i, k);
    const vf vi = vadd(vmul(rho, ld(v + i, k)), vmul(omr, vmul(gi, gi)));
    st(v + i, vi, k);
    vf den;
    if (centered) {
      const vf ai = vadd(vmul(rho, ld(avg + i, k)), vmul(omr, gi));
      st(avg + i, ai, k);
      den = vadd(vsub(vi, vmul(ai, ai)), eps);
    } else {
      den = vadd(vi, eps);
    }
    const vf incr = vdiv(vmul(lr, gi), vsqrt(den));
    if (momentum) {
      const vf mo = vadd(vmul(mu, ld(mom + i, k)), incr);
      st(mom + i, mo, k);
      st(w + i, vsub(ld(w + i, k), mo), k);
    } else {
      st(w + i, vsub(ld(w + i, k), incr), k);
    }
  };
  const bool centered = avg != nullptr, momentum = mom != nullptr;
  if (centered && momentum) for_each_vector(n, [&](index_t i, int k) { step(i, k, true, true); });
  else if (centered) for_each_vector(n, [&](index_t i, int k) { step(i, k, true, false); });
  else if (momentum) for_each_vector(n, [&](index_t i, int k) { step(i, k, false, true); });
  else for_each_vector(n, [&](index_t i, int k) { step(i, k, false, false); });
}

void adagrad(float* w, const float* g, float* acc, index_t n, const AdagradCoeffs& c) {
  const vf lr = vset1(c.lr), eps = vset1(c.epsilon);
  for_each_vector(n, [&](index_t i, int k) {
    const vf gi = ld(g + i, k);
    const vf ai = vadd(ld(acc + i, k), vmul(gi, gi));
    st(acc + i, ai, k);
    st(w + i, vsub(ld(w + i, k), vdiv(vmul(lr, gi), vsqrt(vadd(ai, eps)))), k);
  });
}

void nadam(float* w, const float* g, float* m, float* v, index_t n, const NadamCoeffs& c) {
  const vf lr = vset1(c.lr), u_t1 = vset1(c.u_t1), d1 = vset1(c.one_minus_u_prod_t1);
  const vf one_minus_u_t = vset1(c.one_minus_u_t), d2 = vset1(c.one_minus_u_prod_t);
  const vf d3 = vset1(c.one_minus_beta_2_power), b1c = vset1(c.one_minus_beta_1), b2c = vset1(c.one_minus_beta_2);
  const vf eps = vset1(c.epsilon);
  for_each_vector(n, [&](index_t i, int k) {
    const vf gi = ld(g + i, k);
    vf mi = ld(m + i, k), vi = ld(v + i, k);
    mi = vadd(mi, vmul(vsub(gi, mi), b1c));
    vi = vadd(vi, vmul(vsub(vmul(gi, gi), vi), b2c));
    st(m + i, mi, k);
    st(v + i, vi, k);
    const vf m_hat = vadd(vdiv(vmul(u_t1, mi), d1), vdiv(vmul(one_minus_u_t, gi), d2));
    const vf v_hat = vdiv(vi, d3);
    st(w + i, vsub(ld(w + i, k), vdiv(vmul(m_hat, lr), vadd(vsqrt(v_hat), eps))), k);
  });
}

void adamax(float* w, const float* g, float* m, float* u, index_t n, const AdamaxCoeffs& c) {
  const vf lr = vset1(c.lr), b1c = vset1(c.one_minus_beta_1), b2 = vset1(c.beta_2);
  const vf bias = vset1(c.one_minus_beta_1_power), eps = vset1(c.epsilon);
  for_each_vector(n, [&](index_t i, int k) {
    const vf gi = ld(g + i, k);
    vf mi = ld(m + i, k);
    mi = vadd(mi, vmul(vsub(gi, mi), b1c));
    // tf.maximum(β2·u, |g|): vmax returns its 2nd operand when either is NaN, so a NaN gradient propagates.
    const vf ui = vmax(vmul(b2, ld(u + i, k)), vabs(gi));
    st(m + i, mi, k);
    st(u + i, ui, k);
    st(w + i, vsub(ld(w + i, k), vdiv(vmul(lr, mi), vmul(bias, vadd(ui, eps)))), k);
  });
}

void lion(float* w, const float* g, float* m, index_t n, const LionCoeffs& c) {
  const vf lr = vset1(c.lr), b1 = vset1(c.beta_1), b1c = vset1(c.one_minus_beta_1);
  const vf b2 = vset1(c.beta_2), b2c = vset1(c.one_minus_beta_2);
  const vf one = vset1(1.0f), zero = vzero();
  for_each_vector(n, [&](index_t i, int k) {
    const vf gi = ld(g + i, k), mi = ld(m + i, k);
    const vf x = vadd(vmul(mi, b1), vmul(gi, b1c));
    // sign(x): ±1, and x itself for ±0 and NaN (as tf.sign).
    const vf s = vselect_gt(x, zero, one, vselect_lt(x, zero, vneg(one), x));
    st(w + i, vsub(ld(w + i, k), vmul(lr, s)), k);
    st(m + i, vadd(vmul(mi, b2), vmul(gi, b2c)), k);
  });
}

void adadelta(float* w, const float* g, float* ag, float* ad, index_t n, const AdadeltaCoeffs& c) {
  const vf lr = vset1(c.lr), rho = vset1(c.rho), omr = vset1(c.one_minus_rho), eps = vset1(c.epsilon);
  for_each_vector(n, [&](index_t i, int k) {
    const vf gi = ld(g + i, k);
    const vf agi = vadd(vmul(rho, ld(ag + i, k)), vmul(omr, vmul(gi, gi)));
    st(ag + i, agi, k);
    const vf adi = ld(ad + i, k);
    const vf delta = vneg(vdiv(vmul(vsqrt(vadd(adi, eps)), gi), vsqrt(vadd(agi, eps))));
    st(ad + i, vadd(vmul(rho, adi), vmul(omr, vmul(delta, delta))), k);
    st(w + i, vadd(ld(w + i, k), vmul(lr, delta)), k);
  });
}

// x^p for Ftrl's accumulator powers (see FtrlCoeffs::power).
static FASTNN_INLINE vf ftrl_pow(vf x, const FtrlCoeffs& c) {
  if (c.power == 0) return vset1(1.0f);
  if (c.power == 1) return vsqrt(x);
  float lanes[W];
  vstore(lanes, x);
  for (int l = 0; l < W; ++l) lanes[l] = std::pow(lanes[l], c.p);
  return vload(lanes);
}

void ftrl(float* w, const float* g, float* acc, float* lin, index_t n, const FtrlCoeffs& c) {
  const vf lr = vset1(c.lr), s2 = vset1(c.two_shrinkage), l1 = vset1(c.l1), neg_l1 = vset1(-c.l1);
  const vf two_l2 = vset1(c.two_l2);
  for_each_vector(n, [&](index_t i, int k) {
    const vf gi = ld(g + i, k), wi = ld(w + i, k), ai = ld(acc + i, k);
    const vf gt = vadd(gi, vmul(s2, wi));
    const vf na = vadd(ai, vmul(gi, gi));
    const vf pn = ftrl_pow(na, c);
    const vf li = vadd(ld(lin + i, k), vsub(gt, vmul(vdiv(vsub(pn, ftrl_pow(ai, c)), lr), wi)));
    const vf quad = vadd(vdiv(pn, lr), two_l2);
    const vf clipped = vmin(vmax(li, neg_l1), l1);  // tf.clip_by_value: minimum(maximum(x, lo), hi)
    st(lin + i, li, k);
    st(w + i, vdiv(vsub(clipped, li), quad), k);
    st(acc + i, na, k);
  });
}

}  // namespace

extern const OptimizerKernels optimizer_kernels = {&sgd, &adam, &rmsprop, &adagrad, &nadam, &adamax, &lion,
                                                   &adadelta, &ftrl};

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

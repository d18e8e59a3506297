// vmath.h — vectorised exp / log / sigmoid / tanh / erf / softplus on simd.h's `vf`, for elementwise kernels and fused epilogues.
// Include after simd.h in an ISA translation unit. Accuracy targets (checked by tests/csrc/test_vmath.py):
// exp <= 2 ULP, log <= 2 ULP, sigmoid and tanh <= 4 ULP (measured on AVX2/generic: exp 1.2, log 0.8,
// sigmoid 2.3, tanh 2.5), matching TF's flush-to-zero behaviour (exp(x) = 0 below ln(FLT_MIN)).
#pragma once
#include "simd.h"

namespace fastnn {
namespace FASTNN_ISA_NS {

// y = n·ln2 + r with n = round(y·log2 e) and |r| <= ln2/2, in two FMA steps (Cody–Waite: n·ln2_hi is exact).
static FASTNN_INLINE vf ln2_reduce(vf y, vf* n) {
  *n = vround(vmul(y, vset1(1.44269504088896341f)));
  const vf r = vfnma(*n, vset1(0.693145751953125f), y);
  return vfnma(*n, vset1(1.428606765330187e-06f), r);
}

// q(r) = 1/2 + r/6 + … + r⁵/5040, so e^r = 1 + r + r²·q(r) (degree-7 Taylor; truncation < 2e-9 on |r| <= ln2/2).
static FASTNN_INLINE vf exp_taylor_tail(vf r) {
  vf q = vset1(1.f / 5040.f);
  q = vfma(q, r, vset1(1.f / 720.f));
  q = vfma(q, r, vset1(1.f / 120.f));
  q = vfma(q, r, vset1(1.f / 24.f));
  q = vfma(q, r, vset1(1.f / 6.f));
  return vfma(q, r, vset1(0.5f));
}

// exp(x): n = round(x·log2 e), r = x − n·ln2 in two FMA steps (Cody–Waite), e^r by its degree-7 Taylor
// polynomial (|r| <= ln2/2, truncation < 1e-9 relative, so only the Horner roundings remain: <= 1.3 ULP
// measured), then 2^n added to the exponent field. The clamp keeps that result normal; lanes outside
// [ln FLT_MIN, ln FLT_MAX] are patched to 0 (as TF, which flushes denormals) and +inf. vmin/vmax take the
// constant first so a NaN input propagates (x86 min/max return the second operand on NaN).
static FASTNN_INLINE vf vexp(vf x) {
  const vf lo = vset1(-87.33654f);             // ln(FLT_MIN): below it TF (FTZ) returns 0
  const vf hi = vset1(88.72283172607422f);     // largest float with exp(x) < FLT_MAX
  const vf xc = vmax(vset1(-87.5f), vmin(hi, x));
  vf n;
  const vf r = ln2_reduce(xc, &n);
  vf p = vfma(exp_taylor_tail(r), r, vset1(1.f));
  p = vfma(p, r, vset1(1.f));
  const vf y = vselect_gt(x, hi, vset1(__builtin_inff()), vscale2_normal(p, n));
  return vselect_lt(x, lo, vzero(), y);
}

// sigmoid(x) from e = exp(−|x|) with a true division: 1/(1+e) for x >= 0, e/(1+e) for x < 0 (no cancellation).
static FASTNN_INLINE vf vsigmoid(vf x) {
  const vf e = vexp(vneg(vabs(x)));
  const vf one = vset1(1.f);
  return vdiv(vselect_lt(x, vzero(), e, one), vadd(one, e));
}

// e^y − 1 for y in [−40, 0] without cancellation: y = n·ln2 + r, e^y − 1 = 2^n·u + (2^n − 1) with
// u = e^r − 1 = r + r²·q(r) (degree-7 Taylor overall), the last step one FMA (2^n − 1 is exact here).
static FASTNN_INLINE vf vexpm1_nonpositive(vf y) {
  vf n;
  const vf r = ln2_reduce(y, &n);
  const vf u = vfma(vmul(exp_taylor_tail(r), r), r, r);
  const vf s = vscale2_normal(vset1(1.f), n);  // n in [−58, 0]: 2^n is normal
  return vfma(s, u, vsub(s, vset1(1.f)));
}

// tanh(x) = −m / (2 + m) with m = e^{−2|x|} − 1 (no cancellation anywhere, one division), sign restored
// (odd, so tanh(−0) = −0). |x| >= 20 gives m = −1, tanh = ±1 exactly.
static FASTNN_INLINE vf vtanh(vf x) {
  const vf ax = vmin(vset1(20.f), vabs(x));  // constant first: NaN propagates
  const vf m = vexpm1_nonpositive(vmul(ax, vset1(-2.f)));
  return vcopysign(vdiv(vneg(m), vadd(vset1(2.f), m)), x);
}

// erf(x) as Eigen's (so TensorFlow's CPU) float erf: x clamped to [−4, 4] (erf is ±1 in float32 beyond), then an
// odd degree-13 over even degree-8 rational function in x. Max error ~2e-7 absolute (tests/csrc/test_vmath.py).
static FASTNN_INLINE vf verf(vf x_in) {
  const vf x = vmax(vset1(-4.f), vmin(vset1(4.f), x_in));  // constant first: NaN propagates
  const vf x2 = vmul(x, x);
  vf p = vfma(x2, vset1(-2.72614225801306e-10f), vset1(2.77068142495902e-08f));
  p = vfma(x2, p, vset1(-2.10102402082508e-06f));
  p = vfma(x2, p, vset1(-5.69250639462346e-05f));
  p = vfma(x2, p, vset1(-7.34990630326855e-04f));
  p = vfma(x2, p, vset1(-2.95459980854025e-03f));
  p = vfma(x2, p, vset1(-1.60960333262415e-02f));
  p = vmul(x, p);
  vf q = vfma(x2, vset1(-1.45660718464996e-05f), vset1(-2.13374055278905e-04f));
  q = vfma(x2, q, vset1(-1.68282697438203e-03f));
  q = vfma(x2, q, vset1(-7.37332916720468e-03f));
  q = vfma(x2, q, vset1(-1.42647390514189e-02f));
  return vdiv(p, q);
}

// e^x − 1 for any x <= 0 (x is clamped to [−40, 0], where e^x − 1 rounds to −1 below −40).
static FASTNN_INLINE vf vexpm1_neg(vf x) {
  return vexpm1_nonpositive(vmax(vset1(-40.f), vmin(vzero(), x)));  // constants first: NaN propagates
}

// log(x): x = m·2^e with m folded into [√½, √2), f = m − 1, log(1+f) = f − f²/2 + f³·P(f) (the Cephes logf
// polynomial), plus e·ln2 in two parts. Special values as IEEE/TF with denormals flushed: log(±0) and
// log(denormal) = −inf, log(x<0) = NaN, log(+inf) = +inf, NaN propagates.
static FASTNN_INLINE vf vlog(vf x) {
  const vf one = vset1(1.f);
  vf e;
  vf m = vfrexp(x, &e);
  const vf big = vselect_gt(m, vset1(1.41421356237f), one, vzero());
  m = vselect_gt(m, vset1(1.41421356237f), vmul(m, vset1(0.5f)), m);
  e = vadd(e, big);
  const vf f = vsub(m, one);
  const vf z = vmul(f, f);
  vf p = vset1(7.0376836292e-2f);
  p = vfma(p, f, vset1(-1.1514610310e-1f));
  p = vfma(p, f, vset1(1.1676998740e-1f));
  p = vfma(p, f, vset1(-1.2420140846e-1f));
  p = vfma(p, f, vset1(1.4249322787e-1f));
  p = vfma(p, f, vset1(-1.6668057665e-1f));
  p = vfma(p, f, vset1(2.0000714765e-1f));
  p = vfma(p, f, vset1(-2.4999993993e-1f));
  p = vfma(p, f, vset1(3.3333331174e-1f));
  vf y = vmul(vmul(p, f), z);
  y = vfma(e, vset1(-2.12194440e-4f), y);   // ln2 low part
  y = vfma(z, vset1(-0.5f), y);
  vf r = vadd(f, y);
  r = vfma(e, vset1(0.693359375f), r);      // ln2 high part (exact times e)
  const vf inf = vset1(__builtin_inff());
  r = vselect_lt(x, inf, r, x);                                    // +inf -> +inf, NaN -> NaN
  r = vselect_lt(x, vset1(1.17549435e-38f), vneg(inf), r);         // [0, FLT_MIN) -> -inf
  return vselect_lt(x, vzero(), vset1(__builtin_nanf("")), r);     // x < 0 -> NaN
}

// log(1 + e) for e in [0, 1] without losing e's low bits: u = 1 + e rounded, log(u) corrected by the rounding
// error (u − 1 − e)/u (Goldberg's trick). e = 0 or denormal gives e itself.
static FASTNN_INLINE vf vlog1p_unit(vf e) {
  const vf one = vset1(1.f);
  const vf u = vadd(one, e);
  return vsub(vlog(u), vdiv(vsub(vsub(u, one), e), u));
}

// softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^−|x|): never overflows, exact x for large x.
static FASTNN_INLINE vf vsoftplus(vf x) {
  return vadd(vmax(vzero(), x), vlog1p_unit(vexp(vneg(vabs(x)))));
}

// ---- row helpers shared by softmax and the softmax cross-entropy (XNNPACK's rmax / raddstoreexpminusmax)

// max of x[0..n) (−inf for n = 0). A NaN may be skipped here; it still turns its row's exp-sum into NaN.
static FASTNN_INLINE float row_max(const float* x, index_t n) {
  vf m = vset1(-__builtin_inff());
  index_t j = 0;
  for (; j + W <= n; j += W) m = vmax(vload(x + j), m);
  float r = vhmax(m);
  for (; j < n; ++j) r = x[j] > r ? x[j] : r;
  return r;
}

// Σ exp(x − m) over x[0..n); stores the exponentials in e_out when non-null. The same lanes are added in the
// same order either way, so a loss does not depend on whether its gradient was requested.
static FASTNN_INLINE float exp_store_sum_row(const float* x, vf m, float* e_out, index_t n) {
  vf s = vzero();
  index_t j = 0;
  for (; j + W <= n; j += W) {
    const vf e = vexp(vsub(vload(x + j), m));
    if (e_out) vstore(e_out + j, e);
    s = vadd(s, e);
  }
  if (j < n) {
    static const float kOnes[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const int t = int(n - j);
    const vf e = vexp(vsub(vload_n(x + j, t), m));
    if (e_out) vstore_n(e_out + j, e, t);
    // Lanes past the row end are dropped by a select (a masked reload of e_out would stall on the store).
    s = vadd(s, vselect_gt(vload_n(kOnes, t), vzero(), e, vzero()));
  }
  return vhsum(s);
}

// Rows handled together by row kernels: each phase loops over the block with independent iterations, so the
// core overlaps the rows' latency chains (a 10-class row alone is ~100 cycles of dependent work).
constexpr int kRowBlock = 8;

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

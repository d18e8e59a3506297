// vmath.h — vectorised exp / sigmoid / tanh on simd.h's `vf`, for elementwise kernels and fused epilogues.
// Include after simd.h in an ISA translation unit. Accuracy targets (checked by tests/csrc/test_vmath.py):
// exp <= 2 ULP, log <= 2 ULP, sigmoid and tanh <= 4 ULP, matching TF's flush-to-zero behaviour (exp(x) = 0 below ln(FLT_MIN)).
#pragma once
#include "simd.h"

namespace fastnn {
namespace FASTNN_ISA_NS {

// exp(x): n = round(x·log2 e), r = x − n·ln2 in two FMA steps (Cody–Waite), e^r by its degree-7 Taylor
// polynomial (|r| <= ln2/2, truncation < 1e-9 relative, so only the Horner roundings remain: <= 1.3 ULP
// measured), then 2^n added to the exponent field. The clamp keeps that result normal; lanes outside
// [ln FLT_MIN, ln FLT_MAX] are patched to 0 (as TF, which flushes denormals) and +inf. vmin/vmax take the
// constant first so a NaN input propagates (x86 min/max return the second operand on NaN).
static FASTNN_INLINE vf vexp(vf x) {
  const vf lo = vset1(-87.33654f);             // ln(FLT_MIN): below it TF (FTZ) returns 0
  const vf hi = vset1(88.72283172607422f);     // largest float with exp(x) < FLT_MAX
  const vf xc = vmax(vset1(-87.5f), vmin(hi, x));
  const vf n = vround(vmul(xc, vset1(1.44269504088896341f)));
  vf r = vfnma(n, vset1(0.693145751953125f), xc);      // ln2 high part (n·hi exact)
  r = vfnma(n, vset1(1.428606765330187e-06f), r);       // ln2 low part
  vf p = vset1(1.f / 5040.f);
  p = vfma(p, r, vset1(1.f / 720.f));
  p = vfma(p, r, vset1(1.f / 120.f));
  p = vfma(p, r, vset1(1.f / 24.f));
  p = vfma(p, r, vset1(1.f / 6.f));
  p = vfma(p, r, vset1(0.5f));
  p = vfma(p, r, vset1(1.f));
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

// tanh(x): odd Taylor polynomial up to x^15 for |x| < 0.55 (error < 1 ULP there); 1 − 2/(e^{2|x|}+1) with the
// sign restored above it (cancellation there costs < 1 bit).
static FASTNN_INLINE vf vtanh(vf x) {
  const vf ax = vabs(x);
  const vf x2 = vmul(x, x);
  vf p = vset1(-929569.f / 638512875.f);
  p = vfma(p, x2, vset1(21844.f / 6081075.f));
  p = vfma(p, x2, vset1(-1382.f / 155925.f));
  p = vfma(p, x2, vset1(62.f / 2835.f));
  p = vfma(p, x2, vset1(-17.f / 315.f));
  p = vfma(p, x2, vset1(2.f / 15.f));
  p = vfma(p, x2, vset1(-1.f / 3.f));
  const vf small = vfma(vmul(p, x2), x, x);
  const vf one = vset1(1.f);
  const vf e = vexp(vadd(ax, ax));
  const vf large = vsub(one, vdiv(vset1(2.f), vadd(e, one)));
  return vcopysign(vselect_lt(ax, vset1(0.55f), small, large), x);  // also keeps tanh(−0) = −0
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

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

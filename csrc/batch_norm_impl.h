// batch_norm_impl.h — per-ISA batch-normalization kernels (see batch_norm.h). Vectorised over channels (C is
// contiguous); a partial last vector uses masked loads/stores. The sum kernels add each channel's rows in a fixed
// order that depends only on the row range they are given: float partial sums over runs of kRun rows (4
// interleaved row streams, so the adds pipeline), each run's total then added into a double accumulator.
#pragma once
#include <cmath>

#include "batch_norm.h"

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace {

constexpr index_t kRun = 16;  // rows summed in float before the double add: rounding error stays ~4 ulp per run

static FASTNN_INLINE vf ld(const float* p, int k) { return k == W ? vload(p) : vload_n(p, k); }
static FASTNN_INLINE void st(float* p, vf v, int k) {
  if (k == W) vstore(p, v); else vstore_n(p, v, k);
}

// Adds the k lanes of two run totals to the double accumulators.
static FASTNN_INLINE void add_run(vf t1, vf t2, int k, double* d1, double* d2) {
  float f1[W], f2[W];
  vstore(f1, t1);
  vstore(f2, t2);
  for (int l = 0; l < k; ++l) {
    d1[l] += f1[l];
    d2[l] += f2[l];
  }
}

// Shared shape of both sum kernels: per channel vector, s1 = Σ u(r), s2 = Σ v(r) over the rows, where
// term(r, &u, &v) computes one row's lanes.
template <class Term>
static FASTNN_INLINE void channel_sums(index_t C, index_t r0, index_t r1, double* s1, double* s2, Term term) {
  for (index_t c0 = 0; c0 < C; c0 += W) {
    const int k = C - c0 < W ? static_cast<int>(C - c0) : W;
    double d1[W], d2[W];
    for (int l = 0; l < W; ++l) d1[l] = d2[l] = 0.0;
    for (index_t r = r0; r < r1;) {
      const index_t end = r1 - r < kRun ? r1 : r + kRun;
      vf a0 = vzero(), a1 = vzero(), a2 = vzero(), a3 = vzero();
      vf q0 = vzero(), q1 = vzero(), q2 = vzero(), q3 = vzero();
      for (; r + 4 <= end; r += 4) {
        term(r, c0, k, &a0, &q0);
        term(r + 1, c0, k, &a1, &q1);
        term(r + 2, c0, k, &a2, &q2);
        term(r + 3, c0, k, &a3, &q3);
      }
      for (; r < end; ++r) term(r, c0, k, &a0, &q0);
      add_run(vadd(vadd(a0, a1), vadd(a2, a3)), vadd(vadd(q0, q1), vadd(q2, q3)), k, d1, d2);
    }
    for (int l = 0; l < k; ++l) {
      s1[c0 + l] = d1[l];
      s2[c0 + l] = d2[l];
    }
  }
}

void moment_sums(const float* x, index_t C, const float* shift, index_t r0, index_t r1, double* s1, double* s2) {
  channel_sums(C, r0, r1, s1, s2, [&](index_t r, index_t c0, int k, vf* a, vf* q) {
    const vf d = vsub(ld(x + r * C + c0, k), ld(shift + c0, k));
    *a = vadd(*a, d);
    *q = vfma(d, d, *q);
  });
}

void grad_sums(const float* x, const float* dy, index_t C, const float* mean, index_t r0, index_t r1, double* sdy,
               double* sdyx) {
  channel_sums(C, r0, r1, sdy, sdyx, [&](index_t r, index_t c0, int k, vf* a, vf* q) {
    const vf g = ld(dy + r * C + c0, k);
    *a = vadd(*a, g);
    *q = vfma(g, vsub(ld(x + r * C + c0, k), ld(mean + c0, k)), *q);
  });
}

void scale_shift(const float* x, index_t C, const float* a, const float* b, float* y, index_t r0, index_t r1) {
  for (index_t r = r0; r < r1; ++r) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    for (index_t c0 = 0; c0 < C; c0 += W) {
      const int k = C - c0 < W ? static_cast<int>(C - c0) : W;
      st(yr + c0, vfma(ld(xr + c0, k), ld(a + c0, k), ld(b + c0, k)), k);
    }
  }
}

void grad_input(const float* x, const float* dy, index_t C, const float* mean, const float* a, const float* mdy,
                const float* kc, float* dx, index_t r0, index_t r1) {
  for (index_t r = r0; r < r1; ++r) {
    const index_t o = r * C;
    for (index_t c0 = 0; c0 < C; c0 += W) {
      const int k = C - c0 < W ? static_cast<int>(C - c0) : W;
      const vf xm = vsub(ld(x + o + c0, k), ld(mean + c0, k));
      const vf g = vsub(ld(dy + o + c0, k), ld(mdy + c0, k));
      st(dx + o + c0, vfma(ld(kc + c0, k), xm, vmul(ld(a + c0, k), g)), k);
    }
  }
}

// Σ over one row of f(c0, k) (a vector of k lanes), lanes added in float per chunk, then in double.
template <class F>
static FASTNN_INLINE double row_sum(index_t C, F f) {
  vf acc = vzero();
  for (index_t c0 = 0; c0 < C; c0 += W) acc = vadd(acc, f(c0, C - c0 < W ? static_cast<int>(C - c0) : W));
  float lanes[W];
  vstore(lanes, acc);
  double s = 0.0;
  for (int l = 0; l < W; ++l) s += lanes[l];
  return s;
}

void ln_rows(const float* x, index_t C, const float* gamma, const float* beta, float epsilon, float* y,
             float* mean, float* inv, index_t r0, index_t r1) {
  for (index_t r = r0; r < r1; ++r) {
    const float* xr = x + r * C;
    const float m = static_cast<float>(row_sum(C, [&](index_t c0, int k) { return ld(xr + c0, k); }) / C);
    const vf vm = vset1(m);
    float m_lanes[W];
    for (int l = 0; l < W; ++l) m_lanes[l] = m;
    const double ss = row_sum(C, [&](index_t c0, int k) {  // masked-off lanes: 0 − 0
      const vf d = vsub(ld(xr + c0, k), k == W ? vm : vload_n(m_lanes, k));
      return vmul(d, d);
    });
    // TF's order: inv = rsqrt(var + eps)·gamma, res = beta − mean·inv, y = x·inv + res
    const float iv = 1.0f / std::sqrt(static_cast<float>(ss / C) + epsilon);
    mean[r] = m;
    inv[r] = iv;
    const vf vi = vset1(iv);
    float* yr = y + r * C;
    for (index_t c0 = 0; c0 < C; c0 += W) {
      const int k = C - c0 < W ? static_cast<int>(C - c0) : W;
      const vf a = gamma ? vmul(vi, ld(gamma + c0, k)) : vi;
      const vf b = beta ? vfnma(vm, a, ld(beta + c0, k)) : vneg(vmul(vm, a));
      st(yr + c0, vfma(ld(xr + c0, k), a, b), k);
    }
  }
}

void ln_grad_rows(const float* x, const float* dy, index_t C, const float* gamma, const float* mean,
                  const float* inv, float* dx, index_t r0, index_t r1) {
  for (index_t r = r0; r < r1; ++r) {
    const float *xr = x + r * C, *gr = dy + r * C;
    const vf vm = vset1(mean[r]), vi = vset1(inv[r]);
    auto g_at = [&](index_t c0, int k) { return gamma ? vmul(ld(gr + c0, k), ld(gamma + c0, k)) : ld(gr + c0, k); };
    auto xhat_at = [&](index_t c0, int k) { return vmul(vsub(ld(xr + c0, k), vm), vi); };
    // masked-off lanes load 0 for x, so their xhat is −mean·inv: multiplied by g = 0 there, they add nothing
    const double sg = row_sum(C, [&](index_t c0, int k) { return g_at(c0, k); });
    const double sgx = row_sum(C, [&](index_t c0, int k) { return vmul(g_at(c0, k), xhat_at(c0, k)); });
    const vf mg = vset1(static_cast<float>(sg / C)), mgx = vset1(static_cast<float>(sgx / C));
    float* dr = dx + r * C;
    for (index_t c0 = 0; c0 < C; c0 += W) {
      const int k = C - c0 < W ? static_cast<int>(C - c0) : W;
      st(dr + c0, vmul(vi, vfnma(xhat_at(c0, k), mgx, vsub(g_at(c0, k), mg))), k);
    }
  }
}

void ln_param_sums(const float* x, const float* dy, index_t C, const float* mean, const float* inv, index_t r0,
                   index_t r1, double* sdy, double* sdyx) {
  channel_sums(C, r0, r1, sdy, sdyx, [&](index_t r, index_t c0, int k, vf* a, vf* q) {
    const vf g = ld(dy + r * C + c0, k);
    *a = vadd(*a, g);
    *q = vfma(g, vmul(vsub(ld(x + r * C + c0, k), vset1(mean[r])), vset1(inv[r])), *q);
  });
}

}  // namespace

extern const BatchNormKernels batch_norm_kernels = {&moment_sums, &scale_shift, &grad_sums, &grad_input,
                                                    &ln_rows, &ln_grad_rows, &ln_param_sums};

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

// batch_norm.cpp — batch-normalization drivers: per-channel sums over fixed row blocks (one slot per block, added
// in block order: thread-count independent), then one elementwise pass. Each call opens at most two regions.
#include "batch_norm.h"

#include <cmath>
#include <vector>

#include "dispatch.h"
#include "parallel.h"

FASTNN_DECLARE_PER_ISA(fastnn::BatchNormKernels, batch_norm_kernels)

namespace fastnn {
namespace {

// Rows per block: ~64 KB of x, so a block stays in L2 while its channel vectors are swept. Depends on C only.
index_t rows_per_block(index_t C) {
  const index_t rows = (index_t(1) << 14) / (C > 0 ? C : 1);
  return rows > 0 ? rows : 1;
}

// Per-channel totals t1, t2 (C doubles each) of kernel(r0, r1, s1, s2) over all M rows, block by block.
// Returns false when the call was interrupted (the totals are then incomplete).
template <class Sums>
bool blocked_sums(index_t M, index_t C, Sums sums, std::vector<double>* t1, std::vector<double>* t2) {
  const index_t rpb = rows_per_block(C);
  const index_t blocks = (M + rpb - 1) / rpb;
  std::vector<double> p1(static_cast<size_t>(blocks * C)), p2(static_cast<size_t>(blocks * C));
  InterruptScope* irq = current_interrupt();
  const int nt = threads_for(M * C, blocks);
  parallel_region(nt, [&](int tid, int nth) {
    index_t b0, b1;
    split_range(blocks, tid, nth, &b0, &b1);
    if (b0 < b1)
      for_each_piece(irq, b0, b1, rpb * C, [&](index_t b, index_t e) {
        for (index_t blk = b; blk < e; ++blk) {
          const index_t r0 = blk * rpb, r1 = r0 + rpb < M ? r0 + rpb : M;
          sums(r0, r1, p1.data() + blk * C, p2.data() + blk * C);
        }
      });
  });
  if (interrupted(irq)) return false;
  t1->assign(static_cast<size_t>(C), 0.0);
  t2->assign(static_cast<size_t>(C), 0.0);
  for (index_t blk = 0; blk < blocks; ++blk)  // block order: the same for every thread count
    for (index_t c = 0; c < C; ++c) {
      (*t1)[c] += p1[blk * C + c];
      (*t2)[c] += p2[blk * C + c];
    }
  return true;
}

// TF's inv = rsqrt(var + epsilon), in float32.
float inv_std(float var, float epsilon) { return 1.0f / std::sqrt(var + epsilon); }

}  // namespace

void batch_norm_forward(index_t M, index_t C, const float* x, const float* gamma, const float* beta,
                        const float* mean_in, const float* var_in, float epsilon, float* y, float* mean_out,
                        float* var_out) {
  const BatchNormKernels& k = FASTNN_SELECT(batch_norm_kernels);
  std::vector<float> mean(static_cast<size_t>(C)), var(static_cast<size_t>(C));
  if (mean_in) {
    copy_floats(mean.data(), mean_in, C);
    copy_floats(var.data(), var_in, C);
  } else {
    // Sums around the first row: Σ(x − s)² stays well conditioned when |mean| >> std.
    std::vector<float> shift(static_cast<size_t>(C), 0.f);
    if (M > 0) copy_floats(shift.data(), x, C);
    std::vector<double> s1, s2;
    const bool done = blocked_sums(M, C, [&](index_t r0, index_t r1, double* a, double* b) {
      k.moment_sums(x, C, shift.data(), r0, r1, a, b);
    }, &s1, &s2);
    if (!done) return;
    for (index_t c = 0; c < C; ++c) {
      const double d = s1[c] / static_cast<double>(M);  // mean − shift (NaN for M = 0, as TF's empty mean)
      const double v = s2[c] / static_cast<double>(M) - d * d;
      mean[c] = static_cast<float>(shift[c] + d);
      var[c] = static_cast<float>(v > 0.0 ? v : 0.0 * v);  // clamps rounding below 0, keeps NaN
    }
    copy_floats(mean_out, mean.data(), C);
    copy_floats(var_out, var.data(), C);
  }
  // tf.nn.batch_normalization's order: inv = rsqrt(var + eps) · scale, offset − mean · inv.
  std::vector<float> a(static_cast<size_t>(C)), b(static_cast<size_t>(C));
  for (index_t c = 0; c < C; ++c) {
    a[c] = inv_std(var[c], epsilon) * (gamma ? gamma[c] : 1.0f);
    b[c] = (beta ? beta[c] : 0.0f) - mean[c] * a[c];
  }
  parallel_for(M, C, [&](index_t r0, index_t r1) { k.scale_shift(x, C, a.data(), b.data(), y, r0, r1); });
}

void batch_norm_backward(index_t M, index_t C, const float* x, const float* dy, const float* mean,
                         const float* var, const float* gamma, float epsilon, bool batch_stats, float* dx,
                         float* dgamma, float* dbeta) {
  const BatchNormKernels& k = FASTNN_SELECT(batch_norm_kernels);
  std::vector<double> sdy, sdyx;
  const bool done = blocked_sums(M, C, [&](index_t r0, index_t r1, double* a, double* b) {
    k.grad_sums(x, dy, C, mean, r0, r1, a, b);
  }, &sdy, &sdyx);
  if (!done) return;
  std::vector<float> a(static_cast<size_t>(C)), mdy(static_cast<size_t>(C), 0.f), kc(static_cast<size_t>(C), 0.f);
  for (index_t c = 0; c < C; ++c) {
    const float inv = inv_std(var[c], epsilon);
    a[c] = inv * (gamma ? gamma[c] : 1.0f);
    if (dbeta) dbeta[c] = static_cast<float>(sdy[c]);
    if (dgamma) dgamma[c] = static_cast<float>(sdyx[c] * inv);
    if (batch_stats && M > 0) {
      mdy[c] = static_cast<float>(sdy[c] / static_cast<double>(M));
      kc[c] = static_cast<float>(-static_cast<double>(a[c]) * inv * inv * sdyx[c] / static_cast<double>(M));
    }
  }
  if (batch_stats)
    parallel_for(M, 2 * C, [&](index_t r0, index_t r1) {
      k.grad_input(x, dy, C, mean, a.data(), mdy.data(), kc.data(), dx, r0, r1);
    });
  else  // given statistics: dx = dy·a
    parallel_for(M, C, [&](index_t r0, index_t r1) { k.scale_shift(dy, C, a.data(), mdy.data(), dx, r0, r1); });
}

void layer_norm_forward(index_t M, index_t C, const float* x, const float* gamma, const float* beta, float epsilon,
                        float* y, float* mean_out, float* inv_out) {
  const BatchNormKernels& k = FASTNN_SELECT(batch_norm_kernels);
  parallel_for(M, 3 * C, [&](index_t r0, index_t r1) {
    k.ln_rows(x, C, gamma, beta, epsilon, y, mean_out, inv_out, r0, r1);
  });
}

void layer_norm_backward(index_t M, index_t C, const float* x, const float* dy, const float* mean, const float* inv,
                         const float* gamma, float* dx, float* dgamma, float* dbeta) {
  const BatchNormKernels& k = FASTNN_SELECT(batch_norm_kernels);
  std::vector<double> sdy, sdyx;
  const bool done = blocked_sums(M, C, [&](index_t r0, index_t r1, double* a, double* b) {
    k.ln_param_sums(x, dy, C, mean, inv, r0, r1, a, b);
  }, &sdy, &sdyx);
  if (!done) return;
  for (index_t c = 0; c < C; ++c) {
    if (dbeta) dbeta[c] = static_cast<float>(sdy[c]);
    if (dgamma) dgamma[c] = static_cast<float>(sdyx[c]);
  }
  parallel_for(M, 3 * C, [&](index_t r0, index_t r1) { k.ln_grad_rows(x, dy, C, gamma, mean, inv, dx, r0, r1); });
}

}  // namespace fastnn

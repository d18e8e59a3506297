// softmax_xent_impl.h — ISA-templated row passes of the softmax cross-entropy family (see softmax_xent.h).
// Included by softmax_xent_{avx512,avx2,generic}.cpp after simd.h. Operation order as TensorFlow's
// tensorflow/core/kernels/xent_op.h: s = z − max, sum = Σ exp(s), loss = Σ y·(log sum − s), grad = exp(s)/sum − y.
#pragma once
#include "softmax_xent.h"
#include "vmath.h"

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace {

// dl = scale · (e / sum − y) in place over e (y null: no labels subtracted).
void write_grad_row(float* dl, const float* y, vf sum, vf scale, index_t n) {
  index_t j = 0;
  for (; j + W <= n; j += W) {
    vf p = vdiv(vload(dl + j), sum);
    if (y) p = vsub(p, vload(y + j));
    vstore(dl + j, vmul(p, scale));
  }
  if (j < n) {
    const int t = int(n - j);
    vf p = vdiv(vload_n(dl + j, t), sum);
    if (y) p = vsub(p, vload_n(y + j, t));
    vstore_n(dl + j, vmul(p, scale), t);
  }
}

// For nb rows: m = row max, sum = Σ exp(z − m), with exp(z − m) stored in dl when it is not null. The passes run
// row-interleaved per phase so the row block stays in L1 between them.
void max_and_exp_sums(const float* z, float* dl, int nb, index_t n, float* m, float* sum) {
  for (int i = 0; i < nb; ++i) m[i] = row_max(z + i * n, n);
  for (int i = 0; i < nb; ++i) sum[i] = exp_store_sum_row(z + i * n, vset1(m[i]), dl ? dl + i * n : nullptr, n);
}

void dense_rows_kernel(const float* logits, const float* labels, float* loss, float* dlogits, index_t rows,
                       index_t n, float grad_scale) {
  for (index_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int nb = rows - r0 < kRowBlock ? int(rows - r0) : kRowBlock;
    float m[kRowBlock], sum[kRowBlock];
    max_and_exp_sums(logits + r0 * n, dlogits ? dlogits + r0 * n : nullptr, nb, n, m, sum);
    for (int i = 0; i < nb; ++i) {
      const index_t r = r0 + i;
      const float *z = logits + r * n, *y = labels + r * n;
      const vf mv = vset1(m[i]), lse = vset1(__builtin_logf(sum[i]));
      vf acc = vzero();
      index_t j = 0;
      for (; j + W <= n; j += W) acc = vfma(vload(y + j), vsub(lse, vsub(vload(z + j), mv)), acc);
      if (j < n) {
        const int t = int(n - j);
        acc = vfma(vload_n(y + j, t), vsub(lse, vsub(vload_n(z + j, t), mv)), acc);  // y = 0 past the row end
      }
      loss[r] = vhsum(acc);
      if (dlogits) write_grad_row(dlogits + r * n, y, vset1(sum[i]), vset1(grad_scale), n);
    }
  }
}

void sparse_rows_kernel(const float* logits, const std::int64_t* labels, float* loss, float* dlogits,
                        index_t rows, index_t n, float grad_scale) {
  for (index_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int nb = rows - r0 < kRowBlock ? int(rows - r0) : kRowBlock;
    float m[kRowBlock], sum[kRowBlock];
    max_and_exp_sums(logits + r0 * n, dlogits ? dlogits + r0 * n : nullptr, nb, n, m, sum);
    for (int i = 0; i < nb; ++i) {
      const index_t r = r0 + i, label = labels[r];  // validated by the caller: 0 <= label < n
      const float* z = logits + r * n;
      loss[r] = __builtin_logf(sum[i]) - (z[label] - m[i]);
      if (dlogits) {
        float* dl = dlogits + r * n;
        const float e_label = dl[label];
        write_grad_row(dl, nullptr, vset1(sum[i]), vset1(grad_scale), n);
        dl[label] = (e_label / sum[i] - 1.f) * grad_scale;
      }
    }
  }
}

}  // namespace

extern const SoftmaxXentKernels softmax_xent_kernels;  // extern: a namespace-scope const is otherwise internal
const SoftmaxXentKernels softmax_xent_kernels = {dense_rows_kernel, sparse_rows_kernel};

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

// softmax_xent_impl.h — ISA-templated row passes of the softmax cross-entropy family (see softmax_xent.h).
// Included by softmax_xent_{avx512,avx2,generic}.cpp after simd.h. Operation order as TensorFlow's
// tensorflow/core/kernels/xent_op.h: s = z − max, sum = Σ exp(s), loss = Σ y·(log sum − s), grad = exp(s)/sum − y.
#pragma once
#include "softmax_xent.h"
#include "vmath.h"

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace {

float xent_row_max(const float* z, index_t n) {
  vf m = vset1(-__builtin_inff());
  index_t j = 0;
  for (; j + W <= n; j += W) m = vmax(vload(z + j), m);
  float r = vhmax(m);
  for (; j < n; ++j) r = z[j] > r ? z[j] : r;
  return r;  // a skipped NaN still makes the row's sum, hence its loss and grad, NaN (as in TF)
}

// Σ exp(z − m) over one row; stores the exponentials in e_out when non-null. The same lanes are summed in the
// same order either way, so the loss does not depend on whether the gradient was requested.
float sum_exp_row(const float* z, vf m, float* e_out, index_t n) {
  vf s = vzero();
  index_t j = 0;
  for (; j + W <= n; j += W) {
    const vf e = vexp(vsub(vload(z + j), m));
    if (e_out) vstore(e_out + j, e);
    s = vadd(s, e);
  }
  if (j < n) {
    const int t = int(n - j);
    float buf[W > 0 ? W : 1];
    float* dst = e_out ? e_out + j : buf;
    vstore_n(dst, vexp(vsub(vload_n(z + j, t), m)), t);
    s = vadd(s, vload_n(dst, t));  // reload: lanes past the row end come back as 0
  }
  return vhsum(s);
}

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

void dense_rows_kernel(const float* logits, const float* labels, float* loss, float* dlogits, index_t rows,
                       index_t n, float grad_scale) {
  for (index_t r = 0; r < rows; ++r) {
    const float *z = logits + r * n, *y = labels + r * n;
    float* dl = dlogits ? dlogits + r * n : nullptr;
    const vf m = vset1(xent_row_max(z, n));
    const float sum = sum_exp_row(z, m, dl, n);
    const vf lse = vset1(__builtin_logf(sum));
    vf acc = vzero();
    index_t j = 0;
    for (; j + W <= n; j += W) acc = vfma(vload(y + j), vsub(lse, vsub(vload(z + j), m)), acc);
    if (j < n) {
      const int t = int(n - j);
      acc = vfma(vload_n(y + j, t), vsub(lse, vsub(vload_n(z + j, t), m)), acc);  // y = 0 past the row end
    }
    loss[r] = n ? vhsum(acc) : 0.f;
    if (dl) write_grad_row(dl, y, vset1(sum), vset1(grad_scale), n);
  }
}

void sparse_rows_kernel(const float* logits, const std::int64_t* labels, float* loss, float* dlogits,
                        index_t rows, index_t n, float grad_scale) {
  for (index_t r = 0; r < rows; ++r) {
    const float* z = logits + r * n;
    const index_t label = labels[r];  // validated by the caller: 0 <= label < n
    float* dl = dlogits ? dlogits + r * n : nullptr;
    const float m = xent_row_max(z, n);
    const float sum = sum_exp_row(z, vset1(m), dl, n);
    loss[r] = __builtin_logf(sum) - (z[label] - m);
    if (dl) {
      const float e_label = dl[label];
      write_grad_row(dl, nullptr, vset1(sum), vset1(grad_scale), n);
      dl[label] = (e_label / sum - 1.f) * grad_scale;
    }
  }
}

}  // namespace

extern const SoftmaxXentKernels softmax_xent_kernels;  // extern: a namespace-scope const is otherwise internal
const SoftmaxXentKernels softmax_xent_kernels = {dense_rows_kernel, sparse_rows_kernel};

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

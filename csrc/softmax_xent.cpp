// softmax_xent.cpp — driver: rows split between threads (each row is independent).
#include "softmax_xent.h"

#include "dispatch.h"
#include "parallel.h"

FASTNN_DECLARE_PER_ISA(fastnn::SoftmaxXentKernels, softmax_xent_kernels)

namespace fastnn {

void softmax_xent(const float* logits, const float* labels, float* loss, float* dlogits, index_t rows, index_t n,
                  float grad_scale) {
  const SoftmaxXentKernels& k = FASTNN_SELECT(softmax_xent_kernels);
  parallel_for(rows, n * 10, [&](index_t b, index_t e) {
    k.dense_rows(logits + b * n, labels + b * n, loss + b, dlogits ? dlogits + b * n : nullptr, e - b, n,
                 grad_scale);
  });
}

void sparse_softmax_xent(const float* logits, const std::int64_t* labels, float* loss, float* dlogits,
                         index_t rows, index_t n, float grad_scale) {
  const SoftmaxXentKernels& k = FASTNN_SELECT(softmax_xent_kernels);
  parallel_for(rows, n * 8, [&](index_t b, index_t e) {
    k.sparse_rows(logits + b * n, labels + b, loss + b, dlogits ? dlogits + b * n : nullptr, e - b, n,
                  grad_scale);
  });
}

}  // namespace fastnn

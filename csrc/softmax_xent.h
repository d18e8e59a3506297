// softmax_xent.h — fused softmax cross-entropy on logits (tf.nn.softmax_cross_entropy_with_logits and the
// sparse variant): per-sample loss and dlogits in one row pass.
//
//   logits[B,N], labels[B,N] (dense, soft labels allowed) or labels[B] (int64 class ids, all in [0, N))
//   m = max_j z, s = z − m, lse = log Σ exp(s)
//   loss[B]      = Σ_j y_j · (lse − s_j)                     (sparse: lse − s_label)
//   dlogits[B,N] = grad_scale · (exp(s) / Σ exp(s) − y)      (only when dlogits is non-null)
//
// As TensorFlow's xent_op.h / sparse_xent_op.h. Rows are independent, so any thread split gives the same bits.
// No validation here: the binding checks shapes and that every sparse label is in [0, N).
#pragma once
#include "common.h"

namespace fastnn {

struct SoftmaxXentKernels {
  void (*dense_rows)(const float* logits, const float* labels, float* loss, float* dlogits, index_t rows,
                     index_t n, float grad_scale);
  void (*sparse_rows)(const float* logits, const std::int64_t* labels, float* loss, float* dlogits,
                      index_t rows, index_t n, float grad_scale);
};

void softmax_xent(const float* logits, const float* labels, float* loss, float* dlogits, index_t rows, index_t n,
                  float grad_scale = 1.f);
void sparse_softmax_xent(const float* logits, const std::int64_t* labels, float* loss, float* dlogits,
                         index_t rows, index_t n, float grad_scale = 1.f);

}  // namespace fastnn

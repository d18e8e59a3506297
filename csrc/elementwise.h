// elementwise.h — activations, their derivatives, exp/log, softmax, and the Dense-backward prologue.
//
//   unary:       y[n]  = f(x[n])                 f in {relu, leaky_relu(alpha), sigmoid, tanh, exp, log, and the
//                                                Keras 3 activations gelu, gelu_tanh, elu(alpha), selu, swish,
//                                                softplus, softsign, hard_sigmoid, hard_swish, relu6, mish}
//   unary_grad:  dx[n] = dy[n] · f'(.)           from the forward OUTPUT y for sigmoid/tanh/exp (as TensorFlow's
//                                                gradient ops), from the forward INPUT x for every other op
//   softmax:     y[R,N] = exp(x − max_row) / Σ_row                      (over the last axis, R rows)
//   softmax_grad dx[R,N] = y · (dy − Σ_row dy·y)
//   dense_activation_grad: dz[B,N] = dy ⊙ act'(y)  and  db[N] = Σ_b dz   (one pass; y = activation output)
//   bias_grad:   db[N] = Σ_rows dy[R,N]
//
// Every column sum is taken over fixed row chunks (boundaries depend only on R) whose partials are added in
// chunk order, so results are bitwise identical for any thread count. Contiguous row-major float32 only;
// no validation here (the binding validates).
#pragma once
#include "common.h"

namespace fastnn {

enum class Unary : int {
  relu = 0, leaky_relu = 1, sigmoid = 2, tanh = 3, exp = 4, log = 5,
  gelu = 6, gelu_tanh = 7, elu = 8, selu = 9, swish = 10, softplus = 11, softsign = 12, hard_sigmoid = 13,
  hard_swish = 14, relu6 = 15, mish = 16,
};

// Whether unary_grad takes the forward output y (else the input x).
inline bool unary_grad_from_output(Unary op) { return op == Unary::sigmoid || op == Unary::tanh || op == Unary::exp; }

struct ElementwiseKernels {
  void (*unary)(Unary op, float alpha, const float* x, float* y, index_t n);
  void (*unary_grad)(Unary op, float alpha, const float* dy, const float* xy, float* dx, index_t n);
  void (*softmax_rows)(const float* x, float* y, index_t rows, index_t n);
  void (*softmax_grad_rows)(const float* dy, const float* y, float* dx, index_t rows, index_t n);
  // colsum[N] = Σ_rows g, g = dy ⊙ act'(y); also stores g in dz when dz is non-null. rows >= 1.
  void (*act_grad_colsum)(Act act, float alpha, const float* dy, const float* y, float* dz, float* colsum,
                          index_t rows, index_t n);
};

void unary(Unary op, const float* x, float* y, index_t n, float alpha = 0.2f);
void unary_grad(Unary op, const float* dy, const float* xy, float* dx, index_t n, float alpha = 0.2f);
void softmax(const float* x, float* y, index_t rows, index_t n);
void softmax_grad(const float* dy, const float* y, float* dx, index_t rows, index_t n);
// dz may be null (only db wanted); db may be null (only dz wanted). y is ignored for Act::linear.
void dense_activation_grad(Act act, float alpha, const float* dy, const float* y, index_t rows, index_t n,
                           float* dz, float* db);
void bias_grad(const float* dy, index_t rows, index_t n, float* db);

}  // namespace fastnn

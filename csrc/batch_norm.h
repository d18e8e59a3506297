// batch_norm.h — batch normalization over the last (channel) axis, forward and backward in one fused pass each
// (Keras' BatchNormalization, tf.nn.moments + tf.nn.batch_normalization and their gradients).
//
// Shape legend: x[M, C] row-major, C contiguous: an NHWC tensor is M = N·H·W rows of C channels, a Dense
// output is M = N rows. Per channel c:
//   training (batch statistics): mean = Σx / M, var = Σ(x − mean)² / M (the biased variance tf.nn.moments gives);
//   inference: mean, var given (the moving statistics).
//   inv = 1 / sqrt(var + epsilon) (float32, as TF's rsqrt), a = gamma·inv, b = beta − mean·a,   y = x·a + b.
// Backward, with xm = x − mean: dbeta = Σdy, dgamma = inv·Σ dy·xm, and
//   batch statistics: dx = a·(dy − Σdy/M) − a·inv²·(Σ dy·xm / M)·xm   (the mean and variance depend on x)
//   given statistics: dx = a·dy.
//
// Determinism: the rows are cut into blocks of a size that depends only on C (never on the thread count); each
// block's per-channel sums are computed by one thread into its own slot, then the blocks' sums are added in block
// order. So 1 and N threads give bitwise identical results. Sums are float within runs of a few rows, then double
// (and the variance is summed around a per-channel shift, the first row), which keeps mean, variance and the
// gradient sums correct to float32 precision at any M.
#pragma once
#include "common.h"

namespace fastnn {

// y (M×C, may alias x) = normalized x; gamma / beta may be null (scale / center off: 1 / 0). Training
// (mean_in == null): writes the batch mean and variance to mean_out / var_out (C each). Inference: reads
// mean_in / var_in and leaves mean_out / var_out untouched (they may be null).
void batch_norm_forward(index_t M, index_t C, const float* x, const float* gamma, const float* beta,
                        const float* mean_in, const float* var_in, float epsilon, float* y, float* mean_out,
                        float* var_out);

// dx (M×C), dgamma, dbeta (C each, may be null) from the forward's x, the mean and variance it used, gamma
// (null: ones) and dy. batch_stats: the forward computed mean/var from x (training), so dx includes their terms.
void batch_norm_backward(index_t M, index_t C, const float* x, const float* dy, const float* mean,
                         const float* var, const float* gamma, float epsilon, bool batch_stats, float* dx,
                         float* dgamma, float* dbeta);

// Layer normalization (Keras' LayerNormalization over the last axis): per ROW r of x[M, C],
//   mean_r = Σx / C, var_r = Σ(x − mean_r)² / C, inv_r = 1 / sqrt(var_r + epsilon),
//   y = x·a + (beta − mean_r·a) with a = inv_r·gamma[c]      (gamma / beta per column, null: 1 / 0).
// mean_out / inv_out (M each) keep the row statistics for the backward:
//   xhat = (x − mean_r)·inv_r, g = dy·gamma, dx = inv_r·(g − mean_c(g) − xhat·mean_c(g·xhat)),
//   dgamma[c] = Σ_r dy·xhat, dbeta[c] = Σ_r dy (column sums in the fixed blocks described above).
void layer_norm_forward(index_t M, index_t C, const float* x, const float* gamma, const float* beta, float epsilon,
                        float* y, float* mean_out, float* inv_out);
void layer_norm_backward(index_t M, index_t C, const float* x, const float* dy, const float* mean, const float* inv,
                         const float* gamma, float* dx, float* dgamma, float* dbeta);

// Per-ISA kernels over rows [r0, r1). The *_sums kernels overwrite C doubles in each output.
struct BatchNormKernels {
  // s1[c] = Σ (x − shift[c]), s2[c] = Σ (x − shift[c])²
  void (*moment_sums)(const float* x, index_t C, const float* shift, index_t r0, index_t r1, double* s1,
                      double* s2);
  // y = x·a[c] + b[c]
  void (*scale_shift)(const float* x, index_t C, const float* a, const float* b, float* y, index_t r0, index_t r1);
  // sdy[c] = Σ dy, sdyx[c] = Σ dy·(x − mean[c])
  void (*grad_sums)(const float* x, const float* dy, index_t C, const float* mean, index_t r0, index_t r1,
                    double* sdy, double* sdyx);
  // dx = a[c]·(dy − mdy[c]) + k[c]·(x − mean[c])
  void (*grad_input)(const float* x, const float* dy, index_t C, const float* mean, const float* a,
                     const float* mdy, const float* k, float* dx, index_t r0, index_t r1);
  // layer norm: each row's statistics (mean[r], inv[r]) and output
  void (*ln_rows)(const float* x, index_t C, const float* gamma, const float* beta, float epsilon, float* y,
                  float* mean, float* inv, index_t r0, index_t r1);
  // layer norm: each row's dx
  void (*ln_grad_rows)(const float* x, const float* dy, index_t C, const float* gamma, const float* mean,
                       const float* inv, float* dx, index_t r0, index_t r1);
  // layer norm: sdy[c] = Σ dy, sdyx[c] = Σ dy·(x − mean[r])·inv[r]
  void (*ln_param_sums)(const float* x, const float* dy, index_t C, const float* mean, const float* inv, index_t r0,
                        index_t r1, double* sdy, double* sdyx);
};

}  // namespace fastnn

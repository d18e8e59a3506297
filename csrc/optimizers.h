// optimizers.h — fused, in-place optimizer updates: one pass over (w, g, state...) per parameter tensor.
//
// Shape legend: every array is a flat float32 buffer of n elements (any tensor shape, C order); var/grad and
// each state buffer have the same n. Hyperparameters arrive as double and are rounded to float32 exactly where
// Keras 3 (TensorFlow backend) rounds them, and each element follows Keras' float32 operation order
// (keras/src/optimizers/{sgd,adam,rmsprop}.py), so results match Keras to within a few float32 ULP.
#pragma once
#include "common.h"

namespace fastnn {

// SGD. momentum == 0: w -= lr*g (velocity unused, may be null).
// momentum != 0: m = m*momentum - g*lr; w += m, or with nesterov w += m*momentum - g*lr.
void sgd_update(float* var, const float* grad, float* velocity, index_t n, double learning_rate,
                double momentum, bool nesterov);

// Adam with t = step (= Keras' iterations + 1, >= 1): alpha = lr*sqrt(1-β2^t)/(1-β1^t) in float32;
// m += (g-m)*(1-β1); v += (g*g-v)*(1-β2); amsgrad (vhat non-null): vhat = max(vhat, v), used in place of v;
// w -= m*alpha/(sqrt(v)+ε).
void adam_update(float* var, const float* grad, float* m, float* v, float* vhat, index_t n, double learning_rate,
                 double beta_1, double beta_2, double epsilon, std::int64_t step);

// RMSprop: v = ρ*v + (1-ρ)*g²; centered (average_grad non-null): a = ρ*a + (1-ρ)*g, den = v - a² + ε, else
// den = v + ε; incr = lr*g/sqrt(den); momentum_buf non-null: mom = momentum*mom + incr, w -= mom; else w -= incr.
void rmsprop_update(float* var, const float* grad, float* velocity, float* momentum_buf, float* average_grad,
                    index_t n, double learning_rate, double rho, double epsilon, double momentum);

// Per-ISA elementwise kernels over [0, n); coefficients already rounded to float32 by the driver.
struct SgdCoeffs { float lr, momentum; bool nesterov; };
struct AdamCoeffs { float alpha, one_minus_beta_1, one_minus_beta_2, epsilon; };
struct RmspropCoeffs { float lr, rho, one_minus_rho, epsilon, momentum; };

struct OptimizerKernels {
  void (*sgd)(float* w, const float* g, float* m, index_t n, const SgdCoeffs& c);
  void (*adam)(float* w, const float* g, float* m, float* v, float* vhat, index_t n, const AdamCoeffs& c);
  void (*rmsprop)(float* w, const float* g, float* v, float* mom, float* avg, index_t n, const RmspropCoeffs& c);
};

}  // namespace fastnn

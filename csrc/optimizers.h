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

// --- Adagrad, Nadam, Adamax, Lion, Adadelta (issue 16), same conventions as above.

// Adagrad: acc += g*g; w -= lr*g/sqrt(acc + ε). (acc starts at Keras' initial_accumulator_value.)
void adagrad_update(float* var, const float* grad, float* accumulator, index_t n, double learning_rate,
                    double epsilon);

// Nadam, t = step >= 1, u_product = Π_{s<=t} β1·(1 − 0.5·0.96^s) (Keras' _u_product after this step's update,
// a float32 value): u_t = β1(1 − 0.5·0.96^t), u_t1 = β1(1 − 0.5·0.96^(t+1)); m += (g−m)(1−β1);
// v += (g²−v)(1−β2); m̂ = u_t1·m/(1 − u_product·u_t1) + (1−u_t)·g/(1 − u_product); v̂ = v/(1 − β2^t);
// w -= m̂·lr/(sqrt(v̂) + ε).
void nadam_update(float* var, const float* grad, float* m, float* v, index_t n, double learning_rate,
                  double beta_1, double beta_2, double epsilon, std::int64_t step, float u_product);

// Adamax, t = step >= 1: m += (g−m)(1−β1); u = max(β2·u, |g|); w -= lr·m/((1 − β1^t)(u + ε)).
void adamax_update(float* var, const float* grad, float* m, float* u, index_t n, double learning_rate,
                   double beta_1, double beta_2, double epsilon, std::int64_t step);

// Lion: w -= lr·sign(m·β1 + g·(1−β1)); m = m·β2 + g·(1−β2).
void lion_update(float* var, const float* grad, float* m, index_t n, double learning_rate, double beta_1,
                 double beta_2);

// Adadelta: ag = ρ·ag + (1−ρ)g²; δ = −(sqrt(ad + ε)·g/sqrt(ag + ε)); ad = ρ·ad + (1−ρ)δ²; w += lr·δ.
void adadelta_update(float* var, const float* grad, float* accumulated_grad, float* accumulated_delta, index_t n,
                     double learning_rate, double rho, double epsilon);

// --- Multi-tensor updates (issue 17): one parallel region for a whole step over every parameter. Each tensor is
// cut at the same kBlock multiples as its single-tensor update and the kernels are elementwise, so the results
// are bitwise equal to calling the single-tensor update on each tensor in turn. Tensors must not alias.
struct TensorSlots {
  float* var;
  const float* grad;
  float* slot[3];  // the optimizer's state buffers, in the single-tensor function's argument order (null: unused)
  index_t n;
};

// sgd_update on each tensor (slot[0]: velocity).
void sgd_update_multi(const TensorSlots* ts, index_t count, double learning_rate, double momentum, bool nesterov);
// adam_update on each tensor (slot[0..2]: m, v, vhat).
void adam_update_multi(const TensorSlots* ts, index_t count, double learning_rate, double beta_1, double beta_2,
                       double epsilon, std::int64_t step);
// rmsprop_update on each tensor (slot[0..2]: velocity, momentum_buf, average_grad).
void rmsprop_update_multi(const TensorSlots* ts, index_t count, double learning_rate, double rho, double epsilon,
                          double momentum);
// Ftrl (Keras 3's update_step, float32 throughout; p = −learning_rate_power):
//   gt = g + (2·shrinkage)·w; na = acc + g²; lin += gt − ((na^p − acc^p)/lr)·w;
//   quad = na^p/lr + 2·(l2 + β/(2·lr)); w = (clip(lin, −l1, l1) − lin)/quad; acc = na.
void ftrl_update(float* var, const float* grad, float* accumulator, float* linear, index_t n, double learning_rate,
                 double learning_rate_power, double l1, double l2, double l2_shrinkage, double beta);

// Per-ISA elementwise kernels over [0, n); coefficients already rounded to float32 by the driver.
struct SgdCoeffs { float lr, momentum; bool nesterov; };
struct AdamCoeffs { float alpha, one_minus_beta_1, one_minus_beta_2, epsilon; };
struct RmspropCoeffs { float lr, rho, one_minus_rho, epsilon, momentum; };

struct AdagradCoeffs { float lr, epsilon; };
struct NadamCoeffs { float lr, u_t1, one_minus_u_prod_t1, one_minus_u_t, one_minus_u_prod_t, one_minus_beta_2_power,
                     one_minus_beta_1, one_minus_beta_2, epsilon; };
struct AdamaxCoeffs { float lr, one_minus_beta_1, beta_2, one_minus_beta_1_power, epsilon; };
struct LionCoeffs { float lr, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2; };
struct AdadeltaCoeffs { float lr, rho, one_minus_rho, epsilon; };
// power: 0 → x^p is 1, 1 → sqrt (p = 0.5, where TF's pow equals the correctly rounded sqrt), 2 → std::pow per lane
struct FtrlCoeffs { float lr, p, two_shrinkage, l1, two_l2; int power; };

struct OptimizerKernels {
  void (*sgd)(float* w, const float* g, float* m, index_t n, const SgdCoeffs& c);
  void (*adam)(float* w, const float* g, float* m, float* v, float* vhat, index_t n, const AdamCoeffs& c);
  void (*rmsprop)(float* w, const float* g, float* v, float* mom, float* avg, index_t n, const RmspropCoeffs& c);
  void (*adagrad)(float* w, const float* g, float* acc, index_t n, const AdagradCoeffs& c);
  void (*nadam)(float* w, const float* g, float* m, float* v, index_t n, const NadamCoeffs& c);
  void (*adamax)(float* w, const float* g, float* m, float* u, index_t n, const AdamaxCoeffs& c);
  void (*lion)(float* w, const float* g, float* m, index_t n, const LionCoeffs& c);
  void (*adadelta)(float* w, const float* g, float* ag, float* ad, index_t n, const AdadeltaCoeffs& c);
  void (*ftrl)(float* w, const float* g, float* acc, float* lin, index_t n, const FtrlCoeffs& c);
};

}  // namespace fastnn

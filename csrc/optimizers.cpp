// optimizers.cpp — drivers for the fused optimizer updates: round hyperparameters to float32 where Keras does,
// then one parallel region over fixed blocks of elements (elementwise, so the split never changes a bit).
#include "optimizers.h"

#include <cmath>

#include "dispatch.h"
#include "parallel.h"

FASTNN_DECLARE_PER_ISA(fastnn::OptimizerKernels, optimizer_kernels)

namespace fastnn {
namespace {

// Threads split the array at multiples of kBlock elements, so every element except the global tail goes through
// the full-vector body whatever the thread count.
constexpr index_t kBlock = 1024;

template <class F>
void for_blocks(index_t n, index_t work_per_element, F&& fn) {
  const index_t blocks = (n + kBlock - 1) / kBlock;
  parallel_for(blocks, kBlock * work_per_element, [&](index_t b0, index_t b1) {
    const index_t begin = b0 * kBlock, end = b1 * kBlock < n ? b1 * kBlock : n;
    fn(begin, end - begin);
  });
}

}  // namespace

void sgd_update(float* var, const float* grad, float* velocity, index_t n, double learning_rate, double momentum,
                bool nesterov) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  const SgdCoeffs c{static_cast<float>(learning_rate), static_cast<float>(momentum), nesterov};
  float* m = momentum != 0.0 ? velocity : nullptr;  // Keras only keeps a velocity when momentum != 0
  for_blocks(n, 2, [&](index_t i, index_t len) { k.sgd(var + i, grad + i, m ? m + i : nullptr, len, c); });
}

void adam_update(float* var, const float* grad, float* m, float* v, float* vhat, index_t n, double learning_rate,
                 double beta_1, double beta_2, double epsilon, std::int64_t step) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  // Keras: local_step, beta powers, lr and alpha are float32 tensors; 1-β and ε are Python floats rounded once.
  const float t = static_cast<float>(step), lr = static_cast<float>(learning_rate);
  const float beta_1_power = std::pow(static_cast<float>(beta_1), t);
  const float beta_2_power = std::pow(static_cast<float>(beta_2), t);
  const float alpha = lr * std::sqrt(1.0f - beta_2_power) / (1.0f - beta_1_power);
  const AdamCoeffs c{alpha, static_cast<float>(1.0 - beta_1), static_cast<float>(1.0 - beta_2),
                     static_cast<float>(epsilon)};
  for_blocks(n, 5, [&](index_t i, index_t len) {
    k.adam(var + i, grad + i, m + i, v + i, vhat ? vhat + i : nullptr, len, c);
  });
}

void rmsprop_update(float* var, const float* grad, float* velocity, float* momentum_buf, float* average_grad,
                    index_t n, double learning_rate, double rho, double epsilon, double momentum) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  const RmspropCoeffs c{static_cast<float>(learning_rate), static_cast<float>(rho), static_cast<float>(1.0 - rho),
                        static_cast<float>(epsilon), static_cast<float>(momentum)};
  float* mom = momentum > 0.0 ? momentum_buf : nullptr;  // Keras keeps momentums only when momentum > 0
  for_blocks(n, 4, [&](index_t i, index_t len) {
    k.rmsprop(var + i, grad + i, velocity + i, mom ? mom + i : nullptr, average_grad ? average_grad + i : nullptr,
              len, c);
  });
}

}  // namespace fastnn

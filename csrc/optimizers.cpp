// optimizers.cpp — drivers for the fused optimizer updates: round hyperparameters to float32 where Keras does,
// then one parallel region over fixed blocks of elements (elementwise, so the split never changes a bit).
#include "optimizers.h"

#include <algorithm>
#include <cmath>
#include <vector>

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

// for_blocks over several tensors in ONE region: tensor t's blocks follow tensor t-1's in a global block index, the
// threads split that index, and fn(t, i, len) runs on each piece of tensor t (cut at t's own kBlock multiples).
template <class F>
void for_blocks_multi(const TensorSlots* ts, index_t count, index_t work_per_element, F&& fn) {
  std::vector<index_t> first(static_cast<size_t>(count) + 1, 0);  // first global block of each tensor
  for (index_t t = 0; t < count; ++t) first[t + 1] = first[t] + (ts[t].n + kBlock - 1) / kBlock;
  parallel_for(first[count], kBlock * work_per_element, [&](index_t b0, index_t b1) {
    index_t t = std::upper_bound(first.begin(), first.end(), b0) - first.begin() - 1;
    for (index_t b = b0; b < b1; ++t) {
      const index_t e = b1 < first[t + 1] ? b1 : first[t + 1];
      if (e > b) {
        const index_t begin = (b - first[t]) * kBlock, end = (e - first[t]) * kBlock;
        fn(t, begin, (end < ts[t].n ? end : ts[t].n) - begin);
      }
      b = e;
    }
  });
}

float* at(float* p, index_t i) { return p ? p + i : nullptr; }

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

// --- multi-tensor forms (issue 17): the same coefficients, one region for all tensors

void sgd_update_multi(const TensorSlots* ts, index_t count, double learning_rate, double momentum, bool nesterov) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  const SgdCoeffs c{static_cast<float>(learning_rate), static_cast<float>(momentum), nesterov};
  const bool use_m = momentum != 0.0;
  for_blocks_multi(ts, count, 2, [&](index_t t, index_t i, index_t len) {
    k.sgd(ts[t].var + i, ts[t].grad + i, use_m ? at(ts[t].slot[0], i) : nullptr, len, c);
  });
}

void adam_update_multi(const TensorSlots* ts, index_t count, double learning_rate, double beta_1, double beta_2,
                       double epsilon, std::int64_t step) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  const float t = static_cast<float>(step), lr = static_cast<float>(learning_rate);  // as adam_update
  const float beta_1_power = std::pow(static_cast<float>(beta_1), t);
  const float beta_2_power = std::pow(static_cast<float>(beta_2), t);
  const float alpha = lr * std::sqrt(1.0f - beta_2_power) / (1.0f - beta_1_power);
  const AdamCoeffs c{alpha, static_cast<float>(1.0 - beta_1), static_cast<float>(1.0 - beta_2),
                     static_cast<float>(epsilon)};
  for_blocks_multi(ts, count, 5, [&](index_t j, index_t i, index_t len) {
    const TensorSlots& s = ts[j];
    k.adam(s.var + i, s.grad + i, s.slot[0] + i, s.slot[1] + i, at(s.slot[2], i), len, c);
  });
}

void rmsprop_update_multi(const TensorSlots* ts, index_t count, double learning_rate, double rho, double epsilon,
                          double momentum) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  const RmspropCoeffs c{static_cast<float>(learning_rate), static_cast<float>(rho), static_cast<float>(1.0 - rho),
                        static_cast<float>(epsilon), static_cast<float>(momentum)};
  const bool use_mom = momentum > 0.0;
  for_blocks_multi(ts, count, 4, [&](index_t j, index_t i, index_t len) {
    const TensorSlots& s = ts[j];
    k.rmsprop(s.var + i, s.grad + i, s.slot[0] + i, use_mom ? at(s.slot[1], i) : nullptr, at(s.slot[2], i), len, c);
  });
}

// --- Adagrad, Nadam, Adamax, Lion, Adadelta (issue 16)

void adagrad_update(float* var, const float* grad, float* accumulator, index_t n, double learning_rate,
                    double epsilon) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  const AdagradCoeffs c{static_cast<float>(learning_rate), static_cast<float>(epsilon)};
  for_blocks(n, 3, [&](index_t i, index_t len) { k.adagrad(var + i, grad + i, accumulator + i, len, c); });
}

void nadam_update(float* var, const float* grad, float* m, float* v, index_t n, double learning_rate,
                  double beta_1, double beta_2, double epsilon, std::int64_t step, float u_product) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  // Keras casts β1, β2 and 0.96 to float32 tensors first, so 1−β1 and 1−β2 are float32 subtractions here
  // (unlike Adam, where they are Python floats); ε stays a Python float rounded once.
  const float t = static_cast<float>(step), t1 = static_cast<float>(step + 1);
  const float b1 = static_cast<float>(beta_1), b2 = static_cast<float>(beta_2), decay = 0.96f;
  const float u_t = b1 * (1.0f - 0.5f * std::pow(decay, t));
  const float u_t1 = b1 * (1.0f - 0.5f * std::pow(decay, t1));
  const float u_product_t1 = u_product * u_t1;
  const NadamCoeffs c{static_cast<float>(learning_rate), u_t1, 1.0f - u_product_t1, 1.0f - u_t, 1.0f - u_product,
                      1.0f - std::pow(b2, t), 1.0f - b1, 1.0f - b2, static_cast<float>(epsilon)};
  for_blocks(n, 5, [&](index_t i, index_t len) { k.nadam(var + i, grad + i, m + i, v + i, len, c); });
}

void adamax_update(float* var, const float* grad, float* m, float* u, index_t n, double learning_rate,
                   double beta_1, double beta_2, double epsilon, std::int64_t step) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  // Keras: β1^t from a float32 β1; 1−β1, β2 and ε are Python floats rounded once.
  const float beta_1_power = std::pow(static_cast<float>(beta_1), static_cast<float>(step));
  const AdamaxCoeffs c{static_cast<float>(learning_rate), static_cast<float>(1.0 - beta_1),
                       static_cast<float>(beta_2), 1.0f - beta_1_power, static_cast<float>(epsilon)};
  for_blocks(n, 4, [&](index_t i, index_t len) { k.adamax(var + i, grad + i, m + i, u + i, len, c); });
}

void lion_update(float* var, const float* grad, float* m, index_t n, double learning_rate, double beta_1,
                 double beta_2) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  const float b1 = static_cast<float>(beta_1), b2 = static_cast<float>(beta_2);  // float32 tensors in Keras
  const LionCoeffs c{static_cast<float>(learning_rate), b1, 1.0f - b1, b2, 1.0f - b2};
  for_blocks(n, 3, [&](index_t i, index_t len) { k.lion(var + i, grad + i, m + i, len, c); });
}

void adadelta_update(float* var, const float* grad, float* accumulated_grad, float* accumulated_delta, index_t n,
                     double learning_rate, double rho, double epsilon) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  const AdadeltaCoeffs c{static_cast<float>(learning_rate), static_cast<float>(rho), static_cast<float>(1.0 - rho),
                         static_cast<float>(epsilon)};
  for_blocks(n, 6, [&](index_t i, index_t len) {
    k.adadelta(var + i, grad + i, accumulated_grad + i, accumulated_delta + i, len, c);
  });
}

void ftrl_update(float* var, const float* grad, float* accumulator, float* linear, index_t n, double learning_rate,
                 double learning_rate_power, double l1, double l2, double l2_shrinkage, double beta) {
  const OptimizerKernels& k = FASTNN_SELECT(optimizer_kernels);
  // Keras: lr is a float32 tensor, so l2 + β/(2·lr) and 2·l2_reg are float32 ops; 2·shrinkage, −lr_power and
  // ±l1 are Python floats rounded once.
  const float lr = static_cast<float>(learning_rate);
  const float l2_reg = static_cast<float>(l2) + static_cast<float>(beta) / (2.0f * lr);
  const float p = static_cast<float>(-learning_rate_power);
  const FtrlCoeffs c{lr, p, static_cast<float>(2.0 * l2_shrinkage), static_cast<float>(l1), 2.0f * l2_reg,
                     p == 0.0f ? 0 : p == 0.5f ? 1 : 2};
  for_blocks(n, c.power == 2 ? 40 : 8, [&](index_t i, index_t len) {
    k.ftrl(var + i, grad + i, accumulator + i, linear + i, len, c);
  });
}

}  // namespace fastnn

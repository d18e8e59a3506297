// gemm.cpp — GEMM driver. (First version: a plain blocked loop; the packed micro-kernel path replaces it.)
#include "gemm.h"

#include <cmath>
#include <vector>

#include "parallel.h"

namespace fastnn {
namespace {
inline float apply_act(float v, const Epilogue& ep) {
  switch (ep.act) {
    case Act::relu: return v > 0.f ? v : 0.f;
    case Act::leaky_relu: return v >= 0.f ? v : v * ep.alpha;
    case Act::sigmoid: return 1.f / (1.f + std::exp(-v));
    case Act::tanh: return std::tanh(v);
    default: return v;
  }
}
}  // namespace

void gemm(bool trans_a, bool trans_b, index_t M, index_t N, index_t K, const float* A, index_t lda,
          const float* B, index_t ldb, float* C, index_t ldc, bool accumulate, const Epilogue& ep,
          bool allow_threads) {
  const int nt = allow_threads ? threads_for(M * N * K, M) : 1;
  parallel_region(nt, [&](int tid, int nth) {
    index_t m0, m1;
    split_range(M, tid, nth, &m0, &m1);
    std::vector<float> row(N);
    for (index_t i = m0; i < m1; ++i) {
      for (index_t j = 0; j < N; ++j) row[j] = 0.f;
      for (index_t k = 0; k < K; ++k) {
        const float a = trans_a ? A[k * lda + i] : A[i * lda + k];
        for (index_t j = 0; j < N; ++j) row[j] += a * (trans_b ? B[j * ldb + k] : B[k * ldb + j]);
      }
      for (index_t j = 0; j < N; ++j) {
        float v = row[j] + (accumulate ? C[i * ldc + j] : 0.f) + (ep.bias ? ep.bias[j] : 0.f);
        C[i * ldc + j] = apply_act(v, ep);
      }
    }
  });
}

}  // namespace fastnn

// gemm.h — single-precision matrix multiply with a fused epilogue.
//
//   C[M,N] = act( op(A)[M,K] · op(B)[K,N]  (+ C if accumulate)  (+ bias[N]) )
//
// Row-major throughout. op(A) = A (stored M×K, row stride lda) or Aᵀ (stored K×M) when trans_a;
// op(B) = B (stored K×N) or Bᵀ (stored N×K) when trans_b. When accumulate is false C is never read
// (it may hold garbage or NaN). K == 0 gives act(bias) (or act(C + bias) when accumulating).
#pragma once
#include "common.h"

namespace fastnn {

void gemm(bool trans_a, bool trans_b, index_t M, index_t N, index_t K,
          const float* A, index_t lda, const float* B, index_t ldb,
          float* C, index_t ldc, bool accumulate, const Epilogue& ep,
          bool allow_threads = true);

}  // namespace fastnn

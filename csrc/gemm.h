// gemm.h — single-precision matrix multiply with a fused epilogue.
//
//   C[M,N] = act( op(A)[M,K] · op(B)[K,N]  (+ C if accumulate)  (+ bias[N]) )
//
// Row-major throughout. op(A) = A (stored M×K, row stride lda) or Aᵀ (stored K×M) when trans_a;
// op(B) = B (stored K×N) or Bᵀ (stored N×K) when trans_b. When accumulate is false C is never read
// (it may hold garbage or NaN). K == 0 gives act(bias) (or act(C + bias) when accumulating).
//
// Design (BLIS-style, the loop nest in gemm.cpp): the vector dimension is N. B is packed per K block into panels
// [KC][NR] (zero-padded to NR, which also absorbs trans_b); by default A is not packed — micro-kernels broadcast
// its values straight from A or Aᵀ storage; for tall A (M >= 256) over a few B panels, each MC×KC slice of
// A is packed into MR-row panels [KC][MR] (contiguous broadcasts; a power-of-two lda would otherwise make the
// MR rows of a tile alias in the same L1 sets). A micro-tile MR×NR lives in registers for a whole K block; bias and
// activation are applied in the store after the last K block. Results do not depend on the thread count.
// Fewer than NR columns (the N=10 output layer) would leave most lanes of every tile idle: on the AVX2 path C is
// computed as Cᵀ = op(B)ᵀ·op(A)ᵀ into scratch (its vector dimension is then M) and transposed in the store; each element is
// the same chain of FMAs over k, so results are bitwise those of the direct computation.
#pragma once
#include "common.h"

namespace fastnn {

void gemm(bool trans_a, bool trans_b, index_t M, index_t N, index_t K,
          const float* A, index_t lda, const float* B, index_t ldb,
          float* C, index_t ldc, bool accumulate, const Epilogue& ep,
          bool allow_threads = true);

// One K block of one thread's share of C, handed from the driver to the ISA code:
//   c[m, n] = (load_c ? c : 0) + a[m, k] · b[k, n], then act(· + bias) when `last`.
struct GemmBlock {
  bool trans_a = false;
  const float* a = nullptr;      // op(A)[0, 0] of the block: element (i, k) at a[i*lda + k], or a[k*lda + i] if trans_a
  index_t lda = 0;
  float* a_pack = nullptr;       // if set: scratch of kc_max*mc_max floats; each MC slice of A is copied there as
                                 // MR-row panels [k][MR] before use (contiguous reads, no L1 set aliasing)
  const float* b = nullptr;      // panel p starts at b + p*panel_stride; row k of a panel at + k*ldb
  index_t ldb = 0;
  index_t panel_stride = 0;
  bool b_packed = false;         // packed panels are zero-padded to NR columns; unpacked B needs masked loads
  float* c = nullptr;
  index_t ldc = 0;
  index_t m = 0, n = 0, k = 0;
  bool load_c = false;           // accumulate into c (later K blocks, or the caller's accumulate=true)
  bool last = false;             // last K block: apply bias + activation in the store
  const float* bias = nullptr;   // bias of column 0 of this block, or null
  Act act = Act::linear;
  float alpha = 0.f;
};

// The per-ISA kernel table (gemm_impl.h).
struct GemmKernels {
  int mr;           // rows of a micro-tile
  int nr;           // columns of a micro-tile = width of a packed B panel
  index_t kc_max;   // largest K block (a KC×NR panel of packed B stays in L1)
  index_t nc_max;   // columns of B packed at once (multiple of nr; bounds the scratch)
  index_t mc_max;   // rows of A packed at once (multiple of mr; bounds the A scratch); the driver hands `block`
                    // at most this many rows per call (fewer, in whole micro-tiles, when the call is interruptible)
  // Packs the KC×NC block of op(B) whose (0, 0) element is at b (b[k*ldb + n], or b[n*ldb + k] if trans_b)
  // into ceil(nc/nr) panels [kc][nr], zero-padded; dst holds ceil(nc/nr)*nr*kc floats.
  void (*pack_b)(bool trans_b, const float* b, index_t ldb, index_t kc, index_t nc, float* dst);
  void (*block)(const GemmBlock& blk);
  // c[i*ldc + j] = act(ct[j*ldct + i] + bias[j]) for i < m, j < n: the store of a GEMM computed as Cᵀ (small N),
  // with the same vector bias add and activation as the micro-kernels' epilogue (bitwise the same results).
  void (*store_transposed)(const float* ct, index_t ldct, float* c, index_t ldc, index_t m, index_t n,
                           const Epilogue& ep);
  // Whether N < nr is computed as Cᵀ: it pays where the narrow tile's masked C stores are slow (AVX2 on AMD:
  // 128x512x10 at 49 -> 62 % of peak on Zen 4), not with AVX-512 masks (measured 49 -> 45 % there).
  bool small_n_transposed;
};

}  // namespace fastnn

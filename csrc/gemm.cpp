// gemm.cpp — GEMM driver: K blocking, B packing into thread-local scratch, the split between threads.
//
// Loop nest per thread (BLIS's five loops, Van Zee & van de Geijn 2015; A read in place unless M is tall):
//   for each NC block of this thread's columns:
//     for each KC block (K split evenly, fixed sizes):   pack op(B)[KC, NC] into NR panels (absorbs trans_b)
//       for each MC rows (in L2): [pack A's MC×KC slice into MR-row panels (absorbs trans_a)]
//         for each NR panel (in L1): for each MR rows: micro-kernel (gemm_impl.h)
// The first K block writes C (reads it only when accumulating), later ones accumulate, the last one applies
// bias + activation in the store. Every element's summation order depends only on the K blocking, which
// depends only on K (packing only copies) — so any split of rows or columns between threads gives bitwise identical results.
#include "gemm.h"

#include <cstddef>
#include <new>

#include "dispatch.h"
#include "parallel.h"

FASTNN_DECLARE_PER_ISA(fastnn::GemmKernels, gemm_kernels)

namespace fastnn {
namespace {

inline index_t ceil_div(index_t a, index_t b) { return (a + b - 1) / b; }

// Packing A into MR-row panels (see gemm()) measured on Zen 3, 1 thread: +1-2.5 % for M = 512, 784, 1024,
// -2 % for M = 128 (the copy is not amortised and a 128-row A already sits in L2 without conflicts).
constexpr index_t kMinRowsToPackA = 256;
constexpr index_t kMinPanelsToPackA = 4;
// Small-N GEMMs computed as Cᵀ (see gemm()) take this many rows of C at a time.
constexpr index_t kMaxRowsTransposedC = 4096;

// Per-thread packing buffer, 64-byte aligned, grown on demand and kept (no allocation once warm).
class PackScratch {
 public:
  ~PackScratch() { release(); }
  float* get(std::size_t floats) {
    if (floats > capacity_) {
      release();
      data_ = static_cast<float*>(::operator new[](floats * sizeof(float), std::align_val_t(64)));
      capacity_ = floats;
    }
    return data_;
  }

 private:
  void release() {
    if (data_) ::operator delete[](data_, std::align_val_t(64));
    data_ = nullptr;
    capacity_ = 0;
  }
  float* data_ = nullptr;
  std::size_t capacity_ = 0;
};

float* pack_scratch(std::size_t floats) {
  thread_local PackScratch scratch;
  return scratch.get(floats);
}

// Cᵀ of a small-N GEMM (separate from pack_scratch: the calling thread packs B while Cᵀ is live).
float* transposed_c_scratch(std::size_t floats) {
  thread_local PackScratch scratch;
  return scratch.get(floats);
}

struct GemmProblem {
  bool trans_a, trans_b;
  index_t M, N, K;
  const float* A;
  index_t lda;
  const float* B;
  index_t ldb;
  float* C;
  index_t ldc;
  bool accumulate;
  const Epilogue* ep;
  bool direct;       // micro-kernels read B in place (no packing)
  bool pack_a;       // copy each MC×KC slice of A into MR-row panels
  index_t nk, kc;    // K blocks: nk blocks of kc (the last one shorter)
  InterruptScope* irq;  // checked between MC-row slices (null: never stops)
};

// Rows [i0, i1) × panels [p0, p1) of C, all K blocks.
void run_tile_range(const GemmKernels& kern, const GemmProblem& pr, index_t i0, index_t i1, index_t p0,
                    index_t p1) {
  if (i0 >= i1 || p0 >= p1) return;
  const index_t nr = kern.nr, nc_panels = kern.nc_max / nr;
  const std::size_t b_floats = pr.direct ? 0 : std::size_t(pr.kc) * nr * (p1 - p0 < nc_panels ? p1 - p0 : nc_panels);
  const std::size_t a_floats = pr.pack_a ? std::size_t(pr.kc) * kern.mc_max : 0;
  float* scratch = pack_scratch(b_floats + a_floats);  // one buffer: [packed B | packed A]
  float* packed = pr.direct ? nullptr : scratch;
  float* a_pack = pr.pack_a ? scratch + b_floats : nullptr;
  for (index_t pb = p0; pb < p1; pb += nc_panels) {
    const index_t pe = pb + nc_panels < p1 ? pb + nc_panels : p1;
    const index_t n0 = pb * nr, n1 = pe * nr < pr.N ? pe * nr : pr.N;
    index_t rows_per_call = kern.mc_max;
    if (pr.irq) {  // four pieces: every call re-reads the packed B panels, which costs ~3 % at one piece (Zen 5)
      const index_t budget = 4 * interrupt_piece_work();
      const index_t rows = budget / ((pr.kc > 0 ? pr.kc : 1) * (n1 - n0)) / kern.mr * kern.mr;
      rows_per_call = rows < kern.mr ? kern.mr : rows < kern.mc_max ? rows : kern.mc_max;
    }
    for (index_t kb = 0; kb < pr.nk; ++kb) {
      const index_t k0 = kb * pr.kc, kcur = pr.K - k0 < pr.kc ? pr.K - k0 : pr.kc;
      GemmBlock blk;
      blk.trans_a = pr.trans_a;
      blk.lda = pr.lda;
      blk.a_pack = a_pack;
      if (pr.direct) {  // B is N-contiguous here (or unused when K == 0)
        blk.b = pr.B + k0 * pr.ldb + n0;
        blk.ldb = pr.ldb;
        blk.panel_stride = nr;
        blk.b_packed = false;
      } else {
        const float* src = pr.trans_b ? pr.B + n0 * pr.ldb + k0 : pr.B + k0 * pr.ldb + n0;
        kern.pack_b(pr.trans_b, src, pr.ldb, kcur, n1 - n0, packed);
        blk.b = packed;
        blk.ldb = nr;
        blk.panel_stride = kcur * nr;
        blk.b_packed = true;
      }
      blk.ldc = pr.ldc;
      blk.n = n1 - n0;
      blk.k = kcur;
      blk.load_c = pr.accumulate || kb > 0;
      blk.last = kb == pr.nk - 1;
      blk.bias = pr.ep->bias ? pr.ep->bias + n0 : nullptr;
      blk.act = pr.ep->act;
      blk.alpha = pr.ep->alpha;
      // At most one MC-row slice per call; in an interruptible call, slices of about four pieces of work (whole
      // micro-tiles), with a chance to stop between them. Each row's sums are the same whatever the slicing.
      for (index_t r0 = i0; r0 < i1; r0 += rows_per_call) {
        if (pr.irq && pr.irq->stop_requested()) return;
        blk.a = pr.trans_a ? pr.A + k0 * pr.lda + r0 : pr.A + r0 * pr.lda + k0;
        blk.c = pr.C + r0 * pr.ldc + n0;
        blk.m = i1 - r0 < rows_per_call ? i1 - r0 : rows_per_call;
        kern.block(blk);
      }
    }
  }
}

void gemm_direct(const GemmKernels& kern, bool trans_a, bool trans_b, index_t M, index_t N, index_t K,
                 const float* A, index_t lda, const float* B, index_t ldb, float* C, index_t ldc, bool accumulate,
                 const Epilogue& ep, bool allow_threads) {
  GemmProblem pr{trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, &ep, false, false, 1, 0,
                 current_interrupt()};
  if (K > 0) {
    pr.nk = ceil_div(K, kern.kc_max);  // split K evenly: 784 -> 2 x 392, never a thin last block
    pr.kc = ceil_div(K, pr.nk);
  }
  // Packing costs K·N against M·K·N of compute: it pays off unless there is a single row tile, which then
  // reads B in place (masked loads on the last columns). Bᵀ is always packed (it is not N-contiguous).
  pr.direct = K == 0 || (!trans_b && M <= kern.mr);
  // Packing A costs M·K per NC block against M·K·(NC/NR) broadcasts: worth it for tall A reused over a few B
  // panels (contiguous broadcasts with a fixed stride, no L1 set conflicts between rows of a power-of-two lda).
  pr.pack_a = K > 0 && M >= kMinRowsToPackA && ceil_div(N, kern.nr) >= kMinPanelsToPackA;

  const index_t panels = ceil_div(N, kern.nr), row_tiles = ceil_div(M, kern.mr);
  const int nt = allow_threads ? threads_for(M * N * (K > 0 ? K : 1), panels * row_tiles) : 1;
  if (nt <= 1) {
    DenormalGuard guard;
    run_tile_range(kern, pr, 0, M, 0, panels);
    return;
  }
  // Split N when every thread gets a few panels (each packs only its own columns of B); otherwise split M
  // (every thread then packs the same, narrow, B). The K blocking is the same either way.
  const bool split_n = panels >= 4 * nt || panels >= row_tiles;
  parallel_region(nt, [&](int tid, int nth) {
    index_t b, e;
    if (split_n) {
      split_range(panels, tid, nth, &b, &e);
      run_tile_range(kern, pr, 0, M, b, e);
    } else {
      split_range(row_tiles, tid, nth, &b, &e);
      run_tile_range(kern, pr, b * kern.mr, e * kern.mr < M ? e * kern.mr : M, 0, panels);
    }
  });
}

}  // namespace

void gemm(bool trans_a, bool trans_b, index_t M, index_t N, index_t K, const float* A, index_t lda,
          const float* B, index_t ldb, float* C, index_t ldc, bool accumulate, const Epilogue& ep,
          bool allow_threads) {
  if (M <= 0 || N <= 0) return;
  if (K < 0) K = 0;
  const GemmKernels& kern = FASTNN_SELECT(gemm_kernels);
  // Fewer columns than a panel but at least a panel of rows (where the ISA path gains from it): compute Cᵀ = op(B)ᵀ·op(A)ᵀ (op(B)ᵀ is B read with
  // the other transpose flag, likewise A), whose tiles are full (see gemm.h). The K blocking and every FMA chain
  // are the same, so this is a speed choice only.
  if (kern.small_n_transposed && K > 0 && N < kern.nr && M >= kern.nr) {
    // Rows in chunks (independent rows of C) bound the scratch at N·kMaxRowsTransposedC floats.
    const index_t chunk = M < kMaxRowsTransposedC ? M : kMaxRowsTransposedC;
    float* ct = transposed_c_scratch(std::size_t(N) * chunk);
    InterruptScope* irq = current_interrupt();
    for (index_t i0 = 0; i0 < M; i0 += chunk) {
      const index_t m = M - i0 < chunk ? M - i0 : chunk;
      float* c = C + i0 * ldc;
      if (accumulate) {
        for (index_t i = 0; i < m; ++i)
          for (index_t j = 0; j < N; ++j) ct[j * m + i] = c[i * ldc + j];
      }
      gemm_direct(kern, !trans_b, !trans_a, N, m, K, B, ldb, trans_a ? A + i0 : A + i0 * lda, lda, ct, m,
                  accumulate, Epilogue{}, allow_threads);
      if (irq && irq->stop_requested()) return;  // Cᵀ is incomplete: leave C as the direct path would
      DenormalGuard guard;  // the epilogue runs under the same flush-to-zero mode as in the micro-kernels
      kern.store_transposed(ct, m, c, ldc, m, N, ep);
    }
    return;
  }
  gemm_direct(kern, trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, ep, allow_threads);
}

}  // namespace fastnn

// gemm_impl.h — GEMM micro-kernels, B packing and the per-block loop, written once against simd.h and
// compiled per ISA (gemm_avx512.cpp / gemm_avx2.cpp / gemm_generic.cpp). See gemm.h for the design.
//
// Micro-tile shapes (accumulators MR×NV vectors stay in registers; per k: NV loads of B, MR broadcasts of A):
//   AVX-512 12×32 (24 zmm accumulators + 2 B vectors + 1 broadcast of 32 registers; 95 % of peak in the
//           research prototype, and 32 divides the common widths 512/256/128);
//   AVX2     6×16 (12 ymm accumulators + 2 + 1 of 16; the classic Haswell/Zen shape; 4×24 measured the same
//           on Zen 3, and 16 divides 512 and 784);
//   generic  6×8  (4-lane vectors: 12 + 2 + 1 of 16 SSE/NEON registers).
// Tails: fewer rows use the instance MR' < MR; narrower panels use NV' < NV vectors with a masked last vector.
#pragma once
#include "simd.h"
#include "vmath.h"
#include "gemm.h"

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace gemm_detail {

// Blocking: a packed B panel (kKC×kNR) stays in L1 while the kernel walks kMC rows of A (kMC×kKC in L2);
// kNC bounds the packed block (scratch size). Every tile has >= 12 accumulators (>= 8 needed to hide the FMA
// latency), so even N <= 16 (one panel: the N=10 output layer) runs at full tile height.
#if defined(FASTNN_TARGET_AVX512)
constexpr int kMR = 12, kNV = 2;
constexpr index_t kKC = 256, kMC = 1152, kNC = 2048;  // 48 KiB L1d: B panel 256×32×4 = 32 KiB; 2 MiB L2: A 1152×256×4 = 1.1 MiB
#elif defined(FASTNN_TARGET_AVX2)
constexpr int kMR = 6, kNV = 2;
constexpr index_t kKC = 400, kMC = 240, kNC = 1536;  // 32 KiB L1d: B panel <= 400×16×4 = 25 KiB (784 -> 2×392; measured
                                                     // 5-10 % faster than 256); 512 KiB L2: A 240×400×4 = 375 KiB
#else
constexpr int kMR = 6, kNV = 2;
constexpr index_t kKC = 400, kMC = 240, kNC = 1024;   // B panel 400×8×4 = 12.5 KiB
#endif
constexpr int kNR = kNV * W;

// Loads/stores vector v of a tile row whose last vector has `n_last` valid lanes (1..W).
template <int NV>
static FASTNN_INLINE vf load_part(const float* p, int v, int n_last) {
  return (v == NV - 1 && n_last < W) ? vload_n(p, n_last) : vload(p);
}
template <int NV>
static FASTNN_INLINE void store_part(float* p, vf x, int v, int n_last) {
  if (v == NV - 1 && n_last < W) vstore_n(p, x, n_last);
  else vstore(p, x);
}

// bias + activation on a tile held in registers (one switch per tile, not per element).
template <int MR, int NV>
static FASTNN_INLINE void epilogue(vf (&acc)[MR][NV], const GemmBlock& blk, const float* bias, int n_last) {
  if (bias) {
    vf bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = load_part<NV>(bias + v * W, v, n_last);
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] = vadd(acc[r][v], bv[v]);
  }
  switch (blk.act) {
    case Act::relu:  // constant first: a NaN propagates (x86 max returns the second operand on NaN)
      for (int r = 0; r < MR; ++r)
        for (int v = 0; v < NV; ++v) acc[r][v] = vmax(vzero(), acc[r][v]);
      break;
    case Act::leaky_relu: {
      const vf alpha = vset1(blk.alpha), zero = vzero();
      for (int r = 0; r < MR; ++r)
        for (int v = 0; v < NV; ++v) acc[r][v] = vselect_lt(acc[r][v], zero, vmul(acc[r][v], alpha), acc[r][v]);
      break;
    }
    case Act::sigmoid:
      for (int r = 0; r < MR; ++r)
        for (int v = 0; v < NV; ++v) acc[r][v] = vsigmoid(acc[r][v]);
      break;
    case Act::tanh:
      for (int r = 0; r < MR; ++r)
        for (int v = 0; v < NV; ++v) acc[r][v] = vtanh(acc[r][v]);
      break;
    default:
      break;
  }
}

// One MR×(NV·W) tile of C over the block's K: a points at row 0 of the tile (op(A)[i0, 0]), b at the panel.
// MASK_B: B is unpacked and its last vector has fewer than W valid columns (masked loads, no over-read).
// A_LAYOUT: how a is read — kRowsA (a[r*lda + k]), kTransA (a[k*lda + r]) or kPackedA (a[k*kMR + r]: a compile-time
// stride, so the unrolled k loop addresses A with immediate offsets).
enum ALayout { kRowsA, kTransA, kPackedA };

template <int MR, int NV, int A_LAYOUT, bool MASK_B>
void micro_kernel(const GemmBlock& blk, const float* FASTNN_RESTRICT a, const float* FASTNN_RESTRICT b,
                  float* FASTNN_RESTRICT c, const float* bias, int n_last) {
  constexpr bool TRANS_A = A_LAYOUT != kRowsA;
  const index_t lda = A_LAYOUT == kPackedA ? index_t(kMR) : blk.lda, ldb = blk.ldb, ldc = blk.ldc, kc = blk.k;
  vf acc[MR][NV];
  if (blk.load_c) {
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] = load_part<NV>(c + r * ldc + v * W, v, n_last);
  } else {
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] = vzero();
  }
#pragma GCC unroll 4
  for (index_t k = 0; k < kc; ++k) {  // unrolled: fewer loop overheads between the FMA groups
    vf bv[NV];
    for (int v = 0; v < NV; ++v)
      bv[v] = (MASK_B && v == NV - 1) ? vload_n(b + k * ldb + v * W, n_last) : vload(b + k * ldb + v * W);
    for (int r = 0; r < MR; ++r) {
      const vf ar = vset1(TRANS_A ? a[k * lda + r] : a[r * lda + k]);
      for (int v = 0; v < NV; ++v) acc[r][v] = vfma(ar, bv[v], acc[r][v]);
    }
  }
  if (blk.last) epilogue<MR, NV>(acc, blk, bias, n_last);
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) store_part<NV>(c + r * ldc + v * W, acc[r][v], v, n_last);
}

using MicroKernel = void (*)(const GemmBlock&, const float*, const float*, float*, const float*, int);

// The instance for mr rows (1..kMR) and NV vectors, found by compile-time recursion over MR.
template <int MR, int NV, int A_LAYOUT, bool MASK_B>
struct PickRows {
  static MicroKernel get(int mr) {
    return mr == MR ? &micro_kernel<MR, NV, A_LAYOUT, MASK_B> : PickRows<MR - 1, NV, A_LAYOUT, MASK_B>::get(mr);
  }
};
template <int NV, int A_LAYOUT, bool MASK_B>
struct PickRows<0, NV, A_LAYOUT, MASK_B> {
  static MicroKernel get(int) { return nullptr; }
};

template <int NV, int A_LAYOUT>
static MicroKernel pick_for_nv(int mr, bool mask_b) {
  return mask_b ? PickRows<kMR, NV, A_LAYOUT, true>::get(mr) : PickRows<kMR, NV, A_LAYOUT, false>::get(mr);
}
template <int NV>
struct PickCols {
  static MicroKernel get(int mr, int nv, ALayout layout, bool mask_b) {
    if (nv != NV) return PickCols<NV - 1>::get(mr, nv, layout, mask_b);
    switch (layout) {
      case kTransA: return pick_for_nv<NV, kTransA>(mr, mask_b);
      case kPackedA: return pick_for_nv<NV, kPackedA>(mr, mask_b);
      default: return pick_for_nv<NV, kRowsA>(mr, mask_b);
    }
  }
};
template <>
struct PickCols<0> {
  static MicroKernel get(int, int, ALayout, bool) { return nullptr; }
};

static MicroKernel pick(int mr, int nv, ALayout layout, bool mask_b) {
  return PickCols<kNV>::get(mr, nv, layout, mask_b);
}

// Copies rows [i0, i1) × the block's K of op(A) into blk.a_pack as MR-row panels [k][kMR]: panel t holds rows
// i0 + t·kMR .. +kMR (a shorter last panel keeps the kMR stride; its unused lanes are never read).
static void pack_a(const GemmBlock& blk, index_t i0, index_t i1) {
  const index_t kc = blk.k, lda = blk.lda;
  for (index_t i = i0; i < i1; i += kMR) {
    const int rows = static_cast<int>(i1 - i < kMR ? i1 - i : kMR);
    float* FASTNN_RESTRICT d = blk.a_pack + (i - i0) * kc;
    if (blk.trans_a) {  // Aᵀ storage: the kMR values of one k are contiguous
      const float* s = blk.a + i;
      if (rows == kMR) {
        for (index_t k = 0; k < kc; ++k)
          for (int r = 0; r < kMR; ++r) d[k * kMR + r] = s[k * lda + r];
      } else {
        for (index_t k = 0; k < kc; ++k)
          for (int r = 0; r < rows; ++r) d[k * kMR + r] = s[k * lda + r];
      }
    } else {  // row-major A: one contiguous read stream per row, interleaved into the panel
      const float* s = blk.a + i * lda;
      for (int r = 0; r < rows; ++r) {
        const float* FASTNN_RESTRICT row = s + r * lda;
        for (index_t k = 0; k < kc; ++k) d[k * kMR + r] = row[k];
      }
    }
  }
}

// Starts loading the C tile the next micro-kernel call reads (later K blocks) or overwrites: a large C is not in
// L2 between K blocks, and the micro-kernel loads its tile before the first FMA (the load would stall it).
static FASTNN_INLINE void prefetch_c_tile(const GemmBlock& blk, const float* c, index_t rows) {
  const int mr = static_cast<int>(rows < kMR ? rows : kMR);
  for (int r = 0; r < mr; ++r) {
    __builtin_prefetch(c + r * blk.ldc, 1, 3);
    __builtin_prefetch(c + r * blk.ldc + kNR - 1, 1, 3);
  }
}

// Loop order (BLIS's, with A in the role of its packed A): one B panel (KC×NR, packed) stays in L1 while the
// micro-kernel walks the row tiles of an MC-row slice of A, which stays in L2 (A is streamed MR broadcasts at a
// time — the operand with the small tile dimension is the one that comes from L2).
void gemm_block(const GemmBlock& blk) {
  const index_t panels = (blk.n + kNR - 1) / kNR;
  const int n_tail = static_cast<int>(blk.n - (panels - 1) * kNR);  // 1..kNR columns in the last panel
  const int nv_tail = (n_tail + W - 1) / W;
  const int n_last_tail = n_tail - (nv_tail - 1) * W;
  const bool mask_tail = !blk.b_packed && n_last_tail < W;
  const int m_tail = static_cast<int>(blk.m % kMR);
  // Packed A panels [k][kMR] (MC slices are multiples of kMR rows, so the M tail is always the last tile of the
  // last slice).
  const ALayout ta = blk.a_pack ? kPackedA : blk.trans_a ? kTransA : kRowsA;
  // The four kernels this block needs: {full, last} panel × {kMR rows, the M tail}.
  const MicroKernel kernels[2][2] = {
      {pick(kMR, kNV, ta, false), m_tail ? pick(m_tail, kNV, ta, false) : nullptr},
      {pick(kMR, nv_tail, ta, mask_tail), m_tail ? pick(m_tail, nv_tail, ta, mask_tail) : nullptr}};
  constexpr index_t mc = (kMC / kMR) * kMR;
  for (index_t i0 = 0; i0 < blk.m; i0 += mc) {
    const index_t i1 = blk.m - i0 < mc ? blk.m : i0 + mc;
    if (blk.a_pack) pack_a(blk, i0, i1);
    for (index_t p = 0; p < panels; ++p) {
      const bool last_panel = p == panels - 1;
      const int n_last = last_panel ? n_last_tail : W;
      const float* b = blk.b + p * blk.panel_stride;
      const float* bias = blk.bias ? blk.bias + p * kNR : nullptr;
      float* c = blk.c + p * kNR;
      for (index_t i = i0; i < i1; i += kMR) {
        const MicroKernel ukr = kernels[last_panel][i1 - i < kMR];
        if (i + kMR < i1) prefetch_c_tile(blk, c + (i + kMR) * blk.ldc, i1 - i - kMR);
        if (blk.a_pack) {
          ukr(blk, blk.a_pack + (i - i0) * blk.k, b, c + i * blk.ldc, bias, n_last);
        } else {
          const float* a = blk.trans_a ? blk.a + i : blk.a + i * blk.lda;
          ukr(blk, a, b, c + i * blk.ldc, bias, n_last);
        }
      }
    }
  }
}

// Packs op(B)[0:kc, 0:nc] into panels [kc][kNR], zero-padded to kNR columns.
void pack_b(bool trans_b, const float* b, index_t ldb, index_t kc, index_t nc, float* dst) {
  const index_t panels = (nc + kNR - 1) / kNR;
  for (index_t p = 0; p < panels; ++p) {
    float* d = dst + p * kc * kNR;
    const index_t n0 = p * kNR;
    const int cols = static_cast<int>(nc - n0 < kNR ? nc - n0 : kNR);
    if (!trans_b) {
      for (index_t k = 0; k < kc; ++k) {
        const float* s = b + k * ldb + n0;
        for (int v = 0; v < kNV; ++v) {
          const int lanes = cols - v * W;
          vstore(d + k * kNR + v * W, lanes >= W ? vload(s + v * W) : lanes > 0 ? vload_n(s + v * W, lanes) : vzero());
        }
      }
    } else {
      // Bᵀ storage: column j of the panel is row n0+j of the stored matrix, contiguous in k. Eight k at a time
      // for all the panel's rows: short contiguous reads, and the writes fill a kNR×8 patch of the L1-resident
      // panel (measured 4-8 % faster on the dX shape than four source rows over the whole of k). On x86 each
      // 8×8 patch is transposed in registers; scalar copies are left for the edges.
      constexpr int kChunk = 8;
      for (index_t k0 = 0; k0 < kc; k0 += kChunk) {
        const int kn = static_cast<int>(kc - k0 < kChunk ? kc - k0 : kChunk);
        float* dk = d + k0 * kNR;
        int j = 0;
#if defined(FASTNN_HAVE_TRANSPOSE8X8)
        if (kn == kChunk) {  // 8 source rows × 8 k -> 8 panel rows × 8 columns, in registers
          for (; j + 8 <= cols; j += 8) transpose8x8(b + (n0 + j) * ldb + k0, ldb, dk + j, kNR);
        }
#endif
        for (; j < cols; ++j) {
          const float* s = b + (n0 + j) * ldb + k0;
          for (int kk = 0; kk < kn; ++kk) dk[kk * kNR + j] = s[kk];
        }
        for (int j = cols; j < kNR; ++j)
          for (int kk = 0; kk < kn; ++kk) dk[kk * kNR + j] = 0.f;
      }
    }
  }
}

void store_transposed(const float* ct, index_t ldct, float* c, index_t ldc, index_t m, index_t n,
                      const Epilogue& ep) {
  GemmBlock blk;  // only act/alpha are read by the epilogue
  blk.act = ep.act;
  blk.alpha = ep.alpha;
  alignas(64) float tmp[W];
  for (index_t j = 0; j < n; ++j) {
    const float* src = ct + j * ldct;
    for (index_t i0 = 0; i0 < m; i0 += W) {
      const int lanes = static_cast<int>(m - i0 < W ? m - i0 : W);
      vf acc[1][1] = {{lanes == W ? vload(src + i0) : vload_n(src + i0, lanes)}};
      if (ep.bias) acc[0][0] = vadd(acc[0][0], vset1(ep.bias[j]));
      epilogue<1, 1>(acc, blk, nullptr, W);
      vstore(tmp, acc[0][0]);
      for (int l = 0; l < lanes; ++l) c[(i0 + l) * ldc + j] = tmp[l];
    }
  }
}

}  // namespace gemm_detail

extern const GemmKernels gemm_kernels;
const GemmKernels gemm_kernels = {gemm_detail::kMR,
                                  gemm_detail::kNR,
                                  gemm_detail::kKC,
                                  gemm_detail::kNC,
                                  (gemm_detail::kMC / gemm_detail::kMR) * gemm_detail::kMR,
                                  &gemm_detail::pack_b,
                                  &gemm_detail::gemm_block,
                                  &gemm_detail::store_transposed,
#if defined(FASTNN_TARGET_AVX2)
                                  true};
#else
                                  false};
#endif

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

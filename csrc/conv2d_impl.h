// conv2d_impl.h — ISA-templated convolution tiles (included by conv2d_{avx512,avx2,generic}.cpp after simd.h).
//
// Both kernels are implicit GEMMs that vectorise over output channels (Cout, padded to the vector width) and
// broadcast input values: the forward tile keeps R output pixels × V channel vectors in registers and walks the
// reduction (taps × C) once; the filter-gradient tile keeps R reduction rows (kh, kw, ci) × V channel vectors and
// walks the output pixels. The image is always "valid and pre-padded" (the driver copies borders/zero-inserts).
// When a channel block's weights outgrow L1 (wide layers), the forward tile walks the reduction in chunks shared
// by a block of tiles; a single-input-channel input gradient runs along input rows over dy planes instead.
#pragma once
#include "conv2d.h"
#include "vmath.h"

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace {

// Accumulator budget: 16 vector registers (AVX2, SSE2) leave 12 for accumulators; AVX-512 has 32.
#if defined(FASTNN_TARGET_AVX512)
constexpr int kAccBudget = 24;
constexpr int kMaxV = 4;
#else
constexpr int kAccBudget = 12;
constexpr int kMaxV = 3;
#endif
constexpr int kMaxR = 12;

template <int V>
constexpr int rows_for() {
  return kAccBudget / V > kMaxR ? kMaxR : kAccBudget / V;
}

FASTNN_INLINE vf apply_act(vf v, const Epilogue& ep) {
  switch (ep.act) {
    case Act::relu: return vmax(vzero(), v);  // NaN stays NaN (x86 max returns the second operand)
    case Act::leaky_relu: return vselect_lt(v, vzero(), vmul(v, vset1(ep.alpha)), v);
    case Act::sigmoid: return vsigmoid(v);
    case Act::tanh: return vtanh(v);
    default: return v;
  }
}

// Vector count for a channel block: balanced blocks of at most kMaxV vectors.
inline int block_vectors(index_t nvec) {
  if (nvec > kMaxV) {  // several blocks: prefer equal blocks, so the last one runs the same tile
    for (int v = kMaxV; v >= 2; --v)
      if (nvec % v == 0) return v;
  }
  const index_t nblocks = (nvec + kMaxV - 1) / kMaxV;
  return nblocks ? static_cast<int>((nvec + nblocks - 1) / nblocks) : 1;
}

// ------------------------------------------------------------------------------------------------ forward
// R pixels (origin pointers px) × V channel vectors starting at channel cb of the packed weights w (row
// stride ldw). Stores the first nr pixels to y (pixel stride Cout, already offset to channel cb).
// Reduction rows [k0, k1) only: when k0 > 0 the accumulators start from part ([R][V·W] partial sums of the
// earlier rows), and when k1 < K they are saved there instead of stored — the sums run in the same order as
// one pass over all rows, so the result is bitwise the same.
template <int R, int V>
FASTNN_INLINE void fwd_block(const ConvImage& im, const float* const* px, int nr, const float* w, index_t ldw,
                             index_t cb, index_t Cout, float* y, const Epilogue& ep, bool spill_ok, index_t k0 = 0,
                             index_t k1 = -1, float* part = nullptr) {
  const index_t K = k1 < 0 ? im.K : k1;
  vf acc[R][V];
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = k0 > 0 ? vload(part + (r * V + v) * W) : vzero();
  // One flat loop over the reduction (kh, kw, c): with few channels a nested tap loop costs more than its FMAs.
  const index_t* koff = im.koff;
  w += k0 * ldw;
  for (index_t k = k0; k < K; ++k, w += ldw) {
    const index_t off = koff[k];
    vf wv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) wv[v] = vload(w + v * W);
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) {
      const vf xb = vset1(px[r][off]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = vfma(xb, wv[v], acc[r][v]);
    }
  }
  if (K < im.K) {
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) vstore(part + (r * V + v) * W, acc[r][v]);
    return;
  }
  vf bias[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const index_t left = Cout - cb - v * W;
    bias[v] = !ep.bias || left <= 0 ? vzero()
              : left >= W           ? vload(ep.bias + cb + v * W)
                                    : vload_n(ep.bias + cb + v * W, static_cast<int>(left));
  }
  // With one channel block, a pixel's full-width store may spill into the following pixels' channels, which
  // their own stores overwrite right after: only stores that would spill past the tile need the (slow) mask.
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r) {
    if (r >= nr) break;
    const bool full_ok = spill_ok && r * Cout + ldw <= nr * Cout;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      const index_t left = Cout - cb - v * W;
      if (left <= 0) break;
      const vf out = apply_act(vadd(acc[r][v], bias[v]), ep);
      if (left >= W || full_ok)
        vstore(y + r * Cout + v * W, out);
      else
        vstore_n(y + r * Cout + v * W, out, static_cast<int>(left));
    }
  }
}

template <int R>
FASTNN_INLINE void fwd_block_any(int nv, const ConvImage& im, const float* const* px, int nr, const float* w,
                                 index_t ldw, index_t cb, index_t Cout, float* y, const Epilogue& ep,
                                 index_t k0 = 0, index_t k1 = -1, float* part = nullptr) {
  switch (nv) {
    case 1: fwd_block<R, 1>(im, px, nr, w, ldw, cb, Cout, y, ep, false, k0, k1, part); break;
    case 2: if constexpr (R * 2 <= kAccBudget) fwd_block<R, 2>(im, px, nr, w, ldw, cb, Cout, y, ep, false, k0, k1, part); break;
    case 3: if constexpr (R * 3 <= kAccBudget) fwd_block<R, 3>(im, px, nr, w, ldw, cb, Cout, y, ep, false, k0, k1, part); break;
#if defined(FASTNN_TARGET_AVX512)
    case 4: if constexpr (R * 4 <= kAccBudget) fwd_block<R, 4>(im, px, nr, w, ldw, cb, Cout, y, ep, false, k0, k1, part); break;
#endif
    default: break;
  }
}

// Weight bytes one reduction chunk may hold so that it stays in L1 next to the input rows it meets.
// (8 KiB measured best on Zen 3 when another thread shares the core, and no worse alone.)
constexpr index_t kWeightChunkBytes = 8 * 1024;
// Tiles that share one weight chunk: about 48 output pixels, whose input windows also stay in L1.
constexpr int kPixelsPerBlock = 48;

// Output pixels advance in order; position (oh, ow) is carried without divisions.
struct PixelCursor {
  index_t oh, ow;
  const float* origin(const ConvImage& im) const { return im.img + (oh * im.sh * im.Wp + ow * im.sw) * im.C; }
  void next(const ConvImage& im) {
    if (++ow == im.OW) ow = 0, ++oh;
  }
};

// Fills px with the origins of the next min(R, p1 − p) pixels; tail tiles repeat their last pixel (same code
// path, only nr results stored). Returns nr.
template <int R>
FASTNN_INLINE int next_tile(const ConvImage& im, index_t p, index_t p1, PixelCursor& cur, const float** px) {
  const int nr = static_cast<int>(p1 - p < R ? p1 - p : R);
  for (int r = 0; r < R; ++r) {
    if (r < nr) {
      px[r] = cur.origin(im);
      cur.next(im);
    } else {
      px[r] = px[nr - 1];
    }
  }
  return nr;
}

// One pass over the whole reduction per tile: the weight slice of a channel block fits in L1.
template <int V>
void fwd_range_flat(const ConvImage& im, index_t p0, index_t p1, const float* wpack, index_t cout_pad,
                    index_t Cout, float* y, const Epilogue& ep) {
  constexpr int R = rows_for<V>();
  const float* px[R];
  const bool single_block = cout_pad <= V * W;
  PixelCursor cur{p0 / im.OW, p0 % im.OW};
  for (index_t p = p0; p < p1; p += R) {
    const int nr = next_tile<R>(im, p, p1, cur, px);
    for (index_t cb = 0; cb < cout_pad; cb += V * W) {
      const int nv = static_cast<int>((cout_pad - cb) / W < V ? (cout_pad - cb) / W : V);
      float* yt = y + p * Cout + cb;
      if (nv == V)
        fwd_block<R, V>(im, px, nr, wpack + cb, cout_pad, cb, Cout, yt, ep, single_block);
      else
        fwd_block_any<R>(nv, im, px, nr, wpack + cb, cout_pad, cb, Cout, yt, ep);
    }
  }
}

// Wide reductions (weight slice larger than L1): blocks of kTiles tiles walk the reduction in chunks of kc rows,
// every tile of the block reusing the chunk while it is in L1; partial sums wait in part between chunks.
template <int V>
void fwd_range_blocked(const ConvImage& im, index_t p0, index_t p1, const float* wpack, index_t cout_pad,
                       index_t Cout, float* y, const Epilogue& ep, index_t kc) {
  constexpr int R = rows_for<V>();
  constexpr int kTiles = kPixelsPerBlock / R > 0 ? kPixelsPerBlock / R : 1;
  alignas(64) float part[kTiles][R * V * W];
  const float* px[kTiles][R];
  int nr[kTiles];
  const bool single_block = cout_pad <= V * W;
  const index_t K = im.K;
  PixelCursor cur{p0 / im.OW, p0 % im.OW};
  for (index_t pb = p0; pb < p1; pb += kTiles * R) {
    int ntiles = 0;
    for (index_t p = pb; p < p1 && ntiles < kTiles; p += R) nr[ntiles] = next_tile<R>(im, p, p1, cur, px[ntiles]), ++ntiles;
    for (index_t cb = 0; cb < cout_pad; cb += V * W) {
      const int nv = static_cast<int>((cout_pad - cb) / W < V ? (cout_pad - cb) / W : V);
      for (index_t k0 = 0; k0 < K; k0 += kc) {
        const index_t k1 = K - k0 <= kc ? -1 : k0 + kc;  // −1: the last chunk, which stores the outputs
        for (int t = 0; t < ntiles; ++t) {
          float* yt = y + (pb + t * R) * Cout + cb;
          if (nv == V)
            fwd_block<R, V>(im, px[t], nr[t], wpack + cb, cout_pad, cb, Cout, yt, ep, single_block, k0, k1, part[t]);
          else
            fwd_block_any<R>(nv, im, px[t], nr[t], wpack + cb, cout_pad, cb, Cout, yt, ep, k0, k1, part[t]);
        }
      }
    }
  }
}

template <int V>
void fwd_range(const ConvImage& im, index_t p0, index_t p1, const float* wpack, index_t cout_pad, index_t Cout,
               float* y, const Epilogue& ep) {
  const index_t row_bytes = static_cast<index_t>(V * W * sizeof(float));
  // At least kMinChunkRows rows per chunk, so saving and reloading the accumulators between chunks stays cheap
  // for wide tiles (AVX-512: 6 pixels × 4 vectors = 256-byte weight rows).
  constexpr index_t kMinChunkRows = 64;
  index_t nchunks = (im.K * row_bytes + kWeightChunkBytes - 1) / kWeightChunkBytes;
  if (nchunks > im.K / kMinChunkRows) nchunks = im.K / kMinChunkRows;
  if (nchunks <= 1)
    fwd_range_flat<V>(im, p0, p1, wpack, cout_pad, Cout, y, ep);
  else
    fwd_range_blocked<V>(im, p0, p1, wpack, cout_pad, Cout, y, ep, (im.K + nchunks - 1) / nchunks);
}

void forward(const ConvImage& im, index_t p0, index_t p1, const float* wpack, index_t cout_pad, index_t Cout,
             float* y, const Epilogue& ep) {
  switch (block_vectors(cout_pad / W)) {
    case 1: fwd_range<1>(im, p0, p1, wpack, cout_pad, Cout, y, ep); break;
    case 2: fwd_range<2>(im, p0, p1, wpack, cout_pad, Cout, y, ep); break;
    case 3: fwd_range<3>(im, p0, p1, wpack, cout_pad, Cout, y, ep); break;
#if defined(FASTNN_TARGET_AVX512)
    case 4: fwd_range<4>(im, p0, p1, wpack, cout_pad, Cout, y, ep); break;
#endif
    default: break;
  }
}

// -------------------------------------------------------------------------------------- filter gradient
// R reduction rows (offsets ko, rows past nr duplicate the last one) × V channel vectors at channel cb.
template <int R, int V>
FASTNN_INLINE void bwdw_block(const ConvImage& im, index_t oh0, index_t oh1, const index_t* ko, int nr,
                              const float* dy, index_t cb, index_t Cout, float* part, index_t ldp) {
  vf acc[R][V];
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = r < nr ? vload(part + r * ldp + v * W) : vzero();
  index_t off[R];
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r) off[r] = ko[r < nr ? r : nr - 1];
  const index_t left_last = Cout - cb - (V - 1) * W;  // lanes of the last vector inside Cout (1..W)
  const int tail = static_cast<int>(left_last < W ? left_last : W);
  const float* d = dy + cb;
  for (index_t oh = oh0; oh < oh1; ++oh) {
    const float* row = im.img + oh * im.sh * im.Wp * im.C;
    for (index_t ow = 0; ow < im.OW; ++ow, d += Cout) {
      const float* base = row + ow * im.sw * im.C;
      vf dv[V];
#pragma GCC unroll 4
      for (int v = 0; v < V - 1; ++v) dv[v] = vload(d + v * W);
      dv[V - 1] = tail == W ? vload(d + (V - 1) * W) : vload_n(d + (V - 1) * W, tail);
#pragma GCC unroll 32
      for (int r = 0; r < R; ++r) {
        const vf xb = vset1(base[off[r]]);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) acc[r][v] = vfma(xb, dv[v], acc[r][v]);
      }
    }
  }
  // Constant trip count (guarded) so acc stays in registers: a runtime bound makes GCC keep it in memory.
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r) {
    if (r >= nr) break;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) vstore(part + r * ldp + v * W, acc[r][v]);
  }
}

template <int R>
FASTNN_INLINE void bwdw_block_any(int nv, const ConvImage& im, index_t oh0, index_t oh1, const index_t* ko, int nr,
                                  const float* dy, index_t cb, index_t Cout, float* part, index_t ldp) {
  switch (nv) {
    case 1: bwdw_block<R, 1>(im, oh0, oh1, ko, nr, dy, cb, Cout, part, ldp); break;
    case 2: if constexpr (R * 2 <= kAccBudget) bwdw_block<R, 2>(im, oh0, oh1, ko, nr, dy, cb, Cout, part, ldp); break;
    case 3: if constexpr (R * 3 <= kAccBudget) bwdw_block<R, 3>(im, oh0, oh1, ko, nr, dy, cb, Cout, part, ldp); break;
#if defined(FASTNN_TARGET_AVX512)
    case 4: if constexpr (R * 4 <= kAccBudget) bwdw_block<R, 4>(im, oh0, oh1, ko, nr, dy, cb, Cout, part, ldp); break;
#endif
    default: break;
  }
}

template <int V>
void bwdw_range(const ConvImage& im, index_t oh0, index_t oh1, const index_t* koff, index_t K, const float* dy,
                index_t Cout, float* part, index_t cout_pad) {
  constexpr int R = rows_for<V>();
  // Blocks of output rows whose dy (~16 KB) stays in L1 while every (k, channel) tile walks it; the partial
  // sums are reloaded per block, which costs little next to the block's FMAs.
  const index_t block_rows = im.OW * Cout >= 4096 ? 1 : 4096 / (im.OW * Cout);
  for (index_t ob = oh0; ob < oh1; ob += block_rows) {
    const index_t oe = oh1 - ob < block_rows ? oh1 : ob + block_rows;
    const float* dyb = dy + (ob - oh0) * im.OW * Cout;
    for (index_t k = 0; k < K; k += R) {
      const int nr = static_cast<int>(K - k < R ? K - k : R);
      for (index_t cb = 0; cb < cout_pad; cb += V * W) {
        const int nv = static_cast<int>((cout_pad - cb) / W < V ? (cout_pad - cb) / W : V);
        float* pt = part + k * cout_pad + cb;
        if (nv == V)
          bwdw_block<R, V>(im, ob, oe, koff + k, nr, dyb, cb, Cout, pt, cout_pad);
        else
          bwdw_block_any<R>(nv, im, ob, oe, koff + k, nr, dyb, cb, Cout, pt, cout_pad);
      }
    }
  }
}

// bias_part[co] += Σ over the rows' pixels of dy[pixel][co], pixels in order.
void sum_dy(index_t npix, const float* dy, index_t Cout, float* bias_part) {
  for (index_t cb = 0; cb < Cout; cb += W) {
    const int n = static_cast<int>(Cout - cb < W ? Cout - cb : W);
    vf acc = vload(bias_part + cb);
    const float* d = dy + cb;
    if (n == W)
      for (index_t p = 0; p < npix; ++p, d += Cout) acc = vadd(acc, vload(d));
    else
      for (index_t p = 0; p < npix; ++p, d += Cout) acc = vadd(acc, vload_n(d, n));
    vstore(bias_part + cb, acc);
  }
}

void backward_filter(const ConvImage& im, index_t oh0, index_t oh1, const float* dy, index_t Cout, float* part,
                     index_t cout_pad, float* bias_part) {
  const index_t* koff = im.koff;
  const index_t K = im.K;
  const float* dy_rows = dy + oh0 * im.OW * Cout;
  switch (block_vectors(cout_pad / W)) {
    case 1: bwdw_range<1>(im, oh0, oh1, koff, K, dy_rows, Cout, part, cout_pad); break;
    case 2: bwdw_range<2>(im, oh0, oh1, koff, K, dy_rows, Cout, part, cout_pad); break;
    case 3: bwdw_range<3>(im, oh0, oh1, koff, K, dy_rows, Cout, part, cout_pad); break;
#if defined(FASTNN_TARGET_AVX512)
    case 4: bwdw_range<4>(im, oh0, oh1, koff, K, dy_rows, Cout, part, cout_pad); break;
#endif
    default: break;
  }
  if (bias_part) sum_dy((oh1 - oh0) * im.OW, dy_rows, Cout, bias_part);
}

// ------------------------------------------------------------------------------ input gradient by columns
// dst[0, n) += src[0, n)
FASTNN_INLINE void add_into(float* dst, const float* src, index_t n) {
  index_t i = 0;
  for (; i + W <= n; i += W) vstore(dst + i, vadd(vload(dst + i), vload(src + i)));
  for (; i < n; ++i) dst[i] += src[i];  // scalar tail: masked stores are slow on some CPUs (AMD)
}

template <int V>
void bwd_data_cols_range(const ConvImage& dyim, index_t OH, const float* wt, index_t kpad, index_t K,
                         const ConvScatter& sc, float* dcol, float* dxpad) {
  constexpr int R = rows_for<V>();
  const Epilogue none;
  const bool single_block = kpad <= V * W;
  const index_t npix = OH * dyim.OW;
  const index_t Cout = dyim.C;
  const float* px[R];
  float* origin[R];
  index_t oh = 0, ow = 0;
  for (index_t p = 0; p < npix; p += R) {
    const int nr = static_cast<int>(npix - p < R ? npix - p : R);
    for (int r = 0; r < R; ++r) {
      if (r < nr) {
        px[r] = dyim.img + (p + r) * Cout;
        origin[r] = dxpad + (oh * sc.sh * sc.Wp + ow * sc.sw) * sc.C;
        if (++ow == dyim.OW) ow = 0, ++oh;
      } else {
        px[r] = px[nr - 1];
      }
    }
    for (index_t cb = 0; cb < kpad; cb += V * W) {
      const int nv = static_cast<int>((kpad - cb) / W < V ? (kpad - cb) / W : V);
      if (nv == V)
        fwd_block<R, V>(dyim, px, nr, wt + cb, kpad, cb, K, dcol + cb, none, single_block);
      else
        fwd_block_any<R>(nv, dyim, px, nr, wt + cb, kpad, cb, K, dcol + cb, none);
    }
    // Scatter in pixel order (fixed), one kernel row (kh) at a time: with dw = 1 its KW·C values are contiguous.
    for (int r = 0; r < nr; ++r) {
      const float* col = dcol + r * K;
      for (index_t kh = 0; kh < sc.KH; ++kh) {
        float* row = origin[r] + kh * sc.dh * sc.Wp * sc.C;
        const float* src = col + kh * sc.KW * sc.C;
        if (sc.dw == 1) {
          add_into(row, src, sc.KW * sc.C);
        } else {
          for (index_t kw = 0; kw < sc.KW; ++kw) add_into(row + kw * sc.dw * sc.C, src + kw * sc.C, sc.C);
        }
      }
    }
  }
}

void backward_data_cols(const ConvImage& dyim, index_t OH, const float* wt, index_t kpad, index_t K,
                        const ConvScatter& sc, float* dcol, float* dxpad) {
  switch (block_vectors(kpad / W)) {
    case 1: bwd_data_cols_range<1>(dyim, OH, wt, kpad, K, sc, dcol, dxpad); break;
    case 2: bwd_data_cols_range<2>(dyim, OH, wt, kpad, K, sc, dcol, dxpad); break;
    case 3: bwd_data_cols_range<3>(dyim, OH, wt, kpad, K, sc, dcol, dxpad); break;
#if defined(FASTNN_TARGET_AVX512)
    case 4: bwd_data_cols_range<4>(dyim, OH, wt, kpad, K, sc, dcol, dxpad); break;
#endif
    default: break;
  }
}

// --------------------------------------------------------------------- input gradient, one input channel
// NR input rows × NV vectors of iw starting at (ih, iw): every kernel tap and output channel broadcasts one
// weight and adds a shifted run of a dy plane.
template <int NR, int NV>
FASTNN_INLINE void planar_tile(const ConvPlanes& pl, const float* wk, index_t KH, index_t KW, index_t dh,
                               index_t dw, index_t ih, index_t iw, index_t Wd, float* dx) {
  vf acc[NR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < NR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[r][v] = vzero();
  const index_t plane = pl.Hp * pl.Wp;
  for (index_t kh = 0; kh < KH; ++kh)
    for (index_t kw = 0; kw < KW; ++kw) {
      const float* src = pl.dyp + (ih + kh * dh) * pl.Wp + iw + kw * dw;
      const float* wt = wk + (kh * KW + kw) * pl.Cout;
      for (index_t co = 0; co < pl.Cout; ++co, src += plane) {
        const vf wb = vset1(wt[co]);
#pragma GCC unroll 8
        for (int r = 0; r < NR; ++r)
#pragma GCC unroll 8
          for (int v = 0; v < NV; ++v) acc[r][v] = vfma(wb, vload(src + r * pl.Wp + v * W), acc[r][v]);
      }
    }
#pragma GCC unroll 8
  for (int r = 0; r < NR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      const index_t left = Wd - iw - v * W;
      float* out = dx + (ih + r) * Wd + iw + v * W;
      if (left >= W)
        vstore(out, acc[r][v]);
      else
        vstore_n(out, acc[r][v], static_cast<int>(left));
    }
}

template <int NR>
FASTNN_INLINE void planar_row(const ConvPlanes& pl, const float* wk, index_t KH, index_t KW, index_t dh,
                              index_t dw, index_t ih, index_t Wd, float* dx) {
  constexpr int kMaxVec = 4;
  for (index_t iw = 0; iw < Wd; iw += kMaxVec * W) {
    const index_t nvec = (Wd - iw + W - 1) / W;
    switch (nvec >= kMaxVec ? kMaxVec : nvec) {
      case 1: planar_tile<NR, 1>(pl, wk, KH, KW, dh, dw, ih, iw, Wd, dx); break;
      case 2: planar_tile<NR, 2>(pl, wk, KH, KW, dh, dw, ih, iw, Wd, dx); break;
      case 3: planar_tile<NR, 3>(pl, wk, KH, KW, dh, dw, ih, iw, Wd, dx); break;
      default: planar_tile<NR, kMaxVec>(pl, wk, KH, KW, dh, dw, ih, iw, Wd, dx); break;
    }
  }
}

void backward_data_planar(const ConvPlanes& pl, const float* wk, index_t KH, index_t KW, index_t dh, index_t dw,
                          index_t H, index_t Wd, float* dx) {
  index_t ih = 0;
  for (; ih + 2 <= H; ih += 2) planar_row<2>(pl, wk, KH, KW, dh, dw, ih, Wd, dx);  // row pairs share weights
  if (ih < H) planar_row<1>(pl, wk, KH, KW, dh, dw, ih, Wd, dx);
}

}  // namespace

extern const Conv2dKernels conv2d_kernels;
const Conv2dKernels conv2d_kernels = {&forward, &backward_filter, &backward_data_cols, &backward_data_planar, W};

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

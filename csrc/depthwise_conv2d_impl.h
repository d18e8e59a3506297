// depthwise_conv2d_impl.h — ISA-templated depthwise convolution kernels (included by
// depthwise_conv2d_{avx512,avx2,generic}.cpp after simd.h).
//
// Each output element of a depthwise convolution reads one channel only, so all three kernels vectorise along the
// (expanded) channels, contiguous in NHWC: a block of V channel vectors is accumulated in registers over the taps
// (forward, input gradient) or over the output pixels (filter gradient). Every lane's sum runs in the same order
// whatever the block size or the masked tail, so neither the blocking nor the thread split changes a result.
// Out-of-range taps are skipped by computing each row's / pixel's valid tap range (no padded copies).
#pragma once
#include "depthwise_conv2d.h"
#include "vmath.h"

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace {

constexpr int kBlockV = 4;  // channel vectors per register block

FASTNN_INLINE vf dw_act(vf v, const Epilogue& ep) {
  switch (ep.act) {
    case Act::relu: return vmax(vzero(), v);  // NaN stays NaN (x86 max returns the second operand)
    case Act::leaky_relu: return vselect_lt(v, vzero(), vmul(v, vset1(ep.alpha)), v);
    case Act::sigmoid: return vsigmoid(v);
    case Act::tanh: return vtanh(v);
    default: return v;
  }
}

// Taps k in [*k0, *k1) with 0 <= base + k·d < size.
FASTNN_INLINE void tap_range(index_t base, index_t d, index_t K, index_t size, index_t* k0, index_t* k1) {
  index_t lo = base >= 0 ? 0 : (-base + d - 1) / d;
  index_t hi = base > size - 1 ? 0 : (size - 1 - base) / d + 1;
  if (hi > K) hi = K;
  if (lo > hi) lo = hi;
  *k0 = lo, *k1 = hi;
}

FASTNN_INLINE vf load_n(const float* p, int n) { return n == W ? vload(p) : vload_n(p, n); }
FASTNN_INLINE void store_n(float* p, vf v, int n) {
  if (n == W)
    vstore(p, v);
  else
    vstore_n(p, v, n);
}

// Σ over the tap list (src offset, w offset) of src·w for V vectors at channel c (the last one n lanes wide).
template <int V>
FASTNN_INLINE void tap_sum(const float* src, const float* w, const index_t* taps, index_t ntaps, index_t c, int n,
                           vf* acc) {
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) acc[v] = vzero();
  for (index_t t = 0; t < ntaps; ++t) {
    const float* s = src + taps[2 * t] + c;
    const float* k = w + taps[2 * t + 1] + c;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      const int lanes = v == V - 1 ? n : W;
      acc[v] = vfma(load_n(s + v * W, lanes), load_n(k + v * W, lanes), acc[v]);
    }
  }
}

// out[c..] = Σ taps over all CE channels of one pixel.
FASTNN_INLINE void pixel_channels(const float* src, const float* w, const index_t* taps, index_t ntaps, index_t CE,
                                  float* out) {
  vf acc[kBlockV];
  index_t c = 0;
  for (; c + kBlockV * W <= CE; c += kBlockV * W) {
    tap_sum<kBlockV>(src, w, taps, ntaps, c, W, acc);
#pragma GCC unroll 4
    for (int v = 0; v < kBlockV; ++v) vstore(out + c + v * W, acc[v]);
  }
  for (; c < CE; c += W) {
    const int n = CE - c >= W ? W : static_cast<int>(CE - c);
    tap_sum<1>(src, w, taps, ntaps, c, n, acc);
    store_n(out + c, acc[0], n);
  }
}

// out = act(out + bias) over n floats of channels starting at channel 0 (a run of whole pixels).
void epilogue(float* out, index_t npix, index_t CE, const Epilogue& ep) {
  if (!ep.bias && ep.act == Act::linear) return;
  for (index_t p = 0; p < npix; ++p, out += CE)
    for (index_t c = 0; c < CE; c += W) {
      const int n = CE - c >= W ? W : static_cast<int>(CE - c);
      vf r = load_n(out + c, n);
      if (ep.bias) r = vadd(r, load_n(ep.bias + c, n));
      store_n(out + c, dw_act(r, ep), n);
    }
}

// R interior pixels (every tap in range) along a row, V channel vectors at c: the weights of a tap are loaded
// once for the R pixels. Taps in (kh, kw) order, as tap_sum: the same sums bit for bit.
template <int R, int V>
FASTNN_INLINE void interior_block(const DwImage& im, const float* x0, const float* w, index_t c, int n, float* y) {
  const index_t CE = im.CE, step = im.sw * CE;
  vf acc[R][V];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = vzero();
  for (index_t kh = 0; kh < im.KH; ++kh)
    for (index_t kw = 0; kw < im.KW; ++kw) {
      const float* xs = x0 + (kh * im.dh * im.SW + kw * im.dw) * CE + c;
      const float* ws = w + (kh * im.KW + kw) * CE + c;
      vf wv[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) wv[v] = load_n(ws + v * W, v == V - 1 ? n : W);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v)
          acc[r][v] = vfma(load_n(xs + r * step + v * W, v == V - 1 ? n : W), wv[v], acc[r][v]);
    }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) store_n(y + r * CE + c + v * W, acc[r][v], v == V - 1 ? n : W);
}

template <int R>
FASTNN_INLINE void interior_pixels(const DwImage& im, const float* x0, const float* w, float* y) {
  const index_t CE = im.CE;
  index_t c = 0;
  for (; c + 2 * W <= CE; c += 2 * W) interior_block<R, 2>(im, x0, w, c, W, y);
  for (; c < CE; c += W) interior_block<R, 1>(im, x0, w, c, CE - c >= W ? W : static_cast<int>(CE - c), y);
}

void forward(const DwImage& im, const float* w, index_t oh0, index_t oh1, float* y, const Epilogue& ep,
             index_t* taps) {
  const index_t CE = im.CE;
  // Output columns whose taps all lie inside the image: ow·sw − pl >= 0 and ow·sw − pl + (KW−1)·dw < SW.
  index_t in0, in1;
  tap_range(-im.pl, im.sw, im.OW, im.SW - (im.KW - 1) * im.dw, &in0, &in1);
  constexpr int R = 4;
  for (index_t oh = oh0; oh < oh1; ++oh) {
    index_t kh0, kh1;
    tap_range(oh * im.sh - im.pt, im.dh, im.KH, im.SH, &kh0, &kh1);
    const bool rows_inside = kh0 == 0 && kh1 == im.KH;
    float* yrow = y + oh * im.OW * CE;
    for (index_t ow = 0; ow < im.OW;) {
      if (rows_inside && ow >= in0 && ow + R <= in1) {
        const float* x0 = im.src + ((oh * im.sh - im.pt) * im.SW + ow * im.sw - im.pl) * CE;
        interior_pixels<R>(im, x0, w, yrow + ow * CE);
        ow += R;
        continue;
      }
      index_t kw0, kw1;
      tap_range(ow * im.sw - im.pl, im.dw, im.KW, im.SW, &kw0, &kw1);
      index_t nt = 0;
      for (index_t kh = kh0; kh < kh1; ++kh) {
        const index_t ih = oh * im.sh - im.pt + kh * im.dh;
        for (index_t kw = kw0; kw < kw1; ++kw, ++nt) {
          const index_t iw = ow * im.sw - im.pl + kw * im.dw;
          taps[2 * nt] = (ih * im.SW + iw) * CE;
          taps[2 * nt + 1] = (kh * im.KW + kw) * CE;
        }
      }
      pixel_channels(im.src, w, taps, nt, CE, yrow + ow * CE);
      ++ow;
    }
    epilogue(yrow, im.OW, CE, ep);
  }
}

// dy (oh, ow) reaches (ih, iw) through tap (kh, kw) when oh·sh + kh·dh − pt = ih (same for columns). The row
// taps are listed once per input row and the column taps once per pixel (divisions only for strides > 1), then
// crossed in (kh, kw) order. taps: 2·KH·KW + 2·(KH + KW) index_t.
FASTNN_INLINE index_t stride_taps(index_t i, index_t p, index_t K, index_t d, index_t s, index_t O, index_t* out) {
  index_t n = 0;
  for (index_t k = 0; k < K; ++k) {
    const index_t t = i + p - k * d;
    if (t < 0) break;  // t only decreases with k
    const index_t o = s == 1 ? t : (t % s ? -1 : t / s);
    if (o < 0 || o >= O) continue;
    out[2 * n] = k, out[2 * n + 1] = o;
    ++n;
  }
  return n;
}

void backward_data(const DwImage& im, const float* w, index_t ih0, index_t ih1, float* dxe, index_t* taps) {
  const index_t CE = im.CE;
  index_t* rows = taps + 2 * im.KH * im.KW;
  index_t* cols = rows + 2 * im.KH;
  for (index_t ih = ih0; ih < ih1; ++ih) {
    const index_t nr = stride_taps(ih, im.pt, im.KH, im.dh, im.sh, im.OH, rows);
    for (index_t iw = 0; iw < im.SW; ++iw) {
      const index_t nc = stride_taps(iw, im.pl, im.KW, im.dw, im.sw, im.OW, cols);
      index_t nt = 0;
      for (index_t r = 0; r < nr; ++r)
        for (index_t q = 0; q < nc; ++q, ++nt) {
          taps[2 * nt] = (rows[2 * r + 1] * im.OW + cols[2 * q + 1]) * CE;
          taps[2 * nt + 1] = (rows[2 * r] * im.KW + cols[2 * q]) * CE;
        }
      pixel_channels(im.src, w, taps, nt, CE, dxe + ((ih - ih0) * im.SW + iw) * CE);
    }
  }
}

// part[tap][c..] += Σ_{oh, ow} x·dy for the B taps (kh, kw0 .. kw0 + B − 1) and V channel vectors at c: each dy
// vector is loaded once for the B taps. Every tap sums its pixels in increasing (oh, ow) order (left edge, the
// columns all B taps reach, right edge), whatever B and V: the same sums bit for bit.
template <int B, int V>
FASTNN_INLINE void filter_taps(const DwImage& im, const float* dy, index_t oh0, index_t oh1, index_t kh, index_t kw0,
                               index_t c, int n, float* part) {
  const index_t CE = im.CE;
  vf acc[B][V];
  index_t lo[B], hi[B];  // each tap's valid output columns (iw = ow·sw + kw·dw − pl in range)
  index_t all0 = 0, all1 = im.OW, any0 = im.OW, any1 = 0;
#pragma GCC unroll 4
  for (int j = 0; j < B; ++j) {
    tap_range((kw0 + j) * im.dw - im.pl, im.sw, im.OW, im.SW, &lo[j], &hi[j]);
    all0 = lo[j] > all0 ? lo[j] : all0, all1 = hi[j] < all1 ? hi[j] : all1;
    if (lo[j] < hi[j]) any0 = lo[j] < any0 ? lo[j] : any0, any1 = hi[j] > any1 ? hi[j] : any1;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      acc[j][v] = load_n(part + (kh * im.KW + kw0 + j) * CE + c + v * W, v == V - 1 ? n : W);
  }
  if (all1 < all0) all1 = all0;
  const index_t xstep = im.sw * CE, kstep = im.dw * CE;
  for (index_t oh = oh0; oh < oh1; ++oh) {
    const index_t ih = oh * im.sh - im.pt + kh * im.dh;
    if (ih < 0 || ih >= im.SH) continue;
    const index_t xrow = (ih * im.SW - im.pl + kw0 * im.dw) * CE + c;  // offset of tap kw0's column of ow = 0
    const float* dyrow = dy + oh * im.OW * CE + c;
    auto edge = [&](index_t ow) {
      const float* ds = dyrow + ow * CE;
#pragma GCC unroll 4
      for (int j = 0; j < B; ++j) {
        if (ow < lo[j] || ow >= hi[j]) continue;
        const float* xs = im.src + (xrow + ow * xstep + j * kstep);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
          const int lanes = v == V - 1 ? n : W;
          acc[j][v] = vfma(load_n(xs + v * W, lanes), load_n(ds + v * W, lanes), acc[j][v]);
        }
      }
    };
    index_t ow = any0;
    for (const index_t e = all0 < any1 ? all0 : any1; ow < e; ++ow) edge(ow);
    for (const index_t e = ow == all0 ? all1 : ow; ow < e; ++ow) {  // the columns every tap reaches
      const float* ds = dyrow + ow * CE;
      const float* xs = im.src + (xrow + ow * xstep);
      vf d[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) d[v] = load_n(ds + v * W, v == V - 1 ? n : W);
#pragma GCC unroll 4
      for (int j = 0; j < B; ++j)
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v)
          acc[j][v] = vfma(load_n(xs + j * kstep + v * W, v == V - 1 ? n : W), d[v], acc[j][v]);
    }
    for (; ow < any1; ++ow) edge(ow);
  }
#pragma GCC unroll 4
  for (int j = 0; j < B; ++j)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      store_n(part + (kh * im.KW + kw0 + j) * CE + c + v * W, acc[j][v], v == V - 1 ? n : W);
}

template <int B>
FASTNN_INLINE void filter_tap_block(const DwImage& im, const float* dy, index_t oh0, index_t oh1, index_t kh,
                                    index_t kw0, float* part) {
  const index_t CE = im.CE;
  index_t c = 0;
  for (; c + 2 * W <= CE; c += 2 * W) filter_taps<B, 2>(im, dy, oh0, oh1, kh, kw0, c, W, part);
  for (; c < CE; c += W)
    filter_taps<B, 1>(im, dy, oh0, oh1, kh, kw0, c, CE - c >= W ? W : static_cast<int>(CE - c), part);
}

void backward_filter(const DwImage& im, const float* dy, index_t oh0, index_t oh1, float* part, float* bias_part) {
  const index_t CE = im.CE;
  for (index_t kh = 0; kh < im.KH; ++kh) {
    index_t kw = 0;
    for (; kw + 3 <= im.KW; kw += 3) filter_tap_block<3>(im, dy, oh0, oh1, kh, kw, part);
    for (; kw < im.KW; ++kw) filter_tap_block<1>(im, dy, oh0, oh1, kh, kw, part);
  }
  if (!bias_part) return;
  for (index_t c = 0; c < CE; c += W) {
    const int n = CE - c >= W ? W : static_cast<int>(CE - c);
    vf acc = load_n(bias_part + c, n);
    for (index_t p = oh0 * im.OW; p < oh1 * im.OW; ++p) acc = vadd(acc, load_n(dy + p * CE + c, n));
    store_n(bias_part + c, acc, n);
  }
}

}  // namespace

extern const DepthwiseKernels depthwise_conv2d_kernels;
const DepthwiseKernels depthwise_conv2d_kernels = {&forward, &backward_data, &backward_filter, W};

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

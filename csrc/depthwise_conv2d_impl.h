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

// out[c..] = act(Σ taps + bias) over all CE channels of one pixel (epilogue only when ep is non-null).
FASTNN_INLINE void pixel_channels(const float* src, const float* w, const index_t* taps, index_t ntaps, index_t CE,
                                  float* out, const Epilogue* ep) {
  vf acc[kBlockV];
  index_t c = 0;
  for (; c + kBlockV * W <= CE; c += kBlockV * W) {
    tap_sum<kBlockV>(src, w, taps, ntaps, c, W, acc);
#pragma GCC unroll 4
    for (int v = 0; v < kBlockV; ++v) {
      vf r = acc[v];
      if (ep) {
        if (ep->bias) r = vadd(r, vload(ep->bias + c + v * W));
        r = dw_act(r, *ep);
      }
      vstore(out + c + v * W, r);
    }
  }
  for (; c < CE; c += W) {
    const int n = CE - c >= W ? W : static_cast<int>(CE - c);
    tap_sum<1>(src, w, taps, ntaps, c, n, acc);
    vf r = acc[0];
    if (ep) {
      if (ep->bias) r = vadd(r, load_n(ep->bias + c, n));
      r = dw_act(r, *ep);
    }
    store_n(out + c, r, n);
  }
}

void forward(const DwImage& im, const float* w, index_t oh0, index_t oh1, float* y, const Epilogue& ep,
             index_t* taps) {
  const index_t CE = im.CE;
  for (index_t oh = oh0; oh < oh1; ++oh) {
    index_t kh0, kh1;
    tap_range(oh * im.sh - im.pt, im.dh, im.KH, im.SH, &kh0, &kh1);
    for (index_t ow = 0; ow < im.OW; ++ow) {
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
      pixel_channels(im.src, w, taps, nt, CE, y + (oh * im.OW + ow) * CE, &ep);
    }
  }
}

void backward_data(const DwImage& im, const float* w, index_t ih0, index_t ih1, float* dxe, index_t* taps) {
  const index_t CE = im.CE;
  for (index_t ih = ih0; ih < ih1; ++ih) {
    for (index_t iw = 0; iw < im.SW; ++iw) {
      // dy (oh, ow) reaches (ih, iw) through tap (kh, kw) when oh·sh + kh·dh − pt = ih (same for columns).
      index_t nt = 0;
      for (index_t kh = 0; kh < im.KH; ++kh) {
        const index_t th = ih + im.pt - kh * im.dh;
        if (th < 0 || th % im.sh) continue;
        const index_t oh = th / im.sh;
        if (oh >= im.OH) continue;
        for (index_t kw = 0; kw < im.KW; ++kw) {
          const index_t tw = iw + im.pl - kw * im.dw;
          if (tw < 0 || tw % im.sw) continue;
          const index_t ow = tw / im.sw;
          if (ow >= im.OW) continue;
          taps[2 * nt] = (oh * im.OW + ow) * CE;
          taps[2 * nt + 1] = (kh * im.KW + kw) * CE;
          ++nt;
        }
      }
      pixel_channels(im.src, w, taps, nt, CE, dxe + ((ih - ih0) * im.SW + iw) * CE, nullptr);
    }
  }
}

// part[c..] += Σ_{oh, ow} x·dy for one tap and V channel vectors.
template <int V>
FASTNN_INLINE void filter_tap(const DwImage& im, const float* dy, index_t oh0, index_t oh1, index_t kh, index_t kw,
                              index_t c, int n, float* part) {
  const index_t CE = im.CE;
  vf acc[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) acc[v] = load_n(part + c + v * W, v == V - 1 ? n : W);
  index_t ow0, ow1;
  tap_range(kw * im.dw - im.pl, im.sw, im.OW, im.SW, &ow0, &ow1);  // columns iw = ow·sw + kw·dw − pl in range
  for (index_t oh = oh0; oh < oh1; ++oh) {
    const index_t ih = oh * im.sh - im.pt + kh * im.dh;
    if (ih < 0 || ih >= im.SH) continue;
    const float* xrow = im.src + ih * im.SW * CE + c;
    const float* dyrow = dy + oh * im.OW * CE + c;
    for (index_t ow = ow0; ow < ow1; ++ow) {
      const float* xs = xrow + (ow * im.sw - im.pl + kw * im.dw) * CE;
      const float* ds = dyrow + ow * CE;
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        const int lanes = v == V - 1 ? n : W;
        acc[v] = vfma(load_n(xs + v * W, lanes), load_n(ds + v * W, lanes), acc[v]);
      }
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) store_n(part + c + v * W, acc[v], v == V - 1 ? n : W);
}

void backward_filter(const DwImage& im, const float* dy, index_t oh0, index_t oh1, float* part, float* bias_part) {
  const index_t CE = im.CE;
  for (index_t kh = 0; kh < im.KH; ++kh)
    for (index_t kw = 0; kw < im.KW; ++kw) {
      float* tap_part = part + (kh * im.KW + kw) * CE;
      index_t c = 0;
      for (; c + kBlockV * W <= CE; c += kBlockV * W) filter_tap<kBlockV>(im, dy, oh0, oh1, kh, kw, c, W, tap_part);
      for (; c < CE; c += W)
        filter_tap<1>(im, dy, oh0, oh1, kh, kw, c, CE - c >= W ? W : static_cast<int>(CE - c), tap_part);
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

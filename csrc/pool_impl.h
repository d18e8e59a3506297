// pool_impl.h — per-ISA pooling kernels (see pool.h). Vectorised over channels (C is contiguous in NHWC):
// each output pixel loads W channels of every valid window cell; a C that is not a multiple of W ends in one
// masked vector. Backward kernels own whole images, so scatter-adds of overlapping windows never race and
// always happen in the same order (bitwise equal results for any thread count).
#pragma once
#include <limits>

#include "pool.h"

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace {

static FASTNN_INLINE vf ld(const float* p, int k) { return k == W ? vload(p) : vload_n(p, k); }
static FASTNN_INLINE void st(float* p, vf x, int k) {
  if (k == W) vstore(p, x); else vstore_n(p, x, k);
}

// One window axis: origin (may be negative: padding) and the valid input range [begin, end).
struct Span {
  index_t origin, begin, end;
};
static FASTNN_INLINE Span window_span(index_t o, int stride, int pad, int k, index_t size) {
  const index_t origin = o * stride - pad;
  return Span{origin, origin > 0 ? origin : 0, origin + k < size ? origin + k : size};
}

template <bool kArgmax>
void max_forward_rows(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax, index_t row0,
                      index_t row1) {
  const index_t C = g.C;
  const vf neg_inf = vset1(-std::numeric_limits<float>::infinity());
  for (index_t r = row0; r < row1; ++r) {
    const index_t n = r / g.OH, oh = r % g.OH;
    const Span hs = window_span(oh, g.sh, g.pad_top, g.kh, g.H);
    const float* img = x + n * g.H * g.W * C;
    for (index_t ow = 0; ow < g.OW; ++ow) {
      const Span ws = window_span(ow, g.sw, g.pad_left, g.kw, g.W);
      const index_t out = (r * g.OW + ow) * C;
      for (index_t c0 = 0; c0 < C; c0 += W) {
        const int k = C - c0 < W ? static_cast<int>(C - c0) : W;
        // Strictly-greater updates keep the first maximum; vmax(v, best) returns best when v is NaN.
        vf best = neg_inf;
        vf best_cell = vset1(static_cast<float>((hs.begin - hs.origin) * g.kw + (ws.begin - ws.origin)));
        for (index_t h = hs.begin; h < hs.end; ++h) {
          const float* p = img + (h * g.W + ws.begin) * C + c0;
          float cell = static_cast<float>((h - hs.origin) * g.kw + (ws.begin - ws.origin));
          for (index_t w = ws.begin; w < ws.end; ++w, p += C, cell += 1.f) {
            const vf v = ld(p, k);
            if (kArgmax) best_cell = vselect_gt(v, best, vset1(cell), best_cell);
            best = vmax(v, best);
          }
        }
        st(y + out + c0, best, k);
        if (kArgmax) {
          float cells[W];
          vstore(cells, best_cell);
          for (int l = 0; l < k; ++l) argmax[out + c0 + l] = static_cast<std::int32_t>(cells[l]);
        }
      }
    }
  }
}

void max_forward(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax, index_t row0,
                 index_t row1) {
  if (argmax) max_forward_rows<true>(g, x, y, argmax, row0, row1);
  else max_forward_rows<false>(g, x, y, nullptr, row0, row1);
}

void avg_forward(const PoolGeometry& g, const float* x, float* y, index_t row0, index_t row1) {
  const index_t C = g.C;
  for (index_t r = row0; r < row1; ++r) {
    const index_t n = r / g.OH, oh = r % g.OH;
    const Span hs = window_span(oh, g.sh, g.pad_top, g.kh, g.H);
    const float* img = x + n * g.H * g.W * C;
    for (index_t ow = 0; ow < g.OW; ++ow) {
      const Span ws = window_span(ow, g.sw, g.pad_left, g.kw, g.W);
      const vf count = vset1(static_cast<float>((hs.end - hs.begin) * (ws.end - ws.begin)));
      const index_t out = (r * g.OW + ow) * C;
      for (index_t c0 = 0; c0 < C; c0 += W) {
        const int k = C - c0 < W ? static_cast<int>(C - c0) : W;
        vf sum = vzero();
        for (index_t h = hs.begin; h < hs.end; ++h) {
          const float* p = img + (h * g.W + ws.begin) * C + c0;
          for (index_t w = ws.begin; w < ws.end; ++w, p += C) sum = vadd(sum, ld(p, k));
        }
        st(y + out + c0, vdiv(sum, count), k);
      }
    }
  }
}

void zero_image(float* p, index_t len) {
  const vf z = vzero();
  index_t i = 0;
  for (; i + W <= len; i += W) vstore(p + i, z);
  for (; i < len; ++i) p[i] = 0.f;
}

index_t max_backward(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, const PoolCellTable& cells,
                     float* dx, index_t n0, index_t n1) {
  const index_t C = g.C, image = g.H * g.W * C, cells_per_window = index_t(g.kh) * g.kw;
  index_t bad = 0;
  for (index_t n = n0; n < n1; ++n) {
    float* dxi = dx + n * image;
    zero_image(dxi, image);
    for (index_t oh = 0; oh < g.OH; ++oh) {
      const index_t h_origin = oh * g.sh - g.pad_top;
      for (index_t ow = 0; ow < g.OW; ++ow) {
        const index_t w_origin = ow * g.sw - g.pad_left;
        const index_t origin = (h_origin * g.W + w_origin) * C;  // negative when the window starts in padding
        const index_t out = ((n * g.OH + oh) * g.OW + ow) * C;
        for (index_t c = 0; c < C; ++c) {
          const std::int32_t a = argmax[out + c];
          // A foreign workspace must never write out of bounds: skip and count cells outside the image.
          if (a < 0 || a >= cells_per_window) { ++bad; continue; }
          const index_t h = h_origin + cells.row[a], w = w_origin + cells.col[a];
          if (h < 0 || h >= g.H || w < 0 || w >= g.W) { ++bad; continue; }
          dxi[origin + cells.offset[a] + c] += dy[out + c];
        }
      }
    }
  }
  return bad;
}

void avg_backward(const PoolGeometry& g, const float* dy, float* dx, index_t n0, index_t n1) {
  const index_t C = g.C, image = g.H * g.W * C;
  for (index_t n = n0; n < n1; ++n) {
    float* dxi = dx + n * image;
    zero_image(dxi, image);
    for (index_t oh = 0; oh < g.OH; ++oh) {
      const Span hs = window_span(oh, g.sh, g.pad_top, g.kh, g.H);
      for (index_t ow = 0; ow < g.OW; ++ow) {
        const Span ws = window_span(ow, g.sw, g.pad_left, g.kw, g.W);
        const vf count = vset1(static_cast<float>((hs.end - hs.begin) * (ws.end - ws.begin)));
        const float* dyp = dy + ((n * g.OH + oh) * g.OW + ow) * C;
        for (index_t c0 = 0; c0 < C; c0 += W) {
          const int k = C - c0 < W ? static_cast<int>(C - c0) : W;
          const vf share = vdiv(ld(dyp + c0, k), count);
          for (index_t h = hs.begin; h < hs.end; ++h) {
            float* p = dxi + (h * g.W + ws.begin) * C + c0;
            for (index_t w = ws.begin; w < ws.end; ++w, p += C) st(p, vadd(ld(p, k), share), k);
          }
        }
      }
    }
  }
}

}  // namespace

extern const PoolKernels pool_kernels = {&max_forward, &avg_forward, &max_backward, &avg_backward};

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

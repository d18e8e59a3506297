// pool_impl.h — per-ISA pooling kernels (see pool.h). Vectorised over channels (C is contiguous in NHWC): each
// output pixel loads W channels of every valid window cell. For C < W (LeNet pools 6 channels) the partial
// vector is loaded and stored whole where that stays inside the buffer and the extra lanes land on cells this
// thread writes later anyway ("spill" stores, in increasing address order); masked moves only at range ends.
// Backward kernels own whole images, so overlapping windows never race and always add in the same order
// (bitwise equal results for any thread count).
#pragma once
#include <limits>

#include "pool.h"

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace {

// k lanes at p: a full load when k == W or when the W lanes still lie inside the buffer ending at `end`.
static FASTNN_INLINE vf ld(const float* p, int k, const float* end) {
  return (k == W || p + W <= end) ? vload(p) : vload_n(p, k);
}
static FASTNN_INLINE vf ld_i32(const std::int32_t* p, int k, const std::int32_t* end) {
  return (k == W || p + W <= end) ? vload_i32(p) : vload_i32_n(p, k);
}
// Stores k lanes; `spill` allows writing all W lanes (the extra ones are rewritten later by the same thread).
static FASTNN_INLINE void st(float* p, vf x, int k, bool spill) {
  if (k == W || spill) vstore(p, x); else vstore_n(p, x, k);
}
static FASTNN_INLINE void st_i32(std::int32_t* p, vf x, int k, bool spill) {
  if (k == W || spill) vstore_i32(p, x); else vstore_i32_n(p, x, k);
}
// (a == b) ? x : y, lane-wise, from the two ordered comparisons simd.h provides.
static FASTNN_INLINE vf vselect_eq(vf a, vf b, vf x, vf y) { return vselect_lt(a, b, y, vselect_gt(a, b, y, x)); }

// One window axis: origin (negative when it starts in padding) and the valid input range [begin, end).
struct Span {
  index_t origin, begin, end;
};
static FASTNN_INLINE Span window_span(index_t o, int stride, int pad, int k, index_t size) {
  const index_t origin = o * stride - pad;
  return Span{origin, origin > 0 ? origin : 0, origin + k < size ? origin + k : size};
}

// Forward over output rows [row0, row1) of the flattened N·OH rows. kMax: max (with argmax if non-null) or mean.
template <bool kMax, bool kArgmax>
void forward_rows(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax, index_t row0,
                  index_t row1) {
  const index_t C = g.C;
  const float* x_end = x + g.N * g.H * g.W * C;
  const vf neg_inf = vset1(-std::numeric_limits<float>::infinity());
  const index_t out_end = row1 * g.OW * C;
  for (index_t r = row0; r < row1; ++r) {
    const index_t n = r / g.OH, oh = r % g.OH;
    const Span hs = window_span(oh, g.sh, g.pad_top, g.kh, g.H);
    const float* img = x + n * g.H * g.W * C;
    const bool rows_whole = hs.begin == hs.origin && hs.end == hs.origin + g.kh;
    for (index_t ow = 0; ow < g.OW; ++ow) {
      const Span ws = window_span(ow, g.sw, g.pad_left, g.kw, g.W);
      const index_t out = (r * g.OW + ow) * C;
      // Common case first: one channel vector (C <= W) and a window entirely inside the image.
      if (C <= W && rows_whole && ws.begin == ws.origin && ws.end == ws.origin + g.kw &&
          img + ((hs.end - 1) * g.W + ws.end - 1) * C + W <= x_end) {
        const float* p0 = img + (hs.begin * g.W + ws.begin) * C;
        vf acc = kMax ? neg_inf : vzero(), best_cell = vzero();
        float cell = 0.f;
        for (int i = 0; i < g.kh; ++i) {
          const float* p = p0 + i * g.W * C;
          for (int j = 0; j < g.kw; ++j, p += C, cell += 1.f) {
            const vf v = vload(p);
            if (kArgmax) best_cell = vselect_gt(v, acc, vset1(cell), best_cell);
            acc = kMax ? vmax(v, acc) : vadd(acc, v);
          }
        }
        const int k = static_cast<int>(C);
        const bool spill = out + W <= out_end;
        st(y + out, kMax ? acc : vdiv(acc, vset1(static_cast<float>(g.kh * g.kw))), k, spill);
        if (kArgmax) st_i32(argmax + out, best_cell, k, spill);
        continue;
      }
      const float first_cell = static_cast<float>((hs.begin - hs.origin) * g.kw + (ws.begin - ws.origin));
      const vf count = vset1(static_cast<float>((hs.end - hs.begin) * (ws.end - ws.begin)));
      for (index_t c0 = 0; c0 < C; c0 += W) {
        const int k = C - c0 < W ? static_cast<int>(C - c0) : W;
        // Max: strictly-greater updates keep the first maximum; vmax(v, best) keeps best when v is NaN.
        vf acc = kMax ? neg_inf : vzero();
        vf best_cell = vset1(first_cell);
        for (index_t h = hs.begin; h < hs.end; ++h) {
          const float* p = img + (h * g.W + ws.begin) * C + c0;
          float cell = static_cast<float>((h - hs.origin) * g.kw + (ws.begin - ws.origin));
          for (index_t w = ws.begin; w < ws.end; ++w, p += C, cell += 1.f) {
            const vf v = ld(p, k, x_end);
            if (kArgmax) best_cell = vselect_gt(v, acc, vset1(cell), best_cell);
            acc = kMax ? vmax(v, acc) : vadd(acc, v);
          }
        }
        // Whole-vector stores while all W lanes fall on outputs this thread writes later.
        const bool spill = out + c0 + W <= out_end;
        st(y + out + c0, kMax ? acc : vdiv(acc, count), k, spill);
        if (kArgmax) st_i32(argmax + out + c0, best_cell, k, spill);
      }
    }
  }
}

void max_forward(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax, index_t row0,
                 index_t row1) {
  if (argmax) forward_rows<true, true>(g, x, y, argmax, row0, row1);
  else forward_rows<true, false>(g, x, y, nullptr, row0, row1);
}

void avg_forward(const PoolGeometry& g, const float* x, float* y, index_t row0, index_t row1) {
  forward_rows<false, false>(g, x, y, nullptr, row0, row1);
}

void zero_image(float* p, index_t len) {
  const vf z = vzero();
  index_t i = 0;
  for (; i + W <= len; i += W) vstore(p + i, z);
  for (; i < len; ++i) p[i] = 0.f;
}

// Windows that tile the input side by side (kh == sh, kw == sw): every input cell gets at most one value, so dx
// is written (not accumulated) with whole vectors. kMax: dy goes to the cell equal to argmax, else dy/count to
// every valid cell. Returns the number of argmax entries that matched no valid cell of their window.
template <bool kMax>
index_t backward_tiled(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, float* dx, index_t n0,
                       index_t n1) {
  const index_t C = g.C, image = g.H * g.W * C, out_size = g.N * g.OH * g.OW * C;
  const float* dy_end = dy + out_size;
  const std::int32_t* argmax_end = argmax + out_size;
  // Cells outside every window (VALID leftovers at the bottom/right) stay zero.
  const bool covers_all = g.OH * g.kh - g.pad_top >= g.H && g.OW * g.kw - g.pad_left >= g.W;
  const index_t covered_w = g.OW * g.kw - g.pad_left < g.W ? g.OW * g.kw - g.pad_left : g.W;
  const bool single_chunk = C <= W;
  float one_lanes[W];
  for (int l = 0; l < W; ++l) one_lanes[l] = 1.f;
  const int k_last = static_cast<int>(C % W == 0 ? W : C % W);
  const vf one = vset1(1.f), zero = vzero(), last_lanes = vload_n(one_lanes, k_last);
  vf mismatches = vzero();
  for (index_t n = n0; n < n1; ++n) {
    float* dxi = dx + n * image;
    if (!covers_all) zero_image(dxi, image);
    for (index_t oh = 0; oh < g.OH; ++oh) {
      const Span hs = window_span(oh, g.sh, g.pad_top, g.kh, g.H);
      const bool rows_whole = hs.begin == hs.origin && hs.end == hs.origin + g.kh;
      for (index_t ow = 0; ow < g.OW; ++ow) {
        const Span ws = window_span(ow, g.sw, g.pad_left, g.kw, g.W);
        const index_t out = ((n * g.OH + oh) * g.OW + ow) * C;
        // Common case first: one channel vector and a window entirely inside the image. All its cells are
        // valid, so an argmax entry is valid iff it lies in [0, kh*kw).
        if (single_chunk && rows_whole && ws.begin == ws.origin && ws.end == ws.origin + g.kw &&
            out + W <= out_size) {
          const int k = static_cast<int>(C);
          const vf d = vload(dy + out);
          const vf a = kMax ? vload_i32(argmax + out) : zero;
          const vf share = kMax ? zero : vdiv(d, vset1(static_cast<float>(g.kh * g.kw)));
          vf cell = zero;
          for (int i = 0; i < g.kh; ++i) {
            float* p = dxi + ((hs.begin + i) * g.W + ws.begin) * C;
            float* const row_end = dxi + ((hs.begin + i) * g.W + covered_w) * C;
            for (int j = 0; j < g.kw; ++j, p += C, cell = vadd(cell, one))
              st(p, kMax ? vselect_eq(a, cell, d, zero) : share, k, p + W <= row_end);
          }
          if (kMax) {
            const vf out_of_window = vselect_lt(a, zero, one, vselect_gt(a, vsub(cell, one), one, zero));
            mismatches = vadd(mismatches, vmul(out_of_window, last_lanes));
          }
          continue;
        }
        const vf count = vset1(static_cast<float>((hs.end - hs.begin) * (ws.end - ws.begin)));
        for (index_t c0 = 0; c0 < C; c0 += W) {
          const int k = C - c0 < W ? static_cast<int>(C - c0) : W;
          const vf d = ld(dy + out + c0, k, dy_end);
          const vf a = kMax ? ld_i32(argmax + out + c0, k, argmax_end) : zero;
          const vf share = kMax ? zero : vdiv(d, count);
          vf matched = zero;
          for (index_t h = hs.begin; h < hs.end; ++h) {
            float* p = dxi + (h * g.W + ws.begin) * C + c0;
            vf cell = vset1(static_cast<float>((h - hs.origin) * g.kw + (ws.begin - ws.origin)));
            for (index_t w = ws.begin; w < ws.end; ++w, p += C, cell = vadd(cell, one)) {
              // With one channel vector per cell (C <= W), the extra lanes of a partial vector fall on the next
              // cells of this image row, written later (by this window or the next ones) as long as they stay
              // before the row's last covered cell. (With several vectors per cell the earlier chunks of the
              // next cell are already written, so the tail chunk is masked.)
              const bool spill = single_chunk && p + W <= dxi + (h * g.W + covered_w) * C;
              if (kMax) {
                st(p, vselect_eq(a, cell, d, zero), k, spill);
                matched = vadd(matched, vselect_eq(a, cell, one, zero));
              } else {
                st(p, share, k, spill);
              }
            }
          }
          if (kMax) mismatches = vadd(mismatches, vmul(vabs(vsub(matched, one)), k == W ? one : last_lanes));
        }
      }
    }
  }
  return static_cast<index_t>(vhsum(mismatches) + 0.5f);
}

// General case (overlapping or gapped windows): scalar scatter-add through the argmax, per image.
index_t max_backward_scatter(const PoolGeometry& g, const float* dy, const std::int32_t* argmax,
                             const PoolCellTable& cells, float* dx, index_t n0, index_t n1) {
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

bool windows_tile(const PoolGeometry& g) { return g.kh == g.sh && g.kw == g.sw; }

index_t max_backward(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, const PoolCellTable& cells,
                     float* dx, index_t n0, index_t n1) {
  if (windows_tile(g)) return backward_tiled<true>(g, dy, argmax, dx, n0, n1);
  return max_backward_scatter(g, dy, argmax, cells, dx, n0, n1);
}

void avg_backward(const PoolGeometry& g, const float* dy, float* dx, index_t n0, index_t n1) {
  if (windows_tile(g)) {
    backward_tiled<false>(g, dy, nullptr, dx, n0, n1);
    return;
  }
  const index_t C = g.C, image = g.H * g.W * C;
  const float* dy_end = dy + g.N * g.OH * g.OW * C;
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
          const vf share = vdiv(ld(dyp + c0, k, dy_end), count);
          for (index_t h = hs.begin; h < hs.end; ++h) {
            float* p = dxi + (h * g.W + ws.begin) * C + c0;
            // Accumulating: masked read-modify-write, never a spill (it would add garbage to the next cell).
            for (index_t w = ws.begin; w < ws.end; ++w, p += C) st(p, vadd(ld(p, k, p), share), k, false);
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

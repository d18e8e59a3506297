// pool.h — 2-D max and average pooling, NHWC, forward and backward (tf.nn.max_pool2d / tf.nn.avg_pool2d).
//
// Shape legend: x[N, H, W, C] input, y[N, OH, OW, C] output, window kh×kw, strides sh×sw.
//   VALID: OH = ceil((H - kh + 1) / sh) (0 when kh > H: empty output, like TF), no padding.
//   SAME:  OH = ceil(H / sh), pad_total = max((OH-1)*sh + kh - H, 0), pad_top = pad_total / 2 (TF's placement:
//          the odd cell goes at the bottom/right). Padded cells never count: max ignores them, avg divides by the
//          number of valid cells.
// Max pooling picks the FIRST maximum in row-major window order (strictly-greater update, as TF's CPU kernel);
// NaN inputs are skipped (never selected), so a window holding only NaN/padding gives -inf.
// argmax[N, OH, OW, C] (int32) = index of the chosen cell inside the kh×kw window, i*kw + j (padding counted).
#pragma once
#include "common.h"

namespace fastnn {

struct PoolGeometry {
  index_t N = 0, H = 0, W = 0, C = 0, OH = 0, OW = 0;
  int kh = 1, kw = 1, sh = 1, sw = 1, pad_top = 0, pad_left = 0;
};

// Output size and padding for the given input, window, strides and padding mode (same = true for 'SAME').
PoolGeometry pool_geometry(index_t N, index_t H, index_t W, index_t C, int kh, int kw, int sh, int sw, bool same);

// y = max over each window; argmax may be null.
void max_pool2d(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax);
void avg_pool2d(const PoolGeometry& g, const float* x, float* y);

// dx[N,H,W,C] (overwritten) = dy routed to the argmax cell of each window, summed over overlapping windows.
// Returns the number of argmax entries that were out of range or pointed at a padded cell (skipped): 0 when
// argmax came from max_pool2d with the same geometry.
index_t max_pool2d_grad_from_argmax(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, float* dx);
// The same, recomputing the argmax from x.
void max_pool2d_grad(const PoolGeometry& g, const float* x, const float* dy, float* dx);
// dx (overwritten) = dy / (valid cells of the window), spread over each window's valid cells.
void avg_pool2d_grad(const PoolGeometry& g, const float* dy, float* dx);

// Per-ISA kernels. Forward kernels write output rows [row0, row1) of the flattened (N·OH) row index; backward
// kernels overwrite whole images [n0, n1) of dx (one image per thread: overlapping windows never race).
struct PoolCellTable {        // for window cell k = i*kw + j:
  const std::int32_t* row;    // i
  const std::int32_t* col;    // j
  const index_t* offset;      // (i*W + j)*C, its offset from the window origin in an input image
};

struct PoolKernels {
  void (*max_forward)(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax, index_t row0,
                      index_t row1);
  void (*avg_forward)(const PoolGeometry& g, const float* x, float* y, index_t row0, index_t row1);
  index_t (*max_backward)(const PoolGeometry& g, const float* dy, const std::int32_t* argmax,
                          const PoolCellTable& cells, float* dx, index_t n0, index_t n1);
  void (*avg_backward)(const PoolGeometry& g, const float* dy, float* dx, index_t n0, index_t n1);
};

}  // namespace fastnn

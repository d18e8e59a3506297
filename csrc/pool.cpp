// pool.cpp — pooling drivers: geometry, one parallel region per call (forward: output rows; backward: images).
#include "pool.h"

#include <memory>
#include <vector>

#include "dispatch.h"
#include "parallel.h"

FASTNN_DECLARE_PER_ISA(fastnn::PoolKernels, pool_kernels)

namespace fastnn {
namespace {

void axis_geometry(index_t in, int k, int s, bool same, index_t* out, int* pad_before) {
  if (same) {
    *out = (in + s - 1) / s;
    const index_t total = (*out - 1) * s + k - in;
    *pad_before = total > 0 ? static_cast<int>(total / 2) : 0;
  } else {
    *out = in >= k ? (in - k) / s + 1 : 0;
    *pad_before = 0;
  }
}

}  // namespace

PoolGeometry pool_geometry(index_t N, index_t H, index_t W, index_t C, int kh, int kw, int sh, int sw, bool same) {
  PoolGeometry g;
  g.N = N; g.H = H; g.W = W; g.C = C;
  g.kh = kh; g.kw = kw; g.sh = sh; g.sw = sw;
  axis_geometry(H, kh, sh, same, &g.OH, &g.pad_top);
  axis_geometry(W, kw, sw, same, &g.OW, &g.pad_left);
  return g;
}

void max_pool2d(const PoolGeometry& g, const float* x, float* y, std::int32_t* argmax) {
  const PoolKernels& k = FASTNN_SELECT(pool_kernels);
  parallel_for(g.N * g.OH, g.OW * g.kh * g.kw * g.C,
               [&](index_t r0, index_t r1) { k.max_forward(g, x, y, argmax, r0, r1); });
}

void avg_pool2d(const PoolGeometry& g, const float* x, float* y) {
  const PoolKernels& k = FASTNN_SELECT(pool_kernels);
  parallel_for(g.N * g.OH, g.OW * g.kh * g.kw * g.C,
               [&](index_t r0, index_t r1) { k.avg_forward(g, x, y, r0, r1); });
}

index_t max_pool2d_grad_from_argmax(const PoolGeometry& g, const float* dy, const std::int32_t* argmax, float* dx) {
  const PoolKernels& k = FASTNN_SELECT(pool_kernels);
  const int cells = g.kh * g.kw;
  std::vector<std::int32_t> row(cells), col(cells);
  std::vector<index_t> offset(cells);
  for (int c = 0; c < cells; ++c) {
    row[c] = c / g.kw;
    col[c] = c % g.kw;
    offset[c] = (row[c] * g.W + col[c]) * g.C;
  }
  const PoolCellTable table{row.data(), col.data(), offset.data()};
  const index_t work = g.H * g.W * g.C + g.OH * g.OW * g.C;
  const int nt = threads_for(g.N * work, g.N);
  // Sized by nt, not a second num_threads() read: set_num_threads from another thread could change it.
  std::vector<index_t> bad_per_thread(nt, 0);  // skipped entries, per thread
  InterruptScope* irq = current_interrupt();
  parallel_region(nt, [&](int tid, int nth) {
    index_t n0, n1;
    split_range(g.N, tid, nth, &n0, &n1);
    if (n0 < n1)
      for_each_piece(irq, n0, n1, work, [&](index_t b, index_t e) {
        bad_per_thread[tid] += k.max_backward(g, dy, argmax, table, dx, b, e);
      });
  });
  index_t total = 0;
  for (index_t b : bad_per_thread) total += b;
  return total;
}

void max_pool2d_grad(const PoolGeometry& g, const float* x, const float* dy, float* dx) {
  // Scratch for the recomputed forward; new[] without () leaves it uninitialised (every element is written).
  const size_t outputs = static_cast<size_t>(g.N * g.OH * g.OW * g.C);
  std::unique_ptr<std::int32_t[]> argmax(new std::int32_t[outputs]);
  std::unique_ptr<float[]> y(new float[outputs]);
  max_pool2d(g, x, y.get(), argmax.get());
  if (interrupted(current_interrupt())) return;
  max_pool2d_grad_from_argmax(g, dy, argmax.get(), dx);
}

void avg_pool2d_grad(const PoolGeometry& g, const float* dy, float* dx) {
  const PoolKernels& k = FASTNN_SELECT(pool_kernels);
  const index_t work = g.H * g.W * g.C + g.OH * g.OW * g.kh * g.kw * g.C;
  parallel_for(g.N, work, [&](index_t n0, index_t n1) { k.avg_backward(g, dy, dx, n0, n1); });
}

}  // namespace fastnn

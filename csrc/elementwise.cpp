// elementwise.cpp — driver of the elementwise family: threading and the deterministic column-sum layout.
#include "elementwise.h"

#include <vector>

#include "dispatch.h"
#include "parallel.h"

FASTNN_DECLARE_PER_ISA(fastnn::ElementwiseKernels, elementwise_kernels)

namespace fastnn {
namespace {

// Work units per element, so cheap ops (relu) need more elements than exp/tanh before threads pay off.
index_t unary_cost(Unary op) { return (op == Unary::relu || op == Unary::leaky_relu) ? 1 : 8; }

// Elementwise ranges are split into multiples of 64 floats (between threads and into interruptible pieces), so
// every range starts on a vector boundary.
template <class F>
void split_elements(index_t n, index_t cost, F&& fn) {
  const index_t blocks = (n + 63) / 64;
  parallel_for(blocks, 64 * cost, [&](index_t b, index_t e) {
    b *= 64;
    e = e * 64 < n ? e * 64 : n;
    if (b < e) fn(b, e);
  });
}

// Rows per column-sum chunk: depends on `rows` only (never on the thread count), at most 64 chunks.
index_t colsum_chunk_rows(index_t rows) {
  const index_t by_count = (rows + 63) / 64;
  return by_count > 32 ? by_count : 32;
}

}  // namespace

void unary(Unary op, const float* x, float* y, index_t n, float alpha) {
  const ElementwiseKernels& k = FASTNN_SELECT(elementwise_kernels);
  split_elements(n, unary_cost(op), [&](index_t b, index_t e) { k.unary(op, alpha, x + b, y + b, e - b); });
}

void unary_grad(Unary op, const float* dy, const float* xy, float* dx, index_t n, float alpha) {
  const ElementwiseKernels& k = FASTNN_SELECT(elementwise_kernels);
  const index_t cost = op >= Unary::gelu ? unary_cost(op) : 1;  // the Keras activations' derivatives need exp/erf
  split_elements(n, cost, [&](index_t b, index_t e) { k.unary_grad(op, alpha, dy + b, xy + b, dx + b, e - b); });
}

void softmax(const float* x, float* y, index_t rows, index_t n) {
  const ElementwiseKernels& k = FASTNN_SELECT(elementwise_kernels);
  parallel_for(rows, n * 8, [&](index_t b, index_t e) { k.softmax_rows(x + b * n, y + b * n, e - b, n); });
}

void softmax_grad(const float* dy, const float* y, float* dx, index_t rows, index_t n) {
  const ElementwiseKernels& k = FASTNN_SELECT(elementwise_kernels);
  parallel_for(rows, n * 2, [&](index_t b, index_t e) {
    k.softmax_grad_rows(dy + b * n, y + b * n, dx + b * n, e - b, n);
  });
}

// Fixed row chunks → one partial column sum each (threads take whole chunks) → partials added in chunk order.
void dense_activation_grad(Act act, float alpha, const float* dy, const float* y, index_t rows, index_t n,
                           float* dz, float* db) {
  const ElementwiseKernels& k = FASTNN_SELECT(elementwise_kernels);
  if (rows == 0 || n == 0) {
    for (index_t j = 0; db && j < n; ++j) db[j] = 0.f;
    return;
  }
  const index_t chunk = colsum_chunk_rows(rows), nchunks = (rows + chunk - 1) / chunk;
  std::vector<float> partial(size_t(nchunks * n));
  parallel_for(nchunks, chunk * n * 2, [&](index_t c0, index_t c1) {
    for (index_t c = c0; c < c1; ++c) {
      const index_t r0 = c * chunk, r1 = r0 + chunk < rows ? r0 + chunk : rows;
      k.act_grad_colsum(act, alpha, dy + r0 * n, y ? y + r0 * n : nullptr, dz ? dz + r0 * n : nullptr,
                        partial.data() + c * n, r1 - r0, n);
    }
  });
  if (interrupted(current_interrupt())) return;
  if (db) {
    DenormalGuard guard;
    k.act_grad_colsum(Act::linear, 0.f, partial.data(), nullptr, nullptr, db, nchunks, n);
  }
}

void bias_grad(const float* dy, index_t rows, index_t n, float* db) {
  dense_activation_grad(Act::linear, 0.f, dy, nullptr, rows, n, nullptr, db);
}

}  // namespace fastnn

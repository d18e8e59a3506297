// embedding.cpp — embedding drivers: the forward is a parallel row copy; the backward groups positions by index
// (a stable counting sort, serial) and then sums each table row on one thread, in position order, so the result
// does not depend on the thread count. Each call opens one region.
#include "embedding.h"

#include <vector>

#include "dispatch.h"
#include "parallel.h"

FASTNN_DECLARE_PER_ISA(fastnn::EmbeddingKernels, embedding_kernels)

namespace fastnn {

index_t embedding_first_bad_index(index_t N, const std::int64_t* idx, index_t V) {
  for (index_t n = 0; n < N; ++n)
    if (idx[n] < 0 || idx[n] >= V) return n;
  return -1;
}

void embedding_forward(index_t N, index_t V, index_t D, const float* table, const std::int64_t* idx, float* out) {
  (void)V;
  const EmbeddingKernels& k = FASTNN_SELECT(embedding_kernels);
  parallel_for(N, D, [&](index_t n0, index_t n1) {
    for (index_t n = n0; n < n1; ++n) k.copy_row(table + idx[n] * D, out + n * D, D);
  });
}

void embedding_backward(index_t N, index_t V, index_t D, const std::int64_t* idx, const float* dy, float* dtable) {
  const EmbeddingKernels& k = FASTNN_SELECT(embedding_kernels);
  // start[v] .. start[v + 1]: where index v's positions sit in `pos`, ascending (a stable counting sort).
  std::vector<index_t> start(static_cast<size_t>(V + 1), 0), pos(static_cast<size_t>(N));
  for (index_t n = 0; n < N; ++n) ++start[idx[n] + 1];
  for (index_t v = 0; v < V; ++v) start[v + 1] += start[v];
  {
    std::vector<index_t> fill(start.begin(), start.end() - 1);
    for (index_t n = 0; n < N; ++n) pos[fill[idx[n]]++] = n;
  }
  // Rows split evenly among threads (work per row: its D floats plus ~N/V gradient rows on average).
  const index_t per_row = D + (V > 0 ? (N * D) / V : 0);
  parallel_for(V, per_row, [&](index_t v0, index_t v1) {
    for (index_t v = v0; v < v1; ++v)
      k.sum_rows(dy, pos.data() + start[v], start[v + 1] - start[v], dtable + v * D, D);
  });
}

}  // namespace fastnn

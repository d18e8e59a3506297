// embedding.h — embedding lookup (Keras' Embedding, tf.gather on axis 0 of a [V, D] table) and its gradient.
//
// Forward: out[n, :] = table[idx[n], :] for N indices, each a row copy of D floats (parallel over n).
// Backward: dtable[v, :] = Σ_{n : idx[n] = v} dy[n, :], the sum taken in ascending n. Determinism: the positions
// are first grouped by index with a stable counting sort (serial, O(N + V)); then each table row is summed by
// exactly one thread in that fixed order, and rows no index names are zeroed. So 1 and N threads give bitwise
// identical results (the same sums np.add.at forms).
//
// Indices must be in [0, V): embedding_first_bad_index finds the first that is not, and the bindings raise
// before any kernel reads the table (never a silent out-of-bounds read).
#pragma once
#include "common.h"

namespace fastnn {

// The position of the first index outside [0, V), or -1 when all are in range.
index_t embedding_first_bad_index(index_t N, const std::int64_t* idx, index_t V);

// out (N×D) = rows of table (V×D) picked by idx (N, all in [0, V)).
void embedding_forward(index_t N, index_t V, index_t D, const float* table, const std::int64_t* idx, float* out);

// dtable (V×D, overwritten) = dy (N×D) rows summed per index (ascending position within each row).
void embedding_backward(index_t N, index_t V, index_t D, const std::int64_t* idx, const float* dy, float* dtable);

// Per-ISA row kernels.
struct EmbeddingKernels {
  void (*copy_row)(const float* src, float* dst, index_t D);  // dst = src
  // dst = Σ_j rows[pos[j]] for j in [0, count) (in that order), each row D floats at rows + pos[j]·D
  void (*sum_rows)(const float* rows, const index_t* pos, index_t count, float* dst, index_t D);
};

}  // namespace fastnn

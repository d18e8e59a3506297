// embedding_impl.h — per-ISA embedding row kernels (see embedding.h): vector copies, and the per-table-row sum of
// gradient rows in a fixed (ascending position) order. A partial last vector uses masked loads/stores.
#pragma once
#include "embedding.h"

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace {

static FASTNN_INLINE vf ld(const float* p, int k) { return k == W ? vload(p) : vload_n(p, k); }
static FASTNN_INLINE void st(float* p, vf v, int k) {
  if (k == W) vstore(p, v); else vstore_n(p, v, k);
}

void copy_row(const float* src, float* dst, index_t D) {
  index_t d = 0;
  for (; d + 4 * W <= D; d += 4 * W) {
    const vf a = vload(src + d), b = vload(src + d + W), c = vload(src + d + 2 * W), e = vload(src + d + 3 * W);
    vstore(dst + d, a);
    vstore(dst + d + W, b);
    vstore(dst + d + 2 * W, c);
    vstore(dst + d + 3 * W, e);
  }
  for (; d < D; d += W) {
    const int k = D - d < W ? static_cast<int>(D - d) : W;
    st(dst + d, ld(src + d, k), k);
  }
}

// Each lane's sum is 0 + row0 + row1 + ... in position order: the order np.add.at and a serial loop use.
void sum_rows(const float* rows, const index_t* pos, index_t count, float* dst, index_t D) {
  index_t d = 0;
  for (; d + 2 * W <= D; d += 2 * W) {
    vf a = vzero(), b = vzero();
    for (index_t j = 0; j < count; ++j) {
      const float* r = rows + pos[j] * D + d;
      a = vadd(a, vload(r));
      b = vadd(b, vload(r + W));
    }
    vstore(dst + d, a);
    vstore(dst + d + W, b);
  }
  for (; d < D; d += W) {
    const int k = D - d < W ? static_cast<int>(D - d) : W;
    vf a = vzero();
    for (index_t j = 0; j < count; ++j) a = vadd(a, ld(rows + pos[j] * D + d, k));
    st(dst + d, a, k);
  }
}

}  // namespace

extern const EmbeddingKernels embedding_kernels;
const EmbeddingKernels embedding_kernels = {&copy_row, &sum_rows};

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

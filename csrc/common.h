// common.h — types shared by every kernel family (no ISA-specific code here).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(_MSC_VER)
#define FASTNN_RESTRICT __restrict
#define FASTNN_INLINE __forceinline
#else
#define FASTNN_RESTRICT __restrict__
#define FASTNN_INLINE inline __attribute__((always_inline))
#endif

namespace fastnn {

using index_t = std::int64_t;

// Activations that can be fused into a GEMM/conv epilogue and differentiated from their output.
enum class Act : int { linear = 0, relu = 1, leaky_relu = 2, sigmoid = 3, tanh = 4 };

// Applied to every output element after the accumulation: y = act(acc + bias[col]).
struct Epilogue {
  const float* bias = nullptr;  // length N (one per output column / channel), or null
  Act act = Act::linear;
  float alpha = 0.2f;           // leaky_relu negative slope
};

// memcpy / memset of n floats that accept an empty range with null pointers (an empty std::vector's data()):
// the libc calls are undefined for those even with a zero size.
inline void copy_floats(float* dst, const float* src, index_t n) {
  if (n > 0) std::memcpy(dst, src, sizeof(float) * static_cast<std::size_t>(n));
}
inline void zero_floats(float* dst, index_t n) {
  if (n > 0) std::memset(dst, 0, sizeof(float) * static_cast<std::size_t>(n));
}

}  // namespace fastnn

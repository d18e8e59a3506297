// simd.h — the one place where instruction sets differ.
//
// A kernel translation unit defines exactly one of FASTNN_TARGET_AVX512 / FASTNN_TARGET_AVX2 /
// FASTNN_TARGET_GENERIC, then includes this header and its family's *_impl.h. Everything here lives in
// namespace fastnn::FASTNN_ISA_NS (avx512 / avx2 / generic) so that inline functions compiled with
// different -m flags never merge across TUs (an AVX-512 copy chosen by the linker would SIGILL on AVX2).
//
// The API: a float vector `vf` of W lanes and free functions on it. Keep STL out of ISA code.
#pragma once
#include <cstdint>
#include <cstring>
#include "common.h"

#if defined(FASTNN_TARGET_AVX512)
#define FASTNN_ISA_NS avx512
#include <immintrin.h>
#elif defined(FASTNN_TARGET_AVX2)
#define FASTNN_ISA_NS avx2
#include <immintrin.h>
#elif defined(FASTNN_TARGET_GENERIC)
#define FASTNN_ISA_NS generic
#else
#error "define FASTNN_TARGET_AVX512, FASTNN_TARGET_AVX2 or FASTNN_TARGET_GENERIC before including simd.h"
#endif

namespace fastnn {
namespace FASTNN_ISA_NS {

#if defined(FASTNN_TARGET_AVX512)
// ---------------------------------------------------------------- AVX-512 (F/BW/DQ/VL): 16 lanes
using vf = __m512;
constexpr int W = 16;
static FASTNN_INLINE __mmask16 tail_mask(int n) { return (__mmask16)((1u << n) - 1u); }
static FASTNN_INLINE vf vload(const float* p) { return _mm512_loadu_ps(p); }
static FASTNN_INLINE void vstore(float* p, vf v) { _mm512_storeu_ps(p, v); }
static FASTNN_INLINE vf vload_n(const float* p, int n) { return _mm512_maskz_loadu_ps(tail_mask(n), p); }
static FASTNN_INLINE void vstore_n(float* p, vf v, int n) { _mm512_mask_storeu_ps(p, tail_mask(n), v); }
static FASTNN_INLINE vf vset1(float x) { return _mm512_set1_ps(x); }
static FASTNN_INLINE vf vzero() { return _mm512_setzero_ps(); }
static FASTNN_INLINE vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }    // a*b+c
static FASTNN_INLINE vf vfnma(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); }  // c-a*b
static FASTNN_INLINE vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
static FASTNN_INLINE vf vsub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static FASTNN_INLINE vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static FASTNN_INLINE vf vdiv(vf a, vf b) { return _mm512_div_ps(a, b); }
static FASTNN_INLINE vf vmax(vf a, vf b) { return _mm512_max_ps(a, b); }
static FASTNN_INLINE vf vmin(vf a, vf b) { return _mm512_min_ps(a, b); }
static FASTNN_INLINE vf vsqrt(vf a) { return _mm512_sqrt_ps(a); }
static FASTNN_INLINE vf vabs(vf a) { return _mm512_abs_ps(a); }
static FASTNN_INLINE vf vneg(vf a) { return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN))); }
// (a > b) ? x : y, and (a < b) ? x : y, lane-wise; NaN compares false.
static FASTNN_INLINE vf vselect_gt(vf a, vf b, vf x, vf y) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_GT_OQ), y, x); }
static FASTNN_INLINE vf vselect_lt(vf a, vf b, vf x, vf y) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), y, x); }
static FASTNN_INLINE vf vround(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
// x * 2^n for integer-valued n (any range: scalef saturates to 0/inf correctly).
static FASTNN_INLINE vf vscale2(vf x, vf n) { return _mm512_scalef_ps(x, n); }
// x * 2^n for integer-valued n when the result is a normal float (else undefined: callers patch those lanes).
static FASTNN_INLINE vf vscale2_normal(vf x, vf n) { return _mm512_scalef_ps(x, n); }
// sign bit of s copied onto |a|
static FASTNN_INLINE vf vcopysign(vf a, vf s) {
  const __m512i m = _mm512_set1_epi32(INT32_MIN);
  return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(a), _mm512_castps_si512(s), m, 0xD8));  // bit = m ? s : a
}
// x = m·2^e with m in [1, 2) and e returned as a float, for positive normal x (other inputs: garbage, callers
// patch them). Used by vlog.
static FASTNN_INLINE vf vfrexp(vf x, vf* e) {
  *e = _mm512_getexp_ps(x);
  return _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
}
static FASTNN_INLINE float vhsum(vf a) { return _mm512_reduce_add_ps(a); }
static FASTNN_INLINE float vhmax(vf a) { return _mm512_reduce_max_ps(a); }
// int32 <-> float lanes, for small integers (pooling's window-cell indices); float -> int truncates.
static FASTNN_INLINE vf vload_i32(const std::int32_t* p) { return _mm512_cvtepi32_ps(_mm512_loadu_si512(p)); }
static FASTNN_INLINE vf vload_i32_n(const std::int32_t* p, int n) { return _mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(tail_mask(n), p)); }
static FASTNN_INLINE void vstore_i32(std::int32_t* p, vf v) { _mm512_storeu_si512(p, _mm512_cvttps_epi32(v)); }
static FASTNN_INLINE void vstore_i32_n(std::int32_t* p, vf v, int n) { _mm512_mask_storeu_epi32(p, tail_mask(n), _mm512_cvttps_epi32(v)); }

#elif defined(FASTNN_TARGET_AVX2)
// ---------------------------------------------------------------- AVX2 + FMA: 8 lanes
using vf = __m256;
constexpr int W = 8;
static FASTNN_INLINE __m256i tail_mask(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static FASTNN_INLINE vf vload(const float* p) { return _mm256_loadu_ps(p); }
static FASTNN_INLINE void vstore(float* p, vf v) { _mm256_storeu_ps(p, v); }
static FASTNN_INLINE vf vload_n(const float* p, int n) { return _mm256_maskload_ps(p, tail_mask(n)); }
static FASTNN_INLINE void vstore_n(float* p, vf v, int n) { _mm256_maskstore_ps(p, tail_mask(n), v); }
static FASTNN_INLINE vf vset1(float x) { return _mm256_set1_ps(x); }
static FASTNN_INLINE vf vzero() { return _mm256_setzero_ps(); }
static FASTNN_INLINE vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static FASTNN_INLINE vf vfnma(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); }
static FASTNN_INLINE vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
static FASTNN_INLINE vf vsub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static FASTNN_INLINE vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static FASTNN_INLINE vf vdiv(vf a, vf b) { return _mm256_div_ps(a, b); }
static FASTNN_INLINE vf vmax(vf a, vf b) { return _mm256_max_ps(a, b); }
static FASTNN_INLINE vf vmin(vf a, vf b) { return _mm256_min_ps(a, b); }
static FASTNN_INLINE vf vsqrt(vf a) { return _mm256_sqrt_ps(a); }
static FASTNN_INLINE vf vabs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
static FASTNN_INLINE vf vneg(vf a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
static FASTNN_INLINE vf vselect_gt(vf a, vf b, vf x, vf y) { return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_GT_OQ)); }
static FASTNN_INLINE vf vselect_lt(vf a, vf b, vf x, vf y) { return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_LT_OQ)); }
static FASTNN_INLINE vf vround(vf a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
// x * 2^n for integer-valued n in [-252, 254]: two exponent-field multiplies avoid overflow of one.
static FASTNN_INLINE vf vscale2(vf x, vf n) {
  n = _mm256_max_ps(_mm256_min_ps(n, _mm256_set1_ps(254.f)), _mm256_set1_ps(-252.f));
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i h = _mm256_srai_epi32(ni, 1);
  const __m256i bias = _mm256_set1_epi32(127);
  const vf p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, bias), 23));
  const vf p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, h), bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(x, p1), p2);
}
// x * 2^n by adding n to the exponent field: valid only when the result is a normal float (callers patch the
// other lanes); 3 integer ops instead of vscale2's 10.
static FASTNN_INLINE vf vscale2_normal(vf x, vf n) {
  const __m256i e = _mm256_slli_epi32(_mm256_cvtps_epi32(n), 23);
  return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(x), e));
}
static FASTNN_INLINE vf vcopysign(vf a, vf s) {
  const vf m = _mm256_set1_ps(-0.0f);
  return _mm256_or_ps(_mm256_andnot_ps(m, a), _mm256_and_ps(m, s));
}
static FASTNN_INLINE vf vfrexp(vf x, vf* e) {
  const __m256i bits = _mm256_castps_si256(x);
  *e = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
  return _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
                                             _mm256_set1_epi32(0x3f800000)));
}
static FASTNN_INLINE float vhsum(vf a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static FASTNN_INLINE float vhmax(vf a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static FASTNN_INLINE vf vload_i32(const std::int32_t* p) { return _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
static FASTNN_INLINE vf vload_i32_n(const std::int32_t* p, int n) { return _mm256_cvtepi32_ps(_mm256_maskload_epi32(reinterpret_cast<const int*>(p), tail_mask(n))); }
static FASTNN_INLINE void vstore_i32(std::int32_t* p, vf v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm256_cvttps_epi32(v)); }
static FASTNN_INLINE void vstore_i32_n(std::int32_t* p, vf v, int n) { _mm256_maskstore_epi32(reinterpret_cast<int*>(p), tail_mask(n), _mm256_cvttps_epi32(v)); }

#else
// ---------------------------------------------------------------- portable: GCC/Clang vector extensions,
// 4 lanes (SSE2 on x86-64, NEON on aarch64, scalar code elsewhere).
typedef float vf __attribute__((vector_size(16)));
typedef std::int32_t vi __attribute__((vector_size(16)));
constexpr int W = 4;
static FASTNN_INLINE vf vload(const float* p) { vf v; std::memcpy(&v, p, sizeof v); return v; }
static FASTNN_INLINE void vstore(float* p, vf v) { std::memcpy(p, &v, sizeof v); }
static FASTNN_INLINE vf vload_n(const float* p, int n) { vf v = {0, 0, 0, 0}; std::memcpy(&v, p, sizeof(float) * n); return v; }
static FASTNN_INLINE void vstore_n(float* p, vf v, int n) { std::memcpy(p, &v, sizeof(float) * n); }
static FASTNN_INLINE vf vset1(float x) { return vf{x, x, x, x}; }
static FASTNN_INLINE vf vzero() { return vf{0, 0, 0, 0}; }
static FASTNN_INLINE vf vfma(vf a, vf b, vf c) { return a * b + c; }
static FASTNN_INLINE vf vfnma(vf a, vf b, vf c) { return c - a * b; }
static FASTNN_INLINE vf vadd(vf a, vf b) { return a + b; }
static FASTNN_INLINE vf vsub(vf a, vf b) { return a - b; }
static FASTNN_INLINE vf vmul(vf a, vf b) { return a * b; }
static FASTNN_INLINE vf vdiv(vf a, vf b) { return a / b; }
static FASTNN_INLINE vf vselect_gt(vf a, vf b, vf x, vf y) { return (a > b) ? x : y; }
static FASTNN_INLINE vf vselect_lt(vf a, vf b, vf x, vf y) { return (a < b) ? x : y; }
// max/min follow x86 semantics (second operand when either is NaN) so all paths agree on NaN handling.
static FASTNN_INLINE vf vmax(vf a, vf b) { return (a > b) ? a : b; }
static FASTNN_INLINE vf vmin(vf a, vf b) { return (a < b) ? a : b; }
static FASTNN_INLINE vf vsqrt(vf a) { vf r; for (int i = 0; i < W; ++i) r[i] = __builtin_sqrtf(a[i]); return r; }
static FASTNN_INLINE vf vabs(vf a) { vi b; std::memcpy(&b, &a, 16); b &= 0x7fffffff; vf r; std::memcpy(&r, &b, 16); return r; }
static FASTNN_INLINE vf vneg(vf a) { return -a; }
static FASTNN_INLINE vf vround(vf a) { vf r; for (int i = 0; i < W; ++i) r[i] = __builtin_nearbyintf(a[i]); return r; }
static FASTNN_INLINE vf vscale2(vf x, vf n) {
  vf r;
  for (int i = 0; i < W; ++i) {
    float ni = n[i] < -252.f ? -252.f : (n[i] > 254.f ? 254.f : n[i]);
    int k = (int)ni, h = k >> 1;
    std::uint32_t b1 = (std::uint32_t)(h + 127) << 23, b2 = (std::uint32_t)(k - h + 127) << 23;
    float p1, p2; std::memcpy(&p1, &b1, 4); std::memcpy(&p2, &b2, 4);
    r[i] = x[i] * p1 * p2;
  }
  return r;
}
static FASTNN_INLINE vf vscale2_normal(vf x, vf n) {
  vi b; std::memcpy(&b, &x, 16);
  b += __builtin_convertvector(n, vi) << 23;
  vf r; std::memcpy(&r, &b, 16);
  return r;
}
static FASTNN_INLINE vf vcopysign(vf a, vf s) { vf r; for (int i = 0; i < W; ++i) r[i] = __builtin_copysignf(a[i], s[i]); return r; }
static FASTNN_INLINE vf vfrexp(vf x, vf* e) {
  vi b; std::memcpy(&b, &x, 16);
  *e = __builtin_convertvector(((b >> 23) & 0xff) - 127, vf);
  b = (b & 0x007fffff) | 0x3f800000;
  vf m; std::memcpy(&m, &b, 16);
  return m;
}
static FASTNN_INLINE float vhsum(vf a) { return (a[0] + a[2]) + (a[1] + a[3]); }
static FASTNN_INLINE float vhmax(vf a) { float m = a[0]; for (int i = 1; i < W; ++i) m = a[i] > m ? a[i] : m; return m; }
static FASTNN_INLINE vf vload_i32_n(const std::int32_t* p, int n) { vf r = {0, 0, 0, 0}; for (int i = 0; i < n; ++i) r[i] = (float)p[i]; return r; }
static FASTNN_INLINE vf vload_i32(const std::int32_t* p) { return vload_i32_n(p, W); }
static FASTNN_INLINE void vstore_i32_n(std::int32_t* p, vf v, int n) { for (int i = 0; i < n; ++i) p[i] = (std::int32_t)v[i]; }
static FASTNN_INLINE void vstore_i32(std::int32_t* p, vf v) { vstore_i32_n(p, v, W); }
#endif

#if defined(FASTNN_TARGET_AVX512) || defined(FASTNN_TARGET_AVX2)
// 8×8 float transpose on ymm registers (both x86 paths have AVX2): row r of the 8×8 block at src (row stride
// lds) becomes row r of dst (row stride ldd) holding column r of the source. 24 shuffles for 64 floats instead
// of 64 scalar moves (GEMM packing of a transposed operand).
static FASTNN_INLINE void transpose8x8(const float* src, index_t lds, float* dst, index_t ldd) {
  const __m256 r0 = _mm256_loadu_ps(src + 0 * lds), r1 = _mm256_loadu_ps(src + 1 * lds);
  const __m256 r2 = _mm256_loadu_ps(src + 2 * lds), r3 = _mm256_loadu_ps(src + 3 * lds);
  const __m256 r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds);
  const __m256 r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  _mm256_storeu_ps(dst + 0 * ldd, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + 1 * ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#define FASTNN_HAVE_TRANSPOSE8X8 1
#endif

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

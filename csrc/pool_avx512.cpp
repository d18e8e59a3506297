// pool_avx512.cpp — the avx512 instantiation of pool_impl.h.
#define FASTNN_TARGET_AVX512
#include "simd.h"
#include "pool_impl.h"

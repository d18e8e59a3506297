// pool_avx2.cpp — the avx2 instantiation of pool_impl.h.
#define FASTNN_TARGET_AVX2
#include "simd.h"
#include "pool_impl.h"

// elementwise_avx512.cpp — the avx512 build of elementwise_impl.h.
#define FASTNN_TARGET_AVX512
#include "simd.h"
#include "elementwise_impl.h"

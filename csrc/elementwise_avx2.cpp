// elementwise_avx2.cpp — the avx2 build of elementwise_impl.h.
#define FASTNN_TARGET_AVX2
#include "simd.h"
#include "elementwise_impl.h"

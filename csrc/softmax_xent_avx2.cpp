// softmax_xent_avx2.cpp — the avx2 build of softmax_xent_impl.h.
#define FASTNN_TARGET_AVX2
#include "simd.h"
#include "softmax_xent_impl.h"

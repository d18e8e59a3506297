// softmax_xent_avx512.cpp — the avx512 build of softmax_xent_impl.h.
#define FASTNN_TARGET_AVX512
#include "simd.h"
#include "softmax_xent_impl.h"

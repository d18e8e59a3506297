// conv2d_avx512.cpp — the avx512 build of the convolution tiles.
#define FASTNN_TARGET_AVX512
#include "simd.h"
#include "conv2d_impl.h"

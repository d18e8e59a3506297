// conv2d_avx2.cpp — the avx2 build of the convolution tiles.
#define FASTNN_TARGET_AVX2
#include "simd.h"
#include "conv2d_impl.h"

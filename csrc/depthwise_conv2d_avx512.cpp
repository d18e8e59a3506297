// depthwise_conv2d_avx512.cpp — the avx512 build of the depthwise convolution kernels.
#define FASTNN_TARGET_AVX512
#include "simd.h"
#include "depthwise_conv2d_impl.h"

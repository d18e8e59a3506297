// depthwise_conv2d_avx2.cpp — the avx2 build of the depthwise convolution kernels.
#define FASTNN_TARGET_AVX2
#include "simd.h"
#include "depthwise_conv2d_impl.h"

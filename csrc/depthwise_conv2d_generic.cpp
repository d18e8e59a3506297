// depthwise_conv2d_generic.cpp — the generic build of the depthwise convolution kernels.
#define FASTNN_TARGET_GENERIC
#include "simd.h"
#include "depthwise_conv2d_impl.h"

// conv2d_generic.cpp — the generic build of the convolution tiles.
#define FASTNN_TARGET_GENERIC
#include "simd.h"
#include "conv2d_impl.h"

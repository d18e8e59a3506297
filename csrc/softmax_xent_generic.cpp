// softmax_xent_generic.cpp — the generic build of softmax_xent_impl.h.
#define FASTNN_TARGET_GENERIC
#include "simd.h"
#include "softmax_xent_impl.h"

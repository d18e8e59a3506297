// batch_norm_generic.cpp — the generic instantiation of batch_norm_impl.h.
#define FASTNN_TARGET_GENERIC
#include "simd.h"
#include "batch_norm_impl.h"

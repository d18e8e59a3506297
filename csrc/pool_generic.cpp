// pool_generic.cpp — the generic instantiation of pool_impl.h.
#define FASTNN_TARGET_GENERIC
#include "simd.h"
#include "pool_impl.h"

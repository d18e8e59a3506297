// elementwise_generic.cpp — the generic build of elementwise_impl.h.
#define FASTNN_TARGET_GENERIC
#include "simd.h"
#include "elementwise_impl.h"

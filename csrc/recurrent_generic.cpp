// recurrent_generic.cpp — the generic instantiation of recurrent_impl.h.
#define FASTNN_TARGET_GENERIC
#include "simd.h"
#include "recurrent_impl.h"

// optimizers_generic.cpp — the generic instantiation of optimizers_impl.h.
#define FASTNN_TARGET_GENERIC
#include "simd.h"
#include "optimizers_impl.h"

// probe_generic.cpp — the generic build of probe_impl.h.
#define FASTNN_TARGET_GENERIC
#include "simd.h"
#include "probe_impl.h"

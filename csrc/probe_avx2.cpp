// probe_avx2.cpp — the avx2 build of probe_impl.h.
#define FASTNN_TARGET_AVX2
#include "simd.h"
#include "probe_impl.h"

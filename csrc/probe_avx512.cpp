// probe_avx512.cpp — the avx512 build of probe_impl.h.
#define FASTNN_TARGET_AVX512
#include "simd.h"
#include "probe_impl.h"

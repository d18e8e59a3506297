// batch_norm_avx2.cpp — the avx2 instantiation of batch_norm_impl.h.
#define FASTNN_TARGET_AVX2
#include "simd.h"
#include "batch_norm_impl.h"

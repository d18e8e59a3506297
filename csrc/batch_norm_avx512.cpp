// batch_norm_avx512.cpp — the avx512 instantiation of batch_norm_impl.h.
#define FASTNN_TARGET_AVX512
#include "simd.h"
#include "batch_norm_impl.h"

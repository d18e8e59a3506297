// optimizers_avx512.cpp — the avx512 instantiation of optimizers_impl.h.
#define FASTNN_TARGET_AVX512
#include "simd.h"
#include "optimizers_impl.h"

// optimizers_avx2.cpp — the avx2 instantiation of optimizers_impl.h.
#define FASTNN_TARGET_AVX2
#include "simd.h"
#include "optimizers_impl.h"

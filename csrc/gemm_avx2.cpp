// gemm_avx2.cpp — the GEMM kernels compiled for the avx2 path.
#define FASTNN_TARGET_AVX2
#include "simd.h"
#include "gemm_impl.h"

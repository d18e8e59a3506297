// gemm_avx512.cpp — the GEMM kernels compiled for the avx512 path.
#define FASTNN_TARGET_AVX512
#include "simd.h"
#include "gemm_impl.h"

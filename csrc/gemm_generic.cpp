// gemm_generic.cpp — the GEMM kernels compiled for the generic path.
#define FASTNN_TARGET_GENERIC
#include "simd.h"
#include "gemm_impl.h"

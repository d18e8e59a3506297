// recurrent_avx512.cpp — the avx512 instantiation of recurrent_impl.h.
#define FASTNN_TARGET_AVX512
#include "simd.h"
#include "recurrent_impl.h"

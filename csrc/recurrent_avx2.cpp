// recurrent_avx2.cpp — the avx2 instantiation of recurrent_impl.h.
#define FASTNN_TARGET_AVX2
#include "simd.h"
#include "recurrent_impl.h"

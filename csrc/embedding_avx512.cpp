// embedding_avx512.cpp — the avx512 instantiation of embedding_impl.h.
#define FASTNN_TARGET_AVX512
#include "simd.h"
#include "embedding_impl.h"

// embedding_avx2.cpp — the avx2 instantiation of embedding_impl.h.
#define FASTNN_TARGET_AVX2
#include "simd.h"
#include "embedding_impl.h"

// embedding_generic.cpp — the generic instantiation of embedding_impl.h.
#define FASTNN_TARGET_GENERIC
#include "simd.h"
#include "embedding_impl.h"

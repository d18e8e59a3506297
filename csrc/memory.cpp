// memory.cpp — see memory.h.
#include "memory.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fastnn {

bool tune_allocator() {
#if defined(__GLIBC__)
  static const bool tuned = [] {
    const char* opt = std::getenv("FASTNN_MALLOC_TUNING");
    if (opt && std::strcmp(opt, "0") == 0) return false;
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_") ||
        std::getenv("GLIBC_TUNABLES"))
      return false;  // the user tuned glibc already
    return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 128 << 20) == 1;
  }();
  return tuned;
#else
  return false;
#endif
}

}  // namespace fastnn

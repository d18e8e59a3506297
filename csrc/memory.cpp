// memory.cpp — see memory.h.
#include "memory.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if !defined(_WIN32)
#include <unistd.h>
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

double physical_memory_bytes() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) return double(pages) * double(page);
#endif
  return 0;
}

}  // namespace fastnn

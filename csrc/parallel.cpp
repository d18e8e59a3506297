// parallel.cpp — thread-count policy, fork safety and denormal control.
#include "parallel.h"

#include <atomic>

#if !defined(_WIN32)
#include <pthread.h>
#endif
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <xmmintrin.h>
#define FASTNN_HAVE_MXCSR 1
#endif

namespace fastnn {
namespace {
std::atomic<int> g_user_threads{0};
// libgomp's pool does not survive fork(): a child that opens a region can hang, so forked children run serial.
std::atomic<bool> g_in_forked_child{false};

void on_fork_child() { g_in_forked_child.store(true); }

struct ForkHandlerRegistration {
  ForkHandlerRegistration() {
#if !defined(_WIN32)
    pthread_atfork(nullptr, nullptr, &on_fork_child);
#endif
  }
} g_fork_registration;
}  // namespace

int num_threads() {
  if (g_in_forked_child.load(std::memory_order_relaxed)) return 1;
  int n = g_user_threads.load(std::memory_order_relaxed);
#ifdef _OPENMP
  if (n <= 0) n = omp_get_max_threads();
#else
  n = 1;
#endif
  return n < 1 ? 1 : n;
}

void set_num_threads(int n) { g_user_threads.store(n > 0 ? n : 0); }

void warm_up_threads() {
#ifdef _OPENMP
  const int n = num_threads();
  if (n > 1) {
#pragma omp parallel num_threads(n)
    { (void)0; }
  }
#endif
}

DenormalGuard::DenormalGuard() {
#if defined(FASTNN_HAVE_MXCSR)
  saved_ = _mm_getcsr();
  _mm_setcsr(static_cast<unsigned>(saved_) | 0x8040u);  // FTZ (bit 15) | DAZ (bit 6)
#elif defined(__aarch64__)
  unsigned long long fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  saved_ = fpcr;
  fpcr |= (1ull << 24);  // FZ
  __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
#else
  saved_ = 0;
#endif
}

DenormalGuard::~DenormalGuard() {
#if defined(FASTNN_HAVE_MXCSR)
  _mm_setcsr(static_cast<unsigned>(saved_));
#elif defined(__aarch64__)
  unsigned long long fpcr = saved_;
  __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
#endif
}

}  // namespace fastnn

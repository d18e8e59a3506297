// parallel.cpp — thread-count policy, fork safety and denormal control.
#include "parallel.h"

#include <atomic>
#include <new>
#include <vector>

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

// libgomp ends the process ("Thread creation failed") when pthread_create fails while it starts a team (resource
// limits: RLIMIT_NPROC, RLIMIT_AS, huge stacks), and it keeps one pool of threads per calling thread. So before a
// thread first asks for a team larger than any it has had, the extra threads are tried with plain pthreads (default
// attributes, as libgomp uses unless OMP_STACKSIZE is set) and the team is cut to what could be created. glibc
// caches the joined threads' stacks, which libgomp's threads then reuse.
thread_local int t_verified_team = 1;

void* idle_thread(void*) { return nullptr; }

int creatable_threads(int n) {
  if (n <= t_verified_team) return n;
#if !defined(_WIN32)
  int ok = 1;
  try {
    std::vector<pthread_t> started;
    started.reserve(static_cast<std::size_t>(n - 1));
    for (int i = 1; i < n; ++i) {
      pthread_t t;
      if (pthread_create(&t, nullptr, &idle_thread, nullptr) != 0) break;
      started.push_back(t);
    }
    for (pthread_t t : started) pthread_join(t, nullptr);
    ok += static_cast<int>(started.size());
  } catch (const std::bad_alloc&) {
    return 1;  // not even the bookkeeping fits: run serially
  }
  if (ok > t_verified_team) t_verified_team = ok;
  return ok < n ? ok : n;
#else
  return n;
#endif
}
}  // namespace

int max_threads() {
#ifdef _OPENMP
  const int procs = omp_get_num_procs();  // libgomp: the CPUs in the calling thread's affinity mask, read per call
  return procs > 1 ? procs : 1;
#else
  return 1;
#endif
}

int num_threads() {
  if (g_in_forked_child.load(std::memory_order_relaxed)) return 1;
  int n = g_user_threads.load(std::memory_order_relaxed);
#ifdef _OPENMP
  if (n <= 0) n = omp_get_max_threads();  // OMP_NUM_THREADS / threadpoolctl: capped like set_num_threads
#else
  n = 1;
#endif
  // More threads than CPUs only slows a kernel (a region waits for its slowest, descheduled thread), and a huge
  // count makes libgomp exit the process when it cannot create the threads ("Thread creation failed").
  const int cap = max_threads();
  return creatable_threads(n < 1 ? 1 : n > cap ? cap : n);
}

void set_num_threads(int n) { g_user_threads.store(n > 0 ? n : 0); }

void warm_up_threads() {
#ifdef _OPENMP
  const int n = num_threads();
  if (n > 1) {
    std::atomic<int> arrived{0};  // a body with an effect: GCC drops an empty region, and no thread would start
#pragma omp parallel num_threads(n)
    arrived.fetch_add(1, std::memory_order_relaxed);
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

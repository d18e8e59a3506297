// parallel.cpp — thread-count policy (with the adaptive back-off under contention), fork safety and denormal
// control.
#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>
#include <time.h>

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

// ---- adaptive thread count (see parallel.h) ----
// A region "gains" kMargin × (CPU time its threads spent in fn) − (its wall time): positive when it beat one
// thread by more than 10 %. The gains go into a ledger capped at +kCredit, so a long good history cannot hide
// new contention for long; when it falls to −kDebt, regions run serially for `backoff` (kBaseBackoff, doubled
// while each probe after a back-off fails again, up to kMaxBackoff). Region overheads on an idle machine cost
// microseconds, a descheduled partner costs milliseconds (a scheduler time slice), so the ledger trips on the
// latter within one or two regions and stays positive on the former.
constexpr double kMargin = 0.9;
constexpr long long kCreditNs = 2000000, kDebtNs = 2000000;
constexpr long long kBaseBackoffNs = 20000000, kMaxBackoffNs = 1000000000;

bool initial_adaptive() {  // FASTNN_THREAD_POLICY=static: the old behaviour (fastnn/__init__.py warns on typos)
  const char* v = std::getenv("FASTNN_THREAD_POLICY");
  return !(v && std::strcmp(v, "static") == 0);
}

std::atomic<bool> g_adaptive{initial_adaptive()};
std::atomic<long long> g_serial_until_ns{0};  // steady-clock time until which regions run serially
std::atomic<long long> g_timed_regions{0}, g_serial_regions{0}, g_trips{0};
std::atomic<int> g_debug_late_partner_us{0};
std::mutex g_policy_mutex;  // guards the three below
long long g_ledger_ns = 0;
long long g_backoff_ns = kBaseBackoffNs;
long long g_last_serial_end_ns = 0;

long long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// This thread's CPU time (~1 us: a system call), or -1 where there is no per-thread CPU clock.
long long thread_cpu_ns() {
#if defined(CLOCK_THREAD_CPUTIME_ID) && !defined(_WIN32)
  timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0) return ts.tv_sec * 1000000000LL + ts.tv_nsec;
#endif
  return -1;
}

bool have_thread_cpu_clock() {
  static const bool have = thread_cpu_ns() >= 0;
  return have;
}

void record_region(long long wall_ns, long long cpu_ns) {
  const long long gain = static_cast<long long>(kMargin * static_cast<double>(cpu_ns)) - wall_ns;
  std::lock_guard<std::mutex> lock(g_policy_mutex);
  g_ledger_ns = std::min(g_ledger_ns + gain, kCreditNs);
  if (g_ledger_ns > -kDebtNs) return;
  const long long now = now_ns();
  // Tripping again soon after the last back-off ended: the contention is still there, wait longer.
  g_backoff_ns = now - g_last_serial_end_ns < 2 * g_backoff_ns ? std::min(2 * g_backoff_ns, kMaxBackoffNs)
                                                               : kBaseBackoffNs;
  g_last_serial_end_ns = now + g_backoff_ns;
  g_serial_until_ns.store(g_last_serial_end_ns, std::memory_order_relaxed);
  g_ledger_ns = 0;
  g_trips.fetch_add(1, std::memory_order_relaxed);
}

void reset_policy_locked() {
  g_ledger_ns = 0;
  g_backoff_ns = kBaseBackoffNs;
  g_last_serial_end_ns = 0;
  g_serial_until_ns.store(0);
  g_timed_regions.store(0);
  g_serial_regions.store(0);
  g_trips.store(0);
}

void on_fork_child() {
  g_in_forked_child.store(true);
  new (&g_policy_mutex) std::mutex;  // another thread may have held it at fork(): the child gets a fresh one
}

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

int region_threads(int requested) {
  if (requested <= 1) return requested;
  if (g_in_forked_child.load(std::memory_order_relaxed)) return 1;
  if (!g_adaptive.load(std::memory_order_relaxed)) return requested;
  if (now_ns() < g_serial_until_ns.load(std::memory_order_relaxed)) {
    g_serial_regions.fetch_add(1, std::memory_order_relaxed);
    return 1;
  }
  return requested;
}

RegionTimer::RegionTimer()
    : active_(g_adaptive.load(std::memory_order_relaxed) && have_thread_cpu_clock()),
      start_ns_(active_ ? now_ns() : 0) {}

long long RegionTimer::thread_begin(int tid) const {
  if (!active_) return 0;
  const int late_us = g_debug_late_partner_us.load(std::memory_order_relaxed);
  if (tid == 1 && late_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(late_us));
  return thread_cpu_ns();
}

void RegionTimer::thread_end(long long begin) {
  if (active_) cpu_ns_.fetch_add(thread_cpu_ns() - begin, std::memory_order_relaxed);
}

void RegionTimer::finish() {
  if (!active_) return;
  g_timed_regions.fetch_add(1, std::memory_order_relaxed);
  record_region(now_ns() - start_ns_, cpu_ns_.load(std::memory_order_relaxed));
}

ThreadPolicyStats thread_policy_stats() {
  ThreadPolicyStats s;
  s.adaptive = g_adaptive.load();
  s.timed_regions = g_timed_regions.load();
  s.serial_regions = g_serial_regions.load();
  s.trips = g_trips.load();
  const long long remaining = g_serial_until_ns.load() - now_ns();
  s.serial_remaining_ms = remaining > 0 ? remaining * 1e-6 : 0.0;
  std::lock_guard<std::mutex> lock(g_policy_mutex);
  s.ledger_ms = g_ledger_ns * 1e-6;
  s.backoff_ms = g_backoff_ns * 1e-6;
  return s;
}

void set_adaptive_threads(bool on) {
  std::lock_guard<std::mutex> lock(g_policy_mutex);
  g_adaptive.store(on);
  reset_policy_locked();
}

void set_debug_late_partner_us(int us) { g_debug_late_partner_us.store(us > 0 ? us : 0); }

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

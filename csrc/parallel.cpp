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

// ---- adaptive thread count (see parallel.h) ----
// A region "gains" kMargin × (its serial estimate) − (its wall time): positive when it beat one thread by more
// than 10 %. The serial estimate is the CPU time its threads spent in fn over the best-served thread's share of a
// core during fn (CPU time / wall time, at least kMinShare): where every thread only gets a slice of a core, one
// thread would also only get a slice, while a partner that alone was descheduled does not lower the estimate.
// The gains go into a ledger capped at +kCredit, so a long good history cannot hide new contention for long; when
// it falls to −kDebt the policy backs off: regions run serially until both a number of regions and a time have
// passed (the count covers sparse callers — e.g. a fastnn call between numpy calls —, the time covers many tiny
// regions). The back-off grows (×kBackoffGrowth) while the first regions after it keep losing (the contention is
// still there) and returns to its base after a good stretch. Region overheads on an idle machine cost
// microseconds, a descheduled partner costs milliseconds (a scheduler time slice), so the ledger trips on the
// latter within one or two regions and stays positive on the former.
constexpr double kMargin = 0.9;
constexpr double kMinShare = 0.1;
constexpr long long kMinShareWallNs = 20000;  // a thread's share counts when it spent this long in fn
constexpr long long kCreditNs = 2000000, kDebtNs = 2000000;
constexpr long long kBaseBackoffNs = 10000000, kMaxBackoffNs = 500000000;
constexpr long long kBaseBackoffRegions = 4, kMaxBackoffRegions = 256;
constexpr long long kBackoffGrowth = 4;  // base to cap in 3-4 failed probes (each costs a lost region)
constexpr long long kProbationRegions = 8;  // a trip within this many timed regions after a back-off grows it
// Timing costs ~2 us per region (two CPU-clock system calls per thread) against ~5 us of work in the smallest
// parallel regions, so only every kSampleEvery-th region is timed — every region during the probation after a
// back-off, when a failed probe should grow the back-off at once.
constexpr long long kSampleEvery = 8;

bool initial_adaptive() {  // FASTNN_THREAD_POLICY=static: the old behaviour (fastnn/__init__.py warns on typos)
  const char* v = std::getenv("FASTNN_THREAD_POLICY");
  return !(v && std::strcmp(v, "static") == 0);
}

std::atomic<bool> g_adaptive{initial_adaptive()};
std::atomic<long long> g_serial_until_ns{0};    // back-off: serial until this steady-clock time ...
std::atomic<long long> g_serial_regions_left{0};  // ... and for this many more regions
std::atomic<long long> g_timed_regions{0}, g_serial_regions{0}, g_trips{0};
std::atomic<int> g_debug_late_partner_us{0};
std::atomic<long long> g_region_counter{0}, g_probation_left{0};
std::mutex g_policy_mutex;  // guards the four below
long long g_ledger_ns = 0;
long long g_backoff_ns = kBaseBackoffNs, g_backoff_regions = kBaseBackoffRegions;
long long g_timed_since_trip = 0;

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

bool sample_region() {
  if (g_probation_left.load(std::memory_order_relaxed) > 0) {
    g_probation_left.fetch_sub(1, std::memory_order_relaxed);
    return true;
  }
  return g_region_counter.fetch_add(1, std::memory_order_relaxed) % kSampleEvery == 0;
}

void record_region(long long wall_ns, long long cpu_ns, double share) {
  const double serial_ns = static_cast<double>(cpu_ns) / std::min(1.0, std::max(share, kMinShare));
  const long long gain = static_cast<long long>(kMargin * serial_ns) - wall_ns;
  std::lock_guard<std::mutex> lock(g_policy_mutex);
  ++g_timed_since_trip;
  g_ledger_ns = std::min(g_ledger_ns + gain, kCreditNs);
  if (g_ledger_ns > -kDebtNs) return;
  if (g_timed_since_trip <= kProbationRegions && g_trips.load(std::memory_order_relaxed) > 0) {
    g_backoff_ns = std::min(kBackoffGrowth * g_backoff_ns, kMaxBackoffNs);
    g_backoff_regions = std::min(kBackoffGrowth * g_backoff_regions, kMaxBackoffRegions);
  } else {
    g_backoff_ns = kBaseBackoffNs;
    g_backoff_regions = kBaseBackoffRegions;
  }
  g_serial_until_ns.store(now_ns() + g_backoff_ns, std::memory_order_relaxed);
  g_serial_regions_left.store(g_backoff_regions, std::memory_order_relaxed);
  g_probation_left.store(kProbationRegions, std::memory_order_relaxed);
  g_ledger_ns = 0;
  g_timed_since_trip = 0;
  g_trips.fetch_add(1, std::memory_order_relaxed);
}

void reset_policy_locked() {
  g_ledger_ns = 0;
  g_backoff_ns = kBaseBackoffNs;
  g_backoff_regions = kBaseBackoffRegions;
  g_timed_since_trip = 0;
  g_serial_until_ns.store(0);
  g_serial_regions_left.store(0);
  g_region_counter.store(0);
  g_probation_left.store(0);
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

int region_threads(int requested) {
  if (requested <= 1) return requested;
  if (g_in_forked_child.load(std::memory_order_relaxed)) return 1;
  if (!g_adaptive.load(std::memory_order_relaxed)) return requested;
  // Backing off until both the region count and the time have run out (racing callers may over-count: harmless).
  const bool regions_left = g_serial_regions_left.load(std::memory_order_relaxed) > 0;
  if (regions_left || now_ns() < g_serial_until_ns.load(std::memory_order_relaxed)) {
    if (regions_left) g_serial_regions_left.fetch_sub(1, std::memory_order_relaxed);
    g_serial_regions.fetch_add(1, std::memory_order_relaxed);
    return 1;
  }
  return requested;
}

RegionTimer::RegionTimer()
    : active_(g_adaptive.load(std::memory_order_relaxed) && have_thread_cpu_clock() && sample_region()),
      start_ns_(active_ ? now_ns() : 0) {}

RegionTimer::Stamp RegionTimer::thread_begin(int tid) const {
  if (!active_) return {0, 0};
  const int late_us = g_debug_late_partner_us.load(std::memory_order_relaxed);
  if (tid == 1 && late_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(late_us));
  return {thread_cpu_ns(), now_ns()};
}

void RegionTimer::thread_end(Stamp begin) {
  if (!active_) return;
  const long long cpu = thread_cpu_ns() - begin.cpu_ns, wall = now_ns() - begin.wall_ns;
  cpu_ns_.fetch_add(cpu, std::memory_order_relaxed);
  if (wall < kMinShareWallNs) return;
  const auto share = static_cast<long long>(1e6 * static_cast<double>(cpu) / static_cast<double>(wall));
  long long best = best_share_ppm_.load(std::memory_order_relaxed);
  while (share > best && !best_share_ppm_.compare_exchange_weak(best, share, std::memory_order_relaxed)) {
  }
}

void RegionTimer::finish() {
  if (!active_) return;
  g_timed_regions.fetch_add(1, std::memory_order_relaxed);
  const long long best = best_share_ppm_.load(std::memory_order_relaxed);
  record_region(now_ns() - start_ns_, cpu_ns_.load(std::memory_order_relaxed), best < 0 ? 1.0 : best * 1e-6);
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
  s.backoff_regions = g_backoff_regions;
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

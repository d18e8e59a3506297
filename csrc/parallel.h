// parallel.h — OpenMP policy: one parallel region per kernel call, serial below a work threshold,
// denormals flushed inside kernels (as TensorFlow runs), never more threads than the user allows, and serial for
// a while when the cores are contended (the adaptive policy below).
//
// Only baseline-compiled driver code includes this header and opens regions; ISA code is called from inside
// them (GCC outlines omp bodies into functions that do not inherit per-file -m flags).
#pragma once
#include <exception>

#include "common.h"
#include "interrupt.h"

#include <atomic>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace fastnn {

// Threads a kernel may use now: fastnn.set_num_threads() if set, else omp_get_max_threads() read per call
// (so OMP_NUM_THREADS and threadpoolctl's OpenMP limit are honoured), capped at max_threads() and at the threads
// that can actually be created (see parallel.cpp); always 1 in a forked child.
int num_threads();
int max_threads();            // CPUs this process may run on (its affinity mask), at least 1
void set_num_threads(int n);  // n <= 0 restores the OpenMP default
void warm_up_threads();       // one empty region at import so the first kernel does not pay thread start-up

// Sets flush-to-zero / denormals-are-zero for the current thread and restores the caller's mode on exit, so
// the user's own numpy code keeps IEEE semantics.
class DenormalGuard {
 public:
  DenormalGuard();
  ~DenormalGuard();
  DenormalGuard(const DenormalGuard&) = delete;
  DenormalGuard& operator=(const DenormalGuard&) = delete;

 private:
  unsigned long long saved_;
};

// Work (in multiply-adds or element-touches) below which a kernel runs serially: a region costs ~1-40 us.
constexpr index_t kParallelWorkThreshold = index_t(1) << 18;

// Threads to use for `work` units split into at most `max_chunks` independent pieces.
inline int threads_for(index_t work, index_t max_chunks = index_t(1) << 40) {
  if (work < kParallelWorkThreshold || max_chunks < 2) return 1;
  int n = num_threads();
  return n < max_chunks ? n : static_cast<int>(max_chunks);
}

// [begin, end) of part `tid` when n items are split evenly into `parts` parts.
inline void split_range(index_t n, int tid, int parts, index_t* begin, index_t* end) {
  const index_t q = n / parts, r = n % parts;
  *begin = tid * q + (tid < r ? tid : r);
  *end = *begin + q + (tid < r ? 1 : 0);
}

// Adaptive thread count (parallel.cpp). On a contended machine (another busy process, or another library's
// idle threads still spinning) a partner thread is often descheduled, and a region then waits for it at the
// closing barrier: 2 threads end up several times slower than 1. A sample of the multi-thread regions is
// therefore timed: wall time against what one thread would have needed (the CPU time the threads spent in fn,
// divided by the best-served thread's share of a core, which is below 1 only when other processes load every
// core). When regions keep losing to that serial estimate, regions run serially for a back-off (a number of
// regions and a time, growing while the contention lasts), then 2 threads are tried again. Results do not
// depend on it: kernels split work so that every thread count gives bitwise identical outputs.
// FASTNN_THREAD_POLICY=static (or _core.set_thread_policy("static")) turns it off.
int region_threads(int requested);  // `requested`, or 1 while backing off (or in a forked child)

class RegionTimer {  // times one multi-thread region for the adaptive policy (inactive when it is off)
 public:
  struct Stamp {
    long long cpu_ns, wall_ns;
  };
  RegionTimer();
  Stamp thread_begin(int tid) const;  // each thread, before fn: its CPU and wall clocks
  void thread_end(Stamp begin);       // each thread, after fn (before the closing barrier)
  void finish();                      // the calling thread, after the region

 private:
  bool active_;
  long long start_ns_;
  std::atomic<long long> cpu_ns_{0};           // CPU time of all threads in fn
  std::atomic<long long> best_share_ppm_{-1};  // max over threads of (CPU time / wall time) in fn, in ppm
};

struct ThreadPolicyStats {  // introspection for tests and the contention bench
  bool adaptive;
  // regions timed (a sample), regions run serially while backing off, back-offs
  long long timed_regions, serial_regions, trips;
  double ledger_ms, backoff_ms, serial_remaining_ms;
  long long backoff_regions;
};
ThreadPolicyStats thread_policy_stats();
void set_adaptive_threads(bool on);  // also forgets the history (ledger, back-off, counters)
void set_debug_late_partner_us(int us);  // > 0: thread 1 sleeps this long at every region start (tests only)

// Runs fn(tid, nthreads) once on each of `nthreads` threads in a single parallel region (or inline, which the
// adaptive policy may choose: fn always gets the thread count it really runs with).
// An exception must not leave an OpenMP region (the runtime calls std::terminate): the first one thrown by any
// thread is kept and rethrown here after the region, every thread still reaching its end. So fn must not contain
// barriers (a thread that threw would never reach them); use two regions instead.
template <class F>
void parallel_region(int nthreads, F&& fn) {
#ifdef _OPENMP
  if (nthreads > 1) nthreads = region_threads(nthreads);
  if (nthreads > 1) {
    RegionTimer timer;
    std::exception_ptr error;
#pragma omp parallel num_threads(nthreads)
    {
      DenormalGuard guard;
      const int tid = omp_get_thread_num();
      const RegionTimer::Stamp stamp = timer.thread_begin(tid);
      try {
        fn(tid, omp_get_num_threads());
      } catch (...) {
#pragma omp critical(fastnn_region_error)
        if (!error) error = std::current_exception();
      }
      timer.thread_end(stamp);
    }
    timer.finish();
    if (error) std::rethrow_exception(error);
    return;
  }
#endif
  DenormalGuard guard;
  fn(0, 1);
}

// parallel_for over [0, n): each thread gets one contiguous range (in interruptible pieces, see interrupt.h).
// Callers must make results independent of the split (no cross-item reductions), which keeps 1- and 2-thread
// results bitwise equal.
template <class F>
void parallel_for(index_t n, index_t work_per_item, F&& fn) {
  const int nt = threads_for(n * work_per_item, n);
  InterruptScope* irq = current_interrupt();
  parallel_region(nt, [&](int tid, int nth) {
    index_t b, e;
    split_range(n, tid, nth, &b, &e);
    if (b < e) for_each_piece(irq, b, e, work_per_item, fn);
  });
}

}  // namespace fastnn

// parallel.h — OpenMP policy: one parallel region per kernel call, serial below a work threshold,
// denormals flushed inside kernels (as TensorFlow runs), never more threads than the user allows.
//
// Only baseline-compiled driver code includes this header and opens regions; ISA code is called from inside
// them (GCC outlines omp bodies into functions that do not inherit per-file -m flags).
#pragma once
#include <exception>

#include "common.h"
#include "interrupt.h"

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

// Runs fn(tid, nthreads) once on each of `nthreads` threads in a single parallel region (or inline).
// An exception must not leave an OpenMP region (the runtime calls std::terminate): the first one thrown by any
// thread is kept and rethrown here after the region, every thread still reaching its end. So fn must not contain
// barriers (a thread that threw would never reach them); use two regions instead.
template <class F>
void parallel_region(int nthreads, F&& fn) {
#ifdef _OPENMP
  if (nthreads > 1) {
    std::exception_ptr error;
#pragma omp parallel num_threads(nthreads)
    {
      DenormalGuard guard;
      try {
        fn(omp_get_thread_num(), omp_get_num_threads());
      } catch (...) {
#pragma omp critical(fastnn_region_error)
        if (!error) error = std::current_exception();
      }
    }
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

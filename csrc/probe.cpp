// probe.cpp — times the FMA chains on every thread at once.
#include "probe.h"

#include <chrono>

#include "dispatch.h"
#include "parallel.h"

FASTNN_DECLARE_PER_ISA(fastnn::ProbeKernels, probe_kernels)

namespace fastnn {

double measure_fma_peak_gflops(int threads, double seconds) {
  const ProbeKernels& k = FASTNN_SELECT(probe_kernels);
  index_t iterations = 1 << 16;
  volatile float sink = 0.f;
  for (;;) {  // grow the work until one run lasts long enough to time reliably
    const auto t0 = std::chrono::steady_clock::now();
    int used = 1;  // the adaptive policy may run the region serially on a contended machine
    parallel_region(threads, [&](int tid, int nth) {
      if (tid == 0) used = nth;
      sink = sink + k.fma_chains(iterations);
    });
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt >= seconds || iterations > (index_t(1) << 34)) {
      return double(iterations) * 12 * k.lanes * 2 * used / dt * 1e-9;
    }
    iterations *= 2;
  }
}

}  // namespace fastnn

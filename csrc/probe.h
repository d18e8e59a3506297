// probe.h — measures this machine's single-precision FMA peak on the active ISA path (for the bench suite's
// "% of peak" column): independent FMA chains, enough of them to cover FMA latency × ports.
#pragma once
#include "common.h"

namespace fastnn {

struct ProbeKernels {
  // Runs `iterations` rounds of 12 independent vector FMA chains; returns a value that depends on all of them
  // (so the compiler cannot drop the work). Flops = iterations * 12 * W * 2.
  float (*fma_chains)(index_t iterations);
  int lanes;
};

// Peak GFLOP/s with `threads` threads (each runs its own chains), measured over ~`seconds`.
double measure_fma_peak_gflops(int threads, double seconds);

}  // namespace fastnn

// probe_impl.h — ISA-specific FMA chains for probe.h.
#include "probe.h"

namespace fastnn {
namespace FASTNN_ISA_NS {

static float fma_chains(index_t iterations) {
  vf acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = vset1(0.001f * (float)i);
  const vf a = vset1(0.999999f), b = vset1(1e-7f);
  for (index_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = vfma(acc[i], a, b);
  }
  vf s = acc[0];
  for (int i = 1; i < 12; ++i) s = vadd(s, acc[i]);
  return vhsum(s);
}

extern const ProbeKernels probe_kernels;
const ProbeKernels probe_kernels = {&fma_chains, W};

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

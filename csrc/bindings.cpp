// bindings.cpp — the `_core` module entry: sets up what every binding shares, then lets each kernel family add its
// functions (csrc/bind_<family>.cpp; bind_common.h has the shared checks and run_kernel). The bind_*.cpp files
// and this one are the only files that touch Python objects. A new family adds its bind_<family>.cpp, declares
// bind_<family> in bind_common.h and calls it below.
#include "bind_common.h"
#include "memory.h"
#include "parallel.h"

// Families bound in a named namespace of their own file (declared here rather than in bind_common.h).
void bind_depthwise_conv2d(pybind11::module_& m);  // bind_depthwise_conv2d.cpp
void bind_batch_norm(pybind11::module_& m);        // bind_batch_norm.cpp
void bind_recurrent(pybind11::module_& m);         // bind_recurrent.cpp
void bind_embedding(pybind11::module_& m);         // bind_embedding.cpp

PYBIND11_MODULE(_core, m) {
  using namespace fastnn_bind;
  m.doc() = "fastnn C++ kernels (OpenMP + SIMD, run-time ISA dispatch)";
  g_main_thread_ident = py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  m.attr("__version__") = FASTNN_VERSION;
  fastnn::tune_allocator();  // see memory.h: no page faults for the arrays a training step re-allocates

  bind_runtime(m);
  bind_gemm(m);
  bind_elementwise(m);
  bind_softmax_xent(m);
  bind_conv2d(m);
  bind_optimizers(m);
  bind_pool(m);
  bind_depthwise_conv2d(m);
  bind_batch_norm(m);
  bind_recurrent(m);
  bind_embedding(m);
  // ---- FAMILY REGISTRATIONS ----

  fastnn::warm_up_threads();
}

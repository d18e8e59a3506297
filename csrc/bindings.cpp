// bindings.cpp — the only file that touches Python objects.
//
// Every function here: checks ranks/shapes and raises ValueError with the argument's name and the bad value,
// allocates outputs while holding the GIL, then releases the GIL around the kernel. Arrays arrive as
// C-contiguous float32 (`farray` does no forcecast: dtype conversion and its messages live in fastnn/ops.py),
// so a caller that bypasses the Python layer gets a TypeError, never a crash.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <sstream>
#include <string>
#include <vector>

#include "common.h"
#include "dispatch.h"
#include "gemm.h"
#include "parallel.h"
#include "probe.h"

namespace py = pybind11;
using fastnn::index_t;
using farray = py::array_t<float, py::array::c_style>;
using iarray = py::array_t<std::int64_t, py::array::c_style>;

namespace {

std::string shape_of(const py::array& a) {
  std::ostringstream s;
  s << "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s << (i ? ", " : "") << a.shape(i);
  s << (a.ndim() == 1 ? ",)" : ")");
  return s.str();
}

[[noreturn]] void fail(const std::string& msg) { throw py::value_error(msg); }

void require_ndim(const py::array& a, const char* name, int ndim) {
  if (a.ndim() != ndim)
    fail(std::string("`") + name + "` must be " + std::to_string(ndim) + "-D, received shape " + shape_of(a));
}

farray new_array(const std::vector<py::ssize_t>& shape) { return farray(shape); }

const float* optional_ptr(const std::optional<farray>& a) { return a ? a->data() : nullptr; }

fastnn::Act parse_act(const std::string& name) {
  if (name == "linear" || name == "none") return fastnn::Act::linear;
  if (name == "relu") return fastnn::Act::relu;
  if (name == "leaky_relu") return fastnn::Act::leaky_relu;
  if (name == "sigmoid") return fastnn::Act::sigmoid;
  if (name == "tanh") return fastnn::Act::tanh;
  fail("Unknown activation: '" + name + "'. Expected one of linear, relu, leaky_relu, sigmoid, tanh");
}

// ------------------------------------------------------------------------------------------------ GEMM
// `c` (accumulate in place) arrives as a plain array: a caster would silently copy a non-contiguous one and the
// result would never reach the caller's buffer.
farray gemm_py(const farray& a, const farray& b, bool trans_a, bool trans_b, const std::optional<farray>& bias,
               const std::string& activation, float alpha, const std::optional<py::array>& c) {
  require_ndim(a, "a", 2);
  require_ndim(b, "b", 2);
  const index_t M = trans_a ? a.shape(1) : a.shape(0), K = trans_a ? a.shape(0) : a.shape(1);
  const index_t Kb = trans_b ? b.shape(1) : b.shape(0), N = trans_b ? b.shape(0) : b.shape(1);
  if (K != Kb)
    fail("matmul: inner dimensions differ: a" + std::string(trans_a ? "ᵀ" : "") + " has shape " + shape_of(a) +
         ", b" + (trans_b ? "ᵀ" : "") + " has shape " + shape_of(b));
  if (bias && (bias->ndim() != 1 || bias->shape(0) != N))
    fail("`bias` must have shape (" + std::to_string(N) + ",), received " + shape_of(*bias));
  fastnn::Epilogue ep;
  ep.bias = optional_ptr(bias);
  ep.act = parse_act(activation);
  ep.alpha = alpha;
  const bool accumulate = c.has_value();
  if (accumulate) {
    if (!farray::check_(*c) || !c->writeable())
      fail("`c` must be a writeable C-contiguous float32 array, received dtype " + std::string(py::str(c->dtype())) +
           " with shape " + shape_of(*c));
    if (c->ndim() != 2 || c->shape(0) != M || c->shape(1) != N)
      fail("`c` must have shape (" + std::to_string(M) + ", " + std::to_string(N) + "), received " + shape_of(*c));
  }
  farray out = accumulate ? py::reinterpret_borrow<farray>(*c) : new_array({(py::ssize_t)M, (py::ssize_t)N});
  const float *pa = a.data(), *pb = b.data();
  float* pc = out.mutable_data();
  {
    py::gil_scoped_release nogil;
    fastnn::gemm(trans_a, trans_b, M, N, K, pa, a.shape(1), pb, b.shape(1), pc, N, accumulate, ep);
  }
  return out;
}

// ---- FAMILY BINDINGS (each kernel family adds its functions in its own section below) ----

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "fastnn C++ kernels (OpenMP + SIMD, run-time ISA dispatch)";
  m.attr("__version__") = FASTNN_VERSION;

  m.def("isa", [] { return std::string(fastnn::isa_name(fastnn::active_isa())); },
        "Instruction-set path the kernels run on: 'avx512', 'avx2' or 'generic'.");
  m.def("best_supported_isa", [] { return std::string(fastnn::isa_name(fastnn::best_supported_isa())); });
  m.def("cpu_features", &fastnn::cpu_features);
  m.def("set_isa", [](const std::string& name) {
        fastnn::Isa isa;
        if (!fastnn::parse_isa(name, &isa))
          fail("Unknown ISA: '" + name + "'. Expected one of avx512, avx2, generic");
        return std::string(fastnn::isa_name(fastnn::set_active_isa(isa)));
      }, py::arg("name"), "Lower (or restore) the active path, capped by what the CPU supports; returns it.");
  m.def("set_num_threads", &fastnn::set_num_threads, py::arg("n"));
  m.def("get_num_threads", &fastnn::num_threads);
  m.def("has_openmp", [] {
#ifdef _OPENMP
    return true;
#else
    return false;
#endif
  });

  m.def("gemm", &gemm_py, py::arg("a"), py::arg("b"), py::arg("transpose_a") = false,
        py::arg("transpose_b") = false, py::arg("bias") = py::none(), py::arg("activation") = "linear",
        py::arg("alpha") = 0.2f, py::arg("c") = py::none(),
        "act(op(a) @ op(b) [+ c] [+ bias]); with `c` given, the result accumulates into it in place.");

  m.def("measure_fma_peak_gflops", [](int threads, double seconds) {
        if (threads < 1) fail("`threads` must be >= 1, received " + std::to_string(threads));
        py::gil_scoped_release nogil;
        return fastnn::measure_fma_peak_gflops(threads, seconds);
      }, py::arg("threads"), py::arg("seconds") = 0.2,
      "Single-precision FMA peak (GFLOP/s) of the active ISA path with `threads` threads (bench suite probe).");

  // ---- FAMILY REGISTRATIONS ----

  fastnn::warm_up_threads();
}

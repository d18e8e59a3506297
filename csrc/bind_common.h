// bind_common.h — what every csrc/bind_<family>.cpp shares: the array types, argument checks and error messages,
// and run_kernel (GIL release, Ctrl-C, MemoryError). Only the bind_*.cpp files (and the module entry,
// bindings.cpp) include this header: they are the only files that touch Python objects.
//
// Every binding: checks ranks/shapes and raises ValueError with the argument's name and the bad value,
// allocates outputs while holding the GIL, then runs the kernel through run_kernel (GIL released; Ctrl-C stops
// calls whose outputs are fresh arrays; running out of memory is a MemoryError naming the op). Arrays arrive as
// C-contiguous float32 (`farray` does no forcecast: dtype conversion and its messages live in
// fastnn/kernels/_convert.py), so a caller that bypasses the Python layer gets a TypeError, never a crash.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstdio>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"
#include "interrupt.h"

namespace fastnn_bind {

namespace py = pybind11;
using fastnn::index_t;
using farray = py::array_t<float, py::array::c_style>;
using iarray = py::array_t<std::int64_t, py::array::c_style>;

// One per kernel family (csrc/bind_<family>.cpp), called by the module entry in bindings.cpp.
void bind_runtime(py::module_& m);  // ISA dispatch, threads, allocator, interrupt knobs, the FMA-peak probe
void bind_gemm(py::module_& m);
void bind_elementwise(py::module_& m);
void bind_softmax_xent(py::module_& m);
void bind_conv2d(py::module_& m);
void bind_optimizers(py::module_& m);
void bind_pool(py::module_& m);

inline std::string shape_of(const py::array& a) {
  std::ostringstream s;
  s << "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s << (i ? ", " : "") << a.shape(i);
  s << (a.ndim() == 1 ? ",)" : ")");
  return s.str();
}

[[noreturn]] inline void fail(const std::string& msg) { throw py::value_error(msg); }

inline std::string human_bytes(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) bytes /= 1024, ++u;
  char buf[64];
  std::snprintf(buf, sizeof buf, u ? "%.2f %s" : "%.0f %s", bytes, units[u]);
  return buf;
}

// ------------------------------------------------------------------------------------------------ running kernels
inline unsigned long g_main_thread_ident = 0;  // Python's main thread: the only one that runs signal handlers

// The poll of an InterruptScope (interrupt.h): runs Python's pending signal handlers; true when one raised (the
// exception stays set on this thread until run_kernel raises it).
inline bool poll_python_signals() {
  py::gil_scoped_acquire gil;
  return PyErr_CheckSignals() != 0;
}

// Runs `kernel` with the GIL released. `interruptible`: its outputs are fresh arrays, so on the main thread a
// signal whose handler raises (Ctrl-C: KeyboardInterrupt) stops it within ~0.1 s + one piece of work and the
// exception is raised here (the partly written outputs are dropped; inputs are never written). In-place updates
// pass false and always finish. Running out of memory inside the kernel (its scratch: `scratch_bytes` when known)
// is a MemoryError naming `op`, never an abort.
template <class F>
inline void run_kernel(const char* op, bool interruptible, double scratch_bytes, F&& kernel) {
  bool stopped = false;
  try {
    py::gil_scoped_release nogil;
    const bool poll = interruptible && PyThread_get_thread_ident() == g_main_thread_ident;
    fastnn::InterruptScope scope(poll ? &poll_python_signals : nullptr);
    kernel();
    stopped = scope.stopped();
  } catch (const std::bad_alloc&) {
    const std::string need = scratch_bytes > 0 ? " (it needs " + human_bytes(scratch_bytes) + " of scratch)" : "";
    PyErr_SetString(PyExc_MemoryError, (std::string(op) + ": out of memory for the kernel's working buffers" +
                                        need).c_str());
    throw py::error_already_set();
  }
  if (stopped) throw py::error_already_set();
}

inline void require_ndim(const py::array& a, const char* name, int ndim) {
  if (a.ndim() != ndim)
    fail(std::string("`") + name + "` must be " + std::to_string(ndim) + "-D, received shape " + shape_of(a));
}

inline farray new_array(const std::vector<py::ssize_t>& shape) { return farray(shape); }

inline const float* optional_ptr(const std::optional<farray>& a) { return a ? a->data() : nullptr; }

inline std::vector<index_t> shape_vector(const py::array& a) { return {a.shape(), a.shape() + a.ndim()}; }

inline void require_same_shape(const py::array& a, const char* a_name, const py::array& b, const char* b_name) {
  if (shape_vector(a) != shape_vector(b))
    fail(std::string("`") + a_name + "` and `" + b_name + "` must have the same shape, received " + shape_of(a) +
         " and " + shape_of(b));
}

inline fastnn::Act parse_act(const std::string& name) {
  if (name == "linear" || name == "none") return fastnn::Act::linear;
  if (name == "relu") return fastnn::Act::relu;
  if (name == "leaky_relu") return fastnn::Act::leaky_relu;
  if (name == "sigmoid") return fastnn::Act::sigmoid;
  if (name == "tanh") return fastnn::Act::tanh;
  fail("Unknown activation: '" + name + "'. Expected one of linear, relu, leaky_relu, sigmoid, tanh");
}

}  // namespace fastnn_bind

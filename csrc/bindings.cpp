// bindings.cpp — the only file that touches Python objects.
//
// Every function here: checks ranks/shapes and raises ValueError with the argument's name and the bad value,
// allocates outputs while holding the GIL, then runs the kernel through run_kernel (GIL released; Ctrl-C stops
// calls whose outputs are fresh arrays; running out of memory is a MemoryError naming the op). Arrays arrive as
// C-contiguous float32 (`farray` does no forcecast: dtype conversion and its messages live in fastnn/ops.py),
// so a caller that bypasses the Python layer gets a TypeError, never a crash.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cctype>
#include <cstdio>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"
#include "conv2d.h"
#include "dispatch.h"
#include "elementwise.h"
#include "gemm.h"
#include "interrupt.h"
#include "memory.h"
#include "optimizers.h"
#include "pool.h"
#include "parallel.h"
#include "probe.h"
#include "softmax_xent.h"

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

std::string human_bytes(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) bytes /= 1024, ++u;
  char buf[64];
  std::snprintf(buf, sizeof buf, u ? "%.2f %s" : "%.0f %s", bytes, units[u]);
  return buf;
}

// ------------------------------------------------------------------------------------------------ running kernels
unsigned long g_main_thread_ident = 0;  // Python's main thread: the only one that runs signal handlers

// The poll of an InterruptScope (interrupt.h): runs Python's pending signal handlers; true when one raised (the
// exception stays set on this thread until run_kernel raises it).
bool poll_python_signals() {
  py::gil_scoped_acquire gil;
  return PyErr_CheckSignals() != 0;
}

// Runs `kernel` with the GIL released. `interruptible`: its outputs are fresh arrays, so on the main thread a
// signal whose handler raises (Ctrl-C: KeyboardInterrupt) stops it within ~0.1 s + one piece of work and the
// exception is raised here (the partly written outputs are dropped; inputs are never written). In-place updates
// pass false and always finish. Running out of memory inside the kernel (its scratch: `scratch_bytes` when known)
// is a MemoryError naming `op`, never an abort.
template <class F>
void run_kernel(const char* op, bool interruptible, double scratch_bytes, F&& kernel) {
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

void require_ndim(const py::array& a, const char* name, int ndim) {
  if (a.ndim() != ndim)
    fail(std::string("`") + name + "` must be " + std::to_string(ndim) + "-D, received shape " + shape_of(a));
}

farray new_array(const std::vector<py::ssize_t>& shape) { return farray(shape); }

const float* optional_ptr(const std::optional<farray>& a) { return a ? a->data() : nullptr; }

std::vector<index_t> shape_vector(const py::array& a) { return {a.shape(), a.shape() + a.ndim()}; }

void require_same_shape(const py::array& a, const char* a_name, const py::array& b, const char* b_name) {
  if (shape_vector(a) != shape_vector(b))
    fail(std::string("`") + a_name + "` and `" + b_name + "` must have the same shape, received " + shape_of(a) +
         " and " + shape_of(b));
}

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
  run_kernel("matmul", !accumulate, 0, [&] {
    fastnn::gemm(trans_a, trans_b, M, N, K, pa, a.shape(1), pb, b.shape(1), pc, N, accumulate, ep);
  });
  return out;
}

// ------------------------------------------------------------------------------------------------ elementwise
fastnn::Unary parse_unary(const std::string& name) {
  if (name == "relu") return fastnn::Unary::relu;
  if (name == "leaky_relu") return fastnn::Unary::leaky_relu;
  if (name == "sigmoid") return fastnn::Unary::sigmoid;
  if (name == "tanh") return fastnn::Unary::tanh;
  if (name == "exp") return fastnn::Unary::exp;
  if (name == "log") return fastnn::Unary::log;
  fail("Unknown elementwise op: '" + name + "'. Expected one of relu, leaky_relu, sigmoid, tanh, exp, log");
}

void require_min_ndim(const py::array& a, const char* name, int ndim) {
  if (a.ndim() < ndim)
    fail(std::string("`") + name + "` must have rank >= " + std::to_string(ndim) + ", received shape " +
         shape_of(a));
}

// (rows, n) of an array viewed as rows of its last axis.
void rows_and_last(const py::array& a, index_t* rows, index_t* n) {
  *n = a.shape(a.ndim() - 1);
  *rows = 1;
  for (py::ssize_t i = 0; i + 1 < a.ndim(); ++i) *rows *= a.shape(i);
}

farray unary_py(const farray& x, const std::string& op, float alpha) {
  const fastnn::Unary kind = parse_unary(op);
  farray y(shape_vector(x));
  const float* px = x.data();
  float* py_ = y.mutable_data();
  const index_t n = x.size();
  run_kernel("unary", true, 0, [&] { fastnn::unary(kind, px, py_, n, alpha); });
  return y;
}

farray unary_grad_py(const farray& dy, const farray& xy, const std::string& op, float alpha) {
  const fastnn::Unary kind = parse_unary(op);
  require_same_shape(dy, "dy", xy, kind == fastnn::Unary::relu || kind == fastnn::Unary::leaky_relu ||
                                           kind == fastnn::Unary::log ? "x" : "y");
  farray dx(shape_vector(dy));
  const float *pg = dy.data(), *pv = xy.data();
  float* pd = dx.mutable_data();
  const index_t n = dy.size();
  run_kernel("unary_grad", true, 0, [&] { fastnn::unary_grad(kind, pg, pv, pd, n, alpha); });
  return dx;
}

farray softmax_py(const farray& x) {
  require_min_ndim(x, "logits", 1);
  index_t rows, n;
  rows_and_last(x, &rows, &n);
  farray y(shape_vector(x));
  const float* px = x.data();
  float* py_ = y.mutable_data();
  run_kernel("softmax", true, 0, [&] { if (n > 0) fastnn::softmax(px, py_, rows, n); });
  return y;
}

farray softmax_grad_py(const farray& dy, const farray& y) {
  require_min_ndim(y, "y", 1);
  require_same_shape(dy, "dy", y, "y");
  index_t rows, n;
  rows_and_last(y, &rows, &n);
  farray dx(shape_vector(y));
  const float *pg = dy.data(), *py_ = y.data();
  float* pd = dx.mutable_data();
  run_kernel("softmax_grad", true, 0, [&] { if (n > 0) fastnn::softmax_grad(pg, py_, pd, rows, n); });
  return dx;
}

py::tuple dense_activation_grad_py(const farray& dy, const std::optional<farray>& y, const std::string& activation,
                                   float alpha) {
  const fastnn::Act act = parse_act(activation);
  require_ndim(dy, "dy", 2);
  if (act != fastnn::Act::linear) {
    if (!y) fail("`y` (the activation output) is required for activation '" + activation + "'");
    require_same_shape(dy, "dy", *y, "y");
  }
  const index_t rows = dy.shape(0), n = dy.shape(1);
  farray dz({(py::ssize_t)rows, (py::ssize_t)n}), db({(py::ssize_t)n});
  const float* pg = dy.data();
  const float* py_ = act != fastnn::Act::linear ? y->data() : nullptr;
  float *pz = dz.mutable_data(), *pb = db.mutable_data();
  run_kernel("dense_activation_grad", true, 0, [&] {
    fastnn::dense_activation_grad(act, alpha, pg, py_, rows, n, pz, pb);
  });
  return py::make_tuple(dz, db);
}

farray bias_add_grad_py(const farray& dy) {
  require_min_ndim(dy, "dy", 1);
  index_t rows, n;
  rows_and_last(dy, &rows, &n);
  farray db({(py::ssize_t)n});
  const float* pg = dy.data();
  float* pb = db.mutable_data();
  run_kernel("bias_add_grad", true, 0, [&] { fastnn::bias_grad(pg, rows, n, pb); });
  return db;
}

// ------------------------------------------------------------------------------------------------ softmax_xent
py::object softmax_xent_py(const farray& logits, const farray& labels, float grad_scale, bool with_grad) {
  require_ndim(logits, "logits", 2);
  require_same_shape(labels, "labels", logits, "logits");
  const index_t rows = logits.shape(0), n = logits.shape(1);
  farray loss({(py::ssize_t)rows});
  farray dl = with_grad ? farray({(py::ssize_t)rows, (py::ssize_t)n}) : farray({(py::ssize_t)0});
  const float *pz = logits.data(), *py_ = labels.data();
  float *pl = loss.mutable_data(), *pd = with_grad ? dl.mutable_data() : nullptr;
  run_kernel("softmax_xent", true, 0, [&] { fastnn::softmax_xent(pz, py_, pl, pd, rows, n, grad_scale); });
  if (with_grad) return py::make_tuple(loss, dl);
  return std::move(loss);
}

py::object sparse_softmax_xent_py(const farray& logits, const iarray& labels, float grad_scale, bool with_grad) {
  require_ndim(logits, "logits", 2);
  require_ndim(labels, "labels", 1);
  const index_t rows = logits.shape(0), n = logits.shape(1);
  if (labels.shape(0) != rows)
    fail("`labels` must have shape (" + std::to_string(rows) + ",) to match `logits` " + shape_of(logits) +
         ", received " + shape_of(labels));
  const std::int64_t* pi = labels.data();
  for (index_t r = 0; r < rows; ++r)
    if (pi[r] < 0 || pi[r] >= n)
      fail("Received a label value of " + std::to_string(pi[r]) + " which is outside the valid range of [0, " +
           std::to_string(n) + ").");
  farray loss({(py::ssize_t)rows});
  farray dl = with_grad ? farray({(py::ssize_t)rows, (py::ssize_t)n}) : farray({(py::ssize_t)0});
  const float* pz = logits.data();
  float *pl = loss.mutable_data(), *pd = with_grad ? dl.mutable_data() : nullptr;
  run_kernel("sparse_softmax_xent", true, 0, [&] {
    fastnn::sparse_softmax_xent(pz, pi, pl, pd, rows, n, grad_scale);
  });
  if (with_grad) return py::make_tuple(loss, dl);
  return std::move(loss);
}

// ------------------------------------------------------------------------------------------------ Conv2D
// Validates the geometry shared by the three conv ops and fills a ConvShape (N/H/W/Cin from x's shape,
// KH/KW/Cout from the kernel's). `what` names the op in messages.
fastnn::ConvShape conv2d_shape(const std::vector<index_t>& xs, const std::vector<index_t>& ws,
                               const std::pair<index_t, index_t>& strides, const std::string& padding,
                               const std::pair<index_t, index_t>& dilations) {
  constexpr index_t kMaxDim = index_t(1) << 31;
  for (index_t v : xs)
    if (v < 0 || v >= kMaxDim) fail("`input` dimensions must be in [0, 2^31), received " + std::to_string(v));
  for (index_t v : ws)
    if (v < 0 || v >= kMaxDim) fail("`filters` dimensions must be in [0, 2^31), received " + std::to_string(v));
  if (ws[0] < 1 || ws[1] < 1)
    fail("`filters` spatial size must be positive, received " + std::to_string(ws[0]) + "x" + std::to_string(ws[1]));
  if (xs[3] != ws[2])
    fail("input depth must equal filter depth: `input` has " + std::to_string(xs[3]) + " channels, `filters` " +
         std::to_string(ws[2]));
  auto pair_str = [](const std::pair<index_t, index_t>& p) {
    return "(" + std::to_string(p.first) + ", " + std::to_string(p.second) + ")";
  };
  if (strides.first < 1 || strides.second < 1 || strides.first >= kMaxDim || strides.second >= kMaxDim)
    fail("`strides` must be in [1, 2^31), received " + pair_str(strides));
  if (dilations.first < 1 || dilations.second < 1 || dilations.first >= kMaxDim || dilations.second >= kMaxDim)
    fail("`dilations` must be in [1, 2^31), received " + pair_str(dilations));
  if (padding != "valid" && padding != "same") fail("`padding` must be 'valid' or 'same', received '" + padding + "'");
  fastnn::ConvShape s;
  s.N = xs[0], s.H = xs[1], s.W = xs[2], s.Cin = xs[3];
  s.KH = ws[0], s.KW = ws[1], s.Cout = ws[3];
  s.sh = strides.first, s.sw = strides.second, s.dh = dilations.first, s.dw = dilations.second;
  const bool same = padding == "same";
  if (!fastnn::conv2d_output_geometry(s.H, s.KH, s.sh, s.dh, same, &s.OH, &s.pt) ||
      !fastnn::conv2d_output_geometry(s.W, s.KW, s.sw, s.dw, same, &s.OW, &s.pl))
    fail("Computed output size would be negative: input " + std::to_string(s.H) + "x" + std::to_string(s.W) +
         ", effective filter " + std::to_string((s.KH - 1) * s.dh + 1) + "x" + std::to_string((s.KW - 1) * s.dw + 1) +
         ", strides " + pair_str(strides) + " with 'valid' padding");
  // Every buffer the drivers allocate (padded images, packed kernels, outputs) must be addressable.
  const double kMaxElems = 1e12;
  const double padded_x = double(s.H + (s.KH - 1) * s.dh + 1) * double(s.W + (s.KW - 1) * s.dw + 1) *
                          double(std::max(s.Cin, s.Cout) + 16);
  const double out = double(s.N) * double(s.OH) * double(s.OW) * double(s.Cout + 16);
  const double kernel = double(s.KH) * double(s.KW) * double(s.Cin + 16) * double(s.Cout + 16);
  if (padded_x > kMaxElems || out > kMaxElems || kernel > kMaxElems)
    fail("conv2d: problem too large (input " + std::to_string(s.N) + "x" + std::to_string(s.H) + "x" +
         std::to_string(s.W) + "x" + std::to_string(s.Cin) + ", filters " + std::to_string(s.KH) + "x" +
         std::to_string(s.KW) + "x" + std::to_string(s.Cin) + "x" + std::to_string(s.Cout) + ", dilations " +
         pair_str(dilations) + ")");
  return s;
}

// Scratch bytes one conv call allocates; a ValueError when that exceeds the machine's memory (the call could never
// run: dilation, kernel size or 'same' padding blow the zero-padded image copies up far beyond the input).
double conv2d_scratch_checked(const fastnn::ConvShape& s, fastnn::ConvOp op, const char* what,
                              const std::string& padding) {
  const double bytes = fastnn::conv2d_scratch_bytes(s, op, fastnn::num_threads());
  const double memory = fastnn::physical_memory_bytes();
  if (memory > 0 && bytes > memory)
    fail(std::string(what) + ": this geometry needs " + human_bytes(bytes) +
         " of scratch (zero-padded image copies, packed filters), more than this machine's " + human_bytes(memory) +
         " of memory: the " + std::to_string(s.KH) + "x" + std::to_string(s.KW) + " filter spans " +
         std::to_string((s.KH - 1) * s.dh + 1) + "x" + std::to_string((s.KW - 1) * s.dw + 1) + " pixels of the " +
         std::to_string(s.H) + "x" + std::to_string(s.W) + " input. Use a smaller `dilations` (a Conv2D layer's "
         "`dilation_rate`) or kernel size, or padding='valid'. Received: dilations=(" + std::to_string(s.dh) + ", " +
         std::to_string(s.dw) + "), padding='" + padding + "', filters " + std::to_string(s.KH) + "x" +
         std::to_string(s.KW) + "x" + std::to_string(s.Cin) + "x" + std::to_string(s.Cout));
  return bytes;
}

std::vector<index_t> sizes_arg(const std::vector<index_t>& sizes, const char* name) {
  if (sizes.size() != 4) {
    std::string got;
    for (size_t i = 0; i < sizes.size(); ++i) got += (i ? ", " : "") + std::to_string(sizes[i]);
    fail(std::string("`") + name + "` must have 4 elements, received [" + got + "]");
  }
  return sizes;
}

void require_out_backprop(const farray& dy, const fastnn::ConvShape& s) {
  require_ndim(dy, "out_backprop", 4);
  if (dy.shape(0) != s.N || dy.shape(1) != s.OH || dy.shape(2) != s.OW || dy.shape(3) != s.Cout)
    fail("`out_backprop` must have shape (" + std::to_string(s.N) + ", " + std::to_string(s.OH) + ", " +
         std::to_string(s.OW) + ", " + std::to_string(s.Cout) + "), received " + shape_of(dy));
}

farray conv2d_py(const farray& x, const farray& w, const std::pair<index_t, index_t>& strides,
                 const std::string& padding, const std::pair<index_t, index_t>& dilations,
                 const std::optional<farray>& bias, const std::string& activation, float alpha) {
  require_ndim(x, "input", 4);
  require_ndim(w, "filters", 4);
  const fastnn::ConvShape s = conv2d_shape(shape_vector(x), shape_vector(w), strides, padding, dilations);
  if (bias && (bias->ndim() != 1 || bias->shape(0) != s.Cout))
    fail("`bias` must have shape (" + std::to_string(s.Cout) + ",), received " + shape_of(*bias));
  fastnn::Epilogue ep;
  ep.bias = optional_ptr(bias);
  ep.act = parse_act(activation);
  ep.alpha = alpha;
  const double scratch = conv2d_scratch_checked(s, fastnn::ConvOp::forward, "conv2d", padding);
  farray y = new_array({(py::ssize_t)s.N, (py::ssize_t)s.OH, (py::ssize_t)s.OW, (py::ssize_t)s.Cout});
  const float *px = x.data(), *pw = w.data();
  float* py_ = y.mutable_data();
  run_kernel("conv2d", true, scratch, [&] { fastnn::conv2d_forward(s, px, pw, py_, ep); });
  return y;
}

farray conv2d_backprop_input_py(const std::vector<index_t>& input_sizes, const farray& w, const farray& dy,
                                const std::pair<index_t, index_t>& strides, const std::string& padding,
                                const std::pair<index_t, index_t>& dilations) {
  const std::vector<index_t> xs = sizes_arg(input_sizes, "input_sizes");
  require_ndim(w, "filters", 4);
  const fastnn::ConvShape s = conv2d_shape(xs, shape_vector(w), strides, padding, dilations);
  require_out_backprop(dy, s);
  const double scratch =
      conv2d_scratch_checked(s, fastnn::ConvOp::backward_data, "conv2d_backprop_input", padding);
  farray dx = new_array({(py::ssize_t)s.N, (py::ssize_t)s.H, (py::ssize_t)s.W, (py::ssize_t)s.Cin});
  const float *pw = w.data(), *pdy = dy.data();
  float* pdx = dx.mutable_data();
  run_kernel("conv2d_backprop_input", true, scratch, [&] { fastnn::conv2d_backward_data(s, pdy, pw, pdx); });
  return dx;
}

py::object conv2d_backprop_filter_py(const farray& x, const std::vector<index_t>& filter_sizes, const farray& dy,
                                     const std::pair<index_t, index_t>& strides, const std::string& padding,
                                     const std::pair<index_t, index_t>& dilations, bool bias_grad) {
  require_ndim(x, "input", 4);
  const std::vector<index_t> ws = sizes_arg(filter_sizes, "filter_sizes");
  const fastnn::ConvShape s = conv2d_shape(shape_vector(x), ws, strides, padding, dilations);
  require_out_backprop(dy, s);
  const double scratch =
      conv2d_scratch_checked(s, fastnn::ConvOp::backward_filter, "conv2d_backprop_filter", padding);
  farray dw = new_array({(py::ssize_t)s.KH, (py::ssize_t)s.KW, (py::ssize_t)s.Cin, (py::ssize_t)s.Cout});
  std::optional<farray> db;
  if (bias_grad) db = new_array({(py::ssize_t)s.Cout});
  const float *px = x.data(), *pdy = dy.data();
  float* pdw = dw.mutable_data();
  float* pdb = db ? db->mutable_data() : nullptr;
  run_kernel("conv2d_backprop_filter", true, scratch, [&] {
    fastnn::conv2d_backward_filter(s, px, pdy, pdw, pdb);
  });
  if (bias_grad) return py::make_tuple(dw, *db);
  return std::move(dw);
}

// ------------------------------------------------------------------------------------------------ optimizers
// In-place updates: the state arrays are taken with .noconvert() (see registrations), so pybind never hands the
// kernel a converted copy whose update would be lost; here we check writeability and shapes.
void optim_require_same_shape(const py::array& a, const char* name, const py::array& var) {
  if (shape_vector(a) != shape_vector(var)) fail(std::string("`") + name + "` must have the shape of `var` " + shape_of(var) + ", received " + shape_of(a));
}

float* optim_inplace_ptr(farray& a, const char* name, const farray& var) {
  if (!a.writeable()) fail(std::string("`") + name + "` must be a writeable array (it is updated in place)");
  optim_require_same_shape(a, name, var);
  return a.mutable_data();
}

float* optim_optional_inplace_ptr(std::optional<farray>& a, const char* name, const farray& var) {
  return a ? optim_inplace_ptr(*a, name, var) : nullptr;
}

void sgd_update_py(farray var, const farray& grad, double learning_rate, double momentum, bool nesterov,
                   std::optional<farray> velocity) {
  float* w = optim_inplace_ptr(var, "var", var);
  optim_require_same_shape(grad, "grad", var);
  if (momentum != 0.0 && !velocity) fail("`velocity` is required when `momentum` != 0 (received momentum=" + std::to_string(momentum) + ")");
  float* m = optim_optional_inplace_ptr(velocity, "velocity", var);
  const float* g = grad.data();
  const index_t n = var.size();
  // in place: never interrupted
  run_kernel("sgd_update", false, 0, [&] {
    fastnn::sgd_update(w, g, m, n, learning_rate, momentum, nesterov);
  });
}

void adam_update_py(farray var, const farray& grad, farray m, farray v, double learning_rate, double beta_1,
                    double beta_2, double epsilon, std::int64_t step, std::optional<farray> vhat) {
  float* w = optim_inplace_ptr(var, "var", var);
  optim_require_same_shape(grad, "grad", var);
  float* pm = optim_inplace_ptr(m, "m", var);
  float* pv = optim_inplace_ptr(v, "v", var);
  float* pvhat = optim_optional_inplace_ptr(vhat, "vhat", var);
  if (step < 1) fail("`step` must be >= 1 (iterations + 1), received " + std::to_string(step));
  const float* g = grad.data();
  const index_t n = var.size();
  // in place: never interrupted
  run_kernel("adam_update", false, 0, [&] {
    fastnn::adam_update(w, g, pm, pv, pvhat, n, learning_rate, beta_1, beta_2, epsilon, step);
  });
}

void rmsprop_update_py(farray var, const farray& grad, farray velocity, double learning_rate, double rho,
                       double epsilon, double momentum, std::optional<farray> momentum_buf,
                       std::optional<farray> average_grad) {
  float* w = optim_inplace_ptr(var, "var", var);
  optim_require_same_shape(grad, "grad", var);
  float* pv = optim_inplace_ptr(velocity, "velocity", var);
  if (momentum > 0.0 && !momentum_buf) fail("`momentum_buf` is required when `momentum` > 0 (received momentum=" + std::to_string(momentum) + ")");
  float* pmom = optim_optional_inplace_ptr(momentum_buf, "momentum_buf", var);
  float* pavg = optim_optional_inplace_ptr(average_grad, "average_grad", var);
  const float* g = grad.data();
  const index_t n = var.size();
  // in place: never interrupted
  run_kernel("rmsprop_update", false, 0, [&] {
    fastnn::rmsprop_update(w, g, pv, pmom, pavg, n, learning_rate, rho, epsilon, momentum);
  });
}

// ------------------------------------------------------------------------ optimizers (issue 16): Adagrad .. Adadelta
void adagrad_update_py(farray var, const farray& grad, farray accumulator, double learning_rate, double epsilon) {
  float* w = optim_inplace_ptr(var, "var", var);
  optim_require_same_shape(grad, "grad", var);
  float* acc = optim_inplace_ptr(accumulator, "accumulator", var);
  const float* g = grad.data();
  const index_t n = var.size();
  py::gil_scoped_release nogil;
  fastnn::adagrad_update(w, g, acc, n, learning_rate, epsilon);
}

void nadam_update_py(farray var, const farray& grad, farray m, farray v, double learning_rate, double beta_1,
                     double beta_2, double epsilon, std::int64_t step, double u_product) {
  float* w = optim_inplace_ptr(var, "var", var);
  optim_require_same_shape(grad, "grad", var);
  float* pm = optim_inplace_ptr(m, "m", var);
  float* pv = optim_inplace_ptr(v, "v", var);
  if (step < 1) fail("`step` must be >= 1 (iterations + 1), received " + std::to_string(step));
  const float* g = grad.data();
  const index_t n = var.size();
  py::gil_scoped_release nogil;
  fastnn::nadam_update(w, g, pm, pv, n, learning_rate, beta_1, beta_2, epsilon, step, static_cast<float>(u_product));
}

void adamax_update_py(farray var, const farray& grad, farray m, farray u, double learning_rate, double beta_1,
                      double beta_2, double epsilon, std::int64_t step) {
  float* w = optim_inplace_ptr(var, "var", var);
  optim_require_same_shape(grad, "grad", var);
  float* pm = optim_inplace_ptr(m, "m", var);
  float* pu = optim_inplace_ptr(u, "u", var);
  if (step < 1) fail("`step` must be >= 1 (iterations + 1), received " + std::to_string(step));
  const float* g = grad.data();
  const index_t n = var.size();
  py::gil_scoped_release nogil;
  fastnn::adamax_update(w, g, pm, pu, n, learning_rate, beta_1, beta_2, epsilon, step);
}

void lion_update_py(farray var, const farray& grad, farray m, double learning_rate, double beta_1, double beta_2) {
  float* w = optim_inplace_ptr(var, "var", var);
  optim_require_same_shape(grad, "grad", var);
  float* pm = optim_inplace_ptr(m, "m", var);
  const float* g = grad.data();
  const index_t n = var.size();
  py::gil_scoped_release nogil;
  fastnn::lion_update(w, g, pm, n, learning_rate, beta_1, beta_2);
}

void adadelta_update_py(farray var, const farray& grad, farray accumulated_grad, farray accumulated_delta,
                        double learning_rate, double rho, double epsilon) {
  float* w = optim_inplace_ptr(var, "var", var);
  optim_require_same_shape(grad, "grad", var);
  float* ag = optim_inplace_ptr(accumulated_grad, "accumulated_grad", var);
  float* ad = optim_inplace_ptr(accumulated_delta, "accumulated_delta", var);
  const float* g = grad.data();
  const index_t n = var.size();
  py::gil_scoped_release nogil;
  fastnn::adadelta_update(w, g, ag, ad, n, learning_rate, rho, epsilon);
}

// ------------------------------------------------------------------------------------------------ pooling
using pool_i32array = py::array_t<std::int32_t, py::array::c_style>;

// Validates an NHWC input shape, window, strides and padding; returns the geometry (output may be empty).
fastnn::PoolGeometry pool_geometry_py(const std::vector<index_t>& shape, const char* name,
                                      const std::vector<index_t>& ksize, const std::vector<index_t>& strides,
                                      const std::string& padding) {
  auto show = [](const std::vector<index_t>& v) {
    std::string s = "(";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + ")";
  };
  if (shape.size() != 4) fail(std::string("`") + name + "` must be 4-D (batch, height, width, channels), received shape " + show(shape));
  for (index_t d : shape)
    if (d < 0) fail(std::string("`") + name + "` must have non-negative dimensions, received " + show(shape));
  if (ksize.size() != 2 || ksize[0] < 1 || ksize[1] < 1) fail("`ksize` must be 2 positive ints, received " + show(ksize));
  // Each side first, so the product below cannot overflow.
  if (ksize[0] > (index_t(1) << 24) || ksize[1] > (index_t(1) << 24) || ksize[0] * ksize[1] > (index_t(1) << 24)) fail("`ksize` window is too large (more than 2^24 cells): " + show(ksize));
  if (strides.size() != 2 || strides[0] < 1 || strides[1] < 1 || strides[0] > (1 << 30) || strides[1] > (1 << 30))
    fail("`strides` must be 2 positive ints, received " + show(strides));
  std::string mode;
  for (char ch : padding) mode += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (mode != "valid" && mode != "same") fail("`padding` must be 'VALID' or 'SAME', received '" + padding + "'");
  return fastnn::pool_geometry(shape[0], shape[1], shape[2], shape[3], (int)ksize[0], (int)ksize[1], (int)strides[0],
                               (int)strides[1], mode == "same");
}

std::vector<py::ssize_t> pool_output_shape(const fastnn::PoolGeometry& g) {
  return {(py::ssize_t)g.N, (py::ssize_t)g.OH, (py::ssize_t)g.OW, (py::ssize_t)g.C};
}

void require_pool_output_shape(const py::array& a, const char* name, const fastnn::PoolGeometry& g) {
  const auto want = pool_output_shape(g);
  bool same = a.ndim() == 4;
  for (int i = 0; same && i < 4; ++i) same = a.shape(i) == want[i];
  if (!same)
    fail(std::string("`") + name + "` must have the pooled output shape (" + std::to_string(g.N) + ", " +
         std::to_string(g.OH) + ", " + std::to_string(g.OW) + ", " + std::to_string(g.C) + "), received " + shape_of(a));
}

py::object max_pool2d_py(const farray& x, const std::vector<index_t>& ksize, const std::vector<index_t>& strides,
                         const std::string& padding, bool return_argmax) {
  const auto g = pool_geometry_py(shape_vector(x), "input", ksize, strides, padding);
  farray y(pool_output_shape(g));
  pool_i32array argmax(return_argmax ? pool_output_shape(g) : std::vector<py::ssize_t>{0});
  const float* px = x.data();
  float* py_ = y.mutable_data();
  std::int32_t* pa = return_argmax ? argmax.mutable_data() : nullptr;
  run_kernel("max_pool2d", true, 0, [&] { fastnn::max_pool2d(g, px, py_, pa); });
  if (return_argmax) return py::make_tuple(y, argmax);
  return std::move(y);
}

farray avg_pool2d_py(const farray& x, const std::vector<index_t>& ksize, const std::vector<index_t>& strides,
                     const std::string& padding) {
  const auto g = pool_geometry_py(shape_vector(x), "input", ksize, strides, padding);
  farray y(pool_output_shape(g));
  const float* px = x.data();
  float* py_ = y.mutable_data();
  run_kernel("avg_pool2d", true, 0, [&] { fastnn::avg_pool2d(g, px, py_); });
  return y;
}

farray max_pool2d_grad_py(const farray& x, const farray& dy, const std::vector<index_t>& ksize,
                          const std::vector<index_t>& strides, const std::string& padding) {
  const auto g = pool_geometry_py(shape_vector(x), "input", ksize, strides, padding);
  require_pool_output_shape(dy, "grad", g);
  farray dx(shape_vector(x));
  const float *px = x.data(), *pdy = dy.data();
  float* pdx = dx.mutable_data();
  run_kernel("max_pool2d_grad", true, 0, [&] { fastnn::max_pool2d_grad(g, px, pdy, pdx); });
  return dx;
}

farray max_pool2d_grad_from_argmax_py(const std::vector<index_t>& input_shape, const farray& dy,
                                      const pool_i32array& argmax, const std::vector<index_t>& ksize,
                                      const std::vector<index_t>& strides, const std::string& padding) {
  const auto g = pool_geometry_py(input_shape, "input_shape", ksize, strides, padding);
  require_pool_output_shape(dy, "grad", g);
  require_pool_output_shape(argmax, "argmax", g);
  farray dx(std::vector<py::ssize_t>(input_shape.begin(), input_shape.end()));
  const float* pdy = dy.data();
  const std::int32_t* pa = argmax.data();
  float* pdx = dx.mutable_data();
  index_t bad = 0;
  run_kernel("max_pool2d_grad", true, 0, [&] { bad = fastnn::max_pool2d_grad_from_argmax(g, pdy, pa, pdx); });
  if (bad)
    fail("`argmax` does not match this input shape, ksize, strides and padding: " + std::to_string(bad) +
         " entries point outside the window or at padding");
  return dx;
}

farray avg_pool2d_grad_py(const std::vector<index_t>& input_shape, const farray& dy, const std::vector<index_t>& ksize,
                          const std::vector<index_t>& strides, const std::string& padding) {
  const auto g = pool_geometry_py(input_shape, "input_shape", ksize, strides, padding);
  require_pool_output_shape(dy, "grad", g);
  farray dx(std::vector<py::ssize_t>(input_shape.begin(), input_shape.end()));
  const float* pdy = dy.data();
  float* pdx = dx.mutable_data();
  run_kernel("avg_pool2d_grad", true, 0, [&] { fastnn::avg_pool2d_grad(g, pdy, pdx); });
  return dx;
}

// ---- FAMILY BINDINGS (each kernel family adds its functions in its own section below) ----

}  // namespace

void bind_depthwise_conv2d(py::module_& m);  // bind_depthwise_conv2d.cpp
void bind_batch_norm(py::module_& m);  // bind_batch_norm.cpp

PYBIND11_MODULE(_core, m) {
  m.doc() = "fastnn C++ kernels (OpenMP + SIMD, run-time ISA dispatch)";
  g_main_thread_ident = py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  m.attr("__version__") = FASTNN_VERSION;
  fastnn::tune_allocator();  // see memory.h: no page faults for the arrays a training step re-allocates
  m.def("allocator_tuned", &fastnn::tune_allocator,
        "Whether fastnn's glibc malloc settings are in effect (FASTNN_MALLOC_TUNING=0 turns them off).");

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
  m.def("set_num_threads", [](int n) {
        if (n < 0) fail("`n` must be >= 0 (0: the OpenMP default), received " + std::to_string(n));
        fastnn::set_num_threads(n);
      }, py::arg("n"), "Thread count for every kernel (0: the OpenMP default), capped at max_threads().");
  m.def("get_num_threads", &fastnn::num_threads);
  m.def("thread_policy", [] {
        const fastnn::ThreadPolicyStats s = fastnn::thread_policy_stats();
        py::dict d;
        d["adaptive"] = s.adaptive;
        d["timed_regions"] = s.timed_regions;
        d["serial_regions"] = s.serial_regions;
        d["trips"] = s.trips;
        d["ledger_ms"] = s.ledger_ms;
        d["backoff_ms"] = s.backoff_ms;
        d["backoff_regions"] = s.backoff_regions;
        d["serial_remaining_ms"] = s.serial_remaining_ms;
        return d;
      }, "The adaptive thread policy's state: regions timed, regions run serially while backing off, back-offs.");
  m.def("set_thread_policy", [](const std::string& name) {
        if (name != "adaptive" && name != "static")
          fail("Unknown thread policy: '" + name + "'. Expected one of adaptive, static");
        fastnn::set_adaptive_threads(name == "adaptive");
      }, py::arg("name"), "'adaptive' (default) or 'static' (always the requested threads); forgets the history.");
  m.def("_debug_late_partner", &fastnn::set_debug_late_partner_us, py::arg("microseconds"),
        "Tests only: thread 1 sleeps this long at the start of every timed region (0 turns it off).");

  m.def("max_threads", &fastnn::max_threads, "The cap on kernel threads: CPUs this process may run on.");
  m.def("_set_interrupt_piece_work", [](index_t work) {
        const index_t old = fastnn::interrupt_piece_work();
        fastnn::set_interrupt_piece_work(work);
        return old;
      }, py::arg("work"), "Tests only: work units per interruptible piece (1: the smallest); returns the old value.");
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
        "act(op(a) @ op(b) [+ c] [+ bias]); with `c` given, the result accumulates into it in place (such a call "
        "is never interrupted by Ctrl-C, so `c` is never left half-updated).");

  m.def("measure_fma_peak_gflops", [](int threads, double seconds) {
        if (threads < 1 || threads > fastnn::max_threads())  // libgomp exits when it cannot create them
          fail("`threads` must be in [1, max_threads() = " + std::to_string(fastnn::max_threads()) +
               "], received " + std::to_string(threads));
        py::gil_scoped_release nogil;
        return fastnn::measure_fma_peak_gflops(threads, seconds);
      }, py::arg("threads"), py::arg("seconds") = 0.2,
      "Single-precision FMA peak (GFLOP/s) of the active ISA path with `threads` threads (bench suite probe).");

  m.def("unary", &unary_py, py::arg("x"), py::arg("op"), py::arg("alpha") = 0.2f,
        "y = op(x) elementwise, op in relu, leaky_relu, sigmoid, tanh, exp, log; any shape.");
  m.def("unary_grad", &unary_grad_py, py::arg("dy"), py::arg("xy"), py::arg("op"), py::arg("alpha") = 0.2f,
        "dy * op'(.): from the input x for relu/leaky_relu/log, from the output y for sigmoid/tanh/exp.");
  m.def("softmax", &softmax_py, py::arg("logits"), "Softmax over the last axis.");
  m.def("softmax_grad", &softmax_grad_py, py::arg("dy"), py::arg("y"), "y * (dy - sum(dy * y, -1)).");
  m.def("dense_activation_grad", &dense_activation_grad_py, py::arg("dy"), py::arg("y") = py::none(),
        py::arg("activation") = "linear", py::arg("alpha") = 0.2f,
        "(dz, db): dz = dy * act'(y) [B, N], db = column sums of dz [N] (deterministic order).");
  m.def("bias_add_grad", &bias_add_grad_py, py::arg("dy"), "Sum over every axis but the last.");
  m.def("softmax_xent", &softmax_xent_py, py::arg("logits"), py::arg("labels"), py::arg("grad_scale") = 1.f,
        py::arg("with_grad") = false, "Per-sample softmax cross-entropy on 2-D logits [+ grad_scale * dlogits].");
  m.def("sparse_softmax_xent", &sparse_softmax_xent_py, py::arg("logits"), py::arg("labels"),
        py::arg("grad_scale") = 1.f, py::arg("with_grad") = false,
        "Per-sample sparse softmax cross-entropy (int64 labels in [0, N)) [+ grad_scale * dlogits].");

  m.def("conv2d", &conv2d_py, py::arg("input"), py::arg("filters"), py::arg("strides"), py::arg("padding"),
        py::arg("dilations"), py::arg("bias") = py::none(), py::arg("activation") = "linear",
        py::arg("alpha") = 0.2f, "act(conv2d(input, filters) + bias), NHWC input, (KH, KW, Cin, Cout) filters.");
  m.def("conv2d_backprop_input", &conv2d_backprop_input_py, py::arg("input_sizes"), py::arg("filters"),
        py::arg("out_backprop"), py::arg("strides"), py::arg("padding"), py::arg("dilations"),
        "Gradient of conv2d with respect to its input, shape input_sizes.");
  m.def("conv2d_backprop_filter", &conv2d_backprop_filter_py, py::arg("input"), py::arg("filter_sizes"),
        py::arg("out_backprop"), py::arg("strides"), py::arg("padding"), py::arg("dilations"),
        py::arg("bias_grad") = false,
        "Gradient of conv2d with respect to its filters; with bias_grad, (dfilters, dbias) from one pass.");
  bind_depthwise_conv2d(m);

  // optimizers: state arrays are .noconvert() so an in-place update never lands on a silent copy
  m.def("sgd_update", &sgd_update_py, py::arg("var").noconvert(), py::arg("grad"), py::arg("learning_rate"),
        py::arg("momentum") = 0.0, py::arg("nesterov") = false, py::arg("velocity").noconvert() = py::none(),
        "Keras SGD step, in place on var (and velocity when momentum != 0).");
  m.def("adam_update", &adam_update_py, py::arg("var").noconvert(), py::arg("grad"), py::arg("m").noconvert(),
        py::arg("v").noconvert(), py::arg("learning_rate"), py::arg("beta_1"), py::arg("beta_2"), py::arg("epsilon"),
        py::arg("step"), py::arg("vhat").noconvert() = py::none(),
        "Keras Adam step t=step, in place on var, m, v (and vhat: amsgrad).");
  m.def("rmsprop_update", &rmsprop_update_py, py::arg("var").noconvert(), py::arg("grad"),
        py::arg("velocity").noconvert(), py::arg("learning_rate"), py::arg("rho"), py::arg("epsilon"),
        py::arg("momentum") = 0.0, py::arg("momentum_buf").noconvert() = py::none(),
        py::arg("average_grad").noconvert() = py::none(),
        "Keras RMSprop step, in place on var, velocity (and momentum_buf, average_grad).");

  // optimizers (issue 16): Adagrad, Nadam, Adamax, Lion, Adadelta
  m.def("adagrad_update", &adagrad_update_py, py::arg("var").noconvert(), py::arg("grad"),
        py::arg("accumulator").noconvert(), py::arg("learning_rate"), py::arg("epsilon"),
        "Keras Adagrad step, in place on var and accumulator.");
  m.def("nadam_update", &nadam_update_py, py::arg("var").noconvert(), py::arg("grad"), py::arg("m").noconvert(),
        py::arg("v").noconvert(), py::arg("learning_rate"), py::arg("beta_1"), py::arg("beta_2"),
        py::arg("epsilon"), py::arg("step"), py::arg("u_product"),
        "Keras Nadam step t=step (u_product: Keras' _u_product after this step), in place on var, m, v.");
  m.def("adamax_update", &adamax_update_py, py::arg("var").noconvert(), py::arg("grad"), py::arg("m").noconvert(),
        py::arg("u").noconvert(), py::arg("learning_rate"), py::arg("beta_1"), py::arg("beta_2"),
        py::arg("epsilon"), py::arg("step"), "Keras Adamax step t=step, in place on var, m, u.");
  m.def("lion_update", &lion_update_py, py::arg("var").noconvert(), py::arg("grad"), py::arg("m").noconvert(),
        py::arg("learning_rate"), py::arg("beta_1"), py::arg("beta_2"), "Keras Lion step, in place on var and m.");
  m.def("adadelta_update", &adadelta_update_py, py::arg("var").noconvert(), py::arg("grad"),
        py::arg("accumulated_grad").noconvert(), py::arg("accumulated_delta").noconvert(),
        py::arg("learning_rate"), py::arg("rho"), py::arg("epsilon"),
        "Keras Adadelta step, in place on var, accumulated_grad, accumulated_delta.");

  // pooling (NHWC); ksize/strides are (h, w) pairs here, fastnn.ops.pooling accepts TF's forms
  m.def("max_pool2d", &max_pool2d_py, py::arg("input"), py::arg("ksize"), py::arg("strides"), py::arg("padding"),
        py::arg("return_argmax") = false, "Max pooling; with return_argmax, (output, int32 window-cell argmax).");
  m.def("avg_pool2d", &avg_pool2d_py, py::arg("input"), py::arg("ksize"), py::arg("strides"), py::arg("padding"));
  m.def("max_pool2d_grad", &max_pool2d_grad_py, py::arg("input"), py::arg("grad"), py::arg("ksize"),
        py::arg("strides"), py::arg("padding"));
  m.def("max_pool2d_grad_from_argmax", &max_pool2d_grad_from_argmax_py, py::arg("input_shape"), py::arg("grad"),
        py::arg("argmax"), py::arg("ksize"), py::arg("strides"), py::arg("padding"));
  m.def("avg_pool2d_grad", &avg_pool2d_grad_py, py::arg("input_shape"), py::arg("grad"), py::arg("ksize"),
        py::arg("strides"), py::arg("padding"));

  // ---- FAMILY REGISTRATIONS ----
  bind_batch_norm(m);

  fastnn::warm_up_threads();
}

// bindings.cpp — the only file that touches Python objects.
//
// Every function here: checks ranks/shapes and raises ValueError with the argument's name and the bad value,
// allocates outputs while holding the GIL, then releases the GIL around the kernel. Arrays arrive as
// C-contiguous float32 (`farray` does no forcecast: dtype conversion and its messages live in fastnn/ops.py),
// so a caller that bypasses the Python layer gets a TypeError, never a crash.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cctype>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"
#include "dispatch.h"
#include "gemm.h"
#include "optimizers.h"
#include "pool.h"
#include "parallel.h"

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
farray gemm_py(const farray& a, const farray& b, bool trans_a, bool trans_b, const std::optional<farray>& bias,
               const std::string& activation, float alpha, std::optional<farray> c) {
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
  farray out = accumulate ? *c : new_array({(py::ssize_t)M, (py::ssize_t)N});
  if (accumulate && (out.ndim() != 2 || out.shape(0) != M || out.shape(1) != N))
    fail("`c` must have shape (" + std::to_string(M) + ", " + std::to_string(N) + "), received " + shape_of(out));
  if (accumulate && !out.writeable()) fail("`c` must be writeable");
  const float *pa = a.data(), *pb = b.data();
  float* pc = out.mutable_data();
  {
    py::gil_scoped_release nogil;
    fastnn::gemm(trans_a, trans_b, M, N, K, pa, a.shape(1), pb, b.shape(1), pc, N, accumulate, ep);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ optimizers
// In-place updates: the state arrays are taken with .noconvert() (see registrations), so pybind never hands the
// kernel a converted copy whose update would be lost; here we check writeability and shapes.
void optim_require_same_shape(const py::array& a, const char* name, const py::array& var) {
  bool same = a.ndim() == var.ndim();
  for (py::ssize_t i = 0; same && i < a.ndim(); ++i) same = a.shape(i) == var.shape(i);
  if (!same) fail(std::string("`") + name + "` must have the shape of `var` " + shape_of(var) + ", received " + shape_of(a));
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
  py::gil_scoped_release nogil;
  fastnn::sgd_update(w, g, m, n, learning_rate, momentum, nesterov);
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
  py::gil_scoped_release nogil;
  fastnn::adam_update(w, g, pm, pv, pvhat, n, learning_rate, beta_1, beta_2, epsilon, step);
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
  py::gil_scoped_release nogil;
  fastnn::rmsprop_update(w, g, pv, pmom, pavg, n, learning_rate, rho, epsilon, momentum);
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
  if (ksize[0] * ksize[1] > (index_t(1) << 24)) fail("`ksize` window is too large (more than 2^24 cells): " + show(ksize));
  if (strides.size() != 2 || strides[0] < 1 || strides[1] < 1 || strides[0] > (1 << 30) || strides[1] > (1 << 30))
    fail("`strides` must be 2 positive ints, received " + show(strides));
  std::string mode;
  for (char ch : padding) mode += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (mode != "valid" && mode != "same") fail("`padding` must be 'VALID' or 'SAME', received '" + padding + "'");
  return fastnn::pool_geometry(shape[0], shape[1], shape[2], shape[3], (int)ksize[0], (int)ksize[1], (int)strides[0],
                               (int)strides[1], mode == "same");
}

std::vector<index_t> pool_shape_vector(const py::array& a) {
  return std::vector<index_t>(a.shape(), a.shape() + a.ndim());
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
  const auto g = pool_geometry_py(pool_shape_vector(x), "input", ksize, strides, padding);
  farray y(pool_output_shape(g));
  pool_i32array argmax(return_argmax ? pool_output_shape(g) : std::vector<py::ssize_t>{0});
  const float* px = x.data();
  float* py_ = y.mutable_data();
  std::int32_t* pa = return_argmax ? argmax.mutable_data() : nullptr;
  {
    py::gil_scoped_release nogil;
    fastnn::max_pool2d(g, px, py_, pa);
  }
  if (return_argmax) return py::make_tuple(y, argmax);
  return std::move(y);
}

farray avg_pool2d_py(const farray& x, const std::vector<index_t>& ksize, const std::vector<index_t>& strides,
                     const std::string& padding) {
  const auto g = pool_geometry_py(pool_shape_vector(x), "input", ksize, strides, padding);
  farray y(pool_output_shape(g));
  const float* px = x.data();
  float* py_ = y.mutable_data();
  {
    py::gil_scoped_release nogil;
    fastnn::avg_pool2d(g, px, py_);
  }
  return y;
}

farray max_pool2d_grad_py(const farray& x, const farray& dy, const std::vector<index_t>& ksize,
                          const std::vector<index_t>& strides, const std::string& padding) {
  const auto g = pool_geometry_py(pool_shape_vector(x), "input", ksize, strides, padding);
  require_pool_output_shape(dy, "grad", g);
  farray dx(pool_shape_vector(x));
  const float *px = x.data(), *pdy = dy.data();
  float* pdx = dx.mutable_data();
  {
    py::gil_scoped_release nogil;
    fastnn::max_pool2d_grad(g, px, pdy, pdx);
  }
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
  index_t bad;
  {
    py::gil_scoped_release nogil;
    bad = fastnn::max_pool2d_grad_from_argmax(g, pdy, pa, pdx);
  }
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
  {
    py::gil_scoped_release nogil;
    fastnn::avg_pool2d_grad(g, pdy, pdx);
  }
  return dx;
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

  fastnn::warm_up_threads();
}

// bind_depthwise_conv2d.cpp — Python bindings of the depthwise convolution family (depthwise_conv2d.h).
//
// As in bindings.cpp: shapes and geometry are checked first (ValueError naming the argument and echoing the bad
// value), outputs are allocated with the GIL held, then the kernel runs with the GIL released, interruptible by
// Ctrl-C on the main thread; running out of memory is a MemoryError naming the op.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdio>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "bind_common.h"
#include "conv2d.h"
#include "depthwise_conv2d.h"
#include "interrupt.h"
#include "memory.h"
#include "parallel.h"

namespace py = pybind11;
using fastnn::index_t;
using farray = py::array_t<float, py::array::c_style>;

// A named namespace, not an anonymous one: the bind_*.cpp files compile as one unity translation unit.
namespace depthwise_conv2d_bindings {

// The checks and the kernel runner every binding shares (bind_common.h).
using fastnn_bind::fail;
using fastnn_bind::human_bytes;
using fastnn_bind::parse_act;
using fastnn_bind::run_kernel;
using fastnn_bind::shape_vector;

std::string shape_str(const std::vector<index_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

std::string pair_str(const std::pair<index_t, index_t>& p) {
  return "(" + std::to_string(p.first) + ", " + std::to_string(p.second) + ")";
}


std::vector<index_t> sizes_arg(const std::vector<index_t>& sizes, const char* name) {
  if (sizes.size() != 4) fail(std::string("`") + name + "` must have 4 elements, received " + shape_str(sizes));
  return sizes;
}

// Validates x [N, H, W, C] and w [KH, KW, C, M] with the geometry; fills the shape.
fastnn::DepthwiseShape depthwise_shape(const std::vector<index_t>& xs, const std::vector<index_t>& ws,
                                       const std::pair<index_t, index_t>& strides, const std::string& padding,
                                       const std::pair<index_t, index_t>& dilations) {
  constexpr index_t kMaxDim = index_t(1) << 31;
  if (xs.size() != 4) fail("`input` must be 4-D (N, H, W, C), received shape " + shape_str(xs));
  if (ws.size() != 4) fail("`filter` must be 4-D (KH, KW, C, multiplier), received shape " + shape_str(ws));
  for (index_t v : xs)
    if (v < 0 || v >= kMaxDim) fail("`input` dimensions must be in [0, 2^31), received " + shape_str(xs));
  for (index_t v : ws)
    if (v < 0 || v >= kMaxDim) fail("`filter` dimensions must be in [0, 2^31), received " + shape_str(ws));
  if (ws[0] < 1 || ws[1] < 1) fail("`filter` spatial size must be positive, received " + shape_str(ws));
  if (xs[3] != ws[2])
    fail("input depth must equal the filter's third dimension: `input` has " + std::to_string(xs[3]) +
         " channels, `filter` has shape " + shape_str(ws));
  if (strides.first < 1 || strides.second < 1 || strides.first >= kMaxDim || strides.second >= kMaxDim)
    fail("`strides` must be in [1, 2^31), received " + pair_str(strides));
  if (dilations.first < 1 || dilations.second < 1 || dilations.first >= kMaxDim || dilations.second >= kMaxDim)
    fail("`dilations` must be in [1, 2^31), received " + pair_str(dilations));
  if (padding != "valid" && padding != "same") fail("`padding` must be 'valid' or 'same', received '" + padding + "'");
  fastnn::DepthwiseShape s;
  s.N = xs[0], s.H = xs[1], s.W = xs[2], s.C = xs[3], s.M = ws[3], s.KH = ws[0], s.KW = ws[1];
  s.sh = strides.first, s.sw = strides.second, s.dh = dilations.first, s.dw = dilations.second;
  const bool same = padding == "same";
  if (!fastnn::conv2d_output_geometry(s.H, s.KH, s.sh, s.dh, same, &s.OH, &s.pt) ||
      !fastnn::conv2d_output_geometry(s.W, s.KW, s.sw, s.dw, same, &s.OW, &s.pl))
    fail("Computed output size would be negative: input " + std::to_string(s.H) + "x" + std::to_string(s.W) +
         ", effective filter " + std::to_string((s.KH - 1) * s.dh + 1) + "x" + std::to_string((s.KW - 1) * s.dw + 1) +
         ", strides " + pair_str(strides) + " with 'valid' padding");
  const double kMaxElems = 1e12, CE = double(s.C) * double(s.M) + 16;
  if (double(s.N) * double(s.H) * double(s.W) * CE > kMaxElems ||
      double(s.N) * double(s.OH) * double(s.OW) * CE > kMaxElems || double(s.KH) * double(s.KW) * CE > kMaxElems)
    fail("depthwise_conv2d: problem too large (input " + shape_str(xs) + ", filter " + shape_str(ws) + ")");
  return s;
}

double scratch_checked(const fastnn::DepthwiseShape& s, fastnn::DepthwiseOp op, const char* what) {
  const double bytes = fastnn::depthwise_conv2d_scratch_bytes(s, op, fastnn::num_threads());
  const double memory = fastnn::physical_memory_bytes();
  if (memory > 0 && bytes > memory)
    fail(std::string(what) + ": this geometry needs " + human_bytes(bytes) + " of scratch, more than this machine's " +
         human_bytes(memory) + " of memory");
  return bytes;
}

void require_out_backprop(const farray& dy, const fastnn::DepthwiseShape& s) {
  const std::vector<index_t> want = {s.N, s.OH, s.OW, s.C * s.M};
  if (shape_vector(dy) != want)
    fail("`out_backprop` must have shape " + shape_str(want) + ", received " + shape_str(shape_vector(dy)));
}

farray new_array(const std::vector<index_t>& shape) {
  return farray(std::vector<py::ssize_t>(shape.begin(), shape.end()));
}

farray forward_py(const farray& x, const farray& w, const std::pair<index_t, index_t>& strides,
                  const std::string& padding, const std::pair<index_t, index_t>& dilations,
                  const std::optional<farray>& bias, const std::string& activation, float alpha) {
  const fastnn::DepthwiseShape s = depthwise_shape(shape_vector(x), shape_vector(w), strides, padding, dilations);
  if (bias && shape_vector(*bias) != std::vector<index_t>{s.C * s.M})
    fail("`bias` must have shape (" + std::to_string(s.C * s.M) + ",), received " + shape_str(shape_vector(*bias)));
  fastnn::Epilogue ep;
  ep.bias = bias ? bias->data() : nullptr;
  ep.act = parse_act(activation);
  ep.alpha = alpha;
  const double scratch = scratch_checked(s, fastnn::DepthwiseOp::forward, "depthwise_conv2d");
  farray y = new_array({s.N, s.OH, s.OW, s.C * s.M});
  const float *px = x.data(), *pw = w.data();
  float* py_ = y.mutable_data();
  run_kernel("depthwise_conv2d", true, scratch, [&] { fastnn::depthwise_conv2d_forward(s, px, pw, py_, ep); });
  return y;
}

farray backprop_input_py(const std::vector<index_t>& input_sizes, const farray& w, const farray& dy,
                         const std::pair<index_t, index_t>& strides, const std::string& padding,
                         const std::pair<index_t, index_t>& dilations) {
  const std::vector<index_t> xs = sizes_arg(input_sizes, "input_sizes");
  const fastnn::DepthwiseShape s = depthwise_shape(xs, shape_vector(w), strides, padding, dilations);
  require_out_backprop(dy, s);
  const double scratch = scratch_checked(s, fastnn::DepthwiseOp::backward_data, "depthwise_conv2d_backprop_input");
  farray dx = new_array(xs);
  const float *pw = w.data(), *pdy = dy.data();
  float* pdx = dx.mutable_data();
  run_kernel("depthwise_conv2d_backprop_input", true, scratch, [&] { fastnn::depthwise_conv2d_backward_data(s, pdy, pw, pdx); });
  return dx;
}

py::object backprop_filter_py(const farray& x, const std::vector<index_t>& filter_sizes, const farray& dy,
                              const std::pair<index_t, index_t>& strides, const std::string& padding,
                              const std::pair<index_t, index_t>& dilations, bool bias_grad) {
  const std::vector<index_t> ws = sizes_arg(filter_sizes, "filter_sizes");
  const fastnn::DepthwiseShape s = depthwise_shape(shape_vector(x), ws, strides, padding, dilations);
  require_out_backprop(dy, s);
  const double scratch =
      scratch_checked(s, fastnn::DepthwiseOp::backward_filter, "depthwise_conv2d_backprop_filter");
  farray dw = new_array(ws);
  std::optional<farray> db;
  if (bias_grad) db = new_array({s.C * s.M});
  const float *px = x.data(), *pdy = dy.data();
  float* pdw = dw.mutable_data();
  float* pdb = db ? db->mutable_data() : nullptr;
  run_kernel("depthwise_conv2d_backprop_filter", true, scratch, [&] {
    fastnn::depthwise_conv2d_backward_filter(s, px, pdy, pdw, pdb);
  });
  if (bias_grad) return py::make_tuple(dw, *db);
  return std::move(dw);
}

void bind(py::module_& m) {
  m.def("depthwise_conv2d", &forward_py, py::arg("input"), py::arg("filter"), py::arg("strides"),
        py::arg("padding"), py::arg("dilations"), py::arg("bias") = py::none(), py::arg("activation") = "linear",
        py::arg("alpha") = 0.2f,
        "act(depthwise_conv2d(input, filter) + bias), NHWC input, (KH, KW, C, multiplier) filter.");
  m.def("depthwise_conv2d_backprop_input", &backprop_input_py, py::arg("input_sizes"), py::arg("filter"),
        py::arg("out_backprop"), py::arg("strides"), py::arg("padding"), py::arg("dilations"),
        "Gradient of depthwise_conv2d with respect to its input, shape input_sizes.");
  m.def("depthwise_conv2d_backprop_filter", &backprop_filter_py, py::arg("input"), py::arg("filter_sizes"),
        py::arg("out_backprop"), py::arg("strides"), py::arg("padding"), py::arg("dilations"),
        py::arg("bias_grad") = false,
        "Gradient of depthwise_conv2d with respect to its filter; with bias_grad, (dfilter, dbias) from one pass.");
}

}  // namespace depthwise_conv2d_bindings

void bind_depthwise_conv2d(py::module_& m) { depthwise_conv2d_bindings::bind(m); }

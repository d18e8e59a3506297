// bind_conv2d.cpp — Python bindings of the conv2d family (conv2d.h): forward with fused epilogue, backprop
// to the input and to the filters.
#include <algorithm>

#include "bind_common.h"
#include "conv2d.h"
#include "memory.h"
#include "parallel.h"

namespace fastnn_bind {
namespace {

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

}  // namespace

void bind_conv2d(py::module_& m) {
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
}

}  // namespace fastnn_bind

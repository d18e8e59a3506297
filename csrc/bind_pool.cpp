// bind_pool.cpp — Python bindings of the pool family (pool.h): NHWC max / average pooling and their gradients.
#include <cctype>

#include "bind_common.h"
#include "pool.h"

namespace fastnn_bind {
namespace {

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

}  // namespace

void bind_pool(py::module_& m) {
  // pooling (NHWC); ksize/strides are (h, w) pairs here, fastnn.kernels.pool accepts TF's forms
  m.def("max_pool2d", &max_pool2d_py, py::arg("input"), py::arg("ksize"), py::arg("strides"), py::arg("padding"),
        py::arg("return_argmax") = false, "Max pooling; with return_argmax, (output, int32 window-cell argmax).");
  m.def("avg_pool2d", &avg_pool2d_py, py::arg("input"), py::arg("ksize"), py::arg("strides"), py::arg("padding"));
  m.def("max_pool2d_grad", &max_pool2d_grad_py, py::arg("input"), py::arg("grad"), py::arg("ksize"),
        py::arg("strides"), py::arg("padding"));
  m.def("max_pool2d_grad_from_argmax", &max_pool2d_grad_from_argmax_py, py::arg("input_shape"), py::arg("grad"),
        py::arg("argmax"), py::arg("ksize"), py::arg("strides"), py::arg("padding"));
  m.def("avg_pool2d_grad", &avg_pool2d_grad_py, py::arg("input_shape"), py::arg("grad"), py::arg("ksize"),
        py::arg("strides"), py::arg("padding"));
}

}  // namespace fastnn_bind

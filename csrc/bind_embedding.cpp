// bind_embedding.cpp — Python bindings of the embedding family (embedding.h), registered by bind_embedding()
// from the module init in bindings.cpp. Shapes and index ranges are checked here (ValueError naming the argument
// and echoing the bad index, before any kernel reads the table); index dtype conversion and the Keras-style
// messages for float indices live in fastnn/kernels/embedding.py.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "bind_common.h"
#include "embedding.h"

namespace py = pybind11;
using fastnn::index_t;

// A named namespace, not an anonymous one: the bind_*.cpp files compile as one unity translation unit.
namespace embedding_bindings {

using fastnn_bind::farray;
using fastnn_bind::fail;
using fastnn_bind::iarray;
using fastnn_bind::run_kernel;
using fastnn_bind::shape_of;

// Raises unless every index is in [0, V), naming the first bad one as TF does: indices[i,j] = v is not in [0, V).
void check_indices(const iarray& indices, index_t V) {
  const index_t bad = fastnn::embedding_first_bad_index(indices.size(), indices.data(), V);
  if (bad < 0) return;
  std::string where;
  index_t rest = bad;
  for (py::ssize_t a = indices.ndim() - 1; a >= 0; --a) {
    where = std::to_string(rest % indices.shape(a)) + (where.empty() ? "" : ",") + where;
    rest /= indices.shape(a);
  }
  fail("`indices` must be in [0, " + std::to_string(V) + ") (the rows of the embedding table). Received: indices[" +
       where + "] = " + std::to_string(indices.data()[bad]));
}

void require_table(const farray& table) {
  if (table.ndim() != 2) fail("`table` must be 2-D (input_dim, output_dim), received shape " + shape_of(table));
}

farray forward_py(const farray& table, const iarray& indices) {
  require_table(table);
  const index_t V = table.shape(0), D = table.shape(1), N = indices.size();
  check_indices(indices, V);
  std::vector<py::ssize_t> shape(indices.shape(), indices.shape() + indices.ndim());
  shape.push_back(D);
  farray out(shape);
  const float* pt = table.data();
  const std::int64_t* pi = indices.data();
  float* po = out.mutable_data();
  run_kernel("embedding", true, 0, [&] { fastnn::embedding_forward(N, V, D, pt, pi, po); });
  return out;
}

farray backward_py(const iarray& indices, const farray& grad, index_t input_dim) {
  if (input_dim < 0) fail("`input_dim` must be >= 0, received " + std::to_string(input_dim));
  const index_t N = indices.size();
  if (grad.ndim() != indices.ndim() + 1 ||
      std::vector<py::ssize_t>(grad.shape(), grad.shape() + indices.ndim()) !=
          std::vector<py::ssize_t>(indices.shape(), indices.shape() + indices.ndim()))
    fail("`grad` must have the shape of `indices` plus one axis (output_dim), received " + shape_of(grad) +
         " for indices of shape " + shape_of(indices));
  check_indices(indices, input_dim);
  const index_t D = grad.shape(grad.ndim() - 1);
  farray dtable(std::vector<py::ssize_t>{input_dim, D});
  const std::int64_t* pi = indices.data();
  const float* pg = grad.data();
  float* pd = dtable.mutable_data();
  const double scratch = 8.0 * (2.0 * static_cast<double>(input_dim) + static_cast<double>(N) + 1.0);
  run_kernel("embedding_grad", true, scratch, [&] { fastnn::embedding_backward(N, input_dim, D, pi, pg, pd); });
  return dtable;
}

void bind(py::module_& m) {
  m.def("embedding", &forward_py, py::arg("table"), py::arg("indices"),
        "Rows of `table` (V, D) picked by int64 `indices` (any shape, each in [0, V)): shape indices.shape + (D,).");
  m.def("embedding_grad", &backward_py, py::arg("indices"), py::arg("grad"), py::arg("input_dim"),
        "The (input_dim, D) table gradient of embedding: grad rows summed per index, in position order "
        "(bitwise the same for any thread count).");
}

}  // namespace embedding_bindings

void bind_embedding(py::module_& m) { embedding_bindings::bind(m); }

// bind_softmax_xent.cpp — Python bindings of the softmax cross-entropy family (softmax_xent.h): dense and
// sparse labels, per-sample loss [+ gradient].
#include "bind_common.h"
#include "softmax_xent.h"

namespace fastnn_bind {
namespace {

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

}  // namespace

void bind_softmax_xent(py::module_& m) {
  m.def("softmax_xent", &softmax_xent_py, py::arg("logits"), py::arg("labels"), py::arg("grad_scale") = 1.f,
        py::arg("with_grad") = false, "Per-sample softmax cross-entropy on 2-D logits [+ grad_scale * dlogits].");
  m.def("sparse_softmax_xent", &sparse_softmax_xent_py, py::arg("logits"), py::arg("labels"),
        py::arg("grad_scale") = 1.f, py::arg("with_grad") = false,
        "Per-sample sparse softmax cross-entropy (int64 labels in [0, N)) [+ grad_scale * dlogits].");
}

}  // namespace fastnn_bind

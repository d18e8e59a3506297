// bind_elementwise.cpp — Python bindings of the elementwise family (elementwise.h): activations and their
// gradients, exp / log, softmax, the bias and Dense-backward sums.
#include "bind_common.h"
#include "elementwise.h"

namespace fastnn_bind {
namespace {

fastnn::Unary parse_unary(const std::string& name) {
  if (name == "relu") return fastnn::Unary::relu;
  if (name == "leaky_relu") return fastnn::Unary::leaky_relu;
  if (name == "sigmoid") return fastnn::Unary::sigmoid;
  if (name == "tanh") return fastnn::Unary::tanh;
  if (name == "exp") return fastnn::Unary::exp;
  if (name == "log") return fastnn::Unary::log;
  if (name == "gelu") return fastnn::Unary::gelu;
  if (name == "gelu_tanh") return fastnn::Unary::gelu_tanh;
  if (name == "elu") return fastnn::Unary::elu;
  if (name == "selu") return fastnn::Unary::selu;
  if (name == "swish") return fastnn::Unary::swish;
  if (name == "softplus") return fastnn::Unary::softplus;
  if (name == "softsign") return fastnn::Unary::softsign;
  if (name == "hard_sigmoid") return fastnn::Unary::hard_sigmoid;
  if (name == "hard_swish") return fastnn::Unary::hard_swish;
  if (name == "relu6") return fastnn::Unary::relu6;
  if (name == "mish") return fastnn::Unary::mish;
  fail("Unknown elementwise op: '" + name + "'. Expected one of relu, leaky_relu, sigmoid, tanh, exp, log, gelu, "
       "gelu_tanh, elu, selu, swish, softplus, softsign, hard_sigmoid, hard_swish, relu6, mish");
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
  require_same_shape(dy, "dy", xy, fastnn::unary_grad_from_output(kind) ? "y" : "x");
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

}  // namespace

void bind_elementwise(py::module_& m) {
  m.def("unary", &unary_py, py::arg("x"), py::arg("op"), py::arg("alpha") = 0.2f,
        "y = op(x) elementwise (relu, leaky_relu, sigmoid, tanh, exp, log or a Keras activation); any shape.");
  m.def("unary_grad", &unary_grad_py, py::arg("dy"), py::arg("xy"), py::arg("op"), py::arg("alpha") = 0.2f,
        "dy * op'(.): from the output y for sigmoid/tanh/exp, from the input x for every other op.");
  m.def("softmax", &softmax_py, py::arg("logits"), "Softmax over the last axis.");
  m.def("softmax_grad", &softmax_grad_py, py::arg("dy"), py::arg("y"), "y * (dy - sum(dy * y, -1)).");
  m.def("dense_activation_grad", &dense_activation_grad_py, py::arg("dy"), py::arg("y") = py::none(),
        py::arg("activation") = "linear", py::arg("alpha") = 0.2f,
        "(dz, db): dz = dy * act'(y) [B, N], db = column sums of dz [N] (deterministic order).");
  m.def("bias_add_grad", &bias_add_grad_py, py::arg("dy"), "Sum over every axis but the last.");
}

}  // namespace fastnn_bind

// bind_optimizers.cpp — Python bindings of the optimizers family (optimizers.h): fused in-place Keras steps.
#include "bind_common.h"
#include "optimizers.h"

namespace fastnn_bind {
namespace {

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

// ------------------------------------------------------------------------ multi-tensor updates (issue 17)
// The arrays of one multi-tensor update: vars[i] and slots[i][j] (a list per tensor, None for an unused slot)
// updated in place, grads[i] read. Every array must already be a C-contiguous float32 numpy array (no
// conversion: an in-place update must never land on a copy); `required` slots must be present. The vars must be
// distinct arrays (one region updates them all at once).
std::vector<fastnn::TensorSlots> optim_multi_args(const py::sequence& vars, const py::sequence& grads,
                                                  const py::sequence& slots, std::vector<int> required) {
  const size_t count = py::len(vars);
  if (py::len(grads) != count || py::len(slots) != count)
    fail("`vars`, `grads` and `slots` must have the same length, received " + std::to_string(count) + ", " +
         std::to_string(py::len(grads)) + " and " + std::to_string(py::len(slots)));
  auto as_farray = [](const py::handle& h, const std::string& name) {
    if (!py::isinstance<farray>(h))
      throw py::type_error("`" + name + "` must be a C-contiguous float32 numpy array, received " +
                           std::string(py::str(py::type::of(h))));
    return py::reinterpret_borrow<farray>(h);
  };
  std::vector<fastnn::TensorSlots> ts(count);
  std::vector<const float*> seen;
  for (size_t i = 0; i < count; ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    farray var = as_farray(vars[i], "vars" + at);
    farray grad = as_farray(grads[i], "grads" + at);
    float* w = optim_inplace_ptr(var, ("vars" + at).c_str(), var);
    optim_require_same_shape(grad, ("grads" + at).c_str(), var);
    for (const float* p : seen)
      if (p == w) fail("`vars` must be distinct arrays, received the same array twice (vars" + at + ")");
    seen.push_back(w);
    const py::sequence tensor_slots = py::reinterpret_borrow<py::sequence>(slots[i]);
    if (py::len(tensor_slots) > 3) fail("`slots" + at + "` must hold at most 3 arrays");
    fastnn::TensorSlots& t = ts[i];
    t.var = w;
    t.grad = grad.data();
    t.n = var.size();
    t.slot[0] = t.slot[1] = t.slot[2] = nullptr;
    for (size_t j = 0; j < py::len(tensor_slots); ++j) {
      if (tensor_slots[j].is_none()) continue;
      const std::string name = "slots" + at + "[" + std::to_string(j) + "]";
      farray a = as_farray(tensor_slots[j], name);
      t.slot[j] = optim_inplace_ptr(a, name.c_str(), var);
    }
    for (int j : required)
      if (!t.slot[j]) fail("`slots" + at + "[" + std::to_string(j) + "]` is required, received None");
  }
  return ts;
}

void sgd_update_multi_py(const py::sequence& vars, const py::sequence& grads, const py::sequence& slots,
                         double learning_rate, double momentum, bool nesterov) {
  const auto ts = optim_multi_args(vars, grads, slots, momentum != 0.0 ? std::vector<int>{0} : std::vector<int>{});
  run_kernel("sgd_update_multi", false, 0, [&] {  // in place: never interrupted
    fastnn::sgd_update_multi(ts.data(), static_cast<index_t>(ts.size()), learning_rate, momentum, nesterov);
  });
}

void adam_update_multi_py(const py::sequence& vars, const py::sequence& grads, const py::sequence& slots,
                          double learning_rate, double beta_1, double beta_2, double epsilon, std::int64_t step) {
  if (step < 1) fail("`step` must be >= 1 (iterations + 1), received " + std::to_string(step));
  const auto ts = optim_multi_args(vars, grads, slots, {0, 1});
  run_kernel("adam_update_multi", false, 0, [&] {
    fastnn::adam_update_multi(ts.data(), static_cast<index_t>(ts.size()), learning_rate, beta_1, beta_2, epsilon,
                              step);
  });
}

void rmsprop_update_multi_py(const py::sequence& vars, const py::sequence& grads, const py::sequence& slots,
                             double learning_rate, double rho, double epsilon, double momentum) {
  const auto ts = optim_multi_args(vars, grads, slots, momentum > 0.0 ? std::vector<int>{0, 1} : std::vector<int>{0});
  run_kernel("rmsprop_update_multi", false, 0, [&] {
    fastnn::rmsprop_update_multi(ts.data(), static_cast<index_t>(ts.size()), learning_rate, rho, epsilon, momentum);
  });
}

void ftrl_update_py(farray var, const farray& grad, farray accumulator, farray linear, double learning_rate,
                    double learning_rate_power, double l1, double l2, double l2_shrinkage, double beta) {
  float* w = optim_inplace_ptr(var, "var", var);
  optim_require_same_shape(grad, "grad", var);
  float* acc = optim_inplace_ptr(accumulator, "accumulator", var);
  float* lin = optim_inplace_ptr(linear, "linear", var);
  const float* g = grad.data();
  const index_t n = var.size();
  py::gil_scoped_release nogil;
  fastnn::ftrl_update(w, g, acc, lin, n, learning_rate, learning_rate_power, l1, l2, l2_shrinkage, beta);
}

}  // namespace

void bind_optimizers(py::module_& m) {
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
  // multi-tensor updates (issue 17): one region over every parameter, bitwise equal to the per-tensor calls
  m.def("sgd_update_multi", &sgd_update_multi_py, py::arg("vars"), py::arg("grads"), py::arg("slots"),
        py::arg("learning_rate"), py::arg("momentum") = 0.0, py::arg("nesterov") = false,
        "sgd_update on every (vars[i], grads[i], slots[i] = [velocity]) in one parallel region.");
  m.def("adam_update_multi", &adam_update_multi_py, py::arg("vars"), py::arg("grads"), py::arg("slots"),
        py::arg("learning_rate"), py::arg("beta_1"), py::arg("beta_2"), py::arg("epsilon"), py::arg("step"),
        "adam_update on every (vars[i], grads[i], slots[i] = [m, v, vhat or None]) in one parallel region.");
  m.def("rmsprop_update_multi", &rmsprop_update_multi_py, py::arg("vars"), py::arg("grads"), py::arg("slots"),
        py::arg("learning_rate"), py::arg("rho"), py::arg("epsilon"), py::arg("momentum") = 0.0,
        "rmsprop_update on every (vars[i], grads[i], slots[i] = [velocity, momentum_buf, average_grad]) in one "
        "parallel region.");
  m.def("ftrl_update", &ftrl_update_py, py::arg("var").noconvert(), py::arg("grad"),
        py::arg("accumulator").noconvert(), py::arg("linear").noconvert(), py::arg("learning_rate"),
        py::arg("learning_rate_power"), py::arg("l1"), py::arg("l2"), py::arg("l2_shrinkage"), py::arg("beta"),
        "Keras Ftrl step, in place on var, accumulator and linear.");
}

}  // namespace fastnn_bind

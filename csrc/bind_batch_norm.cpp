// bind_batch_norm.cpp — Python bindings of the batch-normalization family (batch_norm.h), registered by
// bind_batch_norm() from the module init in bindings.cpp. Same contract as bindings.cpp: shapes are checked here
// (ValueError naming the argument), outputs allocated with the GIL held, the kernel runs with the GIL released
// and stops on Ctrl-C; dtype conversion and the Keras-style messages live in fastnn/kernels/normalization.py.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "batch_norm.h"
#include "bind_common.h"
#include "interrupt.h"

namespace py = pybind11;
using fastnn::index_t;
using farray = py::array_t<float, py::array::c_style>;

// A named namespace, not an anonymous one: the bind_*.cpp files compile as one unity translation unit.
namespace batch_norm_bindings {

// The kernel runner and shape text every binding shares (bind_common.h).
using fastnn_bind::run_kernel;
using fastnn_bind::shape_of;

// Rows M and channels C of x (channels last, rank >= 1).
void rows_channels(const farray& x, index_t* M, index_t* C) {
  if (x.ndim() < 1) throw py::value_error("`x` must have rank >= 1 (channels last), received a scalar");
  *C = x.shape(x.ndim() - 1);
  *M = *C > 0 ? x.size() / *C : 0;
}

const float* channel_vector(const std::optional<farray>& v, const char* name, index_t C) {
  if (!v) return nullptr;
  if (v->ndim() != 1 || v->shape(0) != C)
    throw py::value_error(std::string("`") + name + "` must have shape (" + std::to_string(C) +
                          ",) (one value per channel), received shape " + shape_of(*v));
  return v->data();
}

farray like(const farray& x) { return farray(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim())); }

py::tuple forward_py(const farray& x, const std::optional<farray>& gamma, const std::optional<farray>& beta,
                     const std::optional<farray>& mean, const std::optional<farray>& variance, float epsilon) {
  index_t M, C;
  rows_channels(x, &M, &C);
  const float* pg = channel_vector(gamma, "gamma", C);
  const float* pb = channel_vector(beta, "beta", C);
  const float* pm = channel_vector(mean, "mean", C);
  const float* pv = channel_vector(variance, "variance", C);
  if ((pm == nullptr) != (pv == nullptr))
    throw py::value_error("`mean` and `variance` must be given together (inference) or both be None (training)");
  farray y = like(x), mean_out(std::vector<py::ssize_t>{C}), var_out(std::vector<py::ssize_t>{C});
  const float* px = x.data();
  float *py_ = y.mutable_data(), *pmo = mean_out.mutable_data(), *pvo = var_out.mutable_data();
  if (pm) {
    fastnn::copy_floats(pmo, pm, C);
    fastnn::copy_floats(pvo, pv, C);
  }
  run_kernel("batch_norm", true, 0, [&] {
    fastnn::batch_norm_forward(M, C, px, pg, pb, pm, pv, epsilon, py_, pmo, pvo);
  });
  return py::make_tuple(y, mean_out, var_out);
}

py::tuple backward_py(const farray& x, const farray& grad, const farray& mean, const farray& variance,
                      const std::optional<farray>& gamma, float epsilon, bool batch_stats) {
  index_t M, C;
  rows_channels(x, &M, &C);
  if (std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()) !=
      std::vector<py::ssize_t>(grad.shape(), grad.shape() + grad.ndim()))
    throw py::value_error("`grad` must have the shape of `x`, received " + shape_of(grad) + " and " + shape_of(x));
  const float* pm = channel_vector(mean, "mean", C);
  const float* pv = channel_vector(variance, "variance", C);
  const float* pg = channel_vector(gamma, "gamma", C);
  farray dx = like(x), dgamma(std::vector<py::ssize_t>{C}), dbeta(std::vector<py::ssize_t>{C});
  const float *px = x.data(), *pdy = grad.data();
  float *pdx = dx.mutable_data(), *pdg = dgamma.mutable_data(), *pdb = dbeta.mutable_data();
  run_kernel("batch_norm_grad", true, 0, [&] {
    fastnn::batch_norm_backward(M, C, px, pdy, pm, pv, pg, epsilon, batch_stats, pdx, pdg, pdb);
  });
  return py::make_tuple(dx, dgamma, dbeta);
}

py::tuple ln_forward_py(const farray& x, const std::optional<farray>& gamma, const std::optional<farray>& beta,
                        float epsilon) {
  index_t M, C;
  rows_channels(x, &M, &C);
  const float* pg = channel_vector(gamma, "gamma", C);
  const float* pb = channel_vector(beta, "beta", C);
  farray y = like(x), mean(std::vector<py::ssize_t>{M}), inv(std::vector<py::ssize_t>{M});
  const float* px = x.data();
  float *py_ = y.mutable_data(), *pm = mean.mutable_data(), *pi = inv.mutable_data();
  run_kernel("layer_norm", true, 0, [&] { fastnn::layer_norm_forward(M, C, px, pg, pb, epsilon, py_, pm, pi); });
  return py::make_tuple(y, mean, inv);
}

py::tuple ln_backward_py(const farray& x, const farray& grad, const farray& mean, const farray& inv,
                         const std::optional<farray>& gamma) {
  index_t M, C;
  rows_channels(x, &M, &C);
  if (std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()) !=
      std::vector<py::ssize_t>(grad.shape(), grad.shape() + grad.ndim()))
    throw py::value_error("`grad` must have the shape of `x`, received " + shape_of(grad) + " and " + shape_of(x));
  for (const farray* a : {&mean, &inv})
    if (a->ndim() != 1 || a->shape(0) != M)
      throw py::value_error("`mean` and `inv` must have shape (" + std::to_string(M) +
                            ",) (one value per row), received shape " + shape_of(*a));
  const float* pg = channel_vector(gamma, "gamma", C);
  farray dx = like(x), dgamma(std::vector<py::ssize_t>{C}), dbeta(std::vector<py::ssize_t>{C});
  const float *px = x.data(), *pdy = grad.data(), *pm = mean.data(), *pi = inv.data();
  float *pdx = dx.mutable_data(), *pdg = dgamma.mutable_data(), *pdb = dbeta.mutable_data();
  run_kernel("layer_norm_grad", true, 0, [&] {
    fastnn::layer_norm_backward(M, C, px, pdy, pm, pi, pg, pdx, pdg, pdb);
  });
  return py::make_tuple(dx, dgamma, dbeta);
}

void bind(py::module_& m) {
  m.def("batch_norm", &forward_py, py::arg("x"), py::arg("gamma") = py::none(), py::arg("beta") = py::none(),
        py::arg("mean") = py::none(), py::arg("variance") = py::none(), py::arg("epsilon") = 1e-3f,
        "Batch normalization over the last axis: (y, mean, variance). Without mean/variance, the batch's own "
        "(biased) statistics are computed and returned; with them, they are used as given.");
  m.def("batch_norm_grad", &backward_py, py::arg("x"), py::arg("grad"), py::arg("mean"), py::arg("variance"),
        py::arg("gamma") = py::none(), py::arg("epsilon") = 1e-3f, py::arg("batch_stats") = true,
        "(dx, dgamma, dbeta) of batch_norm; batch_stats: the forward used the batch's own statistics.");
  m.def("layer_norm", &ln_forward_py, py::arg("x"), py::arg("gamma") = py::none(), py::arg("beta") = py::none(),
        py::arg("epsilon") = 1e-3f, "Layer normalization over the last axis: (y, row means, row 1/std).");
  m.def("layer_norm_grad", &ln_backward_py, py::arg("x"), py::arg("grad"), py::arg("mean"), py::arg("inv"),
        py::arg("gamma") = py::none(), "(dx, dgamma, dbeta) of layer_norm from its row statistics.");
}

}  // namespace batch_norm_bindings

void bind_batch_norm(py::module_& m) { batch_norm_bindings::bind(m); }

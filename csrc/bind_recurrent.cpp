// bind_recurrent.cpp — Python bindings of the recurrent family (recurrent.h), registered by bind_recurrent() from
// the module init in bindings.cpp. Shapes are checked here (ValueError naming the argument), outputs allocated
// with the GIL held, the kernels run with the GIL released and stop on Ctrl-C; dtype conversion and the
// Keras-style messages live in fastnn/kernels/recurrent.py.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bind_common.h"
#include "recurrent.h"

namespace recurrent_bindings {

namespace py = pybind11;
using fastnn::index_t;
using farray = py::array_t<float, py::array::c_style>;
using u8array = py::array_t<std::uint8_t, py::array::c_style>;
using fastnn_bind::fail;
using fastnn_bind::run_kernel;
using fastnn_bind::shape_of;

fastnn::CellKind parse_kind(const std::string& kind) {
  if (kind == "simple") return fastnn::CellKind::simple;
  if (kind == "lstm") return fastnn::CellKind::lstm;
  if (kind == "gru") return fastnn::CellKind::gru;
  fail("`cell` must be one of simple, lstm, gru, received '" + kind + "'");
}

fastnn::Act parse_rnn_act(const std::string& name, const char* arg) {
  const fastnn::Act a = fastnn_bind::parse_act(name);
  if (a == fastnn::Act::leaky_relu) fail(std::string("`") + arg + "` must be one of linear, relu, sigmoid, tanh");
  return a;
}

void require_shape(const py::array& a, const char* name, const std::vector<index_t>& shape) {
  if (fastnn_bind::shape_vector(a) != shape) {
    std::string want = "(";
    for (size_t i = 0; i < shape.size(); ++i) want += (i ? ", " : "") + std::to_string(shape[i]);
    want += shape.size() == 1 ? ",)" : ")";
    fail(std::string("`") + name + "` must have shape " + want + ", received " + shape_of(a));
  }
}

// Dimensions from x [B, T, F] and recurrent_kernel [U, G]; checks kernel [F, G].
fastnn::RnnDims dims_of(const std::string& kind, const farray& x, const farray& kernel, const farray& rec,
                        const std::string& act, const std::string& rec_act, bool reverse, bool zero_masked) {
  fastnn::RnnDims d;
  d.kind = parse_kind(kind);
  d.act = parse_rnn_act(act, "activation");
  d.rec_act = parse_rnn_act(rec_act, "recurrent_activation");
  d.reverse = reverse;
  d.zero_masked_output = zero_masked;
  fastnn_bind::require_ndim(x, "x", 3);
  fastnn_bind::require_ndim(rec, "recurrent_kernel", 2);
  d.B = x.shape(0);
  d.T = x.shape(1);
  d.F = x.shape(2);
  d.U = rec.shape(0);
  const index_t G = fastnn::gate_count(d.kind) * d.U;
  require_shape(rec, "recurrent_kernel", {d.U, G});
  require_shape(kernel, "kernel", {d.F, G});
  return d;
}

const float* optional_state(const std::optional<farray>& a, const char* name, const fastnn::RnnDims& d) {
  if (!a) return nullptr;
  require_shape(*a, name, {d.B, d.U});
  return a->data();
}

const std::uint8_t* optional_mask(const std::optional<u8array>& m, const fastnn::RnnDims& d) {
  if (!m) return nullptr;
  require_shape(*m, "mask", {d.B, d.T});
  return m->data();
}

farray make(const std::vector<py::ssize_t>& shape) { return farray(shape); }

py::tuple forward_py(const std::string& kind, const farray& x, const farray& kernel, const farray& rec,
                     const std::optional<farray>& bias, const std::optional<farray>& h0,
                     const std::optional<farray>& c0, const std::optional<u8array>& mask, const std::string& act,
                     const std::string& rec_act, bool reverse, bool zero_masked) {
  const fastnn::RnnDims d = dims_of(kind, x, kernel, rec, act, rec_act, reverse, zero_masked);
  const index_t G = fastnn::gate_count(d.kind) * d.U;
  const bool lstm = d.kind == fastnn::CellKind::lstm, gru = d.kind == fastnn::CellKind::gru;
  if (bias) {
    if (gru) require_shape(*bias, "bias", {2, G}); else require_shape(*bias, "bias", {G});
  }
  const float* ph0 = optional_state(h0, "h0", d);
  const float* pc0 = lstm ? optional_state(c0, "c0", d) : nullptr;
  const std::uint8_t* pm = optional_mask(mask, d);
  farray y = make({d.B, d.T, d.U}), hT = make({d.B, d.U});
  farray gates = make({d.B, d.T, G}), hprev = make({d.B, d.T, d.U});
  py::object cT = py::none(), cprev = py::none(), qh = py::none();
  fastnn::RnnSaved saved;
  saved.gates = gates.mutable_data();
  saved.hprev = hprev.mutable_data();
  float* pcT = nullptr;
  if (lstm) {
    farray a = make({d.B, d.U}), b = make({d.B, d.T, d.U});
    pcT = a.mutable_data();
    saved.cprev = b.mutable_data();
    cT = a;
    cprev = b;
  }
  if (gru) {
    farray a = make({d.B, d.T, d.U});
    saved.qh = a.mutable_data();
    qh = a;
  }
  const float *px = x.data(), *pw = kernel.data(), *pr = rec.data(), *pb = bias ? bias->data() : nullptr;
  float *py_ = y.mutable_data(), *phT = hT.mutable_data();
  run_kernel("rnn", true, 4.0 * d.B * (G + d.U), [&] {
    fastnn::rnn_forward(d, px, pw, pr, pb, ph0, pc0, pm, py_, phT, pcT, saved);
  });
  return py::make_tuple(y, hT, cT, py::make_tuple(gates, hprev, cprev, qh));
}

py::tuple backward_py(const std::string& kind, const farray& x, const farray& kernel, const farray& rec,
                      bool has_bias, const std::optional<u8array>& mask, const farray& gates, const farray& hprev,
                      const std::optional<farray>& cprev, const std::optional<farray>& qh,
                      const std::optional<farray>& dy, const std::optional<farray>& dhT,
                      const std::optional<farray>& dcT, const std::string& act, const std::string& rec_act,
                      bool reverse, bool zero_masked) {
  const fastnn::RnnDims d = dims_of(kind, x, kernel, rec, act, rec_act, reverse, zero_masked);
  const index_t G = fastnn::gate_count(d.kind) * d.U;
  const bool lstm = d.kind == fastnn::CellKind::lstm, gru = d.kind == fastnn::CellKind::gru;
  require_shape(gates, "gates", {d.B, d.T, G});
  require_shape(hprev, "hprev", {d.B, d.T, d.U});
  fastnn::RnnSaved saved;
  saved.gates = const_cast<float*>(gates.data());  // read only in the backward
  saved.hprev = const_cast<float*>(hprev.data());
  if (lstm) {
    if (!cprev) fail("`cprev` is required for the LSTM backward");
    require_shape(*cprev, "cprev", {d.B, d.T, d.U});
    saved.cprev = const_cast<float*>(cprev->data());
  }
  if (gru) {
    if (!qh) fail("`qh` is required for the GRU backward");
    require_shape(*qh, "qh", {d.B, d.T, d.U});
    saved.qh = const_cast<float*>(qh->data());
  }
  if (dy) require_shape(*dy, "dy", {d.B, d.T, d.U});
  const float* pdh = optional_state(dhT, "dhT", d);
  const float* pdc = lstm ? optional_state(dcT, "dcT", d) : nullptr;
  const std::uint8_t* pm = optional_mask(mask, d);
  farray dx = make({d.B, d.T, d.F}), dW = make({d.F, G}), dR = make({d.U, G}), dh0 = make({d.B, d.U});
  py::object dbias = py::none(), dc0 = py::none();
  float *pdb = nullptr, *pdc0 = nullptr;
  if (has_bias) {
    farray b = gru ? make({2, G}) : make({G});
    pdb = b.mutable_data();
    dbias = b;
  }
  if (lstm) {
    farray c = make({d.B, d.U});
    pdc0 = c.mutable_data();
    dc0 = c;
  }
  const float *px = x.data(), *pw = kernel.data(), *pr = rec.data(), *pdy = dy ? dy->data() : nullptr;
  float *pdx = dx.mutable_data(), *pdW = dW.mutable_data(), *pdR = dR.mutable_data(), *pdh0 = dh0.mutable_data();
  run_kernel("rnn_grad", true, 4.0 * d.B * d.T * G * (gru ? 2 : 1), [&] {
    fastnn::rnn_backward(d, px, pw, pr, pm, saved, pdy, pdh, pdc, pdx, pdW, pdR, pdb, pdh0, pdc0);
  });
  return py::make_tuple(dx, dW, dR, dbias, dh0, dc0);
}

void bind(py::module_& m) {
  m.def("rnn", &forward_py, py::arg("cell"), py::arg("x"), py::arg("kernel"), py::arg("recurrent_kernel"),
        py::arg("bias") = py::none(), py::arg("h0") = py::none(), py::arg("c0") = py::none(),
        py::arg("mask") = py::none(), py::arg("activation") = "tanh", py::arg("recurrent_activation") = "sigmoid",
        py::arg("reverse") = false, py::arg("zero_masked_output") = false,
        "A SimpleRNN/LSTM/GRU layer over a sequence: (y[B,T,U], h_T, c_T or None, saved for rnn_grad).");
  m.def("rnn_grad", &backward_py, py::arg("cell"), py::arg("x"), py::arg("kernel"), py::arg("recurrent_kernel"),
        py::arg("has_bias"), py::arg("mask"), py::arg("gates"), py::arg("hprev"), py::arg("cprev"), py::arg("qh"),
        py::arg("dy"), py::arg("dhT"), py::arg("dcT"), py::arg("activation") = "tanh",
        py::arg("recurrent_activation") = "sigmoid", py::arg("reverse") = false,
        py::arg("zero_masked_output") = false,
        "Backprop-through-time of rnn: (dx, dkernel, drecurrent_kernel, dbias or None, dh0, dc0 or None).");
}

}  // namespace recurrent_bindings

void bind_recurrent(pybind11::module_& m) { recurrent_bindings::bind(m); }

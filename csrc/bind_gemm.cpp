// bind_gemm.cpp — Python bindings of the GEMM family (gemm.h): matmul with a fused bias + activation
// epilogue, optionally accumulating into `c`.
#include "bind_common.h"
#include "gemm.h"

namespace fastnn_bind {
namespace {

// `c` (accumulate in place) arrives as a plain array: a caster would silently copy a non-contiguous one and the
// result would never reach the caller's buffer.
farray gemm_py(const farray& a, const farray& b, bool trans_a, bool trans_b, const std::optional<farray>& bias,
               const std::string& activation, float alpha, const std::optional<py::array>& c) {
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
  if (accumulate) {
    if (!farray::check_(*c) || !c->writeable())
      fail("`c` must be a writeable C-contiguous float32 array, received dtype " + std::string(py::str(c->dtype())) +
           " with shape " + shape_of(*c));
    if (c->ndim() != 2 || c->shape(0) != M || c->shape(1) != N)
      fail("`c` must have shape (" + std::to_string(M) + ", " + std::to_string(N) + "), received " + shape_of(*c));
  }
  farray out = accumulate ? py::reinterpret_borrow<farray>(*c) : new_array({(py::ssize_t)M, (py::ssize_t)N});
  const float *pa = a.data(), *pb = b.data();
  float* pc = out.mutable_data();
  run_kernel("matmul", !accumulate, 0, [&] {
    fastnn::gemm(trans_a, trans_b, M, N, K, pa, a.shape(1), pb, b.shape(1), pc, N, accumulate, ep);
  });
  return out;
}

}  // namespace

void bind_gemm(py::module_& m) {
  m.def("gemm", &gemm_py, py::arg("a"), py::arg("b"), py::arg("transpose_a") = false,
        py::arg("transpose_b") = false, py::arg("bias") = py::none(), py::arg("activation") = "linear",
        py::arg("alpha") = 0.2f, py::arg("c") = py::none(),
        "act(op(a) @ op(b) [+ c] [+ bias]); with `c` given, the result accumulates into it in place (such a call "
        "is never interrupted by Ctrl-C, so `c` is never left half-updated).");
}

}  // namespace fastnn_bind

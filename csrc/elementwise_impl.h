// elementwise_impl.h — ISA-templated bodies of the elementwise family (see elementwise.h). Included by
// elementwise_{avx512,avx2,generic}.cpp after simd.h. Formulas follow TensorFlow's kernels
// (tensorflow/core/kernels/relu_op_functor.h, cwise_ops_gradients.h, softmax_op_functor.h).
#pragma once
#include "elementwise.h"
#include "vmath.h"

namespace fastnn {
namespace FASTNN_ISA_NS {
namespace {

// y = f(x) over n floats, W lanes at a time, the tail through masked loads/stores (same math in every lane,
// so a value's result never depends on where a thread's range starts).
template <class F>
FASTNN_INLINE void map1(const float* x, float* y, index_t n, F f) {  // y == x allowed
  index_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    const vf a = f(vload(x + i)), b = f(vload(x + i + W));
    vstore(y + i, a);
    vstore(y + i + W, b);
  }
  for (; i + W <= n; i += W) vstore(y + i, f(vload(x + i)));
  if (i < n) vstore_n(y + i, f(vload_n(x + i, int(n - i))), int(n - i));
}

template <class F>
FASTNN_INLINE void map2(const float* a, const float* b, float* out, index_t n, F f) {
  index_t i = 0;
  for (; i + W <= n; i += W) vstore(out + i, f(vload(a + i), vload(b + i)));
  if (i < n) {
    const int t = int(n - i);
    vstore_n(out + i, f(vload_n(a + i, t), vload_n(b + i, t)), t);
  }
}

// act'(.) · dy for an activation differentiated from its output y (y > 0 ⇔ x > 0 for relu / leaky_relu).
FASTNN_INLINE vf act_grad(Act act, vf alpha, vf dy, vf y) {
  const vf one = vset1(1.f);
  switch (act) {
    case Act::relu: return vmul(dy, vselect_gt(y, vzero(), one, vzero()));  // TF: dy * (x > 0), NaN dy stays NaN
    case Act::leaky_relu: return vselect_gt(y, vzero(), dy, vmul(dy, alpha));
    case Act::sigmoid: return vmul(vmul(dy, y), vsub(one, y));
    case Act::tanh: return vmul(dy, vsub(one, vmul(y, y)));
    default: return dy;
  }
}

// ---- the Keras 3 activations, each the formula of Keras' TensorFlow backend (keras/src/backend/tensorflow/nn.py
// and the tf.nn ops it calls), evaluated in one pass; derivatives from the forward input x.
constexpr float kSqrtHalf = 0.7071067811865476f, kInvSqrt2Pi = 0.3989422804014327f;
constexpr float kGeluC = 0.7978845608028654f, kGeluK = 0.044715f;  // √(2/π) and the cubic coefficient
constexpr float kSeluScale = 1.0507009873554804934193349852946f;
constexpr float kSeluScaleAlpha = 1.7580993408473768599402175208123f;  // scale · alpha, as TF's kernel

// hard_sigmoid = relu6(x + 3) / 6 (Keras 3).
FASTNN_INLINE vf hard_sigmoid_v(vf v) {
  return vdiv(vmin(vset1(6.f), vmax(vzero(), vadd(v, vset1(3.f)))), vset1(6.f));
}

// 1 where lo < t < hi, else 0 (NaN: 0), for TF's dy * mask products (a NaN dy stays NaN).
FASTNN_INLINE vf open_interval_mask(vf t, float lo, float hi) {
  return vselect_gt(t, vset1(lo), vselect_lt(t, vset1(hi), vset1(1.f), vzero()), vzero());
}

FASTNN_INLINE vf keras_act(Unary op, vf alpha, vf v) {
  const vf half = vset1(0.5f), one = vset1(1.f);
  switch (op) {
    case Unary::gelu:  // 0.5·x·(1 + erf(x/√2))
      return vmul(vmul(half, v), vadd(one, verf(vmul(v, vset1(kSqrtHalf)))));
    case Unary::gelu_tanh: {  // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const vf inner = vmul(vset1(kGeluC), vfma(vmul(vset1(kGeluK), vmul(v, v)), v, v));
      return vmul(vmul(half, v), vadd(one, vtanh(inner)));
    }
    case Unary::elu: return vselect_lt(v, vzero(), vmul(alpha, vexpm1_neg(v)), v);  // TF's test x < 0: elu(−0) = −0
    case Unary::selu:  // TF's branch test is x < 0 (so the slope at 0 is scale)
      return vselect_lt(v, vzero(), vmul(vset1(kSeluScaleAlpha), vexpm1_neg(v)), vmul(vset1(kSeluScale), v));
    case Unary::swish: return vmul(v, vsigmoid(v));
    case Unary::softplus: return vsoftplus(v);
    case Unary::softsign: return vdiv(v, vadd(one, vabs(v)));
    case Unary::hard_sigmoid: return hard_sigmoid_v(v);
    case Unary::hard_swish: return vmul(v, hard_sigmoid_v(v));
    case Unary::relu6: return vmin(vset1(6.f), vmax(vzero(), v));  // constants first: NaN propagates, relu6(−0) = −0 as TF
    case Unary::mish: return vmul(v, vtanh(vsoftplus(v)));
    default: return v;
  }
}

FASTNN_INLINE vf keras_act_grad(Unary op, vf alpha, vf g, vf v) {
  const vf half = vset1(0.5f), one = vset1(1.f);
  switch (op) {
    case Unary::gelu: {  // Φ(x) + x·φ(x)
      const vf cdf = vmul(half, vadd(one, verf(vmul(v, vset1(kSqrtHalf)))));
      const vf pdf = vmul(vset1(kInvSqrt2Pi), vexp(vmul(vmul(v, v), vset1(-0.5f))));
      return vmul(g, vfma(v, pdf, cdf));
    }
    case Unary::gelu_tanh: {  // 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)
      const vf x2 = vmul(v, v);
      const vf t = vtanh(vmul(vset1(kGeluC), vfma(vmul(vset1(kGeluK), x2), v, v)));
      const vf dinner = vmul(vset1(kGeluC), vfma(vset1(3.f * kGeluK), x2, one));
      const vf d = vfma(vmul(vmul(half, v), vfnma(t, t, one)), dinner, vmul(half, vadd(one, t)));
      return vmul(g, d);
    }
    case Unary::elu: return vselect_gt(v, vzero(), g, vmul(g, vmul(alpha, vexp(v))));
    case Unary::selu:
      return vselect_lt(v, vzero(), vmul(g, vmul(vset1(kSeluScaleAlpha), vexp(v))), vmul(g, vset1(kSeluScale)));
    case Unary::swish: {  // s·(1 + x·(1 − s))
      const vf s = vsigmoid(v);
      return vmul(g, vmul(s, vfma(v, vsub(one, s), one)));
    }
    case Unary::softplus: return vmul(g, vsigmoid(v));
    case Unary::softsign: {
      const vf d = vadd(one, vabs(v));
      return vdiv(g, vmul(d, d));
    }
    case Unary::hard_sigmoid:
      return vmul(vdiv(g, vset1(6.f)), open_interval_mask(vadd(v, vset1(3.f)), 0.f, 6.f));
    case Unary::hard_swish:  // d(x·hs(x)) = hs(x) + x·hs'(x), as TF's product rule adds them
      return vfma(vdiv(vmul(g, v), vset1(6.f)), open_interval_mask(vadd(v, vset1(3.f)), 0.f, 6.f),
                  vmul(g, hard_sigmoid_v(v)));
    case Unary::relu6: return vmul(g, open_interval_mask(v, 0.f, 6.f));
    case Unary::mish: {  // tanh(sp) + x·sigmoid(x)·(1 − tanh(sp)²)
      const vf t = vtanh(vsoftplus(v));
      return vmul(g, vfma(vmul(v, vsigmoid(v)), vfnma(t, t, one), t));
    }
    default: return g;
  }
}

void unary_kernel(Unary op, float alpha, const float* x, float* y, index_t n) {
  const vf a = vset1(alpha), zero = vzero();
  switch (op) {
    case Unary::relu: map1(x, y, n, [&](vf v) { return vmax(zero, v); }); break;  // constant first: NaN propagates
    case Unary::leaky_relu: map1(x, y, n, [&](vf v) { return vselect_gt(v, zero, v, vmul(v, a)); }); break;
    case Unary::sigmoid: map1(x, y, n, [](vf v) { return vsigmoid(v); }); break;
    case Unary::tanh: map1(x, y, n, [](vf v) { return vtanh(v); }); break;
    case Unary::exp: map1(x, y, n, [](vf v) { return vexp(v); }); break;
    case Unary::log: map1(x, y, n, [](vf v) { return vlog(v); }); break;
    default: map1(x, y, n, [&](vf v) { return keras_act(op, a, v); }); break;
  }
}

// xy is the forward input x for relu / leaky_relu / log, the output y for sigmoid / tanh / exp.
void unary_grad_kernel(Unary op, float alpha, const float* dy, const float* xy, float* dx, index_t n) {
  const vf a = vset1(alpha), one = vset1(1.f);
  switch (op) {
    case Unary::relu: map2(dy, xy, dx, n, [&](vf g, vf v) { return act_grad(Act::relu, a, g, v); }); break;
    case Unary::leaky_relu:
      map2(dy, xy, dx, n, [&](vf g, vf v) { return act_grad(Act::leaky_relu, a, g, v); });
      break;
    case Unary::sigmoid: map2(dy, xy, dx, n, [&](vf g, vf v) { return act_grad(Act::sigmoid, a, g, v); }); break;
    case Unary::tanh: map2(dy, xy, dx, n, [&](vf g, vf v) { return act_grad(Act::tanh, a, g, v); }); break;
    case Unary::exp: map2(dy, xy, dx, n, [](vf g, vf v) { return vmul(g, v); }); break;
    case Unary::log: map2(dy, xy, dx, n, [&](vf g, vf v) { return vmul(g, vdiv(one, v)); }); break;  // TF: dy * (1/x)
    default: map2(dy, xy, dx, n, [&](vf g, vf v) { return keras_act_grad(op, a, g, v); }); break;
  }
}

// softmax over each row: max → exp(x − max) stored and summed → scale by 1/sum (as TF's functor does).
void softmax_rows_kernel(const float* x, float* y, index_t rows, index_t n) {
  for (index_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int nb = rows - r0 < kRowBlock ? int(rows - r0) : kRowBlock;
    const float* xb = x + r0 * n;
    float* yb = y + r0 * n;
    float m[kRowBlock], sum[kRowBlock];
    for (int i = 0; i < nb; ++i) m[i] = row_max(xb + i * n, n);
    for (int i = 0; i < nb; ++i) sum[i] = exp_store_sum_row(xb + i * n, vset1(m[i]), yb + i * n, n);
    for (int i = 0; i < nb; ++i) {
      const vf inv = vset1(1.f / sum[i]);
      map1(yb + i * n, yb + i * n, n, [&](vf v) { return vmul(v, inv); });
    }
  }
}

void softmax_grad_rows_kernel(const float* dy, const float* y, float* dx, index_t rows, index_t n) {
  for (index_t r = 0; r < rows; ++r) {
    const float *g = dy + r * n, *yr = y + r * n;
    vf acc = vzero();
    index_t j = 0;
    for (; j + W <= n; j += W) acc = vfma(vload(g + j), vload(yr + j), acc);
    if (j < n) acc = vfma(vload_n(g + j, int(n - j)), vload_n(yr + j, int(n - j)), acc);  // masked lanes are 0
    const vf dot = vset1(vhsum(acc));
    map2(g, yr, dx + r * n, n, [&](vf gv, vf yv) { return vmul(vsub(gv, dot), yv); });
  }
}

// Column sums of g = dy ⊙ act'(y) over `rows` rows, added row after row (a fixed order), optionally storing g.
void act_grad_colsum_kernel(Act act, float alpha, const float* dy, const float* y, float* dz, float* colsum,
                            index_t rows, index_t n) {
  const vf a = vset1(alpha);
  for (index_t r = 0; r < rows; ++r) {
    const float* g_row = dy + r * n;
    const float* y_row = y ? y + r * n : nullptr;
    float* dz_row = dz ? dz + r * n : nullptr;
    index_t j = 0;
    auto step = [&](int t) {  // t lanes starting at column j (W except at the tail)
      const bool full = t == W;
      vf g = full ? vload(g_row + j) : vload_n(g_row + j, t);
      if (act != Act::linear) g = act_grad(act, a, g, full ? vload(y_row + j) : vload_n(y_row + j, t));
      if (dz_row) { if (full) vstore(dz_row + j, g); else vstore_n(dz_row + j, g, t); }
      if (r > 0) g = vadd(full ? vload(colsum + j) : vload_n(colsum + j, t), g);
      if (full) vstore(colsum + j, g); else vstore_n(colsum + j, g, t);
    };
    for (; j + W <= n; j += W) step(W);
    if (j < n) step(int(n - j));
  }
}

}  // namespace

extern const ElementwiseKernels elementwise_kernels;  // extern: a namespace-scope const is otherwise internal
const ElementwiseKernels elementwise_kernels = {
    unary_kernel, unary_grad_kernel, softmax_rows_kernel, softmax_grad_rows_kernel, act_grad_colsum_kernel,
};

}  // namespace FASTNN_ISA_NS
}  // namespace fastnn

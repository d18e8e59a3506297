// depthwise_conv2d.h — depthwise 2-D convolution (tf.nn.depthwise_conv2d), NHWC, forward and both gradients.
//
// Shapes (row-major, float32), M = depth multiplier, CE = C·M output ("expanded") channels:
//   x  [N, H, W, C]            input
//   w  [KH, KW, C, M]          kernel (Keras / TF layout)
//   y  [N, OH, OW, CE];        y[n,oh,ow,c·M+m] = Σ_{kh,kw} x[n, oh·sh + kh·dh − pt, ow·sw + kw·dw − pl, c]
//                                                  · w[kh,kw,c,m]   (out-of-range x reads as 0)
//   dy [N, OH, OW, CE];  dx [N, H, W, C];  dw [KH, KW, C, M];  db [CE]
//
// Seen over the expanded channels (x's channel c repeated M times), every op is a per-channel stencil with the
// weights w viewed as [KH·KW][CE], so the ISA kernels vectorise along CE (contiguous in NHWC) and never mix
// channels; when M > 1 the drivers expand x (and reduce dx over m) around them. The geometry (OH, OW, pt, pl)
// follows TF's rules (conv2d_output_geometry). No argument validation here: the binding checks first.
#pragma once
#include "common.h"

namespace fastnn {

struct DepthwiseShape {
  index_t N, H, W, C, M;
  index_t KH, KW;
  index_t sh, sw;  // strides
  index_t dh, dw;  // dilations
  index_t OH, OW;  // output size
  index_t pt, pl;  // zero padding before the first row / column
};

// y = act(depthwise(x, w) + bias); ep.bias ([CE]) may be null. The taps are summed in (kh, kw) order.
void depthwise_conv2d_forward(const DepthwiseShape& s, const float* x, const float* w, float* y, const Epilogue& ep);

// dx = ∂L/∂x given dy (tf.raw_ops.DepthwiseConv2dNativeBackpropInput).
void depthwise_conv2d_backward_data(const DepthwiseShape& s, const float* dy, const float* w, float* dx);

// dw = ∂L/∂w (tf.raw_ops.DepthwiseConv2dNativeBackpropFilter) and, when db is non-null, db = Σ_{n,oh,ow} dy in the
// same pass. The batch reduction sums fixed chunks of output rows (independent of the thread count).
void depthwise_conv2d_backward_filter(const DepthwiseShape& s, const float* x, const float* dy, float* dw, float* db);

enum class DepthwiseOp { forward, backward_data, backward_filter };
// Bytes of scratch one call allocates (double, so an absurd geometry cannot overflow), for the binding's check.
double depthwise_conv2d_scratch_bytes(const DepthwiseShape& s, DepthwiseOp op, int threads);

// ---------------------------------------------------------------------------------------------- ISA kernels
// One image seen over CE channels: src is [SH][SW][CE] (x expanded, or dy), w is [KH·KW][CE].
struct DwImage {
  const float* src;
  index_t SH, SW, CE;
  index_t KH, KW, sh, sw, dh, dw, pt, pl;
  index_t OH, OW;
};

// Output rows [oh0, oh1) of one image: y (the image's output, [OH][OW][CE]) = act(Σ taps + bias).
// taps: scratch of 2·KH·KW index_t.
using DwForwardFn = void (*)(const DwImage& im, const float* w, index_t oh0, index_t oh1, float* y,
                             const Epilogue& ep, index_t* taps);
// Input-gradient rows [ih0, ih1) over CE channels: dxe[ih - ih0][iw][ce] = Σ_{taps reaching (ih, iw)} dy · w,
// gathered (no scatter), taps in (kh, kw) order. im.src is the image's dy [OH][OW][CE]; im.SH/SW are H/W.
// taps: scratch of 2·KH·KW + 2·(KH + KW) index_t.
using DwBackwardDataFn = void (*)(const DwImage& im, const float* w, index_t ih0, index_t ih1, float* dxe,
                                  index_t* taps);
// Filter-gradient accumulation over output rows [oh0, oh1) of one image: part[tap][ce] += Σ x·dy and
// bias_part[ce] += Σ dy (when non-null), summed over oh then ow. im.src is the expanded x image; dy the image's
// dy [OH][OW][CE].
using DwBackwardFilterFn = void (*)(const DwImage& im, const float* dy, index_t oh0, index_t oh1, float* part,
                                    float* bias_part);

struct DepthwiseKernels {
  DwForwardFn forward;
  DwBackwardDataFn backward_data;
  DwBackwardFilterFn backward_filter;
  int vector_width;
};

}  // namespace fastnn

// conv2d.h — 2-D convolution, NHWC activations, Keras kernel layout, forward and both gradients.
//
// Shapes (row-major, all float32):
//   x  [N, H, W, Cin]          input
//   w  [KH, KW, Cin, Cout]     kernel (Keras / tf.nn.conv2d layout)
//   y  [N, OH, OW, Cout]       output;  y[n,oh,ow,co] = Σ_{kh,kw,ci} x[n, oh·sh + kh·dh − pt, ow·sw + kw·dw − pl, ci]
//                                                        · w[kh,kw,ci,co]   (out-of-range x reads as 0)
//   dy [N, OH, OW, Cout]       gradient of y;  dx [N, H, W, Cin];  dw [KH, KW, Cin, Cout];  db [Cout]
//
// The geometry (OH, OW, pt, pl) is computed by the caller with TF's rules (conv2d_output_geometry). Functions
// here do no argument validation: bind_conv2d.cpp checks everything first.
#pragma once
#include "common.h"

namespace fastnn {

struct ConvShape {
  index_t N, H, W, Cin;
  index_t KH, KW, Cout;
  index_t sh, sw;   // strides
  index_t dh, dw;   // dilations
  index_t OH, OW;   // output size
  index_t pt, pl;   // zero padding before the first row / column
};

// TF's output size and leading padding for one spatial dimension ('same': out = ceil(in/s), pad_total =
// max((out−1)·s + k_eff − in, 0), pad_before = pad_total/2; 'valid': out = (in − k_eff + s)/s, no padding).
// Returns false when 'valid' would give a negative size (TF: "Computed output size would be negative").
bool conv2d_output_geometry(index_t in, index_t k, index_t stride, index_t dilation, bool same, index_t* out,
                            index_t* pad_before);

// y = act(conv(x, w) + bias); ep.bias may be null.
void conv2d_forward(const ConvShape& s, const float* x, const float* w, float* y, const Epilogue& ep);

// dx = ∂L/∂x given dy (tf.raw_ops.Conv2DBackpropInput).
void conv2d_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx);

// dw = ∂L/∂w (tf.raw_ops.Conv2DBackpropFilter) and, when db is non-null, db = Σ_{n,oh,ow} dy (the bias
// gradient) in the same pass. The batch reduction uses fixed chunks (independent of the thread count).
void conv2d_backward_filter(const ConvShape& s, const float* x, const float* dy, float* dw, float* db);

// Bytes of scratch (packed weights, zero-padded image copies for `threads` threads, partial sums) one call of `op`
// allocates, in double precision so that an absurd geometry cannot overflow. bind_conv2d.cpp rejects geometries
// whose scratch exceeds the machine's memory before calling.
enum class ConvOp { forward, backward_data, backward_filter };
double conv2d_scratch_bytes(const ConvShape& s, ConvOp op, int threads);

// ---------------------------------------------------------------------------------------------- ISA kernels
// One "valid, already padded" image: img is [Hp][Wp][C] and every tap read stays inside it.
struct ConvImage {
  const float* img;
  index_t Wp;      // padded row length in pixels
  index_t C;       // channels of img (the reduction channels)
  index_t OW;      // output row length
  index_t sh, sw;  // strides
  const index_t* koff;  // [K] offset in floats of reduction row k = (kh, kw, c) from the pixel's origin
  index_t K;            // KH·KW·C
};

// Forward tile engine: output pixels [p0, p1) of one image (pixel p = oh·OW + ow), written to
// y + p·Cout. wpack is [K][cout_pad] (Cout padded with zeros to cout_pad, a multiple of the vector width).
using ConvFwdFn = void (*)(const ConvImage& im, index_t p0, index_t p1, const float* wpack, index_t cout_pad,
                           index_t Cout, float* y, const Epilogue& ep);
// Filter-gradient accumulation over output rows [oh0, oh1) of one image: part[k][co] += Σ_pixels
// img[pixel origin + im.koff[k]] · dy[pixel][co] for k < im.K (part is [K][cout_pad]); bias_part[co] += Σ dy
// when non-null. dy points at the image's output row 0.
using ConvBwdFilterFn = void (*)(const ConvImage& im, index_t oh0, index_t oh1, const float* dy, index_t Cout,
                                 float* part, index_t cout_pad, float* bias_part);

// Where a column of the input gradient lands: dy pixel (oh, ow) adds its column dcol[(kh, kw, c)] to
// dxpad[(oh·sh + kh·dh)·Wp + ow·sw + kw·dw][c] of the padded input-gradient image [Hp][Wp][C].
struct ConvScatter {
  index_t KH, KW, C, Wp, sh, sw, dh, dw;
};
// Input gradient of one image by columns (for narrow Cin or strides > 1, where the full-correlation form wastes
// lanes or multiplies zeros): dy pixels in tiles, dcol = dy_tile · wt (wt is [Cout][kpad], kpad = K rounded up
// to the vector width), then scatter-add into dxpad. dyim.img is the image's dy [OH·OW][Cout] with Wp = OW,
// C = Cout, unit strides and koff = 0..Cout−1; dcol is scratch of >= 16·kpad + 64 floats.
using ConvBwdDataColsFn = void (*)(const ConvImage& dyim, index_t OH, const float* wt, index_t kpad, index_t K,
                                   const ConvScatter& sc, float* dcol, float* dxpad);

// Input gradient of one image with a single input channel and unit strides, vectorised along the input row:
// dx[ih][iw] = Σ_{kh,kw,co} wk[kh][kw][co] · dyp[co][ih + kh·dh][iw + kw·dw] (sums in that order). wk is the
// kernel rotated 180° ([KH][KW][Cout]); dyp holds the image's dy as zero-padded planes [Cout][Hp][Wp], with
// Wp >= W rounded up to the vector width + (KW−1)·dw (whole-vector reads past W land in the padding). dx is [H][W].
struct ConvPlanes {
  const float* dyp;
  index_t Cout, Hp, Wp;
};
using ConvBwdDataPlanarFn = void (*)(const ConvPlanes& pl, const float* wk, index_t KH, index_t KW, index_t dh,
                                     index_t dw, index_t H, index_t W, float* dx);

struct Conv2dKernels {
  ConvFwdFn forward;
  ConvBwdFilterFn backward_filter;
  ConvBwdDataColsFn backward_data_cols;
  ConvBwdDataPlanarFn backward_data_planar;
  int vector_width;
};

}  // namespace fastnn

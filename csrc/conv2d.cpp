// conv2d.cpp — convolution drivers: geometry, weight packing, padded copies, threading.
//
// Every op is reduced to one "valid" convolution over a pre-padded image:
//   forward        x zero-padded by (pt, pl)                         ⊛ w              (stride s, dilation d)
//   backward-data  dy zero-inserted (stride s) and padded            ⊛ w rotated 180°, Cin↔Cout (stride 1, d)
//                  — or, for Cin below one vector or strides > 1, by columns: dcol = dy·wᵀ, scatter-added
//   backward-filter x zero-padded, reduction over pixels              (rows (kh,kw,ci) × Cout)
// Which form runs depends only on the shapes and the ISA, never on the thread count.
// Images are split between threads (or pixel ranges of one image when the batch is smaller than the team);
// each output element is computed by the same instruction sequence whatever the split, so the thread count
// never changes results. The filter gradient sums fixed row chunks, then adds the chunk partials in order.
#include "conv2d.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "dispatch.h"
#include "parallel.h"

FASTNN_DECLARE_PER_ISA(fastnn::Conv2dKernels, conv2d_kernels)

namespace fastnn {

bool conv2d_output_geometry(index_t in, index_t k, index_t stride, index_t dilation, bool same, index_t* out,
                            index_t* pad_before) {
  const index_t k_eff = (k - 1) * dilation + 1;
  if (same) {
    const index_t o = (in + stride - 1) / stride;
    const index_t pad_total = std::max<index_t>((o - 1) * stride + k_eff - in, 0);
    *out = o;
    *pad_before = pad_total / 2;
    return true;
  }
  const index_t num = in - k_eff + stride;
  if (num < 0) return false;
  *out = num / stride;
  *pad_before = 0;
  return true;
}

namespace {

// The filter gradient sums this many fixed chunks of output rows (a function of the shape only).
constexpr index_t kFilterGradChunks = 8;

// Where the source image lands in the padded buffer: src row i goes to row off_h + i·up_h (zeros elsewhere).
struct PadPlan {
  index_t Hs, Ws, C;      // source image
  index_t Hp, Wp;         // padded image
  index_t off_h, off_w;   // position of source pixel (0, 0)
  index_t up_h, up_w;     // zero insertion factor (1 = none)
  bool identity() const { return off_h == 0 && off_w == 0 && up_h == 1 && up_w == 1 && Hp == Hs && Wp == Ws; }
};

void fill_padded(const PadPlan& p, const float* src, float* dst) {
  zero_floats(dst, p.Hp * p.Wp * p.C);
  for (index_t i = 0; i < p.Hs; ++i) {
    const index_t r = p.off_h + i * p.up_h;
    if (r < 0 || r >= p.Hp) continue;
    float* drow = dst + r * p.Wp * p.C;
    const float* srow = src + i * p.Ws * p.C;
    if (p.up_w == 1) {
      const index_t j0 = std::max<index_t>(0, -p.off_w), j1 = std::min<index_t>(p.Ws, p.Wp - p.off_w);
      if (j1 > j0) copy_floats(drow + (p.off_w + j0) * p.C, srow + j0 * p.C, (j1 - j0) * p.C);
    } else {
      for (index_t j = 0; j < p.Ws; ++j) {
        const index_t c = p.off_w + j * p.up_w;
        if (c >= 0 && c < p.Wp) copy_floats(drow + c * p.C, srow + j * p.C, p.C);
      }
    }
  }
}

index_t round_up(index_t v, index_t m) { return (v + m - 1) / m * m; }

// Per-thread scratch (uninitialised), allocated before the parallel region so that running out of memory is a
// std::bad_alloc on the calling thread (MemoryError in Python), never an exception inside the region.
class ThreadScratch {
 public:
  ThreadScratch(int threads, index_t floats_per_thread)
      : per_(floats_per_thread),
        data_(per_ > 0 ? new float[static_cast<std::size_t>(threads) * static_cast<std::size_t>(per_)] : nullptr) {}
  float* get(int tid) const { return data_.get() + tid * per_; }

 private:
  index_t per_;
  std::unique_ptr<float[]> data_;
};

// Where each driver puts the source image (shared with conv2d_scratch_bytes).
PadPlan forward_plan(const ConvShape& s) {
  PadPlan plan;
  plan.Hs = s.H, plan.Ws = s.W, plan.C = s.Cin;
  plan.Hp = std::max(s.H, (s.OH - 1) * s.sh + (s.KH - 1) * s.dh + 1);
  plan.Wp = std::max(s.W, (s.OW - 1) * s.sw + (s.KW - 1) * s.dw + 1);
  plan.off_h = s.pt, plan.off_w = s.pl, plan.up_h = 1, plan.up_w = 1;
  return plan;
}

// dx[ih] = Σ_kh dyz[ih + kh·dh] · wr[kh], where dyz holds dy[oh] at row (KH−1)·dh − pt + oh·sh.
PadPlan backward_data_plan(const ConvShape& s) {
  PadPlan plan;
  plan.Hs = s.OH, plan.Ws = s.OW, plan.C = s.Cout;
  plan.Hp = s.H + (s.KH - 1) * s.dh, plan.Wp = s.W + (s.KW - 1) * s.dw;
  plan.off_h = (s.KH - 1) * s.dh - s.pt, plan.off_w = (s.KW - 1) * s.dw - s.pl;
  plan.up_h = s.sh, plan.up_w = s.sw;
  return plan;
}

enum class DataPath { none, single_channel, columns, full };

DataPath backward_data_path(const ConvShape& s, int vector_width) {
  if (s.N * s.H * s.W * s.Cin == 0 || s.OH * s.OW * s.Cout == 0) return DataPath::none;
  if (s.Cin == 1 && s.sh == 1 && s.sw == 1) return DataPath::single_channel;
  // Narrow inputs (Cin under one vector) or strided convolutions: the column form wastes nothing.
  if (s.Cin < vector_width || s.sh > 1 || s.sw > 1) return DataPath::columns;
  return DataPath::full;
}

// Padded geometry of the by-columns and single-channel input-gradient forms.
index_t columns_hp(const ConvShape& s) { return std::max((s.OH - 1) * s.sh + (s.KH - 1) * s.dh + 1, s.pt + s.H); }
index_t columns_wp(const ConvShape& s) { return std::max((s.OW - 1) * s.sw + (s.KW - 1) * s.dw + 1, s.pl + s.W); }
index_t planar_wp(const ConvShape& s, int vector_width) { return round_up(s.W, vector_width) + (s.KW - 1) * s.dw; }

// Offset of reduction row k = (kh, kw, c) from a pixel's origin in an image with rows of Wp pixels.
std::vector<index_t> reduction_offsets(index_t KH, index_t KW, index_t dh, index_t dw, index_t Wp, index_t C) {
  std::vector<index_t> off(KH * KW * C);
  for (index_t kh = 0; kh < KH; ++kh)
    for (index_t kw = 0; kw < KW; ++kw)
      for (index_t c = 0; c < C; ++c) off[(kh * KW + kw) * C + c] = (kh * dh * Wp + kw * dw) * C + c;
  return off;
}

// One valid convolution of N padded images; y is [N][OH·OW][Cout]. src_stride: floats per source image.
void run_valid_conv(const Conv2dKernels& kern, index_t N, const float* src, index_t src_stride, const PadPlan& plan,
                    index_t KH, index_t KW, index_t sh, index_t sw, index_t dh, index_t dw, index_t OH, index_t OW,
                    const float* wpack, index_t cout_pad, index_t Cout, float* y, const Epilogue& ep) {
  const index_t npix = OH * OW;
  if (N == 0 || npix == 0 || Cout == 0) return;
  const std::vector<index_t> koff = reduction_offsets(KH, KW, dh, dw, plan.Wp, plan.C);
  const bool copy = !plan.identity();
  const index_t pixel_work = KH * KW * plan.C * cout_pad;
  const int nt = threads_for(N * npix * pixel_work, N * npix);
  // Fewer images than threads: split each image's pixels into parts (results do not depend on the split).
  const index_t parts = N >= nt ? 1 : (nt + N - 1) / N;
  const ThreadScratch scratch(nt, copy ? plan.Hp * plan.Wp * plan.C : 0);
  InterruptScope* irq = current_interrupt();
  parallel_region(nt, [&](int tid, int nth) {
    index_t i0, i1;
    split_range(N * parts, tid, nth, &i0, &i1);
    float* buf = scratch.get(tid);
    index_t padded_image = -1;
    for (index_t i = i0; i < i1 && !interrupted(irq); ++i) {
      const index_t n = i / parts;
      index_t p0, p1;
      split_range(npix, static_cast<int>(i % parts), static_cast<int>(parts), &p0, &p1);
      if (p0 == p1) continue;
      const float* img = src + n * src_stride;
      if (copy) {
        if (padded_image != n) fill_padded(plan, img, buf);
        padded_image = n;
        img = buf;
      }
      const ConvImage im{img, plan.Wp, plan.C, OW, sh, sw, koff.data(), KH * KW * plan.C};
      for_each_piece(irq, p0, p1, pixel_work, [&](index_t b, index_t e) {
        kern.forward(im, b, e, wpack, cout_pad, Cout, y + n * npix * Cout, ep);
      });
    }
  });
}

}  // namespace

void conv2d_forward(const ConvShape& s, const float* x, const float* w, float* y, const Epilogue& ep) {
  const Conv2dKernels& kern = FASTNN_SELECT(conv2d_kernels);
  const index_t cout_pad = round_up(s.Cout, kern.vector_width);
  const index_t rows = s.KH * s.KW * s.Cin;
  std::vector<float> wpack(rows * cout_pad, 0.f);
  for (index_t k = 0; k < rows; ++k) copy_floats(wpack.data() + k * cout_pad, w + k * s.Cout, s.Cout);
  run_valid_conv(kern, s.N, x, s.H * s.W * s.Cin, forward_plan(s), s.KH, s.KW, s.sh, s.sw, s.dh, s.dw, s.OH, s.OW,
                 wpack.data(), cout_pad, s.Cout, y, ep);
}

namespace {

// dx by columns: per image, dcol = dy · wᵀ then scatter-add into a padded buffer, then crop. Minimal FMAs
// (no zero rows from padding or stride insertion) and full vectors along K = KH·KW·Cin even when Cin is tiny.
void backward_data_by_columns(const Conv2dKernels& kern, const ConvShape& s, const float* dy, const float* w,
                              float* dx) {
  const index_t K = s.KH * s.KW * s.Cin, kpad = round_up(K, kern.vector_width);
  std::vector<float> wt(s.Cout * kpad, 0.f);  // wt[co][k] = w[k][co]
  for (index_t k = 0; k < K; ++k)
    for (index_t co = 0; co < s.Cout; ++co) wt[co * kpad + k] = w[k * s.Cout + co];
  std::vector<index_t> koff(s.Cout);
  for (index_t co = 0; co < s.Cout; ++co) koff[co] = co;
  const index_t Hp = columns_hp(s), Wp = columns_wp(s);
  const ConvScatter sc{s.KH, s.KW, s.Cin, Wp, s.sh, s.sw, s.dh, s.dw};
  const index_t image_in = s.H * s.W * s.Cin, image_out = s.OH * s.OW * s.Cout;
  const int nt = threads_for(s.N * image_out * kpad, s.N);
  const index_t dcol_floats = 16 * kpad + 64, pad_floats = Hp * Wp * s.Cin;
  const ThreadScratch scratch(nt, dcol_floats + pad_floats);  // [dcol | padded dx image] per thread
  InterruptScope* irq = current_interrupt();
  parallel_region(nt, [&](int tid, int nth) {
    index_t n0, n1;
    split_range(s.N, tid, nth, &n0, &n1);
    float* dcol = scratch.get(tid);
    float* pad = dcol + dcol_floats;
    for (index_t n = n0; n < n1 && !(irq && irq->stop_requested()); ++n) {
      zero_floats(pad, pad_floats);
      const ConvImage dyim{dy + n * image_out, s.OW, s.Cout, s.OW, 1, 1, koff.data(), s.Cout};
      kern.backward_data_cols(dyim, s.OH, wt.data(), kpad, K, sc, dcol, pad);
      for (index_t ih = 0; ih < s.H; ++ih)
        copy_floats(dx + n * image_in + ih * s.W * s.Cin, pad + ((ih + s.pt) * Wp + s.pl) * s.Cin,
                    s.W * s.Cin);
    }
  });
}

// Copies one image's dy [OH][OW][Cout] into planes [Cout][Hp][Wp], dy (oh, ow) at plane row oh + row0, column
// ow + col0; positions no input reads (rows outside [0, Hp), columns outside [0, Wread)) are dropped. Writes the
// same positions for every image, so the zero padding set once stays valid.
void dy_to_planes(const float* dy, index_t OH, index_t OW, index_t Cout, index_t row0, index_t col0, index_t Hp,
                  index_t Wread, index_t Wp, float* planes) {
  const index_t oh0 = std::max<index_t>(0, -row0), oh1 = std::min(OH, Hp - row0);
  const index_t ow0 = std::max<index_t>(0, -col0), ow1 = std::min(OW, Wread - col0);
  for (index_t co = 0; co < Cout; ++co)
    for (index_t oh = oh0; oh < oh1; ++oh) {
      float* dst = planes + (co * Hp + oh + row0) * Wp + col0;
      const float* src = dy + oh * OW * Cout + co;
      for (index_t ow = ow0; ow < ow1; ++ow) dst[ow] = src[ow * Cout];
    }
}

// dx with one input channel and unit strides: per image, dy is transposed into zero-padded planes [Cout][Hp][Wp]
// placed so that dx[ih][iw] = Σ wk[kh][kw][co] · plane[co][ih + kh·dh][iw + kw·dw] (wk = kernel rotated 180°),
// then the kernel runs along whole input rows — full vectors even though Cin = 1.
void backward_data_single_channel(const Conv2dKernels& kern, const ConvShape& s, const float* dy, const float* w,
                                  float* dx) {
  const index_t Cout = s.Cout;
  std::vector<float> wk(s.KH * s.KW * Cout);
  for (index_t kh = 0; kh < s.KH; ++kh)
    for (index_t kw = 0; kw < s.KW; ++kw)
      copy_floats(wk.data() + (kh * s.KW + kw) * Cout, w + ((s.KH - 1 - kh) * s.KW + (s.KW - 1 - kw)) * Cout,
                  Cout);
  // dy (oh, ow) sits at plane row oh + (KH−1)·dh − pt, column ow + (KW−1)·dw − pl.
  const index_t Hp = s.H + (s.KH - 1) * s.dh, Wread = s.W + (s.KW - 1) * s.dw;
  const index_t Wp = planar_wp(s, kern.vector_width);
  const index_t row0 = (s.KH - 1) * s.dh - s.pt, col0 = (s.KW - 1) * s.dw - s.pl;
  const index_t image_out = s.OH * s.OW * Cout, plane = Hp * Wp;
  const int nt = threads_for(s.N * s.H * s.W * s.KH * s.KW * Cout, s.N);
  const ThreadScratch scratch(nt, Cout * plane);
  InterruptScope* irq = current_interrupt();
  parallel_region(nt, [&](int tid, int nth) {
    index_t n0, n1;
    split_range(s.N, tid, nth, &n0, &n1);
    if (n0 == n1) return;
    float* planes = scratch.get(tid);
    zero_floats(planes, Cout * plane);  // the padding, written once: dy_to_planes rewrites the same cells
    for (index_t n = n0; n < n1 && !(irq && irq->stop_requested()); ++n) {
      dy_to_planes(dy + n * image_out, s.OH, s.OW, Cout, row0, col0, Hp, Wread, Wp, planes);
      const ConvPlanes pl{planes, Cout, Hp, Wp};
      kern.backward_data_planar(pl, wk.data(), s.KH, s.KW, s.dh, s.dw, s.H, s.W, dx + n * s.H * s.W);
    }
  });
}

}  // namespace

void conv2d_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const Conv2dKernels& kern = FASTNN_SELECT(conv2d_kernels);
  switch (backward_data_path(s, kern.vector_width)) {
    case DataPath::none:  // nothing flows back
      zero_floats(dx, s.N * s.H * s.W * s.Cin);
      return;
    case DataPath::single_channel:
      backward_data_single_channel(kern, s, dy, w, dx);
      return;
    case DataPath::columns:
      backward_data_by_columns(kern, s, dy, w, dx);
      return;
    case DataPath::full:
      break;
  }
  // Rotated kernel with channels swapped: wr[kh][kw][co][ci] = w[KH-1-kh][KW-1-kw][ci][co].
  const index_t cin_pad = round_up(s.Cin, kern.vector_width);
  std::vector<float> wr(s.KH * s.KW * s.Cout * cin_pad, 0.f);
  for (index_t kh = 0; kh < s.KH; ++kh)
    for (index_t kw = 0; kw < s.KW; ++kw) {
      const float* src = w + ((s.KH - 1 - kh) * s.KW + (s.KW - 1 - kw)) * s.Cin * s.Cout;
      float* dst = wr.data() + (kh * s.KW + kw) * s.Cout * cin_pad;
      for (index_t ci = 0; ci < s.Cin; ++ci)
        for (index_t co = 0; co < s.Cout; ++co) dst[co * cin_pad + ci] = src[ci * s.Cout + co];
    }
  run_valid_conv(kern, s.N, dy, s.OH * s.OW * s.Cout, backward_data_plan(s), s.KH, s.KW, 1, 1, s.dh, s.dw, s.H,
                 s.W, wr.data(), cin_pad, s.Cin, dx, Epilogue());
}

void conv2d_backward_filter(const ConvShape& s, const float* x, const float* dy, float* dw, float* db) {
  const Conv2dKernels& kern = FASTNN_SELECT(conv2d_kernels);
  const index_t K = s.KH * s.KW * s.Cin, Cout = s.Cout;
  const index_t cout_pad = round_up(Cout, kern.vector_width);
  const index_t rows = s.N * s.OH;  // output rows (n, oh), the reduction's unit
  if (rows == 0 || s.OW == 0 || Cout == 0) {
    zero_floats(dw, K * Cout);
    if (db) zero_floats(db, Cout);
    return;
  }
  const PadPlan plan = forward_plan(s);
  const bool copy = !plan.identity();
  const std::vector<index_t> koff = reduction_offsets(s.KH, s.KW, s.dh, s.dw, plan.Wp, s.Cin);

  // Fixed chunks of output rows (a function of the shape only), each with a private partial sum.
  const index_t nchunks = std::min(rows, kFilterGradChunks);
  const index_t part_size = K * cout_pad + cout_pad;  // dW rows, then the bias row
  std::vector<float> parts(nchunks * part_size, 0.f);
  const index_t row_work = s.OW * K * cout_pad;
  const int nt = threads_for(rows * row_work, nchunks);
  const ThreadScratch scratch(nt, copy ? plan.Hp * plan.Wp * plan.C : 0);
  InterruptScope* irq = current_interrupt();
  parallel_region(nt, [&](int tid, int nth) {
    index_t c0, c1;
    split_range(nchunks, tid, nth, &c0, &c1);
    float* buf = scratch.get(tid);
    index_t padded_image = -1;
    for (index_t c = c0; c < c1; ++c) {
      index_t r0, r1;
      split_range(rows, static_cast<int>(c), static_cast<int>(nchunks), &r0, &r1);
      float* part = parts.data() + c * part_size;
      // The chunk's rows one image at a time, in pieces (each call reloads and stores `part`, so where the rows
      // are cut does not change a sum).
      for_each_piece(irq, r0, r1, row_work, [&](index_t pr0, index_t pr1) {
        for (index_t r = pr0; r < pr1;) {
          const index_t n = r / s.OH, oh0 = r - n * s.OH;
          const index_t oh1 = std::min(s.OH, oh0 + (pr1 - r));
          const float* img = x + n * s.H * s.W * s.Cin;
          if (copy) {
            if (padded_image != n) fill_padded(plan, img, buf);
            padded_image = n;
            img = buf;
          }
          const ConvImage im{img, plan.Wp, s.Cin, s.OW, s.sh, s.sw, koff.data(), K};
          kern.backward_filter(im, oh0, oh1, dy + n * s.OH * s.OW * Cout, Cout, part, cout_pad,
                               db ? part + K * cout_pad : nullptr);
          r += oh1 - oh0;
        }
      });
    }
  });
  if (interrupted(irq)) return;
  // Sum the chunk partials in chunk order; threads own disjoint dW rows (a second region: parallel_region bodies
  // hold no barriers).
  parallel_region(threads_for(nchunks * (K + 1) * Cout, K + 1), [&](int tid, int nth) {
    index_t k0, k1;
    split_range(K + 1, tid, nth, &k0, &k1);
    for (index_t k = k0; k < k1; ++k) {
      if (k == K && !db) continue;
      float* out = k < K ? dw + k * Cout : db;
      for (index_t co = 0; co < Cout; ++co) {
        float acc = parts[k * cout_pad + co];
        for (index_t c = 1; c < nchunks; ++c) acc += parts[c * part_size + k * cout_pad + co];
        out[co] = acc;
      }
    }
  });
}

double conv2d_scratch_bytes(const ConvShape& s, ConvOp op, int threads) {
  const int vw = FASTNN_SELECT(conv2d_kernels).vector_width;
  const double t = threads, f = sizeof(float), i = sizeof(index_t);
  const double taps = double(s.KH) * double(s.KW);
  auto image = [](const PadPlan& p, index_t C) { return p.identity() ? 0.0 : double(p.Hp) * double(p.Wp) * C; };
  switch (op) {
    case ConvOp::forward:
      return taps * s.Cin * (round_up(s.Cout, vw) * f + i) + t * image(forward_plan(s), s.Cin) * f;
    case ConvOp::backward_data:
      switch (backward_data_path(s, vw)) {
        case DataPath::none:
          return 0;
        case DataPath::single_channel:
          return taps * s.Cout * f +
                 t * double(s.Cout) * double(s.H + (s.KH - 1) * s.dh) * double(planar_wp(s, vw)) * f;
        case DataPath::columns: {
          const double kpad = round_up(s.KH * s.KW * s.Cin, vw);
          return s.Cout * (kpad * f + i) +
                 t * (16 * kpad + 64 + double(columns_hp(s)) * double(columns_wp(s)) * s.Cin) * f;
        }
        case DataPath::full:
          return taps * s.Cout * (round_up(s.Cin, vw) * f + i) + t * image(backward_data_plan(s), s.Cout) * f;
      }
      return 0;
    case ConvOp::backward_filter: {
      if (s.N * s.OH == 0 || s.OW == 0 || s.Cout == 0) return 0;
      const double chunks = double(std::min(s.N * s.OH, kFilterGradChunks));
      return taps * s.Cin * i + chunks * (taps * s.Cin + 1) * round_up(s.Cout, vw) * f +
             t * image(forward_plan(s), s.Cin) * f;
    }
  }
  return 0;
}

}  // namespace fastnn

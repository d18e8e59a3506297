// depthwise_conv2d.cpp — depthwise convolution drivers: channel expansion for depth multipliers, threading,
// the deterministic filter-gradient reduction.
//
// Work is split by output rows (forward, filter gradient) or input rows (input gradient) of all images; every
// element is computed by the same instruction sequence whatever the split, so the thread count never changes a
// result. The filter gradient sums fixed chunks of output rows (a function of the shape only), then adds the
// chunk partials in chunk order.
#include "depthwise_conv2d.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "dispatch.h"
#include "parallel.h"

FASTNN_DECLARE_PER_ISA(fastnn::DepthwiseKernels, depthwise_conv2d_kernels)

namespace fastnn {

namespace {

constexpr index_t kFilterGradChunks = 8;

// Per-thread scratch allocated before the parallel region, so running out of memory is a std::bad_alloc on the
// calling thread (MemoryError in Python), never an exception inside the region.
template <class T>
class Scratch {
 public:
  Scratch(int threads, index_t per_thread)
      : per_(per_thread),
        data_(per_ > 0 ? new T[static_cast<std::size_t>(threads) * static_cast<std::size_t>(per_)] : nullptr) {}
  T* get(int tid) const { return data_.get() + tid * per_; }

 private:
  index_t per_;
  std::unique_ptr<T[]> data_;
};

index_t expanded(const DepthwiseShape& s) { return s.C * s.M; }

// The image over CE channels: x itself when M = 1, else each channel repeated M times into buf.
const float* expanded_image(const DepthwiseShape& s, const float* x, index_t n, float* buf) {
  const float* img = x + n * s.H * s.W * s.C;
  if (s.M == 1) return img;
  const index_t pixels = s.H * s.W;
  for (index_t p = 0; p < pixels; ++p)
    for (index_t c = 0; c < s.C; ++c) std::fill_n(buf + (p * s.C + c) * s.M, s.M, img[p * s.C + c]);
  return buf;
}

DwImage image_over(const DepthwiseShape& s, const float* src, index_t SH, index_t SW) {
  return DwImage{src, SH, SW, expanded(s), s.KH, s.KW, s.sh, s.sw, s.dh, s.dw, s.pt, s.pl, s.OH, s.OW};
}

}  // namespace

void depthwise_conv2d_forward(const DepthwiseShape& s, const float* x, const float* w, float* y,
                              const Epilogue& ep) {
  const DepthwiseKernels& kern = FASTNN_SELECT(depthwise_conv2d_kernels);
  const index_t CE = expanded(s), rows = s.N * s.OH;
  if (rows == 0 || s.OW == 0 || CE == 0) return;
  const index_t row_work = s.OW * s.KH * s.KW * CE;
  const int nt = threads_for(rows * row_work, rows);
  const Scratch<float> images(nt, s.M > 1 ? s.H * s.W * CE : 0);
  const Scratch<index_t> taps(nt, 2 * s.KH * s.KW);
  InterruptScope* irq = current_interrupt();
  parallel_region(nt, [&](int tid, int nth) {
    index_t r0, r1;
    split_range(rows, tid, nth, &r0, &r1);
    index_t have = -1;
    const float* img = nullptr;
    for_each_piece(irq, r0, r1, row_work, [&](index_t b, index_t e) {
      for (index_t r = b; r < e;) {
        const index_t n = r / s.OH, oh0 = r - n * s.OH, oh1 = std::min(s.OH, oh0 + (e - r));
        if (have != n) img = expanded_image(s, x, n, images.get(tid)), have = n;
        kern.forward(image_over(s, img, s.H, s.W), w, oh0, oh1, y + n * s.OH * s.OW * CE, ep, taps.get(tid));
        r += oh1 - oh0;
      }
    });
  });
}

void depthwise_conv2d_backward_data(const DepthwiseShape& s, const float* dy, const float* w, float* dx) {
  const DepthwiseKernels& kern = FASTNN_SELECT(depthwise_conv2d_kernels);
  const index_t CE = expanded(s), rows = s.N * s.H;
  if (rows == 0 || s.W == 0 || s.C == 0) return;
  if (s.OH * s.OW * CE == 0) {  // nothing flows back
    zero_floats(dx, rows * s.W * s.C);
    return;
  }
  const index_t row_work = s.W * s.KH * s.KW * CE;
  const int nt = threads_for(rows * row_work, rows);
  const Scratch<float> row_buf(nt, s.M > 1 ? s.W * CE : 0);  // one expanded dx row, reduced over m after
  const Scratch<index_t> taps(nt, 2 * s.KH * s.KW + 2 * (s.KH + s.KW));
  InterruptScope* irq = current_interrupt();
  parallel_region(nt, [&](int tid, int nth) {
    index_t r0, r1;
    split_range(rows, tid, nth, &r0, &r1);
    for_each_piece(irq, r0, r1, row_work, [&](index_t b, index_t e) {
      for (index_t r = b; r < e; ++r) {
        const index_t n = r / s.H, ih = r - n * s.H;
        const DwImage im = image_over(s, dy + n * s.OH * s.OW * CE, s.H, s.W);
        float* out = dx + r * s.W * s.C;
        if (s.M == 1) {
          kern.backward_data(im, w, ih, ih + 1, out, taps.get(tid));
          continue;
        }
        float* buf = row_buf.get(tid);
        kern.backward_data(im, w, ih, ih + 1, buf, taps.get(tid));
        for (index_t p = 0; p < s.W * s.C; ++p) {  // dx[c] = Σ_m dxe[c·M + m], m in order
          float acc = buf[p * s.M];
          for (index_t m = 1; m < s.M; ++m) acc += buf[p * s.M + m];
          out[p] = acc;
        }
      }
    });
  });
}

void depthwise_conv2d_backward_filter(const DepthwiseShape& s, const float* x, const float* dy, float* dw,
                                      float* db) {
  const DepthwiseKernels& kern = FASTNN_SELECT(depthwise_conv2d_kernels);
  const index_t CE = expanded(s), taps = s.KH * s.KW, rows = s.N * s.OH;
  if (rows == 0 || s.OW == 0 || CE == 0) {
    zero_floats(dw, taps * CE);
    if (db) zero_floats(db, CE);
    return;
  }
  const index_t nchunks = std::min(rows, kFilterGradChunks);
  const index_t part_size = (taps + 1) * CE;  // dW rows, then the bias row
  std::vector<float> parts(nchunks * part_size, 0.f);
  const index_t row_work = s.OW * taps * CE;
  const int nt = threads_for(rows * row_work, nchunks);
  const Scratch<float> images(nt, s.M > 1 ? s.H * s.W * CE : 0);
  InterruptScope* irq = current_interrupt();
  parallel_region(nt, [&](int tid, int nth) {
    index_t c0, c1;
    split_range(nchunks, tid, nth, &c0, &c1);
    index_t have = -1;
    const float* img = nullptr;
    for (index_t c = c0; c < c1; ++c) {
      index_t q0, q1;
      split_range(rows, static_cast<int>(c), static_cast<int>(nchunks), &q0, &q1);
      float* part = parts.data() + c * part_size;
      // Each call reloads and stores `part`, so where the pieces cut the rows does not change a sum.
      for_each_piece(irq, q0, q1, row_work, [&](index_t b, index_t e) {
        for (index_t r = b; r < e;) {
          const index_t n = r / s.OH, oh0 = r - n * s.OH, oh1 = std::min(s.OH, oh0 + (e - r));
          if (have != n) img = expanded_image(s, x, n, images.get(tid)), have = n;
          kern.backward_filter(image_over(s, img, s.H, s.W), dy + n * s.OH * s.OW * CE, oh0, oh1, part,
                               db ? part + taps * CE : nullptr);
          r += oh1 - oh0;
        }
      });
    }
  });
  if (interrupted(irq)) return;
  // Chunk partials summed in chunk order; dw [KH][KW][C][M] is the [taps][CE] layout itself.
  for (index_t k = 0; k <= taps; ++k) {
    if (k == taps && !db) break;
    float* out = k < taps ? dw + k * CE : db;
    for (index_t ce = 0; ce < CE; ++ce) {
      float acc = parts[k * CE + ce];
      for (index_t c = 1; c < nchunks; ++c) acc += parts[c * part_size + k * CE + ce];
      out[ce] = acc;
    }
  }
}

double depthwise_conv2d_scratch_bytes(const DepthwiseShape& s, DepthwiseOp op, int threads) {
  const double t = threads, f = sizeof(float), i = sizeof(index_t);
  const double CE = double(s.C) * double(s.M), taps = double(s.KH) * double(s.KW);
  const double image = s.M > 1 ? double(s.H) * double(s.W) * CE : 0.0;
  switch (op) {
    case DepthwiseOp::forward:
      return t * (image * f + 2 * taps * i);
    case DepthwiseOp::backward_data:
      return t * ((s.M > 1 ? double(s.W) * CE : 0.0) * f + (2 * taps + 2.0 * (s.KH + s.KW)) * i);
    case DepthwiseOp::backward_filter:
      return double(std::min(s.N * s.OH, kFilterGradChunks)) * (taps + 1) * CE * f + t * image * f;
  }
  return 0;
}

}  // namespace fastnn

#include "data/augment_cpu.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hyperlab::augment_cpu {

namespace {

struct Dims {
  int64_t B, C, H, W;
  explicit Dims(const at::Tensor& x) : B(x.size(0)), C(x.size(1)), H(x.size(2)), W(x.size(3)) {}
  int64_t plane() const { return H * W; }
  int64_t image() const { return C * H * W; }
};

// Images per parallel task: enough work (~25 KB of pixels) to pay for a task.
int64_t grain(const Dims& d) { return std::max<int64_t>(1, 25000 / std::max<int64_t>(1, d.image())); }

uint8_t fill_level(double fill) { return uint8_t(std::nearbyint(std::clamp(fill, 0.0, 255.0))); }

// std::nearbyint and std::floor are library calls without SSE4.1 (this build targets plain
// x86-64), a large part of the warp's time: these inline. Round half to even, as nearbyint in
// the default rounding mode, for |v| < 2^51 (float: 2^22): adding 1.5 * 2^52 leaves no fraction
// bits. (No -ffast-math here, so the compiler keeps both roundings.) floor for |v| < 2^62.
inline double round_even(double v) {
  constexpr double magic = 6755399441055744.0;
  return (v + magic) - magic;
}
inline float round_even(float v) {
  constexpr float magic = 12582912.0f;
  return (v + magic) - magic;
}
inline double floor_fast(double v) {
  const double t = double(int64_t(v));
  return t > v ? t - 1 : t;
}

// One output image, nearest: each pixel copies its source pixel (or the fill).
void affine_nearest(const uint8_t* in, uint8_t* out, const Dims& d, const double* a, uint8_t fill, int32_t* idx) {
  for (int64_t i = 0; i < d.H; ++i) {
    const double bx = a[1] * double(i) + a[2], by = a[4] * double(i) + a[5];
    for (int64_t j = 0; j < d.W; ++j) {
      const double sx = round_even(a[0] * double(j) + bx), sy = round_even(a[3] * double(j) + by);
      const bool inside = sx >= 0 && sx < double(d.W) && sy >= 0 && sy < double(d.H);
      idx[i * d.W + j] = inside ? int32_t(int64_t(sy) * d.W + int64_t(sx)) : -1;
    }
  }
  for (int64_t c = 0; c < d.C; ++c) {
    const uint8_t* src = in + c * d.plane();
    uint8_t* dst = out + c * d.plane();
    for (int64_t p = 0; p < d.plane(); ++p) dst[p] = idx[p] >= 0 ? src[idx[p]] : fill;
  }
}

// One output image, bilinear: the four neighbours weighted by distance; a neighbour outside
// the image counts as `fill` (grid_sample's zero padding of x - fill, plus fill).
void affine_bilinear(const uint8_t* in, uint8_t* out, const Dims& d, const double* a, float fill, int32_t* off,
                     float* w) {
  for (int64_t i = 0; i < d.H; ++i) {
    const double bx = a[1] * double(i) + a[2], by = a[4] * double(i) + a[5];
    for (int64_t j = 0; j < d.W; ++j) {
      const double sx = a[0] * double(j) + bx, sy = a[3] * double(j) + by;
      const double x0 = floor_fast(sx), y0 = floor_fast(sy);
      const float fx = float(sx - x0), fy = float(sy - y0);
      const float wt[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
      const int64_t p = (i * d.W + j) * 4;
      for (int k = 0; k < 4; ++k) {
        const double cx = x0 + (k & 1), cy = y0 + (k >> 1);
        const bool inside = cx >= 0 && cx < double(d.W) && cy >= 0 && cy < double(d.H);
        off[p + k] = inside ? int32_t(int64_t(cy) * d.W + int64_t(cx)) : 0;
        w[p + k] = inside ? wt[k] : 0.0f;
      }
    }
  }
  for (int64_t c = 0; c < d.C; ++c) {
    const uint8_t* src = in + c * d.plane();
    uint8_t* dst = out + c * d.plane();
    for (int64_t q = 0; q < d.plane(); ++q) {
      const int32_t* o = off + q * 4;
      const float* wq = w + q * 4;
      float v = fill;
      for (int k = 0; k < 4; ++k) v += wq[k] * (float(src[o[k]]) - fill);
      dst[q] = uint8_t(round_even(std::clamp(v, 0.0f, 255.0f)));
    }
  }
}

}  // namespace

at::Tensor gather(const at::Tensor& x_in, const std::vector<int32_t>& rows, const std::vector<int32_t>& cols) {
  const at::Tensor x = x_in.contiguous();
  const Dims d(x);
  at::Tensor out = at::empty_like(x);
  const uint8_t* in = x.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  at::parallel_for(0, d.B, grain(d), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int32_t* r = rows.data() + b * d.H;
      const int32_t* cl = cols.data() + b * d.W;
      for (int64_t c = 0; c < d.C; ++c) {
        const uint8_t* src = in + b * d.image() + c * d.plane();
        uint8_t* dst = o + b * d.image() + c * d.plane();
        for (int64_t i = 0; i < d.H; ++i, dst += d.W) {
          if (r[i] < 0) {
            std::memset(dst, 0, size_t(d.W));
            continue;
          }
          const uint8_t* line = src + int64_t(r[i]) * d.W;
          for (int64_t j = 0; j < d.W; ++j) dst[j] = cl[j] >= 0 ? line[cl[j]] : 0;
        }
      }
    }
  });
  return out;
}

at::Tensor affine(const at::Tensor& x_in, const std::vector<double>& coef, const std::vector<uint8_t>& keep, bool nearest,
                  double fill) {
  const at::Tensor x = x_in.contiguous();
  const Dims d(x);
  at::Tensor out = at::empty_like(x);
  const uint8_t* in = x.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  at::parallel_for(0, d.B, grain(d), [&](int64_t b0, int64_t b1) {
    std::vector<int32_t> idx(size_t(d.plane()) * (nearest ? 1 : 4));
    std::vector<float> w(nearest ? 0 : size_t(d.plane()) * 4);
    for (int64_t b = b0; b < b1; ++b) {
      const uint8_t* src = in + b * d.image();
      uint8_t* dst = o + b * d.image();
      if (keep[size_t(b)]) std::memcpy(dst, src, size_t(d.image()));
      else if (nearest) affine_nearest(src, dst, d, coef.data() + 6 * b, fill_level(fill), idx.data());
      else affine_bilinear(src, dst, d, coef.data() + 6 * b, float(fill), idx.data(), w.data());
    }
  });
  return out;
}

void cutout(at::Tensor& x, const std::vector<int64_t>& y0, const std::vector<int64_t>& x0, int64_t size,
            const std::vector<uint8_t>& on) {
  const Dims d(x);
  uint8_t* p = x.data_ptr<uint8_t>();
  for (int64_t b = 0; b < d.B; ++b) {
    if (!on[size_t(b)]) continue;
    const int64_t r0 = std::max<int64_t>(0, y0[b]), r1 = std::min(d.H, y0[b] + size);
    const int64_t c0 = std::max<int64_t>(0, x0[b]), c1 = std::min(d.W, x0[b] + size);
    if (r0 >= r1 || c0 >= c1) continue;
    for (int64_t c = 0; c < d.C; ++c)
      for (int64_t i = r0; i < r1; ++i) std::memset(p + b * d.image() + c * d.plane() + i * d.W + c0, 0, size_t(c1 - c0));
  }
}

}  // namespace hyperlab::augment_cpu

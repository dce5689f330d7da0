// The CPU fast paths behind conv2d and maxpool2d (model/layer_modules.h): a
// convolution in channels-last memory (oneDNN's fast layout) over NCHW weights,
// and a direct 2x2/stride-2 max-pool with its own backward.
#include <cmath>
#include <cstdint>

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include "model/layer_modules.h"

namespace hyperlab {

namespace {

constexpr auto kChannelsLast = at::MemoryFormat::ChannelsLast;

// The window's largest value and its place (0..3, row-major), with
// at::max_pool2d's rules: the first of equal values wins, a NaN wins.
struct Best {
  float v;
  uint8_t k;
};
inline Best best_of(float a, float b, float c, float d) {
  Best r{a, 0};
  if (b > r.v || std::isnan(b)) r = {b, 1};
  if (c > r.v || std::isnan(c)) r = {c, 2};
  if (d > r.v || std::isnan(d)) r = {d, 3};
  return r;
}

// Each grain of work is a few thousand values.
int64_t grain(int64_t per_item) { return std::max<int64_t>(1, 4096 / std::max<int64_t>(1, per_item)); }

// NCHW: one (n, c) plane of H x W at a time.
void pool_nchw(const float* x, float* y, uint8_t* k, int64_t planes, int64_t H, int64_t W) {
  const int64_t OH = H / 2, OW = W / 2;
  at::parallel_for(0, planes, grain(H * W), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p)
      for (int64_t oh = 0; oh < OH; ++oh) {
        const float* r0 = x + (p * H + 2 * oh) * W;
        const float* r1 = r0 + W;
        float* yo = y + (p * OH + oh) * OW;
        uint8_t* ko = k + (p * OH + oh) * OW;
        for (int64_t ow = 0; ow < OW; ++ow) {
          const Best b = best_of(r0[2 * ow], r0[2 * ow + 1], r1[2 * ow], r1[2 * ow + 1]);
          yo[ow] = b.v, ko[ow] = b.k;
        }
      }
  });
}

// NHWC: one output row (n, oh) at a time, the channels innermost.
void pool_nhwc(const float* x, float* y, uint8_t* k, int64_t N, int64_t C, int64_t H, int64_t W) {
  const int64_t OH = H / 2, OW = W / 2;
  at::parallel_for(0, N * OH, grain(2 * W * C), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / OH, oh = r % OH;
      for (int64_t ow = 0; ow < OW; ++ow) {
        const float* a = x + ((n * H + 2 * oh) * W + 2 * ow) * C;
        const float* c = a + W * C;
        float* yo = y + (r * OW + ow) * C;
        uint8_t* ko = k + (r * OW + ow) * C;
        for (int64_t ch = 0; ch < C; ++ch) {
          const Best b = best_of(a[ch], a[C + ch], c[ch], c[C + ch]);
          yo[ch] = b.v, ko[ch] = b.k;
        }
      }
    }
  });
}

// The backward passes: each input place gets its window's gradient if it was
// the window's choice, else 0 (windows do not overlap). `gx` starts zeroed
// where an odd H or W leaves a row or column outside every window.
void unpool_nchw(const float* g, const uint8_t* k, float* gx, int64_t planes, int64_t H, int64_t W) {
  const int64_t OH = H / 2, OW = W / 2;
  at::parallel_for(0, planes, grain(H * W), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p)
      for (int64_t oh = 0; oh < OH; ++oh) {
        float* r0 = gx + (p * H + 2 * oh) * W;
        float* r1 = r0 + W;
        const float* go = g + (p * OH + oh) * OW;
        const uint8_t* ko = k + (p * OH + oh) * OW;
        for (int64_t ow = 0; ow < OW; ++ow) {
          const float v = go[ow];
          const uint8_t j = ko[ow];
          r0[2 * ow] = j == 0 ? v : 0.f, r0[2 * ow + 1] = j == 1 ? v : 0.f;
          r1[2 * ow] = j == 2 ? v : 0.f, r1[2 * ow + 1] = j == 3 ? v : 0.f;
        }
      }
  });
}

void unpool_nhwc(const float* g, const uint8_t* k, float* gx, int64_t N, int64_t C, int64_t H, int64_t W) {
  const int64_t OH = H / 2, OW = W / 2;
  at::parallel_for(0, N * OH, grain(2 * W * C), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / OH, oh = r % OH;
      for (int64_t ow = 0; ow < OW; ++ow) {
        float* a = gx + ((n * H + 2 * oh) * W + 2 * ow) * C;
        float* c = a + W * C;
        const float* go = g + (r * OW + ow) * C;
        const uint8_t* ko = k + (r * OW + ow) * C;
        for (int64_t ch = 0; ch < C; ++ch) {
          const float v = go[ch];
          const uint8_t j = ko[ch];
          a[ch] = j == 0 ? v : 0.f, a[C + ch] = j == 1 ? v : 0.f;
          c[ch] = j == 2 ? v : 0.f, c[C + ch] = j == 3 ? v : 0.f;
        }
      }
    }
  });
}

// NCHW when x is (or is made) contiguous, else channels-last.
at::MemoryFormat layout_of(const at::Tensor& x) {
  return !x.is_contiguous() && x.is_contiguous(kChannelsLast) ? kChannelsLast : at::MemoryFormat::Contiguous;
}

std::pair<at::Tensor, at::Tensor> pool_forward(const at::Tensor& input) {
  const at::MemoryFormat mf = layout_of(input);
  const at::Tensor x = input.contiguous(mf);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  at::Tensor y = at::empty({N, C, H / 2, W / 2}, x.options().memory_format(mf));
  at::Tensor k = at::empty({N, C, H / 2, W / 2}, x.options().dtype(at::kByte).memory_format(mf));
  if (mf == kChannelsLast) pool_nhwc(x.data_ptr<float>(), y.data_ptr<float>(), k.data_ptr<uint8_t>(), N, C, H, W);
  else pool_nchw(x.data_ptr<float>(), y.data_ptr<float>(), k.data_ptr<uint8_t>(), N * C, H, W);
  return {y, k};
}

at::Tensor pool_backward(const at::Tensor& grad, const at::Tensor& k, int64_t H, int64_t W) {
  const bool cl = !k.is_contiguous();
  const at::MemoryFormat mf = cl ? kChannelsLast : at::MemoryFormat::Contiguous;
  const at::Tensor g = grad.contiguous(mf);
  const int64_t N = k.size(0), C = k.size(1);
  const auto opts = g.options().memory_format(mf);
  at::Tensor gx = at::empty({N, C, H, W}, opts);  // (at::zeros would drop the memory format)
  if (H % 2 || W % 2) gx.zero_();
  if (cl) unpool_nhwc(g.data_ptr<float>(), k.data_ptr<uint8_t>(), gx.data_ptr<float>(), N, C, H, W);
  else unpool_nchw(g.data_ptr<float>(), k.data_ptr<uint8_t>(), gx.data_ptr<float>(), N * C, H, W);
  return gx;
}

struct MaxPool2x2Function : torch::autograd::Function<MaxPool2x2Function> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x) {
    auto [y, k] = pool_forward(x);
    ctx->saved_data["k"] = k;
    ctx->saved_data["h"] = x.size(2), ctx->saved_data["w"] = x.size(3);
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list g) {
    return {pool_backward(g[0], ctx->saved_data["k"].toTensor(), ctx->saved_data["h"].toInt(),
                          ctx->saved_data["w"].toInt())};
  }
};

}  // namespace

bool max_pool2x2_applies(const at::Tensor& x) {
  return x.device().is_cpu() && x.scalar_type() == at::kFloat && x.dim() == 4 && x.size(2) >= 2 && x.size(3) >= 2 &&
         x.layout() == at::kStrided;
}

at::Tensor max_pool2x2(const at::Tensor& x) {
  if (!max_pool2x2_applies(x)) return at::max_pool2d(x, {2, 2}, {2, 2});
  if (!x.requires_grad() || !at::GradMode::is_enabled()) return pool_forward(x).first;
  return MaxPool2x2Function::apply(x);
}

at::Tensor MaxPoolImpl::forward(const at::Tensor& x) {
  if (kernel_ == 2 && stride_ == 2 && padding_ == 0) return max_pool2x2(x);
  return at::max_pool2d(x, {kernel_, kernel_}, {stride_, stride_}, {padding_, padding_});
}

namespace {

// t in channels-last memory, with channels-last strides even for one channel:
// there contiguous(ChannelsLast) keeps the NCHW strides (both layouts hold), and
// oneDNN, reading the layout from the strides, would take NCHW (measured 7x
// slower on Fashion-MNIST's first conv, forward and backward).
at::Tensor channels_last(const at::Tensor& t) {
  if (t.size(1) != 1) return t.contiguous(kChannelsLast);
  if (t.suggest_memory_format() == kChannelsLast) return t;
  return at::empty(t.sizes(), t.options().memory_format(kChannelsLast)).copy_(t);
}

}  // namespace

at::Tensor ConvImpl::forward(const at::Tensor& x) {
  if (!x.device().is_cpu() || x.dim() != 4) return torch::nn::Conv2dImpl::forward(x);
  // The weights stay NCHW in the flat tensor; the copy's gradient flows back into it.
  return at::conv2d(channels_last(x), channels_last(weight), bias, {stride_, stride_}, {padding_, padding_});
}

}  // namespace hyperlab

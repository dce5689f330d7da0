// The CPU fast path of conv2d (model/layer_modules.h) gives what at::conv2d
// gives, forward and backward: a network of convs, pools, a residual block and
// a flatten in channels-last memory against the same network written out in NCHW.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "common/flat_params.h"
#include "config/shapes.h"
#include "model/layer_modules.h"
#include "model/layers.h"
#include "model/network.h"

using namespace hyperlab;

namespace {
constexpr auto kCL = at::MemoryFormat::ChannelsLast;
}  // namespace

TEST(FastLayers, AConvPoolResidualNetworkInChannelsLastEqualsItsNchwOps) {
  // conv(4, bias) · relu · maxpool(2) · residual[conv(8, stride 2), bn, relu, conv(8), bn] · relu · maxpool(3, 1) ·
  // flatten · linear(3), on 3x13x11 images (odd sizes: the pool drops a row and a column)
  auto conv = [](int out, int stride, bool bias) {
    LayerConfig l = default_layer("conv2d");
    l.out = out, l.stride = stride, l.padding = 1, l.bias = bias;
    return l;
  };
  LayerConfig res = default_layer("residual");
  res.body = {conv(8, 2, false), default_layer("batchnorm"), default_layer("relu"), conv(8, 1, false),
              default_layer("batchnorm")};
  LayerConfig pool2 = default_layer("maxpool2d"), pool3 = default_layer("maxpool2d");
  pool2.kernel = pool2.stride = 2, pool3.kernel = 2, pool3.stride = 1;
  LayerConfig lin = default_layer("linear");
  lin.out = 3;
  const std::vector<LayerConfig> layers = {conv(4, 1, true), default_layer("relu"), pool2, res, default_layer("relu"),
                                           pool3, default_layer("flatten"), lin};
  const Shape input = {3, 13, 11};
  ASSERT_TRUE(summarize(layers, input, 3).ok()) << summarize(layers, input, 3).table();
  at::Generator gen = at::detail::createCPUGenerator(11);
  Network net(layers, input, InitConfig{}, gen);
  ASSERT_EQ(net.weights().size(), 5u);  // stem, body's two, projection, linear

  // The same network in NCHW functional ops on a leaf copy of the flat parameters.
  FlatParams P(net);
  auto w = [&](size_t k, at::IntArrayRef shape) { return P.w(k, shape); };
  auto next = [&](int64_t n) { return P.next(n); };
  auto bn = [&](const at::Tensor& x, int64_t c) { return P.bn(x, c); };
  auto cv = [](const at::Tensor& in, const at::Tensor& weight, int64_t stride, int64_t pad, const at::Tensor& b = {}) {
    return at::conv2d(in, weight, b, {stride, stride}, {pad, pad});
  };
  at::Tensor x = at::randn({5, 3, 13, 11}, gen).requires_grad_(true);
  at::Tensor h = at::max_pool2d(cv(x, w(0, {4, 3, 3, 3}), 1, 1, next(4)).relu(), {2, 2}, {2, 2});  // 4x6x5
  at::Tensor body = bn(cv(h, w(1, {8, 4, 3, 3}), 2, 1), 8).relu();
  body = bn(cv(body, w(2, {8, 8, 3, 3}), 1, 1), 8);
  at::Tensor shortcut = bn(cv(h, w(3, {8, 4, 1, 1}), 2, 0), 8);  // 8x3x3
  at::Tensor pooled = at::max_pool2d((body + shortcut).relu(), {2, 2}, {1, 1});  // 8x2x2
  at::Tensor expected = at::linear(pooled.flatten(1), w(4, {3, 32}), next(3));
  ASSERT_EQ(P.off, P.flat.numel());

  at::Tensor xo = x.detach().clone().requires_grad_(true);
  at::Tensor got = net.forward(xo);
  EXPECT_TRUE(net.forward_modules(xo, 0, 1).is_contiguous(kCL)) << "the conv computes in channels-last";
  EXPECT_TRUE(at::allclose(got, expected, 1e-4, 1e-5)) << got << expected;
  const at::Tensor g = at::randn({5, 3}, gen);
  net.flat_grad().zero_();
  (got * g).sum().backward();
  (expected * g).sum().backward();
  EXPECT_TRUE(at::allclose(net.flat_grad(), P.flat.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(net.flat().is_contiguous() && net.flat_grad().is_contiguous());
  EXPECT_TRUE(at::allclose(xo.grad(), x.grad(), 1e-4, 1e-6)) << "the input's gradient (attacks use it)";
}

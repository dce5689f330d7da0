// The CPU fast paths of conv2d and maxpool2d (model/layer_modules.h) give what
// at::conv2d and at::max_pool2d give, forward and backward: the direct 2x2
// max-pool on NCHW and channels-last inputs of odd and even sizes, with ties and
// NaNs; a network of convs, pools, a residual block and a flatten in
// channels-last memory against the same network written out in NCHW.
#include <gtest/gtest.h>

#include <limits>

#include <ATen/ATen.h>

#include "config/shapes.h"
#include "model/layer_modules.h"
#include "model/layers.h"
#include "model/network.h"

using namespace hyperlab;

namespace {

constexpr auto kCL = at::MemoryFormat::ChannelsLast;

// Forward values and the input's gradient for a random upstream gradient `g`.
std::pair<at::Tensor, at::Tensor> pool_and_grad(const at::Tensor& x0, const at::Tensor& g, bool ours) {
  at::Tensor x = x0.detach().clone(at::MemoryFormat::Preserve).requires_grad_(true);
  at::Tensor y = ours ? max_pool2x2(x) : at::max_pool2d(x, {2, 2}, {2, 2});
  (y * g).sum().backward();
  return {y.detach(), x.grad()};
}

void expect_same_pool(const at::Tensor& x, at::Generator& gen, const std::string& what) {
  const at::Tensor g = at::randn({x.size(0), x.size(1), x.size(2) / 2, x.size(3) / 2}, gen);
  auto [y, gx] = pool_and_grad(x, g, true);
  auto [ry, rgx] = pool_and_grad(x, g, false);
  EXPECT_EQ(y.sizes(), ry.sizes()) << what;
  EXPECT_TRUE(at::equal(y.isnan(), ry.isnan())) << what;
  EXPECT_TRUE(at::equal(y.nan_to_num(0), ry.nan_to_num(0))) << what;
  EXPECT_TRUE(at::equal(gx, rgx)) << what << "\n" << gx << rgx;
  const bool cl = x.is_contiguous(kCL) && !x.is_contiguous();
  EXPECT_TRUE(y.is_contiguous(cl ? kCL : at::MemoryFormat::Contiguous)) << what << ": the output keeps the layout";
  if (x.is_contiguous() || cl)  // (else autograd hands back the gradient in x's own strides)
    EXPECT_TRUE(gx.is_contiguous(cl ? kCL : at::MemoryFormat::Contiguous)) << what << ": so does the gradient";
}

}  // namespace

TEST(FastLayers, MaxPool2x2MatchesAtMaxPool2dForwardAndBackward) {
  at::Generator gen = at::detail::createCPUGenerator(3);
  for (const std::vector<int64_t>& s : {std::vector<int64_t>{4, 16, 28, 28}, {2, 3, 7, 9}, {3, 5, 2, 3}, {1, 1, 5, 4}}) {
    const at::Tensor x = at::randn(s, gen);
    const std::string shape = shape_str(Shape(s.begin(), s.end()));
    expect_same_pool(x, gen, "NCHW " + shape);
    expect_same_pool(x.contiguous(kCL), gen, "channels-last " + shape);
    expect_same_pool(x.transpose(2, 3), gen, "transposed " + shape);  // neither layout: made contiguous
    // Ties: few distinct values, so windows hold equal maxima (the first takes the gradient).
    const at::Tensor ties = at::randint(0, 2, s, gen).to(at::kFloat);
    expect_same_pool(ties, gen, "ties NCHW " + shape);
    expect_same_pool(ties.contiguous(kCL), gen, "ties channels-last " + shape);
  }
  at::Tensor nans = at::randn({2, 4, 6, 6}, gen);
  nans.view(-1).index_fill_(0, at::randint(0, nans.numel(), {20}, gen), std::numeric_limits<float>::quiet_NaN());
  expect_same_pool(nans, gen, "NaN NCHW");
  expect_same_pool(nans.contiguous(kCL), gen, "NaN channels-last");
}

TEST(FastLayers, MaxPool2x2LeavesOtherTensorsToAtMaxPool2d) {
  at::Generator gen = at::detail::createCPUGenerator(4);
  const at::Tensor d = at::randn({2, 3, 6, 6}, gen).to(at::kDouble);
  EXPECT_TRUE(at::equal(max_pool2x2(d), at::max_pool2d(d, {2, 2}, {2, 2})));
  const at::Tensor three = at::randn({3, 6, 6}, gen);  // no batch dimension
  EXPECT_TRUE(at::equal(max_pool2x2(three), at::max_pool2d(three, {2, 2}, {2, 2})));
}

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
  at::Tensor flat = net.flat().detach().clone().requires_grad_(true);
  auto w = [&](size_t k, at::IntArrayRef shape) {
    return flat.narrow(0, net.weights()[k].offset, net.weights()[k].numel).view(shape);
  };
  int64_t off = net.weight_numel();
  auto next = [&](int64_t n) {
    at::Tensor t = flat.narrow(0, off, n);
    off += n;
    return t;
  };
  auto bn = [&](const at::Tensor& x, int64_t c) {
    at::Tensor g = next(c), b = next(c);
    return at::batch_norm(x, g, b, {}, {}, true, 0.1, 1e-5, false);
  };
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
  ASSERT_EQ(off, flat.numel());

  at::Tensor xo = x.detach().clone().requires_grad_(true);
  at::Tensor got = net.forward(xo);
  EXPECT_TRUE(net.forward_modules(xo, 0, 1).is_contiguous(kCL)) << "the conv computes in channels-last";
  EXPECT_TRUE(at::allclose(got, expected, 1e-4, 1e-5)) << got << expected;
  const at::Tensor g = at::randn({5, 3}, gen);
  net.flat_grad().zero_();
  (got * g).sum().backward();
  (expected * g).sum().backward();
  EXPECT_TRUE(at::allclose(net.flat_grad(), flat.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(net.flat().is_contiguous() && net.flat_grad().is_contiguous());
  EXPECT_TRUE(at::allclose(xo.grad(), x.grad(), 1e-4, 1e-6)) << "the input's gradient (attacks use it)";
}

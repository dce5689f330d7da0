// Networks with nested blocks: a residual block computes body(x) + shortcut(x)
// exactly as the same operations written out by hand, over the flat
// parameters; the resnet shorthand builds the parameter counts it claims and
// trains a step on synthetic images.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "common/flat_params.h"
#include "config/shapes.h"
#include "model/layers.h"
#include "model/network.h"
#include "model/shorthands.h"

using namespace hyperlab;

namespace {

LayerConfig layer(const std::string& type, int out = 0, int stride = 1) {
  LayerConfig l = default_layer(type);
  if (type == "conv2d") l.out = out, l.stride = stride, l.padding = 1, l.bias = false;
  if (type == "linear") l.out = out;
  return l;
}

}  // namespace

TEST(Network, AResidualBlockIsItsBodyPlusItsProjectionOverTheFlatParameters) {
  // conv(4) · residual[conv(8, stride 2), batchnorm, relu, conv(8), batchnorm] · relu · global_avgpool · linear(3)
  LayerConfig res = default_layer("residual");
  res.body = {layer("conv2d", 8, 2), layer("batchnorm"), layer("relu"), layer("conv2d", 8), layer("batchnorm")};
  LayerConfig stem = layer("conv2d", 4);
  stem.bias = true;
  const std::vector<LayerConfig> layers = {stem, res, layer("relu"), layer("global_avgpool"),
                                           layer("linear", 3)};
  const Shape input = {2, 8, 8};
  ASSERT_TRUE(summarize(layers, input, 3).ok()) << summarize(layers, input, 3).table();
  at::Generator gen = at::detail::createCPUGenerator(7);
  Network net(layers, input, InitConfig{}, gen);
  // Weights: the stem conv, the body's two convs, the shortcut's 1x1 conv,
  // the linear layer; then the biases and norm parameters in the same order.
  ASSERT_EQ(net.weights().size(), 5u);
  EXPECT_EQ(net.weights()[3].name, "conv2d(8, 1x1) #4");
  EXPECT_EQ(net.flat().numel(), summarize(layers, input, 3).total_params);

  // The same network written out with functional ops on leaf copies of the flat parameters.
  FlatParams P(net);
  auto w = [&](size_t k, at::IntArrayRef shape) { return P.w(k, shape); };
  auto next = [&](int64_t n) { return P.next(n); };
  auto bn = [&](const at::Tensor& x, int64_t c) { return P.bn(x, c); };
  // Biases and norm parameters: the stem's bias, the body's two batch norms, the projection's, the linear bias.
  at::Tensor x = at::rand({5, 2, 8, 8}, gen);
  auto conv = [](const at::Tensor& in, const at::Tensor& weight, int64_t stride, int64_t pad,
                 const at::Tensor& bias = at::Tensor()) {
    const std::vector<int64_t> st = {stride, stride}, pd = {pad, pad};
    return at::conv2d(in, weight, bias, st, pd);
  };
  at::Tensor stem_b = next(4);
  at::Tensor h = conv(x, w(0, {4, 2, 3, 3}), 1, 1, stem_b);
  at::Tensor body = conv(h, w(1, {8, 4, 3, 3}), 2, 1);
  body = bn(body, 8).relu();
  body = bn(conv(body, w(2, {8, 8, 3, 3}), 1, 1), 8);
  at::Tensor shortcut = bn(conv(h, w(3, {8, 4, 1, 1}), 2, 0), 8);
  at::Tensor pooled = (body + shortcut).relu().mean({2, 3});
  at::Tensor lin_b = next(3);
  at::Tensor expected = at::linear(pooled, w(4, {3, 8}), lin_b);
  ASSERT_EQ(P.off, P.flat.numel());

  at::Tensor got = net.forward(x);
  EXPECT_TRUE(at::allclose(got, expected, 1e-5, 1e-6)) << got << expected;
  at::Tensor y = at::randint(0, 3, {5}, gen);
  net.flat_grad().zero_();
  at::cross_entropy_loss(got, y).backward();
  at::cross_entropy_loss(expected, y).backward();
  EXPECT_TRUE(at::allclose(net.flat_grad(), P.flat.grad(), 1e-4, 1e-6));
  EXPECT_GT(P.flat.grad().narrow(0, net.weights()[3].offset, net.weights()[3].numel).abs().sum().item<double>(), 0)
      << "the shortcut's weights learn";
}

TEST(Network, ResNetShorthandsBuildThePublishedParameterCounts) {
  at::Generator gen = at::detail::createCPUGenerator(1);
  ResNetConfig r18;
  r18.depth = 18;
  Network n18(expand_resnet(r18, 10), {3, 224, 224}, InitConfig{}, gen);
  EXPECT_EQ(n18.flat().numel(), 11181642);  // torchvision.models.resnet18(num_classes=10)
  ResNetConfig r20;
  Network n20(expand_resnet(r20, 10), {3, 32, 32}, InitConfig{}, gen);
  EXPECT_EQ(n20.flat().numel(), 272474);  // 0.27M (He et al.), with projection shortcuts
  EXPECT_EQ(n20.weights().size(), 19u + 2u + 1u);  // 19 convs, 2 projections, the head
  // One training step on synthetic images: finite, and every weight gets a gradient.
  at::Tensor x = at::rand({4, 3, 32, 32}, gen);
  at::Tensor y = at::randint(0, 10, {4}, gen);
  n20.flat_grad().zero_();
  at::Tensor loss = at::cross_entropy_loss(n20.forward(x), y);
  loss.backward();
  EXPECT_TRUE(std::isfinite(loss.item<double>()));
  for (const WeightSlice& s : n20.weights())
    EXPECT_GT(n20.flat_grad().narrow(0, s.offset, s.numel).abs().sum().item<double>(), 0) << s.name;
  // Evaluation mode uses the running statistics: a single image works too.
  n20.train(false);
  EXPECT_EQ(n20.forward(x.narrow(0, 0, 1)).sizes(), (at::IntArrayRef{1, 10}));
}

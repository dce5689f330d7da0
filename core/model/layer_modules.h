// What a layer entry's build function (model/layers.h) appends its modules
// to, and the block modules. Internal to model/ (LibTorch).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include "config/experiment.h"
#include "config/shapes.h"
#include "model/network.h"

namespace hyperlab {

struct BuildContext {
  at::Generator gen;              ///< the run's: initialisation, dropout
  const InitConfig* init;         ///< the scheme in force (model.init, or an enclosing block's)
  torch::nn::Sequential seq;      ///< where this level's modules go
  std::vector<at::Tensor>* weight_params;  ///< flat layout: all weights first, in build order,
  std::vector<at::Tensor>* other_params;   ///< then biases and norm parameters
  std::vector<WeightSlice>* weights;
  int* weighted;                  ///< weighted layers so far (names "#n")

  /// Initialises a weight (and bias) with `l`'s init (else the one in force)
  /// and adds them to the flat layout, named "name #n".
  void add_weight(at::Tensor& w, at::Tensor* bias, const LayerConfig& l, const std::string& name, int64_t fan_in);
  /// Adds a norm layer's weight and bias.
  void add_other(at::Tensor& w, at::Tensor& b);
  /// The same context appending to `into`, with `l`'s init in force when it has one.
  BuildContext inside(torch::nn::Sequential into, const LayerConfig& l) const;
};

/// Builds `layers` (valid for `in`) into ctx.seq; `after_each(i)` after layer i (the network's block spans).
void build_layers(const std::vector<LayerConfig>& layers, const Shape& in, BuildContext& ctx,
                  const std::function<void(size_t)>& after_each = {});

/// `conv2d` (and the residual projection): LibTorch's Conv2d, its weight NCHW as
/// stored in the flat tensor, but on the CPU it convolves in channels-last memory
/// (the weight converted per call; autograd returns the gradient to the NCHW
/// weight), which oneDNN runs fastest. Its output stays channels-last, and so do
/// the batch norms, activations, pools and residual sums after it; the values
/// and their NCHW indexing are the same, only the memory order differs
/// (flatten and .contiguous() give NCHW order).
class ConvImpl : public torch::nn::Conv2dImpl {
 public:
  ConvImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, bool bias)
      : torch::nn::Conv2dImpl(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias)),
        stride_(stride),
        padding_(padding) {}
  at::Tensor forward(const at::Tensor& x);

 private:
  int64_t stride_, padding_;
};
TORCH_MODULE(Conv);

/// `global_avgpool`: the mean over each channel's H x W.
class GlobalAvgPoolImpl : public torch::nn::Module {
 public:
  at::Tensor forward(const at::Tensor& x) { return x.mean({2, 3}); }
};
TORCH_MODULE(GlobalAvgPool);

/// `sequential`: its body in order.
class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl() : body(register_module("body", torch::nn::Sequential())) {}
  at::Tensor forward(const at::Tensor& x) { return body->forward(x); }
  torch::nn::Sequential body;
};
TORCH_MODULE(Block);

/// `residual`: body(x) + shortcut(x), the shortcut the identity or a projection.
class ResidualImpl : public torch::nn::Module {
 public:
  ResidualImpl()
      : body(register_module("body", torch::nn::Sequential())),
        shortcut(register_module("shortcut", torch::nn::Sequential())) {}
  at::Tensor forward(const at::Tensor& x) {
    return shortcut->is_empty() ? body->forward(x) + x : body->forward(x) + shortcut->forward(x);
  }
  torch::nn::Sequential body, shortcut;
};
TORCH_MODULE(Residual);

}  // namespace hyperlab

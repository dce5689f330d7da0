// Builds the network a config describes. All parameters live in one flat
// tensor (weights of linear/conv layers first, then biases and norm
// parameters), and their gradients in a second one: the optimizer, clipping,
// noise, penalties and diagnostics then each cost one or two ops per batch
// instead of one per parameter, which is what small models are bound by.
#pragma once

#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

#include "config/experiment.h"
#include "model/layers.h"

namespace hyperlab {

/// The run's random numbers for a tensor on `dev`: `cpu` itself on the CPU; on a
/// GPU a generator of that device made once into `cached`, seeded from `cpu`'s
/// seed (a CPU generator cannot fill a GPU tensor, and copying CPU draws over
/// would wait for the device every batch). Seeded runs stay reproducible per device.
at::Generator& generator_for(const at::Device& dev, at::Generator& cpu, at::Generator& cached);

/// Dropout that draws from the run's own generator (so parallel runs stay reproducible).
class SeededDropoutImpl : public torch::nn::Module {
 public:
  SeededDropoutImpl(double p, at::Generator gen) : p_(p), gen_(std::move(gen)) {}
  at::Tensor forward(const at::Tensor& x);
  /// What forward multiplies x by while training: 0 (dropped) or 1/(1-p), drawn from the run's generator.
  at::Tensor mask(const at::Tensor& x);
  double p() const { return p_; }

 private:
  double p_;
  at::Generator gen_, device_gen_;
};
TORCH_MODULE(SeededDropout);

struct WeightSlice {
  std::string name;   ///< "linear(500) #1"
  int64_t offset = 0;  ///< into the flat tensor
  int64_t numel = 0;
  int fan_in = 0;      ///< the layer's fan-in, for the filter views
};

class Network {
 public:
  /// layers: expanded (shorthands resolved) and valid for `input` (per-sample
  /// shape); each type's module comes from its registry entry (model/layers.h).
  /// gen: the run's generator, for initialisation and dropout.
  Network(const std::vector<LayerConfig>& layers, const std::vector<int64_t>& input,
          const InitConfig& init, at::Generator gen);

  /// From the first top-level module on, or from set_first_module()'s (the input is then its features).
  at::Tensor forward(const at::Tensor& x) { return first_ == 0 ? seq_->forward(x) : forward_modules(x, first_, seq_->size()); }
  /// Feature caching (model/transfer.h): forward() starts at top-level module m.
  void set_first_module(size_t m) { first_ = m; }
  size_t first_module() const { return first_; }
  /// Training or evaluation mode; frozen layers' modules stay in evaluation mode (batch-norm statistics fixed).
  void train(bool on);
  bool training() const { return seq_->is_training(); }

  // ---- Transfer learning (model/transfer.h): the top-level layers, which model_blocks() groups ----
  /// One top-level layer's share: its weights [w0, w1) and other parameters [o0, o1) in build
  /// order, and its modules [m0, m1) among the top-level ones.
  struct Span {
    size_t w0 = 0, w1 = 0, o0 = 0, o1 = 0, m0 = 0, m1 = 0;
  };
  const std::vector<Span>& spans() const { return spans_; }
  /// Parameters and buffers by their module names ("4.body.0.weight", "1.running_mean").
  std::vector<std::pair<std::string, at::Tensor>> named_tensors() const;
  /// Freezes the top-level layers marked true: their parameters get requires_grad false
  /// (autograd skips them) and their modules stay in evaluation mode.
  void freeze(const std::vector<bool>& layers);
  const std::vector<bool>& frozen() const { return frozen_; }
  /// The flat ranges {offset, numel} of the marked top-level layers' parameters, adjacent ones merged.
  std::vector<std::pair<int64_t, int64_t>> flat_ranges(const std::vector<bool>& layers) const;
  /// The top-level modules [m0, m1) applied to x (features of a frozen prefix, the head on them).
  at::Tensor forward_modules(const at::Tensor& x, size_t m0, size_t m1);
  void to(const at::Device& dev);

  at::Tensor& flat() { return flat_; }        ///< all parameters
  at::Tensor& flat_grad() { return grad_; }   ///< their gradients, same layout
  int64_t weight_numel() const { return weight_numel_; }  ///< flat[0:weight_numel) are weights
  const std::vector<WeightSlice>& weights() const { return weights_; }
  std::vector<at::Tensor> buffers();          ///< batch-norm running statistics
  const torch::nn::Sequential& modules() const { return seq_; }  ///< the top-level modules, one per layer

 private:
  void flatten_parameters(const at::Device& dev);

  torch::nn::Sequential seq_;
  at::Tensor flat_, grad_;
  int64_t weight_numel_ = 0;
  std::vector<WeightSlice> weights_;
  std::vector<at::Tensor> weight_params_, other_params_;  // handles onto the modules' parameters
  std::vector<int64_t> weight_offsets_, other_offsets_;   // their places in flat_
  std::vector<Span> spans_;
  std::vector<bool> frozen_;
  size_t first_ = 0;
};

/// Applies an initialisation scheme (model/init.h) to one weight (and bias) tensor in place.
void init_weight(at::Tensor& w, at::Tensor* bias, const InitConfig& c, at::Generator& gen);

}  // namespace hyperlab

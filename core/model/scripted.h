// The `torchscript` layer: a TorchScript file (torch.jit.save of a scripted
// or traced module) trained as it is, inside a Hyperlab network. Its module
// wraps the loaded torch::jit::Module and calls its forward; its parameters
// and buffers are registered with the network, so they become views into the
// one flat parameter tensor (model/network.h) like any layer's, checkpoints
// keep them, and freezing puts the whole module in evaluation mode (batch-norm
// statistics fixed). Its output shape comes from one forward on zeros.
// Internal to model/ (LibTorch).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/script.h>

#include "config/shapes.h"
#include "model/layers.h"

namespace hyperlab {

/// What a TorchScript file is as a layer on per-sample input `in`.
struct ScriptedInfo {
  Shape out;            ///< its per-sample output shape (one forward on zeros, in evaluation mode)
  int64_t params = 0;   ///< its parameters' values
  std::string error;    ///< why it cannot be a layer ("net.pt: no such file"); "" when it can
};

/// The file as a layer on `in`, cached by path, modification time, size and input shape
/// (shape inference runs on every config check). Never throws.
ScriptedInfo scripted_info(const std::string& file, const Shape& in);

/// Loads a TorchScript file on the CPU; throws std::runtime_error starting with the file's
/// name ("net.pt: no such file", "net.pt: not a TorchScript file (...)").
torch::jit::Module load_scripted(const std::string& file);

/// The module of a `torchscript` layer.
class ScriptedImpl : public torch::nn::Module {
 public:
  /// Registers m's parameters and buffers under its own names ("conv.weight", "bn.running_mean").
  explicit ScriptedImpl(torch::jit::Module m);
  at::Tensor forward(const at::Tensor& x);
  /// Training or evaluation mode for the jit module too (its batch norm and dropout follow).
  void train(bool on = true) override;
  const torch::jit::Module& script() const { return jit_; }
  /// A copy with tensors of its own (the current values), for export/: a plain deepcopy would take
  /// the parameters, which share the flat tensor's storage, for one another.
  torch::jit::Module copy() const;

 private:
  torch::jit::Module jit_;
};
TORCH_MODULE(Scripted);

/// The registry entry (model/layers.cpp lists it).
LayerType scripted_layer_type();

}  // namespace hyperlab

// Transfer learning: the weights a run starts from (model.init_from), mapped
// into the network by name and shape, and the blocks it freezes
// (model.freeze). Internal to core (LibTorch).
//
// Names: a Hyperlab resnet's tensors are named as torchvision's ResNet names
// them (conv1, bn1, layer1.0.conv1, layer1.0.bn1, layer2.0.downsample.0, fc,
// with .weight, .bias, .running_mean, .running_var, .num_batches_tracked), so
// torchvision's ResNet-18/34 weights (a TorchScript file) and another Hyperlab
// resnet's checkpoint both map; any other model keeps its module names
// ("1.weight", "4.body.0.weight"), which map between equal architectures.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "config/experiment.h"
#include "model/network.h"

namespace hyperlab {

/// A config error found while loading the starting weights: `key` names it (model.init_from.file).
struct TransferError : std::runtime_error {
  TransferError(const std::string& key, const std::string& msg) : std::runtime_error(key + ": " + msg), key(key) {}
  std::string key;
};

/// What mapping the starting weights did.
struct TransferReport {
  std::string source;                ///< "run 12 (…/checkpoint.pt)", "resnet18.pt"
  std::vector<std::string> mapped;   ///< the network's tensors that got the source's values (their names)
  std::vector<std::string> mismatched;  ///< "fc.weight: [10, 512] in the network, [1000, 512] in the source"
  std::vector<std::string> missing;  ///< the network's tensors the source has no tensor for
  std::vector<std::string> unused;   ///< the source's tensors nothing took
  std::string head_note;             ///< "head replaced: 1000 classes -> 10" when the head did not map
  /// A few lines for the log.
  std::string text() const;
};

/// The names the network's tensors go by (see above), in Network::named_tensors() order.
std::vector<std::pair<std::string, at::Tensor>> transfer_names(const ModelConfig& m, const std::vector<LayerConfig>& layers,
                                                               const Network& net);

/// Copies `source` (name -> tensor) into the network's tensors of the same name and shape.
TransferReport map_weights(const std::vector<std::pair<std::string, at::Tensor>>& source,
                           const std::vector<std::pair<std::string, at::Tensor>>& target);

/// The tensors of a TorchScript file (its parameters and buffers, recursively named);
/// throws TransferError naming model.init_from.file when it is missing or unreadable.
std::vector<std::pair<std::string, at::Tensor>> torchscript_tensors(const std::string& file);

/// The tensors of a Hyperlab checkpoint (train/checkpoint.h), under the names of its own config's network.
std::vector<std::pair<std::string, at::Tensor>> checkpoint_tensors(const std::string& file);

/// Loads c.model.init_from into `net` (on the CPU, before it moves): a run's checkpoint
/// (`run_checkpoint`: its file, "" when the run has none; for init_from.pretrain the
/// pretraining run's) or a TorchScript file. Throws
/// TransferError (naming the key) when the source is missing or nothing maps.
TransferReport load_initial_weights(const ExperimentConfig& c, const std::vector<LayerConfig>& layers, Network& net,
                                    const std::string& run_checkpoint);

/// Feature caching: the number of top-level layers whose output can be computed once and
/// reused every epoch (a frozen prefix, extended over following layers without parameters
/// or randomness such as global_avgpool and flatten), or 0 when it cannot: caching off,
/// augmentation on, or any block but the last trains.
size_t cacheable_prefix(const ExperimentConfig& c, const std::vector<LayerConfig>& layers, const std::vector<bool>& frozen);

/// Which top-level layers model.freeze freezes (true = frozen), from layer_blocks().
std::vector<bool> frozen_layers(const ExperimentConfig& c, const std::vector<LayerConfig>& layers);

}  // namespace hyperlab

// The model shorthands next to explicit layers: `mlp` and `resnet`, each
// expanded into registry layers (model/layers.h). Torch-free.
#pragma once

#include <string>
#include <vector>

#include "config/experiment.h"

namespace hyperlab {

/// flatten, then per hidden size linear, (batchnorm), activation, (dropout), and linear(classes).
std::vector<LayerConfig> expand_mlp(const MlpConfig& m, int classes);

/// Whether `depth` names a ResNet: 18, 34, or 6n+2 with 1 <= n <= 200 (the CIFAR family).
bool resnet_depth_ok(int depth);
/// The CIFAR family (6n+2), which has its own 3x3 stem (the `stem` key does not apply).
bool resnet_is_cifar(int depth);

/// He et al. 2016, basic blocks: a stem, stages of residual blocks (body: conv3x3,
/// batchnorm, relu, conv3x3, batchnorm; a projection shortcut where the shape
/// changes) each followed by relu, then global_avgpool and linear(classes).
/// Convolutions have no bias. CIFAR family: stem conv3x3(16), stages 16/32/64
/// with n blocks each. 18/34: stem per `stem`, stages 64/128/256/512 with
/// [2,2,2,2] / [3,4,6,3] blocks. Stages after the first halve the size (stride 2).
std::vector<LayerConfig> expand_resnet(const ResNetConfig& r, int classes);

/// Transfer learning's blocks: the block of each top-level layer of
/// expanded_layers(). A resnet: "stem" (before the first residual), "layer1"..
/// (its stages, each residual with the relu after it), "head" (global_avgpool
/// and the linear). Any other model: "body", then "head" from its last linear
/// (or last layer) on.
std::vector<std::string> layer_blocks(const ModelConfig& m, const std::vector<LayerConfig>& expanded);
/// The distinct block names of layer_blocks(), in order.
std::vector<std::string> block_names(const ModelConfig& m, const std::vector<LayerConfig>& expanded);

/// "resnet20", "resnet18 small-stem": the store's model brief.
std::string resnet_brief(const ResNetConfig& r);

}  // namespace hyperlab

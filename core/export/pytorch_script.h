// A config as one self-contained PyTorch training script (`hyperlab-cli
// export-pytorch`, File > Export as PyTorch script…): torch alone, reading the
// IDX / CIFAR files itself. The same network (layer and parameter names,
// parameter count, initialisation scheme), optimizer, schedule, weight decay,
// L1/L2, gradient noise, clipping, validation split, frozen blocks, epoch
// selection and early stopping; the same shuffling order (the same generator
// and seed), so that from Hyperlab's starting weights (--weights) the first
// batch's loss is Hyperlab's. Each piece comes from its registry entry's
// template (model/layers.h, model/init.h, train/optimizers.h). Torch-free.
#pragma once

#include <string>

#include "config/experiment.h"

namespace hyperlab {

/// The script; throws std::invalid_argument naming the config key it cannot reproduce
/// (data.dataset "folder", synthetic images).
std::string pytorch_script(const ExperimentConfig& c);

}  // namespace hyperlab

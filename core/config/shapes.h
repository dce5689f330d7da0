// Shape inference and the layer summary, without LibTorch: used by validation,
// `hyperlab-cli summary` and, later, the GUI's live summary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/experiment.h"

namespace hyperlab {

using Shape = std::vector<int64_t>;  ///< per-sample shape, no batch dimension
std::string shape_str(const Shape& s);  ///< "[1,28,28]"

/// What a dataset feeds the model, known from the config alone (no files read).
struct DataSpec {
  Shape input;      ///< per-sample input shape
  int classes = 0;
  std::vector<std::string> class_names;
};
DataSpec data_spec(const DataConfig& d);
/// What the network sees: data_spec(d).input, its height and width data.resize when set.
Shape model_input(const DataConfig& d);

struct LayerSummary {
  std::string name;     ///< "linear(500)"
  std::string type;     ///< "linear"; "projection" for a residual block's shortcut
  int depth = 0;        ///< 0 for model.layers, 1 inside a block, ...
  Shape output;
  int64_t params = 0;
  int64_t flops = 0;    ///< forward multiply-adds x2 per sample (linear, conv only)
  int kept = 1;         ///< tensors of the output's size kept for backward: 0 for a view (flatten, a sequential block), 2 for dropout (its mask)
};

struct ModelSummary {
  std::vector<LayerSummary> layers;  ///< depth first: a block, then its body one level deeper
  int64_t total_params = 0;   ///< saturates at INT64_MAX (as every count here) instead of wrapping around
  int64_t forward_flops = 0;  ///< per sample
  std::vector<std::string> errors;  ///< "model.layers[4]: conv2d needs [C,H,W] input, got [500]"
  bool ok() const { return errors.empty(); }
  std::string table() const;  ///< printable table
};

/// Infers shapes through `layers` (already expanded) from `input`, with the
/// layer registry (model/layers.h); the last layer's output must be [classes].
ModelSummary summarize(const std::vector<LayerConfig>& layers, const Shape& input, int classes);
ModelSummary summarize(const ExperimentConfig& c);

}  // namespace hyperlab

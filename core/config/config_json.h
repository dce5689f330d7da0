// Reading, validating and writing experiment configs as JSON.
// Every problem is reported at once, each naming its key path and reason.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/experiment.h"
#include "config/json_reader.h"  // ConfigError

namespace hyperlab {

struct ConfigResult {
  ExperimentConfig config;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
  std::string error_text() const;  ///< one error per line
};

/// Parses and validates (keys, types, ranges, and the model's shapes).
ConfigResult parse_config(const nlohmann::json& j);
ConfigResult parse_config_text(const std::string& text, const std::string& source = "config");
ConfigResult load_config_file(const std::string& file);
/// Validates a config built in memory (e.g. by the GUI's forms) exactly as if
/// it were read from its JSON file; the result's config is the resolved one.
/// A valid config is also checked against this machine's memory
/// (check_resources in config/resources.h), which parse_config never does.
ConfigResult check_config(const ExperimentConfig& c);

nlohmann::ordered_json config_to_json(const ExperimentConfig& c);
std::string config_to_text(const ExperimentConfig& c);  ///< pretty JSON, 2-space indent, schema order

/// Applies "key.path=value" (value parsed as JSON, else taken as a string), e.g.
/// "training.optimizer.lr=0.1" or "model.layers[2].out=64". Creates missing object keys.
/// Returns "" on success, else an error message.
std::string apply_override(nlohmann::json& j, const std::string& assignment);

/// The metrics of an epoch by name: what early stopping, the plateau scheduler
/// and a sweep's objective may monitor.
const std::vector<std::string>& metric_names();
/// Those that may watch a run (early stopping, plateau schedules), validation first: never the test set's.
std::vector<std::string> watchable_metric_names();

/// The layers the model expands to (the mlp and resnet shorthands resolved, model/shorthands.h).
std::vector<LayerConfig> expanded_layers(const ExperimentConfig& c);

}  // namespace hyperlab

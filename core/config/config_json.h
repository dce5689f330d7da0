// Reading, validating and writing experiment configs as JSON.
// Every problem is reported at once, each naming its key path and reason.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/experiment.h"

namespace hyperlab {

struct ConfigError {
  std::string path;     ///< e.g. "model.layers[3].out"
  std::string message;  ///< e.g. "must be a positive integer, got -5"
  std::string str() const { return path.empty() ? message : path + ": " + message; }
};

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

/// The layers the model expands to (the mlp shorthand resolved).
std::vector<LayerConfig> expanded_layers(const ExperimentConfig& c);

}  // namespace hyperlab

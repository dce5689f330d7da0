// Presets shipped in resources/presets/, embedded into the binaries at build time.
#pragma once

#include <string>
#include <vector>

#include "config/config_json.h"  // ConfigResult

namespace hyperlab {

struct EmbeddedPreset {
  const char* name;
  const char* json;
};
const std::vector<EmbeddedPreset>& embedded_presets();  // generated
/// Sweep presets (resources/sweeps/): homework studies; read them with load_sweep_preset (sweep/sweep.h).
const std::vector<EmbeddedPreset>& embedded_sweep_presets();  // generated

std::vector<std::string> preset_names();
/// The preset's JSON text, or "" if there is no preset of that name (a former name,
/// resnet20-cifar, gives the preset it became: cifar10-resnet20).
std::string preset_text(const std::string& name);

/// The config model.init_from.pretrain names: a preset, or else a config file; an error
/// (key "") "no preset or file called NAME" when it is neither.
ConfigResult pretraining_config(const std::string& name);

std::vector<std::string> sweep_preset_names();
/// The sweep preset's JSON text, or "" if there is none of that name.
std::string sweep_preset_text(const std::string& name);

}  // namespace hyperlab

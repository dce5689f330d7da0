// Presets shipped in resources/presets/, embedded into the binaries at build time.
#pragma once

#include <string>
#include <vector>

namespace hyperlab {

struct EmbeddedPreset {
  const char* name;
  const char* json;
};
const std::vector<EmbeddedPreset>& embedded_presets();  // generated
/// Sweep presets (resources/sweeps/): homework studies; read them with load_sweep_preset (sweep/sweep.h).
const std::vector<EmbeddedPreset>& embedded_sweep_presets();  // generated

std::vector<std::string> preset_names();
/// The preset's JSON text, or "" if there is no preset of that name.
std::string preset_text(const std::string& name);

std::vector<std::string> sweep_preset_names();
/// The sweep preset's JSON text, or "" if there is none of that name.
std::string sweep_preset_text(const std::string& name);

}  // namespace hyperlab

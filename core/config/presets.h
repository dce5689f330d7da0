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

std::vector<std::string> preset_names();
/// The preset's JSON text, or "" if there is no preset of that name.
std::string preset_text(const std::string& name);

}  // namespace hyperlab

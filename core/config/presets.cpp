#include "config/presets.h"

namespace hyperlab {

namespace {
std::vector<std::string> names_of(const std::vector<EmbeddedPreset>& presets) {
  std::vector<std::string> n;
  for (const auto& p : presets) n.push_back(p.name);
  return n;
}

std::string text_of(const std::vector<EmbeddedPreset>& presets, const std::string& name) {
  for (const auto& p : presets)
    if (name == p.name) return p.json;
  return "";
}
}  // namespace

std::vector<std::string> preset_names() { return names_of(embedded_presets()); }
std::string preset_text(const std::string& name) { return text_of(embedded_presets(), name); }
std::vector<std::string> sweep_preset_names() { return names_of(embedded_sweep_presets()); }
std::string sweep_preset_text(const std::string& name) { return text_of(embedded_sweep_presets(), name); }

}  // namespace hyperlab

#include "config/presets.h"

namespace hyperlab {

std::vector<std::string> preset_names() {
  std::vector<std::string> n;
  for (const auto& p : embedded_presets()) n.push_back(p.name);
  return n;
}

std::string preset_text(const std::string& name) {
  for (const auto& p : embedded_presets())
    if (name == p.name) return p.json;
  return "";
}

}  // namespace hyperlab

namespace hyperlab {

std::vector<std::string> sweep_preset_names() {
  std::vector<std::string> n;
  for (const auto& p : embedded_sweep_presets()) n.push_back(p.name);
  return n;
}

std::string sweep_preset_text(const std::string& name) {
  for (const auto& p : embedded_sweep_presets())
    if (name == p.name) return p.json;
  return "";
}

}  // namespace hyperlab

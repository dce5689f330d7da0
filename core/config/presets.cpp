#include "config/presets.h"

#include <filesystem>

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
std::string preset_text(const std::string& name) {
  // Former names, still read from sweep files and scripts that use them.
  static const std::pair<const char*, const char*> renamed[] = {{"resnet20-cifar", "cifar10-resnet20"}};
  for (const auto& [old_name, now] : renamed)
    if (name == old_name) return text_of(embedded_presets(), now);
  return text_of(embedded_presets(), name);
}
std::vector<std::string> sweep_preset_names() { return names_of(embedded_sweep_presets()); }
std::string sweep_preset_text(const std::string& name) { return text_of(embedded_sweep_presets(), name); }

ConfigResult pretraining_config(const std::string& name) {
  if (std::string text = preset_text(name); !text.empty()) return parse_config_text(text, name);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(name, ec)) {
    ConfigResult r;
    r.errors.push_back({"", "no preset or file called " + name});
    return r;
  }
  ConfigResult r = load_config_file(name);
  for (ConfigError& e : r.errors) e = {"", name + ": " + e.str()};
  return r;
}

}  // namespace hyperlab

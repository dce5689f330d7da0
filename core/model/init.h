// The initialiser registry: the schemes, the fields they read and the
// kaiming nonlinearities, described once. Config reading and writing,
// init_weight (model/network.h), the editor and docs/config.md read it.
// Torch-free: a scheme's fill function takes an InitTarget that only
// model/init.cpp (LibTorch) defines.
#pragma once

#include <string>
#include <vector>

#include "config/experiment.h"

namespace hyperlab {

/// A field of InitConfig, as read from JSON and shown in the editor.
struct InitField {
  std::string key;    ///< the JSON key, e.g. "std"
  std::string label;  ///< the editor's row label
  std::string doc;    ///< one line
  double InitConfig::*d = nullptr;       ///< a number, or:
  std::string InitConfig::*s = nullptr;  ///< a choice, or:
  bool InitConfig::*b = nullptr;         ///< a flag
  double lo = 0, hi = 0;                 ///< numbers: the range read from JSON
  bool lo_open = false;
  double ui_lo = 0, ui_hi = 0, step = 0;  ///< numbers: the editor's range and step
  std::vector<std::string> choices;       ///< choices
  std::string only_if_key, only_if_value;  ///< applies only when another field has this value
};

struct InitTarget;  // model/init.cpp (LibTorch)

struct InitScheme {
  std::string name;
  std::string doc;                  ///< one line
  std::vector<std::string> fields;  ///< the keys it reads, in schema order (zero_bias applies to all)
  void (*fill)(const InitTarget& t) = nullptr;  ///< fills the weight (model/init.cpp)
  /// The same in PyTorch (core/export): a call on weight `w` with {field}s filled in, fan_in(w) its fan-in.
  std::string pytorch = "";
  bool zero_biases = false;  ///< its biases are 0 too (otherwise PyTorch's default unless zero_bias)
};

/// A nonlinearity for kaiming's gain (as torch.nn.init.calculate_gain).
struct Nonlinearity {
  std::string name;
  double (*gain)(double negative_slope) = nullptr;
};

const std::vector<InitScheme>& init_schemes();
const InitScheme* find_init_scheme(const std::string& name);
/// Every field, in schema order; zero_bias last.
const std::vector<InitField>& init_fields();
const std::vector<Nonlinearity>& nonlinearities();
/// Whether field `key` is written and shown for `c` (its scheme reads it, and its condition holds).
bool init_field_applies(const InitConfig& c, const InitField& f);
/// The markdown rows docs/config.md shows for `init`.
std::string init_markdown();

}  // namespace hyperlab

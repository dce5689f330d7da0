// One setting of a config section (an optimizer's, a schedule's, an
// augmentation's): its key, kind, range, editor hints and one-line doc, and
// the member of the section's struct that holds it. Tables of these drive
// reading, writing, the editor's forms and docs/config.md. Torch-free.
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace hyperlab {

/// One setting of a config section (OptimizerConfig or SchedulerConfig): a
/// number, an integer, a flag or a choice, stored in a member of `C`.
template <class C>
struct Setting {
  enum Kind { Number, Integer, Flag, Choice };
  std::string key;    ///< "momentum"
  Kind kind = Number;
  std::string label;  ///< the editor's row ("Momentum"); a flag's check box text
  std::string doc;    ///< one line, for docs/config.md and tooltips
  double lo = 0, hi = INFINITY;        ///< what the config accepts (integers: lo..hi)
  bool lo_open = false, hi_open = false;
  double ui_lo = 0, ui_hi = 1e9, ui_step = 0.1;  ///< the editor's box: range and step
  bool log_scale = false;              ///< edited on a log scale (learning rates)
  std::string special;                 ///< the editor's text for the lowest value ("= epochs")
  double C::*number = nullptr;
  int C::*integer = nullptr;
  bool C::*flag = nullptr;
  std::string C::*text = nullptr;
  const std::vector<std::string>& (*choices)() = nullptr;  ///< a Choice's allowed values
};

/// The setting called `key` in `settings`, or null.
template <class C>
const Setting<C>* find_setting(const std::vector<Setting<C>>& settings, const std::string& key) {
  for (const Setting<C>& s : settings)
    if (s.key == key) return &s;
  return nullptr;
}

/// Short ways to write a table's settings.
namespace setting_makers {

template <class C>
inline Setting<C> number(std::string key, double C::*m, std::string label, std::string doc, double lo, double hi,
                  double ui_hi, double ui_step) {
  Setting<C> s;
  s.key = std::move(key), s.kind = Setting<C>::Number, s.number = m, s.label = std::move(label), s.doc = std::move(doc);
  s.lo = lo, s.hi = hi, s.ui_lo = lo, s.ui_hi = ui_hi, s.ui_step = ui_step;
  return s;
}
template <class C>
inline Setting<C> open_low(Setting<C> s) {
  s.lo_open = true;
  return s;
}
template <class C>
inline Setting<C> integer(std::string key, int C::*m, std::string label, std::string doc, int lo, std::string special = "") {
  Setting<C> s;
  s.key = std::move(key), s.kind = Setting<C>::Integer, s.integer = m, s.label = std::move(label), s.doc = std::move(doc);
  s.lo = lo, s.ui_lo = lo, s.ui_hi = 100000, s.special = std::move(special);
  return s;
}
template <class C>
inline Setting<C> flag(std::string key, bool C::*m, std::string label, std::string doc) {
  Setting<C> s;
  s.key = std::move(key), s.kind = Setting<C>::Flag, s.flag = m, s.label = std::move(label), s.doc = std::move(doc);
  return s;
}

}  // namespace setting_makers

}  // namespace hyperlab

// A model as PyTorch code, from the registries' templates (model/layers.h,
// model/init.h, train/optimizers.h): Python literals, template filling, the
// torch.nn expression of a network and its initialisation. What the
// TorchScript export (export/torchscript.h) and the PyTorch script
// (export/pytorch_script.h) share. Torch-free.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "config/setting.h"
#include "config/shapes.h"

namespace hyperlab::pycode {

/// Python literals: 0.5 -> "0.5", 1 -> "1.0" (always a float), true -> "True", "a" -> "\"a\"".
std::string number(double v);
std::string boolean(bool b);
std::string string(const std::string& s);
std::string list(const std::vector<int64_t>& v);  ///< "[1, 28, 28]"

/// `t` with every {name} replaced by lookup(name); throws std::logic_error naming an unknown one.
std::string fill(const std::string& t, const std::function<std::string(const std::string&)>& lookup);

/// The value of setting `key` of a settings table in `c`, as Python ("" when the table has no such key).
template <class C>
std::string setting(const std::vector<Setting<C>>& table, const C& c, const std::string& key) {
  const Setting<C>* s = find_setting(table, key);
  if (!s) return "";
  switch (s->kind) {
    case Setting<C>::Number: return number(c.*(s->number));
    case Setting<C>::Integer: return std::to_string(c.*(s->integer));
    case Setting<C>::Flag: return boolean(c.*(s->flag));
    case Setting<C>::Choice: return string(c.*(s->text));
  }
  return "";
}

/// A layer type's template (LayerType::pytorch or ::torchscript) filled for `l` on input `in`;
/// `more` gives the tokens the layer itself cannot ({body}, {shortcut}).
std::string layer(const std::string& tmpl, const LayerConfig& l, const Shape& in,
                  const std::map<std::string, std::string>& more = {});

/// `layers` on input `in` as a torch.nn.Sequential expression, one module a line with its
/// state_dict name ("# 4.body.0"), indented by `indent` spaces.
std::string model(const std::vector<LayerConfig>& layers, const Shape& in, int indent);

/// The weighted layers' initialisation (model.init, or a layer's own `init` and its body's):
/// module name -> the init in force, in build order.
std::vector<std::pair<std::string, InitConfig>> weight_inits(const std::vector<LayerConfig>& layers, const Shape& in,
                                                            const InitConfig& init);
/// A scheme's PyTorch call on weight `w` ("nn.init.normal_(w, 0.0, 0.01)").
std::string init_call(const InitConfig& c);
/// Whether the scheme sets biases to 0 (zero_bias or a scheme like zeros).
bool init_zero_bias(const InitConfig& c);

}  // namespace hyperlab::pycode

#include "export/model_code.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "model/init.h"
#include "model/layers.h"

namespace hyperlab::pycode {

namespace {

Shape shape_after(const LayerConfig& l, const Shape& in) {
  ModelSummary scratch;
  Shape out;
  infer_layers({l}, in, "", scratch, out);
  return out;
}

std::string field_value(const LayerField& f, const LayerConfig& l) {
  switch (f.kind) {
    case FieldKind::Int: return std::to_string(l.*(f.i));
    case FieldKind::Number: return number(l.*(f.d));
    case FieldKind::Bool: return boolean(l.*(f.b));
    case FieldKind::Choice:
    case FieldKind::Text: return string(l.*(f.s));
  }
  return "";
}

std::string sequential(const std::vector<LayerConfig>& layers, Shape in, const std::string& prefix, int indent);

// One line per layer ("nn.Linear(784, 500, bias=True),  # 1"); a block's first line carries its name.
std::string lines(const std::vector<LayerConfig>& layers, Shape in, const std::string& prefix, int indent) {
  std::string out;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerConfig& l = layers[i];
    const LayerType* t = find_layer_type(l.type);
    if (!t) throw std::logic_error("unknown layer type " + l.type);
    const std::string name = prefix + std::to_string(i);
    std::map<std::string, std::string> more;
    if (t->body) {
      more["body"] = sequential(l.body, in, name + ".body.", indent);
      std::vector<LayerConfig> shortcut;
      if (auto p = residual_projection(l, in)) shortcut = {*p, default_layer("batchnorm")};
      more["shortcut"] = sequential(shortcut, in, name + ".shortcut.", indent);
    }
    if (t->pytorch.empty())  // a torchscript layer: its module has no Python source here
      throw std::runtime_error("model.layers: layer " + name + " (" + l.type + (l.file.empty() ? "" : " " + l.file) +
                               ") has no PyTorch code the script could hold; load that file in PyTorch with "
                               "torch.jit.load and train it there, or export the trained run (hyperlab-cli export)");
    std::string e = layer(t->pytorch, l, in, more);
    const size_t nl = e.find('\n');
    if (nl == std::string::npos) e += ",  # " + name;
    else e = e.substr(0, nl) + "  # " + name + e.substr(nl) + ",";
    out += std::string(indent, ' ') + e + "\n";
    in = shape_after(l, in);
  }
  return out;
}

std::string sequential(const std::vector<LayerConfig>& layers, Shape in, const std::string& prefix, int indent) {
  if (layers.empty()) return "nn.Sequential()";
  return "nn.Sequential(\n" + lines(layers, std::move(in), prefix, indent + 4) + std::string(indent, ' ') + ")";
}

void collect_inits(const std::vector<LayerConfig>& layers, Shape in, const std::string& prefix, const InitConfig& init,
                   std::vector<std::pair<std::string, InitConfig>>& out) {
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerConfig& l = layers[i];
    const LayerType* t = find_layer_type(l.type);
    const InitConfig& cur = l.init ? *l.init : init;
    const std::string name = prefix + std::to_string(i);
    if (t && t->init && !t->body) out.emplace_back(name, cur);
    if (t && t->body) {
      collect_inits(l.body, in, name + ".body.", cur, out);
      if (residual_projection(l, in)) out.emplace_back(name + ".shortcut.0", cur);
    }
    in = shape_after(l, in);
  }
}

}  // namespace

std::string number(double v) {
  if (std::isnan(v)) return "float(\"nan\")";
  if (std::isinf(v)) return v > 0 ? "float(\"inf\")" : "-float(\"inf\")";
  char b[40];
  for (int p = 1; p <= 17; ++p) {  // the shortest text that reads back as v
    std::snprintf(b, sizeof b, "%.*g", p, v);
    if (std::strtod(b, nullptr) == v) break;
  }
  std::string s = b;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string boolean(bool b) { return b ? "True" : "False"; }

std::string string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string list(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::string fill(const std::string& t, const std::function<std::string(const std::string&)>& lookup) {
  std::string out;
  size_t i = 0;
  while (i < t.size()) {
    const size_t open = t.find('{', i);
    if (open == std::string::npos) break;
    const size_t close = t.find('}', open);
    if (close == std::string::npos) break;
    out += t.substr(i, open - i);
    const std::string key = t.substr(open + 1, close - open - 1);
    const std::string v = lookup(key);
    if (v.empty()) throw std::logic_error("template \"" + t + "\": nothing for {" + key + "}");
    out += v;
    i = close + 1;
  }
  return out + t.substr(i);
}

std::string layer(const std::string& tmpl, const LayerConfig& l, const Shape& in,
                  const std::map<std::string, std::string>& more) {
  const LayerType* t = find_layer_type(l.type);
  return fill(tmpl, [&](const std::string& key) -> std::string {
    if (key == "in") return in.empty() ? "" : std::to_string(in[0]);
    if (key == "dims") return in.size() == 1 ? "1" : "2";
    if (key == "shape") return list(in);
    if (key == "bias_t") return l.bias ? "self.bias" : "None";
    if (auto it = more.find(key); it != more.end()) return it->second;  // before the fields: residual's `shortcut`
    if (t)
      for (const LayerField& f : t->fields)
        if (f.key == key) return field_value(f, l);
    return "";
  });
}

std::string model(const std::vector<LayerConfig>& layers, const Shape& in, int indent) {
  return sequential(layers, in, "", indent);
}

std::vector<std::pair<std::string, InitConfig>> weight_inits(const std::vector<LayerConfig>& layers, const Shape& in,
                                                            const InitConfig& init) {
  std::vector<std::pair<std::string, InitConfig>> out;
  collect_inits(layers, in, "", init, out);
  return out;
}

std::string init_call(const InitConfig& c) {
  const InitScheme* s = find_init_scheme(c.scheme);
  if (!s) throw std::logic_error("unknown init scheme " + c.scheme);
  return fill(s->pytorch, [&](const std::string& key) -> std::string {
    for (const InitField& f : init_fields())
      if (f.key == key) return f.d ? number(c.*(f.d)) : f.s ? string(c.*(f.s)) : boolean(c.*(f.b));
    return "";
  });
}

bool init_zero_bias(const InitConfig& c) {
  const InitScheme* s = find_init_scheme(c.scheme);
  return c.zero_bias || (s && s->zero_biases);
}

}  // namespace hyperlab::pycode

// The initialiser registry (model/init.h) and init_weight, which applies it.
#include "model/init.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "config/registry.h"
#include "model/network.h"

namespace hyperlab {

struct InitTarget {
  at::Tensor& w;
  const InitConfig& c;
  double fan_in, fan_out;
  at::Generator& gen;
};

namespace {

double default_bound(const InitTarget& t) { return 1.0 / std::sqrt(t.fan_in); }  // PyTorch's Linear/Conv default

double kaiming_std(const InitTarget& t) {
  const Nonlinearity* nl = nullptr;
  for (const Nonlinearity& n : nonlinearities())
    if (n.name == t.c.nonlinearity) nl = &n;
  const double gain = nl ? nl->gain(t.c.negative_slope) : 1.0;
  return gain / std::sqrt(t.c.mode == "fan_in" ? t.fan_in : t.fan_out);
}

const std::vector<std::string> kKaimingFields = {"mode", "nonlinearity", "negative_slope"};

}  // namespace

const std::vector<InitScheme>& init_schemes() {
  static const std::vector<InitScheme> schemes = {
      {"default", "PyTorch's: U(±1/√fan_in)", {},
       [](const InitTarget& t) { t.w.uniform_(-default_bound(t), default_bound(t), t.gen); },
       "nn.init.uniform_(w, -1 / math.sqrt(fan_in(w)), 1 / math.sqrt(fan_in(w)))"},
      {"normal", "N(mean, std²)", {"mean", "std"}, [](const InitTarget& t) { t.w.normal_(t.c.mean, t.c.std, t.gen); },
       "nn.init.normal_(w, {mean}, {std})"},
      {"uniform", "U(a, b)", {"a", "b"}, [](const InitTarget& t) { t.w.uniform_(t.c.a, t.c.b, t.gen); },
       "nn.init.uniform_(w, {a}, {b})"},
      {"xavier_normal", "N(0, gain²·2/(fan_in+fan_out)) (Glorot)", {"gain"},
       [](const InitTarget& t) { t.w.normal_(0, t.c.gain * std::sqrt(2.0 / (t.fan_in + t.fan_out)), t.gen); },
       "nn.init.xavier_normal_(w, gain={gain})"},
      {"xavier_uniform", "U(±gain·√(6/(fan_in+fan_out))) (Glorot)", {"gain"},
       [](const InitTarget& t) {
         const double b = t.c.gain * std::sqrt(6.0 / (t.fan_in + t.fan_out));
         t.w.uniform_(-b, b, t.gen);
       },
       "nn.init.xavier_uniform_(w, gain={gain})"},
      {"kaiming_normal", "N(0, (gain/√fan)²) (He)", kKaimingFields,
       [](const InitTarget& t) { t.w.normal_(0, kaiming_std(t), t.gen); },
       "nn.init.kaiming_normal_(w, a={negative_slope}, mode={mode}, nonlinearity={nonlinearity})"},
      {"kaiming_uniform", "U(±√3·gain/√fan) (He)", kKaimingFields,
       [](const InitTarget& t) {
         const double sd = kaiming_std(t);
         t.w.uniform_(-std::sqrt(3.0) * sd, std::sqrt(3.0) * sd, t.gen);
       },
       "nn.init.kaiming_uniform_(w, a={negative_slope}, mode={mode}, nonlinearity={nonlinearity})"},
      {"zeros", "all weights and biases 0", {}, [](const InitTarget& t) { t.w.zero_(); }, "nn.init.zeros_(w)", true},
  };
  return schemes;
}

const InitScheme* find_init_scheme(const std::string& name) { return find_named(init_schemes(), name); }

const std::vector<Nonlinearity>& nonlinearities() {
  static const std::vector<Nonlinearity> all = {
      {"relu", [](double) { return std::sqrt(2.0); }},
      {"leaky_relu", [](double s) { return std::sqrt(2.0 / (1.0 + s * s)); }},
      {"linear", [](double) { return 1.0; }},
      {"sigmoid", [](double) { return 1.0; }},
      {"tanh", [](double) { return 5.0 / 3.0; }},
      {"selu", [](double) { return 0.75; }},
  };
  return all;
}

const std::vector<InitField>& init_fields() {
  static const std::vector<InitField> fields = [] {
    std::vector<std::string> nl;
    for (const Nonlinearity& n : nonlinearities()) nl.push_back(n.name);
    auto num = [](std::string key, std::string label, std::string doc, double InitConfig::*d, double lo,
                  bool lo_open, double ui_lo, double ui_hi, double step) {
      InitField f;
      f.key = std::move(key), f.label = std::move(label), f.doc = std::move(doc), f.d = d;
      f.lo = lo, f.hi = INFINITY, f.lo_open = lo_open, f.ui_lo = ui_lo, f.ui_hi = ui_hi, f.step = step;
      return f;
    };
    auto choice = [](std::string key, std::string label, std::string doc, std::string InitConfig::*s,
                     std::vector<std::string> choices) {
      InitField f;
      f.key = std::move(key), f.label = std::move(label), f.doc = std::move(doc), f.s = s;
      f.choices = std::move(choices);
      return f;
    };
    std::vector<InitField> v = {
        num("std", "Std", "standard deviation", &InitConfig::std, 0, true, 0, 100, 0.01),
        num("mean", "Mean", "mean", &InitConfig::mean, -INFINITY, false, -100, 100, 0.01),
        num("a", "Lower bound a", "lower bound (less than b)", &InitConfig::a, -INFINITY, false, -100, 100, 0.01),
        num("b", "Upper bound b", "upper bound", &InitConfig::b, -INFINITY, false, -100, 100, 0.01),
        num("gain", "Gain", "scale", &InitConfig::gain, 0, true, 0, 100, 0.1),
        choice("mode", "Mode", "the fan that keeps the variance: forward (fan_in) or backward (fan_out)",
               &InitConfig::mode, {"fan_in", "fan_out"}),
        choice("nonlinearity", "Nonlinearity", "the activation whose gain is used (as torch.nn.init.calculate_gain)",
               &InitConfig::nonlinearity, nl),
        num("negative_slope", "Negative slope", "leaky_relu's slope, for its gain", &InitConfig::negative_slope, 0,
            false, 0, 10, 0.01),
    };
    v.back().only_if_key = "nonlinearity", v.back().only_if_value = "leaky_relu";
    InitField zb;
    zb.key = "zero_bias", zb.label = "Biases start at 0", zb.b = &InitConfig::zero_bias;
    zb.doc = "biases 0 (otherwise PyTorch's default bias init)";
    v.push_back(zb);
    return v;
  }();
  return fields;
}

bool init_field_applies(const InitConfig& c, const InitField& f) {
  if (f.key != "zero_bias") {
    const InitScheme* s = find_init_scheme(c.scheme);
    if (!s || std::find(s->fields.begin(), s->fields.end(), f.key) == s->fields.end()) return false;
  }
  if (f.only_if_key.empty()) return true;
  for (const InitField& g : init_fields())
    if (g.key == f.only_if_key && g.s) return c.*(g.s) == f.only_if_value;
  return true;
}

std::string init_markdown() {
  std::string md = "| scheme | weights | fields |\n|---|---|---|\n";
  const InitConfig d;
  for (const InitScheme& s : init_schemes()) {
    std::string fields;
    for (const std::string& k : s.fields) fields += (fields.empty() ? "`" : ", `") + k + "`";
    md += "| `" + s.name + "` | " + s.doc + " | " + (fields.empty() ? "—" : fields) + " |\n";
  }
  md += "\n| key | default | meaning |\n|---|---|---|\n";
  for (const InitField& f : init_fields()) {
    std::string def;
    if (f.d) {
      char b[32];
      std::snprintf(b, sizeof b, "%g", d.*(f.d));
      def = b;
    } else if (f.s) {
      def = "`" + d.*(f.s) + "`";
    } else {
      def = d.*(f.b) ? "true" : "false";
    }
    std::string doc = f.doc;
    if (!f.choices.empty()) {
      doc += ": ";
      for (size_t i = 0; i < f.choices.size(); ++i) doc += (i ? ", `" : "`") + f.choices[i] + "`";
    }
    if (!f.only_if_key.empty()) doc += " (when `" + f.only_if_key + "` is `" + f.only_if_value + "`)";
    md += "| `" + f.key + "` | " + def + " | " + doc + " |\n";
  }
  return md;
}

void init_weight(at::Tensor& w, at::Tensor* bias, const InitConfig& c, at::Generator& gen) {
  at::NoGradGuard ng;
  const int64_t recept = w.dim() > 2 ? w[0][0].numel() : 1;
  const InitTarget t{w, c, static_cast<double>(w.size(1) * recept), static_cast<double>(w.size(0) * recept), gen};
  const InitScheme* s = find_init_scheme(c.scheme);
  if (s) s->fill(t);
  if (bias && bias->defined()) {
    if (c.zero_bias || (s && s->zero_biases)) bias->zero_();
    else bias->uniform_(-default_bound(t), default_bound(t), gen);
  }
}

}  // namespace hyperlab

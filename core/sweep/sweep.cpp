#include "sweep/sweep.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "config/json_reader.h"
#include "config/presets.h"
#include "config/textfile.h"
#include "sweep/params.h"
#include "train/numbers.h"

namespace hyperlab {

namespace {
using json = nlohmann::json;

const std::vector<std::string> kStrategies = {"grid", "random", "halving", "hyperband", "bayes"};

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// The experiment config the trials start from, with `sets` applied: null when
// there is none to use (the errors say why).
json read_base(ObjectReader& root, const std::vector<std::string>& sets, std::string& prefix,
               std::vector<ConfigError>& errs) {
  const json* bj = root.get("base");
  if (!bj) {
    root.err("base", "required: {\"preset\": NAME}, {\"file\": PATH} or {\"config\": {...}}");
    return json();
  }
  ObjectReader base(bj, "base", errs);
  const json* pv = base.get("preset");
  const json* fv = base.get("file");
  const json* cv = base.get("config");
  base.finish();
  if (!base.valid()) return json();
  const int given = (pv != nullptr) + (fv != nullptr) + (cv != nullptr);
  if (given != 1) {
    base.err("", given ? "give one of preset, file or config, not several"
                       : "needs {\"preset\": NAME}, {\"file\": PATH} or {\"config\": {...}}");
    return json();
  }
  json config;
  std::string text, error;
  prefix = "base.";
  if (pv) {
    if (!pv->is_string()) {
      base.err("preset", "must be a string, got " + describe_json(*pv));
      return json();
    }
    const std::string name = pv->get<std::string>();
    text = preset_text(name);
    if (text.empty()) {
      std::string names;
      for (const std::string& n : preset_names()) names += (names.empty() ? "" : ", ") + n;
      base.err("preset", "no preset named \"" + name + "\" (presets: " + names + ")");
      return json();
    }
    if (!parse_json(text, "preset " + name, config, error)) {
      base.err("preset", error);
      return json();
    }
  } else if (fv) {
    if (!fv->is_string()) {
      base.err("file", "must be a string, got " + describe_json(*fv));
      return json();
    }
    const std::string file = fv->get<std::string>();
    if (!read_text_file(file, text, error) || !parse_json(text, file, config, error)) {
      base.err("file", error);
      return json();
    }
  } else {
    config = *cv;
    prefix = "base.config.";
  }
  for (const std::string& set : sets) {
    const std::string e = apply_override(config, set);
    if (!e.empty()) errs.push_back({"", e});
  }
  return config;
}

}  // namespace

SweepResult parse_sweep_text(const std::string& text, const std::string& source,
                             const std::vector<std::string>& base_sets) {
  SweepResult r;
  auto& errs = r.errors;
  json j;
  std::string error;
  if (!parse_json(text, source, j, error)) {
    errs.push_back({"", error});
    return r;
  }
  if (!j.is_object()) {
    errs.push_back({"", source + ": a sweep is a JSON object, got " + describe_json(j)});
    return r;
  }
  SweepSpec& s = r.spec;
  ObjectReader root(&j, "", errs);
  if (const json* v = root.get("version"); v && (!v->is_number_integer() || v->get<long long>() != 1))
    root.err("version", "must be 1, got " + describe_json(*v));
  root.string("name", s.name);
  root.string("description", s.description);

  // The base config, with --set applied.
  std::string prefix;
  const size_t before_base = errs.size();
  const json base = read_base(root, base_sets, prefix, errs);
  if (!base.is_null() && errs.size() == before_base) {
    ConfigResult c = parse_config(base);
    for (const ConfigError& e : c.errors)
      errs.push_back({e.path.empty() ? prefix.substr(0, prefix.size() - 1) : prefix + e.path, e.message});
    if (c.ok()) s.base_text = config_to_text(c.config);
  }

  // The settings to vary.
  bool params_ok = true;
  const json* pj = root.get("params");
  if (!pj || (pj->is_array() && pj->empty())) {
    root.err("params", "needs at least one setting to vary");
    params_ok = false;
  } else if (!pj->is_array()) {
    root.err("params", "must be a list of settings to vary, got " + describe_json(*pj));
    params_ok = false;
  } else {
    // The variants' names in the order written (a JSON object has none of its own).
    const nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(text, nullptr, false);
    for (size_t i = 0; i < pj->size(); ++i) {
      ObjectReader p(&(*pj)[i], "params[" + std::to_string(i) + "]", errs);
      ParamSpec ps;
      std::vector<std::string> order;
      if (ordered.is_object() && ordered.contains("params") && ordered["params"].is_array() &&
          i < ordered["params"].size() && ordered["params"][i].is_object() &&
          ordered["params"][i].contains("variants") && ordered["params"][i]["variants"].is_object())
        for (const auto& kv : ordered["params"][i]["variants"].items()) order.push_back(kv.key());
      if (!read_param(p, ps, order)) params_ok = false;
      for (size_t k = 0; k < s.params.size(); ++k)
        if (!ps.key.empty() && s.params[k].key == ps.key) {
          p.err("key", ps.key + " is varied already by params[" + std::to_string(k) + "]");
          params_ok = false;
        }
      s.params.push_back(ps);
    }
    // A key set by a variant must not be varied by another parameter too.
    for (size_t i = 0; i < s.params.size(); ++i)
      for (const auto& [name, bundle] : s.params[i].variants)
        for (const auto& kv : bundle)
          for (size_t k = 0; k < s.params.size(); ++k) {
            if (k == i) continue;
            const bool clash = s.params[k].key == kv.first ||
                               std::any_of(s.params[k].variants.begin(), s.params[k].variants.end(),
                                           [&](const auto& v) { return v.second.count(kv.first) > 0; });
            if (clash && (k < i || !s.params[k].is_variants())) {
              errs.push_back({"params[" + std::to_string(i) + "].variants[\"" + name + "\"]." + kv.first,
                              "is varied by params[" + std::to_string(k) + "] too"});
              params_ok = false;
            }
          }
  }

  ObjectReader st(root.get("strategy"), "strategy", errs);
  st.string("type", s.strategy, kStrategies);
  st.integer("trials", s.trials, 1);
  st.number("eta", s.eta, 1, INFINITY, true);
  st.integer("min_epochs", s.min_epochs, 1, 100000);
  st.integer("max_epochs", s.max_epochs, 1, 100000);
  if (s.max_epochs < s.min_epochs)
    st.err("max_epochs", "must be at least min_epochs (" + std::to_string(s.min_epochs) + "), got " +
                             std::to_string(s.max_epochs));
  st.uint64("seed", s.seed);
  st.finish();
  ObjectReader run(root.get("run"), "run", errs);
  run.integer("workers", s.workers, 1);
  run.number("time_limit_minutes", s.time_limit_minutes, 0, INFINITY);
  run.finish();
  root.integer("repeats", s.repeats, 1);
  ObjectReader ob(root.get("objective"), "objective", errs);
  ob.string("metric", s.metric, metric_names());
  if (is_test_metric(s.metric))
    ob.err("metric", s.metric + " would let the test set choose the best configuration, and then its test "
                     "result is no longer an honest estimate: use val_accuracy or val_loss (with "
                     "data.validation_fraction in the base config, e.g. 0.1) or a training metric; the test "
                     "accuracy is reported beside it");
  else if (s.metric.rfind("val_", 0) == 0 && !s.base_text.empty() &&
           std::none_of(s.params.begin(), s.params.end(),
                        [](const ParamSpec& p) {
                          return p.key == "data.validation_fraction" ||
                                 std::any_of(p.variants.begin(), p.variants.end(), [](const auto& v) {
                                   return v.second.count("data.validation_fraction") > 0;
                                 });
                        }) &&
           json::parse(s.base_text)["data"].value("validation_fraction", 0.0) <= 0)
    ob.err("metric", s.metric + " needs a validation set: set data.validation_fraction in the base config "
                     "(e.g. 0.1, or --set data.validation_fraction=0.1)");
  std::string mode = "max";
  ob.string("mode", mode, {"max", "min"});
  s.maximize = mode == "max";
  ob.finish();
  root.finish();

  // A --set the sweep would override is refused, never silently lost.
  for (const std::string& set : base_sets) {
    const std::string key = set.substr(0, set.find('='));
    for (size_t i = 0; i < s.params.size(); ++i) {
      std::vector<std::string> keys{s.params[i].key};
      if (s.params[i].is_variants()) {
        keys.clear();
        for (const auto& v : s.params[i].variants)
          for (const auto& kv : v.second) keys.push_back(kv.first);
      }
      for (const std::string& p : keys)
        if (!p.empty() && (key == p || starts_with(key, p + ".") || starts_with(key, p + "["))) {
          errs.push_back({"--set " + key, "the sweep varies " + p + " (params[" + std::to_string(i) +
                                              "]): change the sweep file instead"});
          break;
        }
    }
    if (key == "training.epochs" && (s.strategy == "halving" || s.strategy == "hyperband"))
      errs.push_back({"--set " + key, s.strategy + " sets each trial's epochs (strategy.min_epochs, max_epochs)"});
    if (key == "name") errs.push_back({"--set " + key, "each trial is named after the sweep (its \"name\")"});
  }

  // Every setting must apply to the base config.
  if (params_ok && !s.base_text.empty()) {
    Trial t;
    for (const ParamSpec& p : s.params) {
      std::mt19937_64 rng(1);
      t.settings[p.key] = p.kind == ParamSpec::Kind::List || p.kind == ParamSpec::Kind::Linear ||
                                  p.kind == ParamSpec::Kind::Log
                              ? p.grid().front()
                              : p.sample(rng);
    }
    ConfigResult c = trial_config(s, t, 0);
    for (const ConfigError& e : c.errors) errs.push_back({"params (" + e.path + ")", e.message});
    // Every named variant, each on its own, names its mistakes.
    for (size_t i = 0; i < s.params.size() && c.ok(); ++i)
      for (size_t v = 1; v < s.params[i].variants.size(); ++v) {
        Trial tv = t;
        tv.settings[s.params[i].key] = s.params[i].values[v];
        for (const ConfigError& e : trial_config(s, tv, 0).errors)
          errs.push_back({"params[" + std::to_string(i) + "].variants[\"" + s.params[i].variants[v].first + "\"] (" +
                              e.path + ")",
                          e.message});
      }
  }
  return r;
}

SweepResult load_sweep_preset(const std::string& name, bool quick, const std::vector<std::string>& base_sets) {
  SweepResult r;
  const std::string text = sweep_preset_text(name);
  if (text.empty()) {
    std::string names;
    for (const std::string& n : sweep_preset_names()) names += (names.empty() ? "" : ", ") + n;
    r.errors.push_back({"", "no sweep preset named \"" + name + "\" (sweep presets: " + names + ")"});
    return r;
  }
  // Ordered, so that named variants keep the order they are written in.
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text);
  std::vector<std::string> sets;
  if (quick && j.contains("quick")) {
    nlohmann::ordered_json q = j["quick"];
    if (q.contains("set"))
      for (const auto& kv : q["set"].items()) sets.push_back(kv.key() + "=" + kv.value().dump());
    q.erase("set");
    j.merge_patch(q);
    if (j.contains("name")) j["name"] = j["name"].get<std::string>() + "-quick";
  }
  j.erase("quick");
  sets.insert(sets.end(), base_sets.begin(), base_sets.end());
  return parse_sweep_text(j.dump(), "sweep preset " + name, sets);
}

SweepResult load_sweep_file(const std::string& file, const std::vector<std::string>& base_sets) {
  std::string text, error;
  if (!read_text_file(file, text, error)) {
    SweepResult r;
    r.errors.push_back({"", error});
    return r;
  }
  return parse_sweep_text(text, file, base_sets);
}

namespace {
json sweep_json(const SweepSpec& s, bool with_run) {
  json j;
  j["version"] = 1;
  j["name"] = s.name;
  if (!s.description.empty()) j["description"] = s.description;
  j["base"] = {{"config", s.base_text.empty() ? json::object() : json::parse(s.base_text)}};
  json params = json::array();
  for (const ParamSpec& p : s.params) {
    json q;
    q["key"] = p.key;
    if (p.is_variants()) {  // a list keeps their order
      json v = json::array();
      for (const auto& [name, bundle] : p.variants) {
        json set = json::object();
        for (const auto& kv : bundle) set[kv.first] = json::parse(kv.second);
        v.push_back({{"name", name}, {"set", set}});
      }
      q["variants"] = v;
      params.push_back(q);
      continue;
    }
    auto values = [&] {
      json v = json::array();
      for (const std::string& x : p.values) v.push_back(json::parse(x));
      return v;
    };
    switch (p.kind) {
      case ParamSpec::Kind::List: q["values"] = values(); break;
      case ParamSpec::Kind::Choice: q["choice"] = values(); break;
      case ParamSpec::Kind::Linear: q["linear"] = {p.lo, p.hi}; break;
      case ParamSpec::Kind::Log: q["log"] = {p.lo, p.hi}; break;
      case ParamSpec::Kind::Uniform: q["uniform"] = {p.lo, p.hi}; break;
      case ParamSpec::Kind::LogUniform: q["log_uniform"] = {p.lo, p.hi}; break;
    }
    if (p.kind == ParamSpec::Kind::Linear || p.kind == ParamSpec::Kind::Log) q["points"] = p.points;
    if (p.integer) q["integer"] = true;
    params.push_back(q);
  }
  j["params"] = params;
  j["strategy"] = {{"type", s.strategy}, {"trials", s.trials}, {"eta", s.eta}, {"min_epochs", s.min_epochs},
                   {"max_epochs", s.max_epochs}, {"seed", s.seed}};
  j["repeats"] = s.repeats;
  j["objective"] = {{"metric", s.metric}, {"mode", s.maximize ? "max" : "min"}};
  if (with_run) j["run"] = {{"workers", s.workers}, {"time_limit_minutes", s.time_limit_minutes}};
  return j;
}
}  // namespace

std::string sweep_to_text(const SweepSpec& s) { return sweep_json(s, true).dump(2) + "\n"; }
std::string sweep_identity(const SweepSpec& s) { return sweep_json(s, false).dump(); }

std::string display_value(const std::string& t) {
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') return t.substr(1, t.size() - 2);
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (!t.empty() && end && *end == '\0' && std::isfinite(v)) {
    char b[32];
    // Whole numbers in full (60000, not 6e+04); others to 4 significant digits.
    if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(b, sizeof b, "%.0f", v);
    else std::snprintf(b, sizeof b, "%.4g", v);
    return b;
  }
  return t;
}

int planned_trials(const SweepSpec& s) {
  if (s.strategy == "random" || s.strategy == "bayes") return s.trials;
  if (s.strategy != "grid") return 0;
  int n = 1;
  for (const ParamSpec& p : s.params) n *= static_cast<int>(p.grid().size());
  return n;
}

std::unique_ptr<Strategy> make_strategy(const SweepSpec& s) {
  if (s.strategy == "random") return make_random(s.params, s.trials, s.seed);
  if (s.strategy == "bayes") return make_tpe(s.params, s.trials, s.seed);
  if (s.strategy == "halving") {
    HalvingOptions o;
    o.eta = s.eta, o.min_resource = s.min_epochs, o.max_resource = s.max_epochs, o.configs = s.trials, o.seed = s.seed;
    return make_successive_halving(s.params, o);
  }
  if (s.strategy == "hyperband") return make_hyperband(s.params, s.max_epochs, s.eta, s.seed);
  return make_grid(s.params);
}

Settings config_settings(const SweepSpec& s, const Settings& settings) {
  Settings out;
  for (const auto& [key, value] : settings) {
    const ParamSpec* p = nullptr;
    for (const ParamSpec& q : s.params)
      if (q.key == key && q.is_variants()) p = &q;
    if (!p) {
      out[key] = value;
      continue;
    }
    if (const Settings* bundle = p->variant(value))
      for (const auto& kv : *bundle) out[kv.first] = kv.second;
  }
  return out;
}

std::string settings_label(const SweepSpec& s, const Settings& settings) {
  std::string out;
  for (const ParamSpec& p : s.params) {
    auto it = settings.find(p.key);
    if (it == settings.end()) continue;
    const auto dot = p.key.find_last_of('.');
    out += (out.empty() ? "" : ", ") +
           (p.is_variants() ? std::string() : (dot == std::string::npos ? p.key : p.key.substr(dot + 1)) + "=") +
           display_value(it->second);
  }
  return out;
}

namespace {
// The base config (JSON) with settings applied; false with the error in `r`.
bool apply_all(json& j, const Settings& set, ConfigResult& r) {
  for (const auto& [key, value] : set) {
    std::string e = apply_override(j, key + "=" + value);
    if (!e.empty()) {
      r.errors.push_back({key, e});
      return false;
    }
  }
  if (!j.contains("training") || !j["training"].is_object()) {  // a setting replaced the whole section
    r.errors.push_back({"training", "must be an object (a setting replaced it)"});
    return false;
  }
  return true;
}

// Parses a config whose settings `set` were applied to a base: keys of the base
// that a setting made meaningless (Adam's betas when the optimizer becomes SGD)
// are dropped unless `set` names them.
ConfigResult parse_applied(json& j, const Settings& set) {
  ConfigResult r = parse_config(j);
  // A varied setting can make some of the base's keys meaningless (Adam's betas
  // when the optimizer becomes SGD): drop those the trial did not set itself.
  bool dropped = false;
  for (const ConfigError& e : r.errors) {
    if (e.message.find("not used by") == std::string::npos || set.count(e.path)) continue;
    json* parent = &j;
    std::string path = e.path;
    for (size_t dot; (dot = path.find('.')) != std::string::npos && parent;) {
      const std::string k = path.substr(0, dot);
      parent = parent->is_object() && parent->contains(k) ? &(*parent)[k] : nullptr;
      path = path.substr(dot + 1);
    }
    if (parent && parent->is_object() && parent->erase(path)) dropped = true;
  }
  return dropped ? parse_config(j) : r;
}

void flatten(const json& j, const std::string& prefix, Settings& out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it) flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
  } else {
    out[prefix] = j.dump();
  }
}
}  // namespace

ConfigResult apply_settings(const std::string& base_text, const Settings& set) {
  json j = json::parse(base_text);
  ConfigResult r;
  if (!apply_all(j, set, r)) return r;
  return parse_applied(j, set);
}

Settings config_changes(const ExperimentConfig& base, const ExperimentConfig& changed) {
  Settings a, b, out;
  flatten(json::parse(config_to_text(base)), "", a);
  flatten(json::parse(config_to_text(changed)), "", b);
  for (const auto& [key, value] : b) {
    if (key == "name" || key == "description") continue;
    auto it = a.find(key);
    if (it == a.end() || it->second != value) out[key] = value;
  }
  return out;
}

ConfigResult trial_config(const SweepSpec& s, const Trial& t, int repeat) {
  json j = json::parse(s.base_text);
  const Settings set = config_settings(s, t.settings);
  ConfigResult bad;
  if (!apply_all(j, set, bad)) return bad;
  if (t.resource > 0) j["training"]["epochs"] = t.resource;
  j["training"]["seed"] = j["training"].value("seed", 1) + repeat;
  j["name"] = s.name + "-" + std::to_string(t.id) + (s.repeats > 1 ? "-r" + std::to_string(repeat + 1) : "");
  // What the trial is, in words, for every list and table that shows its runs
  // ("dropout 0.2, lr=0.01": a named variant by its name).
  j["description"] = settings_label(s, t.settings);
  return parse_applied(j, set);
}

}  // namespace hyperlab

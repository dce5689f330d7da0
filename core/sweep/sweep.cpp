#include "sweep/sweep.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/presets.h"

namespace hyperlab {

namespace {
using json = nlohmann::json;

void err(SweepResult& r, const std::string& path, const std::string& msg) { r.errors.push_back({path, msg}); }

double num(const json& v) { return v.is_number() ? v.get<double>() : NAN; }
}  // namespace

SweepResult parse_sweep_text(const std::string& text, const std::string& source) {
  SweepResult r;
  json j;
  try {
    j = json::parse(text);
  } catch (const std::exception& e) {
    err(r, source, std::string("is not valid JSON: ") + e.what());
    return r;
  }
  if (!j.is_object()) {
    err(r, source, "a sweep is a JSON object");
    return r;
  }
  SweepSpec& s = r.spec;
  if (j.value("version", 1) != 1) err(r, "version", "must be 1");
  s.name = j.value("name", s.name);
  // The base config.
  const json& base = j.contains("base") ? j["base"] : json();
  std::string base_text;
  if (base.contains("preset")) {
    base_text = preset_text(base["preset"].get<std::string>());
    if (base_text.empty()) err(r, "base.preset", "no preset named \"" + base["preset"].get<std::string>() + "\"");
  } else if (base.contains("file")) {
    std::ifstream in(base["file"].get<std::string>());
    if (!in) err(r, "base.file", base["file"].get<std::string>() + ": cannot read the file");
    std::stringstream ss;
    ss << in.rdbuf();
    base_text = ss.str();
  } else if (base.contains("config")) {
    base_text = base["config"].dump();
  } else {
    err(r, "base", "needs {\"preset\": NAME}, {\"file\": PATH} or {\"config\": {...}}");
  }
  if (!base_text.empty()) {
    ConfigResult c = parse_config_text(base_text, "base");
    for (const ConfigError& e : c.errors) err(r, "base." + e.path, e.message);
    if (c.ok()) s.base_text = config_to_text(c.config);
  }
  // The settings to vary.
  const json params = j.value("params", json::array());
  if (!params.is_array() || params.empty()) err(r, "params", "needs at least one setting to vary");
  for (size_t i = 0; params.is_array() && i < params.size(); ++i) {
    const json& p = params[i];
    const std::string at = "params[" + std::to_string(i) + "]";
    ParamSpec ps;
    ps.key = p.value("key", "");
    if (ps.key.empty()) err(r, at + ".key", "required (a config key such as training.optimizer.lr)");
    ps.integer = p.value("integer", false);
    ps.points = p.value("points", 5);
    auto range = [&](const char* k, ParamSpec::Kind kind) {
      const json& v = p[k];
      if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number() || !(num(v[0]) < num(v[1]))) {
        err(r, at + "." + k, "needs [low, high] with low < high");
        return;
      }
      ps.kind = kind, ps.lo = num(v[0]), ps.hi = num(v[1]);
      if ((kind == ParamSpec::Kind::Log || kind == ParamSpec::Kind::LogUniform) && ps.lo <= 0)
        err(r, at + "." + k, "a log scale needs low > 0");
    };
    if (p.contains("values") || p.contains("choice")) {
      const json& v = p.contains("values") ? p["values"] : p["choice"];
      ps.kind = p.contains("values") ? ParamSpec::Kind::List : ParamSpec::Kind::Choice;
      if (!v.is_array() || v.empty()) err(r, at, "values/choice needs a non-empty list");
      else
        for (const json& x : v) ps.values.push_back(x.dump());
    } else if (p.contains("linear")) range("linear", ParamSpec::Kind::Linear);
    else if (p.contains("log")) range("log", ParamSpec::Kind::Log);
    else if (p.contains("uniform")) range("uniform", ParamSpec::Kind::Uniform);
    else if (p.contains("log_uniform")) range("log_uniform", ParamSpec::Kind::LogUniform);
    else err(r, at, "needs one of values, choice, linear, log, uniform, log_uniform");
    if (ps.points < 1) err(r, at + ".points", "must be at least 1");
    s.params.push_back(ps);
  }
  const json st = j.value("strategy", json::object());
  s.strategy = st.value("type", s.strategy);
  if (s.strategy != "grid" && s.strategy != "random" && s.strategy != "halving" && s.strategy != "hyperband" &&
      s.strategy != "bayes")
    err(r, "strategy.type", "must be grid, random, halving, hyperband or bayes, got \"" + s.strategy + "\"");
  s.trials = st.value("trials", s.trials);
  s.eta = st.value("eta", s.eta);
  s.min_epochs = st.value("min_epochs", s.min_epochs);
  s.max_epochs = st.value("max_epochs", s.max_epochs);
  s.seed = st.value("seed", s.seed);
  if (s.trials < 1) err(r, "strategy.trials", "must be at least 1");
  if (!(s.eta > 1)) err(r, "strategy.eta", "must be greater than 1");
  if (s.min_epochs < 1 || s.max_epochs < s.min_epochs) err(r, "strategy.max_epochs", "needs 1 <= min_epochs <= max_epochs");
  const json run = j.value("run", json::object());
  s.workers = run.value("workers", s.workers);
  s.time_limit_minutes = run.value("time_limit_minutes", s.time_limit_minutes);
  if (s.workers < 1) err(r, "run.workers", "must be at least 1");
  if (s.time_limit_minutes < 0) err(r, "run.time_limit_minutes", "must be 0 (none) or more");
  s.repeats = j.value("repeats", 1);
  if (s.repeats < 1) err(r, "repeats", "must be at least 1");
  const json ob = j.value("objective", json::object());
  s.metric = ob.value("metric", s.metric);
  const std::string mode = ob.value("mode", std::string("max"));
  if (mode != "max" && mode != "min") err(r, "objective.mode", "must be max or min");
  s.maximize = mode == "max";
  static const char* metrics[] = {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy"};
  if (std::find(std::begin(metrics), std::end(metrics), s.metric) == std::end(metrics))
    err(r, "objective.metric", "must be one of train_loss, train_accuracy, val_loss, val_accuracy, test_loss, test_accuracy");
  // Every setting must apply to the base config.
  if (r.ok()) {
    Trial t;
    for (const ParamSpec& p : s.params) {
      std::mt19937_64 rng(1);
      t.settings[p.key] = p.kind == ParamSpec::Kind::List || p.kind == ParamSpec::Kind::Linear ||
                                  p.kind == ParamSpec::Kind::Log
                              ? p.grid().front()
                              : p.sample(rng);
    }
    ConfigResult c = trial_config(s, t, 0);
    for (const ConfigError& e : c.errors) err(r, "params (" + e.path + ")", e.message);
  }
  return r;
}

SweepResult load_sweep_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    SweepResult r;
    r.errors.push_back({file, "cannot read the file"});
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_sweep_text(ss.str(), file);
}

namespace {
json sweep_json(const SweepSpec& s, bool with_run) {
  json j;
  j["version"] = 1;
  j["name"] = s.name;
  j["base"] = {{"config", s.base_text.empty() ? json::object() : json::parse(s.base_text)}};
  json params = json::array();
  for (const ParamSpec& p : s.params) {
    json q;
    q["key"] = p.key;
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
    std::snprintf(b, sizeof b, "%.4g", v);
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

ConfigResult trial_config(const SweepSpec& s, const Trial& t, int repeat) {
  json j = json::parse(s.base_text);
  for (const auto& [key, value] : t.settings) {
    std::string e = apply_override(j, key + "=" + value);
    if (!e.empty()) {
      ConfigResult r;
      r.errors.push_back({key, e});
      return r;
    }
  }
  if (t.resource > 0) j["training"]["epochs"] = t.resource;
  j["training"]["seed"] = j["training"].value("seed", 1) + repeat;
  j["name"] = s.name + "-" + std::to_string(t.id) + (s.repeats > 1 ? "-r" + std::to_string(repeat + 1) : "");
  ConfigResult r = parse_config(j);
  // A varied setting can make some of the base's keys meaningless (Adam's betas
  // when the optimizer becomes SGD): drop those the trial did not set itself.
  bool dropped = false;
  for (const ConfigError& e : r.errors) {
    if (e.message.find("not used by") == std::string::npos || t.settings.count(e.path)) continue;
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

}  // namespace hyperlab

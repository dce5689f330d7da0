#include "sweep/params.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace hyperlab {

namespace {
using json = nlohmann::json;

// "variants": {"none": {}, "dropout 0.2": {"model.mlp.dropout": 0.2}} (in the
// file's order: `order` holds the names as written) or a list of
// {"name": ..., "set": {...}}. Each bundle sets config keys (with dots).
bool read_variants(ObjectReader& p, const json& v, const std::vector<std::string>& order, ParamSpec& ps) {
  bool ok = true;
  auto bad = [&](const std::string& key, const std::string& msg) {
    p.err(key, msg);
    ok = false;
  };
  std::vector<std::pair<std::string, const json*>> given;
  if (v.is_object()) {
    for (const std::string& name : order)
      if (v.contains(name)) given.push_back({name, &v[name]});
    for (auto it = v.begin(); it != v.end(); ++it)  // anything the order missed
      if (std::find(order.begin(), order.end(), it.key()) == order.end()) given.push_back({it.key(), &it.value()});
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string at = "variants[" + std::to_string(i) + "]";
      const json& e = v[i];
      if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || !e.contains("set") || e.size() != 2)
        bad(at, "must be {\"name\": TEXT, \"set\": {KEY: VALUE, ...}}, got " + describe_json(e));
      else
        given.push_back({e["name"].get<std::string>(), &e["set"]});
    }
  } else {
    bad("variants", "must be an object of named bundles of settings, e.g. {\"none\": {}, \"dropout 0.2\": "
                    "{\"model.mlp.dropout\": 0.2}}, got " + describe_json(v));
    return false;
  }
  if (given.empty()) bad("variants", "needs at least one named variant");
  for (const auto& [name, bundle] : given) {
    const std::string at = "variants[\"" + name + "\"]";
    if (name.empty()) bad("variants", "a variant needs a name");
    for (const auto& [n, b] : ps.variants)
      if (n == name) bad(at, "is named twice");
    if (!bundle->is_object()) {
      bad(at, "must be an object of settings {KEY: VALUE, ...}, got " + describe_json(*bundle));
      continue;
    }
    Settings set;
    for (auto it = bundle->begin(); it != bundle->end(); ++it) {
      if (it.key().find('.') == std::string::npos || it.key().front() == '.' || it.key().back() == '.')
        bad(at + "." + it.key(), "is not a config key (such as model.mlp.dropout)");
      else
        set[it.key()] = it.value().dump();
    }
    ps.variants.push_back({name, set});
    ps.values.push_back(json(name).dump());
  }
  return ok;
}

}  // namespace

// One entry of "params": a config key and where its values come from.
// Returns false when it is not complete enough to build a trial from.
bool read_param(ObjectReader& p, ParamSpec& ps, const std::vector<std::string>& variant_order) {
  if (!p.valid()) return false;
  bool ok = true;
  auto bad = [&](const std::string& key, const std::string& msg) {
    p.err(key, msg);
    ok = false;
  };
  if (const json* vv = p.get("variants")) {
    ps.key = "variant";
    if (const json* kv = p.get("key")) {
      if (!kv->is_string() || kv->get<std::string>().empty() || kv->get<std::string>().find('.') != std::string::npos)
        bad("key", "names the variants (a label without dots, such as \"regularisation\"), got " + describe_json(*kv));
      else
        ps.key = kv->get<std::string>();
    }
    ps.kind = ParamSpec::Kind::List;
    if (!read_variants(p, *vv, variant_order, ps)) ok = false;
    for (const char* k : {"values", "choice", "linear", "log", "uniform", "log_uniform", "points", "integer"})
      if (p.has(k)) {
        p.get(k);
        bad(k, "a parameter of named variants takes no " + std::string(k));
      }
    p.finish();
    return ok;
  }
  const json* kv = p.get("key");
  if (!kv) bad("key", "required (a config key such as training.optimizer.lr)");
  else if (!kv->is_string() || kv->get<std::string>().empty())
    bad("key", "must be a config key such as training.optimizer.lr, got " + describe_json(*kv));
  else if (kv->get<std::string>().find('.') == std::string::npos)
    bad("key", "\"" + kv->get<std::string>() + "\" is not a config key (such as training.optimizer.lr); to compare "
               "named bundles of settings, give \"variants\"");
  else ps.key = kv->get<std::string>();

  using Kind = ParamSpec::Kind;
  static const std::vector<std::pair<std::string, Kind>> kinds = {
      {"values", Kind::List},   {"choice", Kind::Choice},   {"linear", Kind::Linear},
      {"log", Kind::Log},       {"uniform", Kind::Uniform}, {"log_uniform", Kind::LogUniform}};
  std::vector<std::string> given;
  for (const auto& [k, kind] : kinds) {
    p.get(k);  // known, whichever is given
    if (p.has(k)) given.push_back(k);
  }
  if (given.empty()) {
    p.err("", "needs one of values, choice, linear, log, uniform, log_uniform, variants");
    p.get("points");  // known keys, whatever else is wrong
    p.get("integer");
    p.finish();
    return false;
  }
  if (given.size() > 1)
    bad(given[1], "give only one of values, choice, linear, log, uniform, log_uniform, not also " + given[0]);
  const std::string& k = given[0];
  for (const auto& [name, kind] : kinds)
    if (name == k) ps.kind = kind;
  const json& v = *p.get(k);
  const bool list = ps.kind == Kind::List || ps.kind == Kind::Choice;
  const bool log = ps.kind == Kind::Log || ps.kind == Kind::LogUniform;
  if (list) {
    if (!v.is_array() || v.empty()) bad(k, "needs a non-empty list of values, got " + describe_json(v));
    else
      for (const json& x : v) ps.values.push_back(x.dump());
  } else if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number() ||
             !std::isfinite(v[0].get<double>()) || !std::isfinite(v[1].get<double>()) ||
             !(v[0].get<double>() < v[1].get<double>())) {
    bad(k, "needs [low, high] with low < high, got " + describe_json(v));
  } else {
    ps.lo = v[0].get<double>(), ps.hi = v[1].get<double>();
    if (log && ps.lo <= 0) bad(k, "a log scale needs low > 0");
  }
  if (ps.kind == Kind::Linear || ps.kind == Kind::Log) p.integer("points", ps.points, 1, 10000);
  else p.not_used({"points"}, "by " + k + " (only linear and log have grid points)");
  if (!list) p.boolean("integer", ps.integer);
  else p.not_used({"integer"}, "by " + k + " (its values are used as they are)");
  p.finish();
  return ok;
}

}  // namespace hyperlab

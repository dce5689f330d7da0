#include "train/metrics.h"

#include <cmath>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "config/registry.h"

namespace hyperlab {

namespace {

// A built-in metric and the EpochEvent field that holds it (one of the two pointers).
struct Builtin {
  MetricInfo info;
  double EpochEvent::*scalar = nullptr;
  std::vector<double> EpochEvent::*layers = nullptr;
};

MetricInfo describe(std::string name, std::string label, std::string unit, bool log, bool higher, std::string csv,
                std::string chart = "", std::string series = "", std::string axis = "") {
  MetricInfo m;
  m.name = std::move(name), m.label = std::move(label), m.unit = std::move(unit);
  m.log_scale = log, m.higher_is_better = higher, m.csv = std::move(csv);
  m.chart = std::move(chart), m.series = std::move(series), m.axis = std::move(axis);
  return m;
}

Builtin scalar_metric(MetricInfo m, double EpochEvent::*f) { return {std::move(m), f, nullptr}; }
Builtin layer_metric(MetricInfo m, std::vector<double> EpochEvent::*f) {
  m.per_layer = true;
  return {std::move(m), nullptr, f};
}

// The one table. Its order is metrics.csv's (kept as it always was); metrics
// without a CSV column ("") come last.
const std::vector<Builtin>& builtin_table() {
  static const std::vector<Builtin> t = [] {
    MetricInfo lr = describe("lr", "learning rate", "", false, false, "lr", "Learning rate", "learning rate", "lr");
    lr.step = true;
    const std::string ratio = "Gradient ratio |∇W first| / |∇W last|";
    return std::vector<Builtin>{
        scalar_metric(describe("train_loss", "training loss", "", false, false, "train_loss", "Loss", "train", "loss"),
               &EpochEvent::train_loss),
        scalar_metric(describe("train_accuracy", "training accuracy", "", false, true, "train_accuracy", "Accuracy", "train",
                    "accuracy"),
               &EpochEvent::train_accuracy),
        scalar_metric(describe("val_loss", "validation loss", "", false, false, "val_loss", "Loss", "validation", "loss"),
               &EpochEvent::val_loss),
        scalar_metric(describe("val_accuracy", "validation accuracy", "", false, true, "val_accuracy", "Accuracy", "validation",
                    "accuracy"),
               &EpochEvent::val_accuracy),
        scalar_metric(describe("test_loss", "test loss", "", false, false, "test_loss", "Loss", "test", "loss"),
               &EpochEvent::test_loss),
        scalar_metric(describe("test_accuracy", "test accuracy", "", false, true, "test_accuracy", "Accuracy", "test",
                    "accuracy"),
               &EpochEvent::test_accuracy),
        scalar_metric(lr, &EpochEvent::lr),
        scalar_metric(describe("grad_ratio", "gradient ratio", "", true, false, "grad_ratio", ratio, "first / last layer", "ratio"),
               &EpochEvent::grad_ratio),
        scalar_metric(describe("seconds", "epoch time", "s", false, false, "seconds"), &EpochEvent::seconds),
        scalar_metric(describe("penalty", "L1/L2 penalty", "", false, false, "penalty"), &EpochEvent::penalty),
        scalar_metric(describe("samples_per_s", "training speed", "samples/s", false, true, "samples_per_s"),
               &EpochEvent::samples_per_s),
        layer_metric(describe("grad_norms", "gradient norm", "", true, false, "grad_norm_", "Gradient norm per layer", "",
                     "|∇W|"),
                &EpochEvent::grad_norms),
        layer_metric(describe("weight_norms", "weight norm", "", false, false, "weight_norm_"), &EpochEvent::weight_norms),
        scalar_metric(describe("train_seconds", "training time", "s", false, false, ""), &EpochEvent::train_seconds),
        scalar_metric(describe("diag_seconds", "diagnostics time", "s", false, false, ""), &EpochEvent::diag_seconds),
    };
  }();
  return t;
}

const Builtin* builtin(const std::string& name) {
  static const std::unordered_map<std::string, const Builtin*> by_name = [] {
    std::unordered_map<std::string, const Builtin*> m;
    for (const Builtin& b : builtin_table()) m[b.info.name] = &b;
    return m;
  }();
  auto it = by_name.find(name);
  return it == by_name.end() ? nullptr : it->second;
}

// Whether an epoch's built-in metric still has the value a fresh EpochEvent has (NaN, 0 or none).
bool at_default(const EpochEvent& e, const Builtin& b) {
  static const EpochEvent fresh;
  if (b.layers) return (e.*(b.layers)).empty();
  const double v = e.*(b.scalar), d = fresh.*(b.scalar);
  return (std::isnan(v) && std::isnan(d)) || v == d;
}

nlohmann::json json_number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
double json_double(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : kNone; }

}  // namespace

const std::vector<MetricInfo>& builtin_metrics() {
  static const std::vector<MetricInfo> m = [] {
    std::vector<MetricInfo> v;
    for (const Builtin& b : builtin_table()) v.push_back(b.info);
    return v;
  }();
  return m;
}

std::vector<MetricInfo> run_metrics(const RunStart& info) {
  std::vector<MetricInfo> m = builtin_metrics();
  for (const MetricInfo& x : info.metrics)
    if (!find_metric(m, x.name)) m.push_back(x);
  return m;
}

const MetricInfo* find_metric(const std::vector<MetricInfo>& metrics, const std::string& name) {
  return find_named(metrics, name);
}

std::vector<double> metric_values(const EpochEvent& e, const MetricInfo& m) {
  if (const Builtin* b = builtin(m.name)) return b->layers ? e.*(b->layers) : std::vector<double>{e.*(b->scalar)};
  auto it = e.extra.find(m.name);
  return it == e.extra.end() ? std::vector<double>{} : it->second;
}

double epoch_metric(const EpochEvent& e, const std::string& name) { return metric_value(e, name); }

double metric_value(const EpochEvent& e, const std::string& name) {
  if (const Builtin* b = builtin(name)) return b->scalar ? e.*(b->scalar) : kNone;
  auto it = e.extra.find(name);
  return it == e.extra.end() || it->second.size() != 1 ? kNone : it->second.front();
}

void set_metric(EpochEvent& e, const MetricInfo& m, std::vector<double> values) {
  if (const Builtin* b = builtin(m.name)) {
    if (b->layers) e.*(b->layers) = std::move(values);
    else e.*(b->scalar) = values.empty() ? kNone : values.front();
    return;
  }
  e.extra[m.name] = std::move(values);
}

void set_metric(EpochEvent& e, const std::string& name, double value) {
  MetricInfo m;
  m.name = name;
  set_metric(e, m, {value});
}

nlohmann::json metrics_json(const EpochEvent& e, const std::vector<MetricInfo>& metrics) {
  nlohmann::json o = nlohmann::json::object();
  for (const MetricInfo& m : metrics) {
    const std::vector<double> v = metric_values(e, m);
    if (!m.per_layer && v.size() == 1) {
      o[m.name] = json_number(v.front());
      continue;
    }
    if (v.empty() && !m.per_layer) continue;  // a declared metric this epoch did not measure
    nlohmann::json a = nlohmann::json::array();
    for (double x : v) a.push_back(json_number(x));
    o[m.name] = a;
  }
  return o;
}

nlohmann::json metrics_json(const EpochEvent& e) {
  std::vector<MetricInfo> metrics;
  for (const Builtin& b : builtin_table())
    if (!at_default(e, b)) metrics.push_back(b.info);  // what is left out reads back as the default
  for (const auto& [name, values] : e.extra) {
    MetricInfo m;
    m.name = name;
    metrics.push_back(m);
  }
  return metrics_json(e, metrics);
}

void metrics_from_json(EpochEvent& e, const nlohmann::json& object) {
  if (!object.is_object()) return;
  for (auto it = object.begin(); it != object.end(); ++it) {
    MetricInfo m;
    m.name = it.key();
    std::vector<double> v;
    if (it->is_array())
      for (const auto& x : *it) v.push_back(json_double(x));
    else
      v.push_back(json_double(*it));
    set_metric(e, m, std::move(v));
  }
}

nlohmann::json metric_info_json(const MetricInfo& m) {
  return {{"name", m.name},           {"label", m.label},   {"unit", m.unit},     {"log_scale", m.log_scale},
          {"higher_is_better", m.higher_is_better},         {"per_layer", m.per_layer}, {"csv", m.csv},
          {"chart", m.chart},         {"series", m.series}, {"axis", m.axis},     {"step", m.step}};
}

MetricInfo metric_info_from(const nlohmann::json& j) {
  MetricInfo m;
  if (!j.is_object()) return m;
  m.name = j.value("name", ""), m.label = j.value("label", ""), m.unit = j.value("unit", "");
  m.log_scale = j.value("log_scale", false), m.higher_is_better = j.value("higher_is_better", false);
  m.per_layer = j.value("per_layer", false), m.csv = j.value("csv", "");
  m.chart = j.value("chart", ""), m.series = j.value("series", ""), m.axis = j.value("axis", "");
  m.step = j.value("step", false);
  return m;
}

nlohmann::json metric_infos_json(const std::vector<MetricInfo>& ms) {
  nlohmann::json a = nlohmann::json::array();
  for (const MetricInfo& m : ms) a.push_back(metric_info_json(m));
  return a;
}

std::vector<MetricInfo> metric_infos_from(const nlohmann::json& a) {
  std::vector<MetricInfo> v;
  if (!a.is_array()) return v;
  for (const auto& j : a)
    if (j.is_object() && !j.value("name", "").empty()) v.push_back(metric_info_from(j));
  return v;
}

}  // namespace hyperlab

// The named per-epoch metrics: one table (name, label, unit, log scale,
// direction, per layer or not, CSV column, chart). metrics.csv, the JSON
// history, the store and the live charts are all derived from it, never from
// positions. A run's callbacks may declare more (RunStart::metrics): they
// travel by name in EpochEvent::extra and need no schema change anywhere.
// Torch-free and Qt-free.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "train/events.h"

namespace hyperlab {

/// The built-in metrics, in metrics.csv's column order (EpochEvent's fields).
const std::vector<MetricInfo>& builtin_metrics();
/// A run's metrics: the built-in ones, then those its callbacks declared.
std::vector<MetricInfo> run_metrics(const RunStart& info);
/// The metric called `name` in `metrics` (nullptr: none).
const MetricInfo* find_metric(const std::vector<MetricInfo>& metrics, const std::string& name);

/// An epoch's values of a metric: one per layer for a per-layer metric, else
/// one value; empty when the epoch has none.
std::vector<double> metric_values(const EpochEvent& e, const MetricInfo& m);
/// A scalar metric of an epoch by name, built-in or declared (kNone: none).
double metric_value(const EpochEvent& e, const std::string& name);
/// Sets a metric of an epoch: a built-in one into its field, any other into e.extra.
void set_metric(EpochEvent& e, const MetricInfo& m, std::vector<double> values);
void set_metric(EpochEvent& e, const std::string& name, double value);

/// Every metric of an epoch as one JSON object ({"val_loss": 0.41, "grad_norms": [..]}, NaN as null),
/// `metrics` naming which (a run's metrics); and back, by name (unknown names go into e.extra).
nlohmann::json metrics_json(const EpochEvent& e, const std::vector<MetricInfo>& metrics);
/// The same with every metric the epoch holds (the store's): the built-in ones
/// that differ from a fresh EpochEvent's (metrics_from_json gives those back
/// as they were) and all of e.extra.
nlohmann::json metrics_json(const EpochEvent& e);
void metrics_from_json(EpochEvent& e, const nlohmann::json& object);
/// A metric's description as JSON (declared metrics are kept with a run) and back.
nlohmann::json metric_info_json(const MetricInfo& m);
MetricInfo metric_info_from(const nlohmann::json& j);
nlohmann::json metric_infos_json(const std::vector<MetricInfo>& ms);
std::vector<MetricInfo> metric_infos_from(const nlohmann::json& a);

}  // namespace hyperlab

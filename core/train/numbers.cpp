#include "train/numbers.h"

#include <cmath>

namespace hyperlab {

bool is_test_metric(const std::string& m) { return m.rfind("test_", 0) == 0; }
bool metric_maximized(const std::string& m) { return m.find("accuracy") != std::string::npos; }

std::string selection_monitor(const ExperimentConfig& c) {
  const EarlyStoppingConfig& es = c.training.early_stopping;
  if (es.enabled) return is_test_metric(es.monitor) ? "" : es.monitor;
  return c.data.validation_fraction > 0 ? "val_accuracy" : "";
}

bool improves(const std::string& monitor, double value, double best, double min_delta) {
  if (!std::isfinite(value)) return false;
  if (std::isnan(best)) return true;
  return metric_maximized(monitor) ? value > best + min_delta : value < best - min_delta;
}

double RunNumbers::value(const std::string& metric) const {
  if (metric == "test_accuracy") return test_accuracy;
  if (metric == "test_loss") return test_loss;
  return selected_epoch > 0 ? epoch_metric(selected, metric) : kNone;
}

namespace {
std::string words(const std::string& metric) {
  std::string w = metric;
  if (w.rfind("val_", 0) == 0) w = "validation " + w.substr(4);
  else if (w.rfind("train_", 0) == 0) w = "training " + w.substr(6);
  else if (w.rfind("test_", 0) == 0) w = "test " + w.substr(5);
  return w;
}
}  // namespace

std::string metric_label(const std::string& metric) { return words(metric); }

std::string at_selected_text(const std::string& metric, const std::string& selected_by) {
  std::string at;
  if (selected_by.empty()) at = "at the last epoch";
  else if (selected_by == "val_accuracy") at = "at the best-validation epoch";
  else at = "at the epoch of best " + words(selected_by);
  return metric.empty() ? at : words(metric) + " " + at;
}

std::string RunNumbers::selection_text() const {
  if (selected_epoch == 0) return "no epoch";
  const std::string of = " (epoch " + std::to_string(selected_epoch) + " of " + std::to_string(final_epoch) + ")";
  if (selected_by.empty()) return "last epoch" + of + "; nothing selects without a validation set";
  return "best " + words(selected_by) + of;
}

std::vector<bool> selection_flags(const ExperimentConfig& c, const std::vector<EpochEvent>& h) {
  const std::string monitor = selection_monitor(c);
  std::vector<bool> f(h.size(), monitor.empty());
  if (monitor.empty()) return f;
  // The trainer's rule, replayed: an epoch that improves on the best so far by
  // more than min_delta (early stopping's) is the new selection.
  const double min_delta = c.training.early_stopping.enabled ? c.training.early_stopping.min_delta : 0;
  double best = kNone;
  bool any = false;
  for (size_t i = 0; i < h.size(); ++i) {
    const double v = epoch_metric(h[i], monitor);
    if (improves(monitor, v, best, min_delta)) best = v, f[i] = any = true;
  }
  if (!any) f.assign(h.size(), true);  // the monitor was never measured: as if nothing selects
  return f;
}

RunNumbers run_numbers(const ExperimentConfig& c, const std::vector<EpochEvent>& h, const RunResult& end) {
  RunNumbers n;
  if (h.empty()) return n;
  n.final_epoch = h.back().epoch;
  n.selected_by = selection_monitor(c);
  const std::vector<bool> flags = selection_flags(c, h);
  size_t sel = h.size();
  for (size_t i = h.size(); i-- > 0 && sel == h.size();)
    if (flags[i]) sel = i;
  if (sel == h.size()) sel = h.size() - 1, n.selected_by.clear();  // the monitor was never measured: the last epoch stands
  n.selected = h[sel];
  n.selected_epoch = h[sel].epoch;
  // Test metrics: from the epoch itself when the test set was evaluated every
  // epoch, else from the trainer's evaluation after training.
  n.test_accuracy = h[sel].test_accuracy, n.test_loss = h[sel].test_loss;
  if (!std::isfinite(n.test_accuracy) && end.best_epoch == n.selected_epoch)
    n.test_accuracy = end.test_accuracy, n.test_loss = end.test_loss;
  n.final_test_accuracy = h.back().test_accuracy, n.final_test_loss = h.back().test_loss;
  if (!std::isfinite(n.final_test_accuracy))
    n.final_test_accuracy = end.final_test_accuracy, n.final_test_loss = end.final_test_loss;
  if (!std::isfinite(n.final_test_accuracy) && n.selected_epoch == n.final_epoch)
    n.final_test_accuracy = n.test_accuracy, n.final_test_loss = n.test_loss;
  return n;
}

}  // namespace hyperlab

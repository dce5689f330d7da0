// A run's result, defined once. Every table, chart, report and file that shows
// what a run reached takes its numbers from run_numbers(); nothing else picks
// an epoch or reads the test set's metrics for a result.
//
// The selected epoch is the one whose model the run stands for:
//   - the best epoch by the early-stopping monitor when early stopping is on
//     (a validation or training metric: the test set never selects);
//   - otherwise, with a validation set, the best epoch by val_accuracy;
//   - otherwise the last epoch (and the UI says so).
// Test metrics are reported at the selected epoch and at the final one, each
// labelled. Torch-free and Qt-free.
#pragma once

#include <string>
#include <vector>

#include "config/experiment.h"
#include "train/events.h"

namespace hyperlab {

/// The metric that selects the epoch ("val_accuracy", "val_loss", "train_loss",
/// ...), or "" when the last epoch is the selected one. A test metric never
/// selects: configs that asked for one (refused since) select the last epoch.
std::string selection_monitor(const ExperimentConfig& c);
/// True for test_loss and test_accuracy: metrics that may be reported, never used to choose.
bool is_test_metric(const std::string& metric);
/// Whether a larger value of the metric is better (accuracies).
bool metric_maximized(const std::string& metric);
/// The selection rule: `value` is a new best over `best` (NaN: none yet) by more than min_delta.
bool improves(const std::string& monitor, double value, double best, double min_delta);

struct RunNumbers {
  int selected_epoch = 0;      ///< 1-based; 0 when the run has no epoch
  int final_epoch = 0;         ///< the last epoch run
  std::string selected_by;     ///< selection_monitor(); "" = the last epoch
  EpochEvent selected;         ///< that epoch's metrics (train, validation; test when evaluated every epoch)
  double test_accuracy = kNone, test_loss = kNone;              ///< at the selected epoch
  double final_test_accuracy = kNone, final_test_loss = kNone;  ///< at the final epoch
  /// A metric at the selected epoch (test_* included: reported, not chosen by).
  double value(const std::string& metric) const;
  /// How the epoch was chosen, for captions: "best val_accuracy (epoch 7 of 10)",
  /// "last epoch (10; no validation set)".
  std::string selection_text() const;
};

/// Per epoch: whether it was the selected epoch when it ended (EpochEvent::best,
/// replayed from the metrics: the trainer and every reader share this rule).
std::vector<bool> selection_flags(const ExperimentConfig& c, const std::vector<EpochEvent>& history);

/// The one definition. `history` are the run's epochs; `end` carries the test
/// metrics the trainer measured after training (RunResult::test_* on the
/// selected model, final_test_* on the final one), used where the history has
/// no per-epoch test metrics (training.evaluate_test false).
RunNumbers run_numbers(const ExperimentConfig& c, const std::vector<EpochEvent>& history, const RunResult& end);

/// What a column or chart of a metric shows, in words: "test accuracy at the
/// best-validation epoch", "validation loss at the selected epoch".
std::string metric_label(const std::string& metric);
std::string at_selected_text(const std::string& metric, const std::string& selected_by);

}  // namespace hyperlab

// The selected epoch while a run trains, and early stopping: one piece the
// training loop calls at each epoch's end. The rule is train/numbers.h's (the
// best by the early-stopping monitor, else by val_accuracy, else the last
// epoch; never by the test set). The selected epoch's weights are kept while
// later epochs train, so that the test set can be measured on them at the
// end; restore_best decides which weights the run ends with. Its state goes
// into checkpoints and comes back on resume.
#pragma once

#include <ATen/ATen.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/experiment.h"
#include "model/network.h"
#include "train/events.h"

namespace hyperlab {

class EpochSelection {
 public:
  /// `has_val`: the run has validation samples (a split too small to hold any selects nothing).
  EpochSelection(const ExperimentConfig& c, bool has_val, Network& net, at::Tensor flat);
  const std::string& monitor() const { return monitor_; }
  /// After an epoch is measured: marks e.best when it is the selected epoch so
  /// far (and keeps its weights).
  void epoch_end(EpochEvent& e);
  /// The selected epoch so far (0: none yet).
  int selected_epoch() const { return best_epoch_; }
  /// Early stopping: true (with the reason) once the monitor has not improved for more than `patience` epochs.
  bool should_stop(std::string& reason) const;

  /// Checkpoints: the state into `meta` and `out`, and back.
  void save(nlohmann::json& meta, torch::serialize::OutputArchive& out) const;
  void load(const nlohmann::json& meta, torch::serialize::InputArchive& in, const at::Device& dev);

  /// After training, on the final weights: the selected model's test metrics
  /// into res.test_* (and `preds`, its predictions) when it is not the final
  /// one, or when `weights_moved` (a stop inside an epoch changed them since).
  /// `measure(loss, acc, preds)` evaluates the weights in place. The network
  /// ends with the selected weights if restore_best asks, else the final ones.
  /// Without kept weights for an earlier selected epoch (a checkpoint of an
  /// older build), its test metrics are unknown: NaN, and no predictions.
  void measure_selected(RunResult& res, at::Tensor& preds, bool weights_moved,
                        const std::function<void(double&, double&, at::Tensor*)>& measure);

 private:
  const EarlyStoppingConfig es_;
  std::string monitor_;
  double min_delta_;
  Network& net_;
  at::Tensor flat_;
  double best_ = NAN;
  int since_best_ = 0, best_epoch_ = 0;
  at::Tensor best_flat_;
  std::vector<at::Tensor> best_buffers_;
};

}  // namespace hyperlab

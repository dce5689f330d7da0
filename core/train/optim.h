#pragma once

#include <memory>
#include <vector>

#include <ATen/ATen.h>
#include <torch/optim/optimizer.h>

#include "config/experiment.h"

namespace hyperlab {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& c,
                                                        std::vector<at::Tensor> params);
void set_lr(torch::optim::Optimizer& opt, double lr);

/// Learning rate per epoch, as PyTorch's schedulers stepped once per epoch.
class LrSchedule {
 public:
  LrSchedule(const SchedulerConfig& c, double base_lr, int epochs);
  /// Called after epoch `epoch` (1-based) with the monitored metric (plateau);
  /// returns the learning rate for the next epoch.
  double after_epoch(int epoch, double metric);
  double lr() const { return lr_; }
  static bool maximize(const std::string& metric);
  /// Everything that changes as it steps (for checkpoints): lr, plateau best, flag, bad epochs.
  std::vector<double> state() const { return {lr_, best_, have_best_ ? 1.0 : 0.0, double(bad_)}; }
  void set_state(const std::vector<double>& s) {
    if (s.size() == 4) lr_ = s[0], best_ = s[1], have_best_ = s[2] != 0, bad_ = static_cast<int>(s[3]);
  }

 private:
  SchedulerConfig c_;
  double base_, lr_;
  int epochs_;
  double best_ = 0;
  bool have_best_ = false;
  int bad_ = 0;
};

}  // namespace hyperlab

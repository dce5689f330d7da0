#pragma once

#include <memory>
#include <vector>

#include <ATen/ATen.h>
#include <torch/optim/optimizer.h>

#include "config/experiment.h"
#include "train/optimizers.h"

namespace hyperlab {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& c,
                                                        std::vector<at::Tensor> params);
/// One optimizer over several param groups, each with its own learning rate (the
/// other settings from `c`): transfer learning's lr_groups. Groups with no tensors are kept (empty).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& c,
                                                        std::vector<std::vector<at::Tensor>> groups,
                                                        const std::vector<double>& lrs);
/// Sets every param group's learning rate to lr, times factors[g] where given.
void set_lr(torch::optim::Optimizer& opt, double lr, const std::vector<double>& factors = {});

/// Learning rate per epoch, as PyTorch's schedulers stepped once per epoch.
class LrSchedule {
 public:
  LrSchedule(const SchedulerConfig& c, double base_lr, int epochs);
  /// Called after epoch `epoch` (1-based) with the monitored metric (plateau);
  /// returns the learning rate for the next epoch.
  double after_epoch(int epoch, double metric);
  double lr() const { return s_.lr; }
  /// Everything that changes as it steps (for checkpoints): lr, plateau best, flag, bad epochs.
  std::vector<double> state() const { return {s_.lr, s_.best, s_.have_best ? 1.0 : 0.0, double(s_.bad)}; }
  void set_state(const std::vector<double>& s) {
    if (s.size() == 4) s_.lr = s[0], s_.best = s[1], s_.have_best = s[2] != 0, s_.bad = static_cast<int>(s[3]);
  }

 private:
  SchedulerConfig c_;
  const SchedulerKind* kind_;
  ScheduleState s_;
};

}  // namespace hyperlab

// Optimizers (LibTorch's own classes, so updates match PyTorch) and
// per-epoch learning-rate schedules.
#include "train/optim.h"

#include <cmath>

#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

namespace hyperlab {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& c,
                                                        std::vector<at::Tensor> params) {
  namespace o = torch::optim;
  if (c.type == "sgd")
    return std::make_unique<o::SGD>(params, o::SGDOptions(c.lr)
                                                .momentum(c.momentum)
                                                .dampening(c.dampening)
                                                .nesterov(c.nesterov)
                                                .weight_decay(c.weight_decay));
  if (c.type == "adam")
    return std::make_unique<o::Adam>(params, o::AdamOptions(c.lr)
                                                 .betas({c.beta1, c.beta2})
                                                 .eps(c.eps)
                                                 .amsgrad(c.amsgrad)
                                                 .weight_decay(c.weight_decay));
  if (c.type == "adamw")
    return std::make_unique<o::AdamW>(params, o::AdamWOptions(c.lr)
                                                  .betas({c.beta1, c.beta2})
                                                  .eps(c.eps)
                                                  .amsgrad(c.amsgrad)
                                                  .weight_decay(c.weight_decay));
  if (c.type == "rmsprop")
    return std::make_unique<o::RMSprop>(params, o::RMSpropOptions(c.lr)
                                                    .alpha(c.alpha)
                                                    .eps(c.eps)
                                                    .momentum(c.momentum)
                                                    .centered(c.centered)
                                                    .weight_decay(c.weight_decay));
  if (c.type == "adagrad")
    return std::make_unique<o::Adagrad>(params, o::AdagradOptions(c.lr)
                                                    .lr_decay(c.lr_decay)
                                                    .eps(c.eps)
                                                    .initial_accumulator_value(c.initial_accumulator_value)
                                                    .weight_decay(c.weight_decay));
  throw std::invalid_argument("unknown optimizer " + c.type);
}

void set_lr(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) g.options().set_lr(lr);
}

LrSchedule::LrSchedule(const SchedulerConfig& c, double base_lr, int epochs)
    : c_(c), base_(base_lr), lr_(base_lr), epochs_(epochs) {}

bool LrSchedule::maximize(const std::string& metric) { return metric.find("accuracy") != std::string::npos; }

double LrSchedule::after_epoch(int epoch, double metric) {
  const SchedulerConfig& c = c_;
  if (c.type == "step") {
    lr_ = base_ * std::pow(c.gamma, epoch / c.step_size);
  } else if (c.type == "exponential") {
    lr_ = base_ * std::pow(c.gamma, epoch);
  } else if (c.type == "cosine") {
    int T = c.t_max > 0 ? c.t_max : epochs_;
    lr_ = c.eta_min + (base_ - c.eta_min) * (1 + std::cos(M_PI * epoch / T)) / 2;
  } else if (c.type == "plateau" && std::isfinite(metric)) {
    // As torch.optim.lr_scheduler.ReduceLROnPlateau, threshold_mode "rel".
    bool max = maximize(c.monitor);
    bool better = !have_best_ || (max ? metric > best_ * (1 + c.threshold) : metric < best_ * (1 - c.threshold));
    if (better) {
      best_ = metric, have_best_ = true, bad_ = 0;
    } else if (++bad_ > c.patience) {
      double next = std::max(lr_ * c.factor, c.min_lr);
      if (lr_ - next > 1e-8) lr_ = next;
      bad_ = 0;
    }
  }
  return lr_;
}

}  // namespace hyperlab

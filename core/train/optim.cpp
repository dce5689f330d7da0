// Optimizers (LibTorch's own classes, so updates match PyTorch) and
// per-epoch learning-rate schedules.
#include "train/optim.h"

#include <stdexcept>

#include <cmath>

#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include "train/optimizers.h"

namespace hyperlab {

namespace o = torch::optim;

// The builders of the optimizer table (train/optimizers.cpp).
std::unique_ptr<o::Optimizer> build_sgd(const OptimizerConfig& c, std::vector<at::Tensor> params) {
  return std::make_unique<o::SGD>(
      params, o::SGDOptions(c.lr).momentum(c.momentum).dampening(c.dampening).nesterov(c.nesterov).weight_decay(c.weight_decay));
}
std::unique_ptr<o::Optimizer> build_adam(const OptimizerConfig& c, std::vector<at::Tensor> params) {
  return std::make_unique<o::Adam>(
      params, o::AdamOptions(c.lr).betas({c.beta1, c.beta2}).eps(c.eps).amsgrad(c.amsgrad).weight_decay(c.weight_decay));
}
std::unique_ptr<o::Optimizer> build_adamw(const OptimizerConfig& c, std::vector<at::Tensor> params) {
  return std::make_unique<o::AdamW>(
      params, o::AdamWOptions(c.lr).betas({c.beta1, c.beta2}).eps(c.eps).amsgrad(c.amsgrad).weight_decay(c.weight_decay));
}
std::unique_ptr<o::Optimizer> build_rmsprop(const OptimizerConfig& c, std::vector<at::Tensor> params) {
  return std::make_unique<o::RMSprop>(params, o::RMSpropOptions(c.lr)
                                                  .alpha(c.alpha)
                                                  .eps(c.eps)
                                                  .momentum(c.momentum)
                                                  .centered(c.centered)
                                                  .weight_decay(c.weight_decay));
}
std::unique_ptr<o::Optimizer> build_adagrad(const OptimizerConfig& c, std::vector<at::Tensor> params) {
  return std::make_unique<o::Adagrad>(params, o::AdagradOptions(c.lr)
                                                  .lr_decay(c.lr_decay)
                                                  .eps(c.eps)
                                                  .initial_accumulator_value(c.initial_accumulator_value)
                                                  .weight_decay(c.weight_decay));
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& c, std::vector<at::Tensor> params) {
  const OptimizerKind* k = find_optimizer(c.type);
  if (!k) throw std::invalid_argument("unknown optimizer " + c.type);
  return k->build(c, std::move(params));
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& c,
                                                        std::vector<std::vector<at::Tensor>> groups,
                                                        const std::vector<double>& lrs) {
  if (groups.empty()) groups.emplace_back();
  auto opt = make_optimizer(c, groups[0]);
  for (size_t g = 1; g < groups.size(); ++g) opt->add_param_group(o::OptimizerParamGroup(groups[g]));  // the defaults' options
  for (size_t g = 0; g < opt->param_groups().size() && g < lrs.size(); ++g) opt->param_groups()[g].options().set_lr(lrs[g]);
  return opt;
}

void set_lr(torch::optim::Optimizer& opt, double lr, const std::vector<double>& factors) {
  auto& groups = opt.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) groups[g].options().set_lr(g < factors.size() ? lr * factors[g] : lr);
}

LrSchedule::LrSchedule(const SchedulerConfig& c, double base_lr, int epochs) : c_(c), kind_(find_scheduler(c.type)) {
  if (!kind_) throw std::invalid_argument("unknown scheduler " + c.type);
  s_.base = s_.lr = base_lr, s_.epochs = epochs;
}

double LrSchedule::after_epoch(int epoch, double metric) {
  if (kind_->after_epoch) s_.lr = kind_->after_epoch(c_, s_, epoch, metric);
  return s_.lr;
}

}  // namespace hyperlab

// The optimizers and learning-rate schedules, one table entry each: its name,
// the settings it reads (with their ranges, defaults, labels and one-line
// docs) and what it builds or computes. Config reading and writing, the
// editor's forms and docs/config.md all follow from these two tables; adding
// an optimizer is one entry here plus its builder in train/optim.cpp.
// Torch-free: the ui includes it.
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "config/setting.h"

namespace at {
class Tensor;
}
namespace torch::optim {
class Optimizer;
}

namespace hyperlab {

using OptimizerSetting = Setting<OptimizerConfig>;
using SchedulerSetting = Setting<SchedulerConfig>;

using OptimizerBuilder = std::unique_ptr<torch::optim::Optimizer> (*)(const OptimizerConfig&, std::vector<at::Tensor>);

struct OptimizerKind {
  std::string name;   ///< "sgd"
  std::string doc;    ///< one line
  /// The settings it reads besides lr and weight_decay, in the order a saved config writes them.
  std::vector<std::string> keys;
  /// Defaults that differ from OptimizerConfig's (adamw: weight_decay 0.01), applied before reading.
  void (*defaults)(OptimizerConfig&) = nullptr;
  /// A rule across settings: the key it concerns and why, or "" when it holds.
  std::string (*check)(const OptimizerConfig&, std::string& key) = nullptr;
  OptimizerBuilder build = nullptr;  ///< LibTorch's own class, so updates match PyTorch
  /// The PyTorch class's constructor on `params`, with {key}s filled in (core/export).
  std::string pytorch = "";
  bool uses(const std::string& key) const;
  std::vector<std::string> written_keys() const;  ///< lr, weight_decay, then `keys`
};

/// The state a schedule carries from epoch to epoch (plateau: best, bad epochs).
struct ScheduleState {
  double base = 0, lr = 0;
  int epochs = 0;
  double best = 0;
  bool have_best = false;
  int bad = 0;
};

struct SchedulerKind {
  std::string name;   ///< "cosine"
  std::string doc;
  std::vector<std::string> keys;  ///< the settings it reads, in the order a saved config writes them
  /// The learning rate after epoch `epoch` (1-based) given the monitored metric; null: constant.
  double (*after_epoch)(const SchedulerConfig&, ScheduleState&, int epoch, double metric) = nullptr;
  /// The same in Python (core/export): the lr after `epoch` from `base` (lr₀), `lr`, `epochs`,
  /// `metric` and a dict `state`, with {key}s filled in; "" = constant.
  std::string pytorch = "";
  bool uses(const std::string& key) const;
  const std::vector<std::string>& written_keys() const { return keys; }
};

/// Every optimizer setting (lr and weight_decay first), in the order config files are read.
const std::vector<OptimizerSetting>& optimizer_settings();
const std::vector<OptimizerKind>& optimizer_kinds();
const OptimizerKind* find_optimizer(const std::string& name);  ///< null when unknown
std::vector<std::string> optimizer_names();

const std::vector<SchedulerSetting>& scheduler_settings();
const std::vector<SchedulerKind>& scheduler_kinds();
const SchedulerKind* find_scheduler(const std::string& name);
std::vector<std::string> scheduler_names();

/// docs/config.md's tables of the optimizers and schedules, made from the
/// tables above (a test keeps the page equal to them).
std::string optimizers_markdown();
std::string schedulers_markdown();


}  // namespace hyperlab

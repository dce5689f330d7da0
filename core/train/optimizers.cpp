// The optimizer and schedule tables (see optimizers.h). The builders are in
// train/optim.cpp, the one file here that includes LibTorch's optimizers.
#include "train/optimizers.h"

#include <algorithm>
#include <cstdio>

#include "config/config_json.h"
#include "config/registry.h"

namespace hyperlab {

// train/optim.cpp
std::unique_ptr<torch::optim::Optimizer> build_sgd(const OptimizerConfig&, std::vector<at::Tensor>);
std::unique_ptr<torch::optim::Optimizer> build_adam(const OptimizerConfig&, std::vector<at::Tensor>);
std::unique_ptr<torch::optim::Optimizer> build_adamw(const OptimizerConfig&, std::vector<at::Tensor>);
std::unique_ptr<torch::optim::Optimizer> build_rmsprop(const OptimizerConfig&, std::vector<at::Tensor>);
std::unique_ptr<torch::optim::Optimizer> build_adagrad(const OptimizerConfig&, std::vector<at::Tensor>);

using namespace setting_makers;

namespace {

using O = OptimizerConfig;
using S = SchedulerConfig;

bool contains(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string nesterov_rule(const O& c, std::string& key) {
  if (!c.nesterov || (c.momentum > 0 && c.dampening == 0)) return "";
  key = "nesterov";
  return "needs momentum > 0 and dampening 0";
}

// Each as PyTorch's scheduler stepped once per epoch.
double step_lr(const S& c, ScheduleState& s, int epoch, double) { return s.base * std::pow(c.gamma, epoch / c.step_size); }
double exponential_lr(const S& c, ScheduleState& s, int epoch, double) { return s.base * std::pow(c.gamma, epoch); }
double cosine_lr(const S& c, ScheduleState& s, int epoch, double) {
  const int T = c.t_max > 0 ? c.t_max : s.epochs;
  return c.eta_min + (s.base - c.eta_min) * (1 + std::cos(M_PI * epoch / T)) / 2;
}
// As torch.optim.lr_scheduler.ReduceLROnPlateau, threshold_mode "rel".
double plateau_lr(const S& c, ScheduleState& s, int, double metric) {
  if (!std::isfinite(metric)) return s.lr;
  const bool max = c.monitor.find("accuracy") != std::string::npos;  // accuracies rise, losses fall
  const bool better = !s.have_best || (max ? metric > s.best * (1 + c.threshold) : metric < s.best * (1 - c.threshold));
  if (better) {
    s.best = metric, s.have_best = true, s.bad = 0;
  } else if (++s.bad > c.patience) {
    const double next = std::max(s.lr * c.factor, c.min_lr);
    if (s.lr - next > 1e-8) s.lr = next;
    s.bad = 0;
  }
  return s.lr;
}

}  // namespace

bool OptimizerKind::uses(const std::string& key) const { return key == "lr" || key == "weight_decay" || contains(keys, key); }
std::vector<std::string> OptimizerKind::written_keys() const {
  std::vector<std::string> k = {"lr", "weight_decay"};
  k.insert(k.end(), keys.begin(), keys.end());
  return k;
}
bool SchedulerKind::uses(const std::string& key) const { return contains(keys, key); }

const std::vector<OptimizerSetting>& optimizer_settings() {
  static const std::vector<OptimizerSetting> s = [] {
    OptimizerSetting lr = open_low(number<O>("lr", &O::lr, "Learning rate", "learning rate (default 0.01)", 0, INFINITY, 1e6, 0));
    lr.log_scale = true, lr.ui_lo = 1e-8;
    return std::vector<OptimizerSetting>{
        lr,
        number<O>("weight_decay", &O::weight_decay, "Weight decay",
                  "adamw: decoupled, each step shrinks w by lr·wd·w; the others add wd·w to the gradient (biases too). "
                  "Not l2, which is a loss term (default 0; adamw 0.01)", 0, INFINITY, 100, 1e-4),
        number<O>("momentum", &O::momentum, "Momentum", "sgd, rmsprop (default 0)", 0, INFINITY, 0.9999, 0.1),
        number<O>("dampening", &O::dampening, "Dampening", "sgd (default 0)", 0, 1, 1, 0.1),
        flag<O>("nesterov", &O::nesterov, "Nesterov momentum", "sgd: Nesterov momentum (default false; needs momentum > 0)"),
        [] {
          auto b = number<O>("beta1", &O::beta1, "β1", "adam, adamw: first-moment decay (default 0.9)", 0, 1, 0.9999, 0.01);
          b.hi_open = true;
          return b;
        }(),
        [] {
          auto b = number<O>("beta2", &O::beta2, "β2", "adam, adamw: second-moment decay (default 0.999)", 0, 1, 0.999999, 0.001);
          b.hi_open = true;
          return b;
        }(),
        open_low(number<O>("eps", &O::eps, "ε", "adam, adamw, rmsprop, adagrad: added to the denominator (default 1e-8; adagrad 1e-10)",
                           0, INFINITY, 1, 1e-8)),
        flag<O>("amsgrad", &O::amsgrad, "AMSGrad", "adam, adamw: the AMSGrad variant (default false)"),
        number<O>("alpha", &O::alpha, "Smoothing α", "rmsprop: smoothing constant (default 0.99)", 0, 1, 1, 0.01),
        flag<O>("centered", &O::centered, "Centered", "rmsprop: normalise by the gradient's variance (default false)"),
        number<O>("lr_decay", &O::lr_decay, "LR decay", "adagrad: learning-rate decay (default 0)", 0, INFINITY, 10, 1e-3),
        number<O>("initial_accumulator_value", &O::initial_accumulator_value, "Initial accumulator",
                  "adagrad: starting value of the squared-gradient sum (default 0)", 0, INFINITY, 100, 0.1),
    };
  }();
  return s;
}

const std::vector<OptimizerKind>& optimizer_kinds() {
  static const std::vector<OptimizerKind> k = {
      {"sgd", "stochastic gradient descent, with momentum and Nesterov", {"momentum", "dampening", "nesterov"},
       nullptr, nesterov_rule, build_sgd,
       "torch.optim.SGD(params, lr={lr}, momentum={momentum}, dampening={dampening}, nesterov={nesterov}, "
       "weight_decay={weight_decay})"},
      {"adam", "Adam (Kingma & Ba 2015)", {"beta1", "beta2", "eps", "amsgrad"}, nullptr, nullptr, build_adam,
       "torch.optim.Adam(params, lr={lr}, betas=({beta1}, {beta2}), eps={eps}, amsgrad={amsgrad}, "
       "weight_decay={weight_decay})"},
      {"adamw", "Adam with decoupled weight decay (Loshchilov & Hutter 2019)", {"beta1", "beta2", "eps", "amsgrad"},
       [](O& c) { c.weight_decay = 0.01; }, nullptr, build_adamw,
       "torch.optim.AdamW(params, lr={lr}, betas=({beta1}, {beta2}), eps={eps}, amsgrad={amsgrad}, "
       "weight_decay={weight_decay})"},
      {"rmsprop", "RMSProp (Hinton 2012)", {"alpha", "eps", "momentum", "centered"}, nullptr, nullptr, build_rmsprop,
       "torch.optim.RMSprop(params, lr={lr}, alpha={alpha}, eps={eps}, momentum={momentum}, centered={centered}, "
       "weight_decay={weight_decay})"},
      {"adagrad", "AdaGrad (Duchi et al. 2011)", {"lr_decay", "eps", "initial_accumulator_value"},
       [](O& c) { c.eps = 1e-10; }, nullptr, build_adagrad,
       "torch.optim.Adagrad(params, lr={lr}, lr_decay={lr_decay}, eps={eps}, "
       "initial_accumulator_value={initial_accumulator_value}, weight_decay={weight_decay})"},
  };
  return k;
}

const std::vector<SchedulerSetting>& scheduler_settings() {
  static const std::vector<SchedulerSetting> s = [] {
    SchedulerSetting monitor;
    monitor.key = "monitor", monitor.kind = SchedulerSetting::Choice, monitor.text = &S::monitor;
    monitor.label = "Monitor", monitor.doc = "plateau: the metric watched (default val_loss; never a test metric)";
    monitor.choices = metric_names;
    return std::vector<SchedulerSetting>{
        integer<S>("step_size", &S::step_size, "Step size (epochs)", "step: epochs between decays (default 10)", 1),
        open_low(number<S>("gamma", &S::gamma, "γ", "step, exponential: decay factor (default 0.1)", 0, 1, 1, 0.05)),
        integer<S>("t_max", &S::t_max, "Period (epochs)", "cosine: period in epochs (default 0 = training.epochs)", 0, "= epochs"),
        number<S>("eta_min", &S::eta_min, "Minimum lr", "cosine: the floor (default 0)", 0, INFINITY, 100, 1e-4),
        monitor,
        [] {
          auto f = open_low(number<S>("factor", &S::factor, "Factor", "plateau: lr *= factor (default 0.1)", 0, 1, 1, 0.05));
          f.hi_open = true;
          return f;
        }(),
        integer<S>("patience", &S::patience, "Patience", "plateau: epochs without improvement (default 10)", 0),
        number<S>("threshold", &S::threshold, "Threshold", "plateau: relative improvement that counts (default 1e-4)", 0,
                  INFINITY, 1, 1e-4),
        number<S>("min_lr", &S::min_lr, "Floor", "plateau: the lowest lr (default 0)", 0, INFINITY, 100, 1e-5),
    };
  }();
  return s;
}

const std::vector<SchedulerKind>& scheduler_kinds() {
  static const std::vector<SchedulerKind> k = {
      {"none", "constant", {}, nullptr},
      {"step", "lr₀·γ^⌊e/step_size⌋", {"step_size", "gamma"}, step_lr, "base * {gamma} ** (epoch // {step_size})"},
      {"exponential", "lr₀·γ^e", {"gamma"}, exponential_lr, "base * {gamma} ** epoch"},
      {"cosine", "η_min + (lr₀−η_min)(1+cos(πe/T))/2, T = t_max or training.epochs", {"t_max", "eta_min"}, cosine_lr,
       "{eta_min} + (base - {eta_min}) * (1 + math.cos(math.pi * epoch / ({t_max} or epochs))) / 2"},
      {"plateau", "lr·factor after more than `patience` epochs without a relative improvement of `threshold`, as `ReduceLROnPlateau`",
       {"monitor", "factor", "patience", "threshold", "min_lr"}, plateau_lr,
       "plateau_lr(state, lr, metric, {monitor}, {factor}, {patience}, {threshold}, {min_lr})"},
  };
  return k;
}


namespace {
template <class C>
std::string setting_value(const C& c, const Setting<C>& s) {
  char b[32];
  switch (s.kind) {
    case Setting<C>::Number: std::snprintf(b, sizeof b, "%g", c.*s.number); return b;
    case Setting<C>::Integer: return std::to_string(c.*s.integer);
    case Setting<C>::Flag: return c.*s.flag ? "true" : "false";
    case Setting<C>::Choice: return c.*s.text;
  }
  return "";
}
template <class C, class Kind>
std::string settings_cell(const C& c, const std::vector<Setting<C>>& settings, const Kind& k) {
  std::string cell;
  for (const auto& key : k.written_keys())
    cell += (cell.empty() ? "`" : ", `") + key + "` (" + setting_value(c, *find_setting(settings, key)) + ")";
  return cell;
}
}  // namespace

std::string optimizers_markdown() {
  std::string s = "| type | fields (default) | what it is |\n|---|---|---|\n";
  for (const OptimizerKind& k : optimizer_kinds()) {
    OptimizerConfig c;
    if (k.defaults) k.defaults(c);
    s += "| `" + k.name + "` | " + settings_cell(c, optimizer_settings(), k) + " | " + k.doc + " |\n";
  }
  s += "\n| field | meaning |\n|---|---|\n";
  for (const OptimizerSetting& f : optimizer_settings()) s += "| `" + f.key + "` | " + f.doc + " |\n";
  return s;
}

std::string schedulers_markdown() {
  std::string s = "| type | fields (default) | lr after epoch e |\n|---|---|---|\n";
  for (const SchedulerKind& k : scheduler_kinds())
    s += "| `" + k.name + "` | " + settings_cell(SchedulerConfig{}, scheduler_settings(), k) + " | " + k.doc + " |\n";
  s += "\n| field | meaning |\n|---|---|\n";
  for (const SchedulerSetting& f : scheduler_settings()) s += "| `" + f.key + "` | " + f.doc + " |\n";
  return s;
}

const OptimizerKind* find_optimizer(const std::string& name) { return find_named(optimizer_kinds(), name); }
std::vector<std::string> optimizer_names() { return names_of(optimizer_kinds()); }
const SchedulerKind* find_scheduler(const std::string& name) { return find_named(scheduler_kinds(), name); }
std::vector<std::string> scheduler_names() { return names_of(scheduler_kinds()); }

}  // namespace hyperlab

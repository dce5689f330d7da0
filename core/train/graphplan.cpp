#include "train/graphplan.h"

#include <algorithm>

#include "config/config_json.h"

namespace hyperlab {

namespace {

bool has_dropout(const std::vector<LayerConfig>& layers) {
  return std::any_of(layers.begin(), layers.end(),
                     [](const LayerConfig& l) { return (l.type == "dropout" && l.p > 0) || has_dropout(l.body); });
}

// Optimizers whose LibTorch step is the same kernels with the same arguments
// every step once its state exists, so a graph can hold it: SGD (its momentum
// buffer is updated in place; nothing on the CPU changes but the learning rate,
// and a new rate recaptures). Adam, AdamW and Adagrad compute a step-dependent
// factor on the CPU, RMSprop and Adagrad count steps there: they run after each replay.
bool optimizer_capturable(const std::string& type) { return type == "sgd"; }

}  // namespace

GraphNeeds graph_needs(const ExperimentConfig& c, int64_t train_size) {
  GraphNeeds n;
  n.setting = c.training.cuda_graphs;
  n.dropout = has_dropout(expanded_layers(c));
  n.grad_noise = c.training.grad_noise_std > 0;
  n.train_size = train_size, n.batch_size = c.training.batch_size, n.epochs = c.training.epochs;
  n.optimizer = c.training.optimizer.type;
  return n;
}

GraphPlan plan_cuda_graphs(const GraphNeeds& n) {
  GraphPlan p;
  if (!n.cuda) return p;  // the CPU: nothing to say
  auto off = [&](const std::string& why) {
    p.note = "CUDA graphs off: " + why;
    return p;
  };
  if (!n.setting) return off("training.cuda_graphs is false");
  if (!n.available) return off("this LibTorch build has no CUDA graphs");
  if (n.dropout) return off("dropout draws from the run's own CUDA generator, which the graph cannot register yet");
  if (n.grad_noise) return off("gradient noise draws from the run's own CUDA generator, which the graph cannot register yet");
  const int64_t full = n.batch_size > 0 ? n.train_size / n.batch_size : 0;
  if (full * n.epochs <= kGraphWarmup)
    return off("only " + std::to_string(full * n.epochs) + " full batches in the run, more than " +
               std::to_string(kGraphWarmup) + " needed (the warm-up)");
  p.on = true, p.optimizer = optimizer_capturable(n.optimizer);
  p.note = "CUDA graphs on: each full batch replays forward, loss, backward, the gradient terms";
  p.note += p.optimizer ? " and the " + n.optimizer + " step"
                        : "; the " + n.optimizer + " step runs after the replay (its CPU-side state changes every step)";
  if (n.train_size % n.batch_size != 0) p.note += "; the smaller last batch runs uncaptured";
  return p;
}

}  // namespace hyperlab

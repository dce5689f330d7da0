// The training loop and its callbacks, as in ensmallen: the loop does the
// forward pass, the loss, the backward pass and the optimizer's step, and
// calls every callback at the run's, each epoch's and each batch's begin and
// end. Everything else (evaluation, selection and early stopping, the
// checkpointer, gradient diagnostics, divergence, the thread tuner, the bridge
// to RunCallbacks that the recorder and the GUI use) is one small callback
// (train/callbacks.h). Any callback may stop the run (Loop::stop). A callback
// that measures something per epoch declares its metrics (metrics()) and
// writes them into Loop::event; they reach metrics.csv, the JSON history and
// the store by name (train/metrics.h). Internal to core (LibTorch).
#pragma once

#include <ATen/ATen.h>
#include <torch/optim/optimizer.h>

#include <chrono>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "data/dataset.h"
#include "model/network.h"
#include "train/evaluate.h"
#include "train/events.h"
#include "train/optim.h"
#include "train/regularise.h"

namespace hyperlab {

class CudaGraphs;  // train/cuda_graph.h
class MlpStep;  // train/mlp_step.h

using LoopClock = std::chrono::steady_clock;
/// Batches between two reads of the batch metrics on a GPU (a stop or a NaN is seen within this many).
constexpr int kDeviceReadEvery = 32;
inline double seconds_since(LoopClock::time_point t) {
  return std::chrono::duration<double>(LoopClock::now() - t).count();
}

/// What the loop shares with its callbacks: the run's pieces, and where it is.
struct Loop {
  Loop(const ExperimentConfig& c, Network& n, at::Tensor flat_params, at::Tensor flat_grad, torch::optim::Optimizer& o,
       LrSchedule& s, Regularisers& r, const BatchMath& m, Split tr, Split va, Split te, at::Generator& pg,
       RunResult& res)
      : cfg(c), net(n), flat(std::move(flat_params)), grad(std::move(flat_grad)), opt(o), schedule(s),
        regularisers(r), math(m), train(std::move(tr)), val(std::move(va)), test(std::move(te)), perm_gen(pg),
        result(res) {}
  const ExperimentConfig& cfg;
  Network& net;
  at::Tensor flat, grad;  ///< the network's flat parameters and their gradient (shared storage)
  torch::optim::Optimizer& opt;
  LrSchedule& schedule;
  Regularisers& regularisers;
  const BatchMath& math;
  Split train, val, test;  ///< on the device
  at::Generator& perm_gen;  ///< the shuffling
  RunResult& result;        ///< filled as it goes (history, epochs_run, best_epoch, reason)
  /// Per optimizer param group (transfer learning's lr_groups): its lr / training.optimizer.lr; empty = all 1.
  std::vector<double> lr_factors;
  /// A plain MLP's step by hand (train/mlp_step.h), the same numbers as autograd's; null: autograd.
  /// Set by run_loop before the callbacks' run_begin, which may set it to null.
  MlpStep* mlp = nullptr;

  int first_epoch = 1;   ///< after the epoch a checkpoint restored
  int batches = 0;       ///< per epoch
  int64_t step = 0;      ///< batches since the start of the run
  // The epoch in progress.
  int epoch = 0;
  double lr = 0;                         ///< used during this epoch (set by the schedule's callback)
  LoopClock::time_point epoch_start{};
  int done = 0;                          ///< its batches done
  int64_t seen = 0;                      ///< its training samples
  // The batch in progress (batch_end, after_backward).
  int batch = 0;  ///< 0-based within the epoch
  int64_t batch_size = 0;
  at::Tensor logits, targets, loss;
  BatchResult batch_result;  ///< samples 0: not read at this batch (see read_every)
  /// Batches per read of the batch metrics: 1 on the CPU (free), kDeviceReadEvery on a GPU, where
  /// each read waits for the device. Set before the callbacks' run_begin, which may change it.
  int read_every = 1;
  at::Tensor tally;          ///< on the device: [loss x samples, correct] since the last read
  int64_t tally_samples = 0;
  int tally_batches = 0;
  bool resumed_from_pause = false;  ///< this batch began after a pause
  CudaGraphs* graphs = nullptr;     ///< set: a batch's step may be replayed from a CUDA graph (train/cuda_graph.h)
  /// The epoch's record (epoch_end): the loop fills the training metrics,
  /// callbacks add theirs in order; pushed into result.history by the history callback.
  EpochEvent event;

  RunStatus status = RunStatus::Completed;
  /// A stop inside an epoch after some of its batches: the weights are no longer the last epoch's.
  bool weights_moved = false;
  /// Set: the run ends failed with this reason once it has been evaluated (a checkpoint that could not be written).
  std::string failure;

  /// Stops the run after the current batch or epoch with `status` (ignored when it is stopping already).
  void stop(RunStatus s, const std::string& reason) {
    if (status != RunStatus::Completed) return;
    status = s, result.reason = reason;
  }
  /// Ends the epoch loop now; the run is evaluated as usual and then ends failed with `reason`.
  void fail(const std::string& reason) { failure = reason; }
  bool running() const { return status == RunStatus::Completed && failure.empty(); }
};

class Callback {
 public:
  virtual ~Callback() = default;
  /// The per-epoch metrics it adds beyond the built-in table (train/metrics.h);
  /// it writes them with set_metric(loop.event, ...) in epoch_end.
  virtual std::vector<MetricInfo> metrics() const { return {}; }
  virtual void run_begin(Loop&) {}
  virtual void epoch_begin(Loop&) {}
  /// May stop the run before the batch (Loop::stop): the batch is then not trained.
  virtual void batch_begin(Loop&) {}
  /// After backward and the L1/L2 terms, before gradient noise and clipping: the objective's gradient.
  virtual void after_backward(Loop&) {}
  virtual void batch_end(Loop&) {}
  virtual void epoch_end(Loop&) {}
  /// After the last epoch (also after a stop): final measurements.
  virtual void run_end(Loop&) {}
};

/// Trains loop.first_epoch .. cfg.training.epochs, calling `callbacks` in their order.
void run_loop(Loop& loop, const std::vector<Callback*>& callbacks);

}  // namespace hyperlab

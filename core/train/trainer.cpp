#include "train/trainer.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/autograd.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "config/presets.h"
#include "config/resources.h"
#include "config/shapes.h"
#include "data/dataset.h"
#include "model/network.h"
#include "model/shorthands.h"
#include "model/transfer.h"
#include "train/callbacks.h"
#include "train/checkpoint.h"
#include "train/cuda_graph.h"
#include "train/diagnostics.h"
#include "train/loop.h"
#include "train/metrics.h"
#include "train/evaluate.h"
#include "train/numbers.h"
#include "train/optim.h"
#include "train/regularise.h"
#include "train/report.h"
#include "train/selection.h"
#include "train/snapshot.h"
#include "train/threadtuner.h"

namespace hyperlab {

namespace {

using Clock = std::chrono::steady_clock;
std::string lr_text(double lr) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", lr);
  return buf;
}
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

at::Device resolve_device(const TrainingConfig& t, std::string& note) {
  const std::string& d = t.device;
  if (d == "cpu") return at::kCPU;
  int count = cuda_device_count();
  if (d == "auto") return count > 0 ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  int index = d.size() > 5 ? std::stoi(d.substr(5)) : 0;
  if (index < count) return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
  std::string why = count == 0 ? (at::hasCUDA() ? "no CUDA device was found"
                                                : "this LibTorch build has no CUDA support")
                               : "there are only " + std::to_string(count) + " CUDA devices";
  if (!t.allow_cpu_fallback)
    throw InputError("training.device is \"" + d + "\" but " + why +
                     "; use \"cpu\" or \"auto\", or set training.allow_cpu_fallback to true");
  note = "training.device \"" + d + "\" unavailable (" + why + "), fell back to cpu";
  return at::kCPU;
}

}  // namespace

struct Trainer::Impl {
  ExperimentConfig cfg;
  std::shared_ptr<const LoadedData> data;
  std::string checkpoint_file, resume_file;
  std::function<std::string(int64_t)> run_checkpoint;  // model.init_from.run -> its checkpoint file
  std::function<PretrainingRun(const ExperimentConfig&, const std::function<bool()>&)> pretraining;  // init_from.pretrain
  std::atomic<bool> stop{false}, pausing{false};
  std::mutex m;
  std::condition_variable cv;

  std::vector<std::shared_ptr<Callback>> added;  // add_callback's, after the built-in measurements

  /// Fills `res` as it goes, so that a failure keeps the epochs completed so far.
  void run(const RunCallbacks& cb, RunResult& res);
  int prepare(const ModelSummary& summary, at::Device& dev, std::string& device_note, RunResult& res);
  bool pretrain(RunResult& res, std::string& checkpoint, std::string& log);
  RunStart start_info(const RunResult& res, const std::string& device_note, int threads, const Network& net,
                      const std::vector<Callback*>& callbacks) const;
  // Returns false if the run should stop (cancel requested while paused).
  bool wait_if_paused() {
    if (!pausing.load()) return true;
    std::unique_lock<std::mutex> lk(m);
    cv.wait(lk, [&] { return !pausing.load() || stop.load(); });
    return !stop.load();
  }
  // Pause and the stop request, at each batch's start.
  class StopControl : public Callback {
   public:
    explicit StopControl(Impl& t) : t_(t) {}
    void batch_begin(Loop& l) override {
      const bool was_paused = t_.pausing.load();
      if (t_.stop.load() || !t_.wait_if_paused()) l.stop(RunStatus::Cancelled, "stopped by the user");
      l.resumed_from_pause = was_paused;
    }

   private:
    Impl& t_;
  };
};

Trainer::Trainer(ExperimentConfig cfg) : d_(std::make_unique<Impl>()) {
  tune_allocator();  // before the run's thread allocates anything
  d_->cfg = std::move(cfg);
}
Trainer::~Trainer() = default;
void Trainer::set_data(std::shared_ptr<const LoadedData> data) { d_->data = std::move(data); }
void Trainer::set_checkpoint_file(const std::string& file) { d_->checkpoint_file = file; }
void Trainer::add_callback(std::shared_ptr<Callback> cb) { d_->added.push_back(std::move(cb)); }
void Trainer::set_run_checkpoints(std::function<std::string(int64_t)> find) { d_->run_checkpoint = std::move(find); }
void Trainer::set_pretraining(
    std::function<PretrainingRun(const ExperimentConfig& pretraining, const std::function<bool()>& stopped)> find) {
  d_->pretraining = std::move(find);
}

void Trainer::resume_from(const std::string& file) {
  CheckpointMeta m = read_checkpoint(file);
  if (checkpoint_key(m.config) != checkpoint_key(d_->cfg))
    throw std::runtime_error(file + ": the checkpoint belongs to a different experiment (only training.epochs may change "
                             "when resuming)");
  if (m.epoch > d_->cfg.training.epochs)
    throw std::runtime_error(file + ": the checkpoint is at epoch " + std::to_string(m.epoch) +
                             ", past training.epochs = " + std::to_string(d_->cfg.training.epochs));
  d_->resume_file = file;
}

void Trainer::request_stop() {
  d_->stop = true;
  d_->cv.notify_all();
}
void Trainer::pause() { d_->pausing = true; }
void Trainer::resume() {
  d_->pausing = false;
  d_->cv.notify_all();
}
bool Trainer::paused() const { return d_->pausing.load(); }

RunResult Trainer::run(const RunCallbacks& cb) {
  auto t0 = Clock::now();
  RunResult r;
  try {
    d_->run(cb, r);
  } catch (const DataError& e) {
    r.status = RunStatus::Failed, r.reason = e.what(), r.input_error = true;
  } catch (const InputError& e) {
    r.status = RunStatus::Failed, r.reason = e.what(), r.input_error = true;
  } catch (const std::exception& e) {
    r.status = RunStatus::Failed, r.reason = error_message(e);
  } catch (...) {
    r.status = RunStatus::Failed, r.reason = "unknown error";
  }
  r.seconds = since(t0);
  return r;
}

// What the run starts on, as RunStart tells it.
RunStart Trainer::Impl::start_info(const RunResult& res, const std::string& device_note, int threads,
                                   const Network& net, const std::vector<Callback*>& callbacks) const {
  const LoadedData& D = *data;
  RunStart info;
  info.device = res.device + (device_note.empty() ? "" : " (" + device_note + ")");
  info.threads = res.device == "cpu" ? threads : 0;
  info.blas = blas_description();
  info.libtorch = torch_version();
  info.train_size = D.train.size(), info.val_size = D.val.size(), info.test_size = D.test.size();
  const int64_t B = cfg.training.batch_size;
  info.batches_per_epoch = static_cast<int>((D.train.size() + B - 1) / B);
  info.epochs = cfg.training.epochs;
  info.class_names = D.spec.class_names;
  info.data_note = D.note;
  for (const WeightSlice& w : net.weights()) info.layer_names.push_back(w.name);
  for (Callback* c : callbacks)
    for (MetricInfo& m : c->metrics()) info.metrics.push_back(std::move(m));
  return info;
}

// Device, memory check, threads and data, before the model is built; returns the thread count.
int Trainer::Impl::prepare(const ModelSummary& summary, at::Device& dev, std::string& device_note, RunResult& res) {
  const TrainingConfig& T = cfg.training;
  dev = resolve_device(T, device_note);
  res.device = dev.str();
  // The memory the run needs, before anything is allocated: the data too
  // unless it is loaded already (then it is no longer in what is available).
  std::string too_big;
  for (const ConfigError& e : check_resources(cfg, {memory_available(), dev.is_cuda()}, !data))
    too_big += (too_big.empty() ? "" : "\n") + e.str();
  if (!too_big.empty()) throw InputError(too_big);
  // Threads: set on this (the training) thread; workers pick it up at their first parallel op.
  const double batch_flops = 3.0 * static_cast<double>(summary.forward_flops) * T.batch_size;
  const int threads = T.threads > 0 ? T.threads : (batch_flops < 30'000'000 ? 1 : physical_cores());
  configure_threads(dev.is_cpu() ? threads : 1);
  if (!data) data = load_data(cfg.data, T.seed);
  return threads;
}

// model.init_from.pretrain: the pretraining's run, found or trained now (set_pretraining); false
// when it was stopped, which stops this run too (res says so).
bool Trainer::Impl::pretrain(RunResult& res, std::string& checkpoint, std::string& log) {
  const std::string key = "model.init_from.pretrain", &name = cfg.model.init_from.pretrain;
  if (!pretraining)
    throw InputError(key + ": " + name + ": no run history here to find the pretraining run in or record it into");
  const ConfigResult p = pretraining_config(name);
  if (!p.ok()) throw InputError(key + ": " + p.errors.front().str());
  if (!p.config.model.init_from.pretrain.empty())  // the file changed since the config was read
    throw InputError(key + ": " + name + " starts from a pretraining itself (model.init_from.pretrain): one level only");
  const PretrainingRun got = pretraining(p.config, [this] { return stop.load(); });
  log = got.note;
  if (got.status == RunStatus::Cancelled) {
    res.status = RunStatus::Cancelled, res.reason = "stopped during the pretraining (" + name + ")";
    return false;
  }
  if (got.checkpoint.empty()) throw std::runtime_error(key + ": " + got.reason);
  checkpoint = got.checkpoint;
  return true;
}

void Trainer::Impl::run(const RunCallbacks& cb, RunResult& res) {
  const ExperimentConfig& c = cfg;
  const TrainingConfig& T = c.training;
  ModelSummary summary = summarize(c);
  if (!summary.ok()) throw InputError(summary.errors.front());
  at::Device dev = at::kCPU;
  std::string device_note;
  const int threads = prepare(summary, dev, device_note, res);
  // The pretraining first (it may train a whole run on this thread), then this run's threads again.
  std::string transfer_log, checkpoint_from;
  if (!c.model.init_from.pretrain.empty() && resume_file.empty()) {
    if (!pretrain(res, checkpoint_from, transfer_log)) return;
    configure_threads(dev.is_cpu() ? threads : 1);
  }
  // Automatic threads follow the machine's load while it trains (train/threadtuner.h).
  std::unique_ptr<ThreadTuner> tuner;
  if (T.threads == 0 && dev.is_cpu() && threads > 1)
    tuner = std::make_unique<ThreadTuner>(threads, [](int n) { configure_threads(n); },
                                          [] { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); });
  const LoadedData& D = *data;

  at::Generator gen = at::detail::createCPUGenerator(T.seed);
  const std::vector<LayerConfig> layers = expanded_layers(c);
  Network net(layers, model_input(c.data), c.model.init, gen);
  // Transfer learning (model/transfer.h): the starting weights (a resumed run has its own), the frozen blocks.
  if (!c.model.init_from.empty() && resume_file.empty()) {
    const int64_t run_id = c.model.init_from.run;
    const std::string file = run_id > 0 && run_checkpoint ? run_checkpoint(run_id) : checkpoint_from;
    try {
      transfer_log += (transfer_log.empty() ? "" : "\n") + load_initial_weights(c, layers, net, file).text();
    } catch (const TransferError& e) {
      throw InputError(e.what());
    }
  }
  net.to(dev);
  const std::vector<bool> frozen = frozen_layers(c, layers);
  at::Tensor flat = net.flat(), grad = net.flat_grad();
  flat.mutable_grad() = grad;
  std::unique_ptr<torch::optim::Optimizer> opt;
  std::vector<double> lr_factors;
  if (c.model.freeze.empty() && T.optimizer.lr_groups.empty()) {
    opt = make_optimizer(T.optimizer, {flat});
  } else {
    net.freeze(frozen);
    // Param groups: the blocks without a learning rate of their own, then each of lr_groups;
    // frozen blocks in none. Each group is views of the flat tensor (a block's weights, its other parameters).
    const std::vector<std::string> blocks = layer_blocks(c.model, layers);
    auto own_lr = [&](const std::string& b) {
      for (const auto& g : T.optimizer.lr_groups)
        if (g.first == b) return true;
      return false;
    };
    std::vector<std::vector<at::Tensor>> groups;
    std::vector<double> lrs;
    int64_t trainable = 0;
    auto group = [&](const std::function<bool(const std::string&)>& pick, double lr) {
      std::vector<bool> mark(blocks.size());
      for (size_t i = 0; i < blocks.size(); ++i) mark[i] = !frozen[i] && pick(blocks[i]);
      std::vector<at::Tensor> views;
      for (const auto& [off, n] : net.flat_ranges(mark)) {
        at::Tensor v = flat.narrow(0, off, n).detach();
        v.mutable_grad() = grad.narrow(0, off, n);
        views.push_back(v);
        trainable += n;
      }
      groups.push_back(views), lrs.push_back(lr), lr_factors.push_back(lr / T.optimizer.lr);
    };
    group([&](const std::string& b) { return !own_lr(b); }, T.optimizer.lr);
    for (const auto& g : T.optimizer.lr_groups) group([&](const std::string& b) { return b == g.first; }, g.second);
    opt = make_optimizer(T.optimizer, groups, lrs);
    std::string note;
    for (const std::string& b : c.model.freeze) note += (note.empty() ? "" : ", ") + b;
    if (!note.empty()) note = "frozen: " + note + " (no gradient, batch norm in eval mode); ";
    note += std::to_string(trainable) + " of " + std::to_string(flat.numel()) + " parameters train";
    for (size_t g = 0; g < lrs.size(); ++g)
      note += (g ? ", " : "; lr ") + (g == 0 ? std::string("others") : T.optimizer.lr_groups[g - 1].first) + " " +
              lr_text(lrs[g]);
    transfer_log += (transfer_log.empty() ? "" : "\n") + note;
  }
  LrSchedule sched(T.scheduler, T.optimizer.lr, T.epochs);
  // Data on the device once; uint8 stays uint8 until a batch is converted.
  auto to_dev = [&](const Split& s) { return s.size() == 0 ? Split{} : Split{s.x.to(dev), s.y.to(dev)}; };
  BatchMath math(D, dev, T.loss, D.spec.classes, c.data.resize);
  bool has_conv = false;
  has_conv = contains_layer(expanded_layers(c), "conv2d");
  const Evaluator evaluator(net, math, has_conv, flat.options());
  at::Generator perm_gen = at::detail::createCPUGenerator(T.seed + 0x5DEECE66Dull);
  Regularisers regularisers(T, flat, grad, net.weight_numel(), gen);
  Split train = to_dev(D.train), val = to_dev(D.val), test = to_dev(D.test);
  // Feature caching: the frozen part runs once per split, the head trains on its output.
  const size_t cached = cacheable_prefix(c, layers, frozen);
  if (cached > 0) {
    const auto t_cache = Clock::now();
    const size_t m = net.spans()[cached - 1].m1;
    net.train(false);
    auto features = [&](const Split& s) {
      if (s.size() == 0) return s;
      at::NoGradGuard ng;
      std::vector<at::Tensor> parts;
      for (int64_t i = 0; i < s.size(); i += 128)
        parts.push_back(net.forward_modules(math.input(s.x.narrow(0, i, std::min<int64_t>(128, s.size() - i))), 0, m));
      return Split{at::cat(parts), s.y};
    };
    train = features(train), val = features(val), test = features(test);
    net.train(true);
    net.set_first_module(m);
    math.use_features();
    std::string shape;
    for (int64_t d = 1; d < train.x.dim(); ++d) shape += (d > 1 ? "x" : "") + std::to_string(train.x.size(d));
    transfer_log += (transfer_log.empty() ? "" : "\n") + std::string("features cached: the frozen layers 1-") +
                    std::to_string(cached) + " ran once per split (" + shape + " per sample, " +
                    lr_text(since(t_cache)) + " s); the rest trains on them (no live sample or filter views meanwhile)";
  }
  Loop loop(c, net, flat, grad, *opt, sched, regularisers, math, train, val, test, perm_gen, res);
  loop.lr_factors = lr_factors;

  // The pieces, in their order (train/callbacks.h).
  EpochSelection selection(c, loop.val.size() > 0, net, flat);
  GradientDiagnostics diagnostics(net, flat, grad, static_cast<int>((D.train.size() + T.batch_size - 1) / T.batch_size));
  StopControl control(*this);
  std::unique_ptr<ThreadTuning> tuning = tuner ? std::make_unique<ThreadTuning>(*tuner) : nullptr;
  Schedule schedule;
  Diagnostics diag(diagnostics);
  Divergence divergence;
  Evaluation evaluation(evaluator, selection, D.spec.classes);
  Selection select(selection);
  History history;
  Bridge bridge(cb, cb.on_snapshot && cached == 0 ? std::make_unique<SnapshotMaker>(D, expanded_layers(c), dev) : nullptr);
  EarlyStopping early(selection);
  Checkpointer checkpointer(TrainingState{c, net, flat, gen, perm_gen, *opt, sched, selection, loop.step, res},
                            checkpoint_file, resume_file, dev);
  GraphNeeds needs = graph_needs(c, loop.train.size());  // CUDA graphs for the step (train/cuda_graph.h)
  needs.cuda = dev.is_cuda(), needs.available = cuda_graphs_built();
  CudaGraphs graphs(plan_cuda_graphs(needs));
  loop.graphs = &graphs;
  std::vector<Callback*> cbs = {&control, &graphs};
  if (tuning) cbs.push_back(tuning.get());
  cbs.insert(cbs.end(), {&diag, &divergence, &evaluation});
  for (const auto& extra : added) cbs.push_back(extra.get());
  cbs.insert(cbs.end(), {&select, &history, &schedule, &bridge, &early, &checkpointer});
  res.info = start_info(res, device_note, threads, net, cbs);
  res.info.parameters = flat.numel();
  res.info.transfer = transfer_log;
  run_loop(loop, cbs);
}

}  // namespace hyperlab

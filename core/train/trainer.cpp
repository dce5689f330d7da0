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
#include "config/resources.h"
#include "config/shapes.h"
#include "data/dataset.h"
#include "model/network.h"
#include "train/checkpoint.h"
#include "train/diagnostics.h"
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
  std::atomic<bool> stop{false}, pausing{false};
  std::mutex m;
  std::condition_variable cv;

  /// Fills `res` as it goes, so that a failure keeps the epochs completed so far.
  void run(const RunCallbacks& cb, RunResult& res);
  // Returns false if the run should stop (cancel requested while paused).
  bool wait_if_paused() {
    if (!pausing.load()) return true;
    std::unique_lock<std::mutex> lk(m);
    cv.wait(lk, [&] { return !pausing.load() || stop.load(); });
    return !stop.load();
  }
};

Trainer::Trainer(ExperimentConfig cfg) : d_(std::make_unique<Impl>()) {
  tune_allocator();  // before the run's thread allocates anything
  d_->cfg = std::move(cfg);
}
Trainer::~Trainer() = default;
void Trainer::set_data(std::shared_ptr<const LoadedData> data) { d_->data = std::move(data); }
void Trainer::set_checkpoint_file(const std::string& file) { d_->checkpoint_file = file; }

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

void Trainer::Impl::run(const RunCallbacks& cb, RunResult& res) {
  const ExperimentConfig& c = cfg;
  const TrainingConfig& T = c.training;
  ModelSummary summary = summarize(c);
  if (!summary.ok()) throw InputError(summary.errors.front());

  std::string device_note;
  at::Device dev = resolve_device(T, device_note);
  res.device = dev.str();

  // The memory the run needs, before anything is allocated: the data too
  // unless it is loaded already (then it is no longer in what is available).
  std::string too_big;
  for (const ConfigError& e : check_resources(c, {memory_available(), dev.is_cuda()}, !data))
    too_big += (too_big.empty() ? "" : "\n") + e.str();
  if (!too_big.empty()) throw InputError(too_big);

  // Threads: set on this (the training) thread; workers pick it up at their first parallel op.
  const double batch_flops = 3.0 * static_cast<double>(summary.forward_flops) * T.batch_size;
  int threads = T.threads > 0 ? T.threads : (batch_flops < 30'000'000 ? 1 : physical_cores());
  configure_threads(dev.is_cpu() ? threads : 1);
  if (!data) data = load_data(c.data, T.seed);
  // Automatic threads follow the machine's load while it trains (train/threadtuner.h).
  std::unique_ptr<ThreadTuner> tuner;
  if (T.threads == 0 && dev.is_cpu() && threads > 1)
    tuner = std::make_unique<ThreadTuner>(threads, [](int n) { configure_threads(n); },
                                          [] { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); });
  const LoadedData& D = *data;

  at::Generator gen = at::detail::createCPUGenerator(T.seed);
  Network net(expanded_layers(c), D.spec.input, c.model.init, gen);
  net.to(dev);
  at::Tensor flat = net.flat(), grad = net.flat_grad();
  flat.mutable_grad() = grad;
  auto opt = make_optimizer(T.optimizer, {flat});
  LrSchedule sched(T.scheduler, T.optimizer.lr, T.epochs);

  // Data on the device once; uint8 stays uint8 until a batch is converted.
  auto to_dev = [&](const Split& s) { return s.size() == 0 ? Split{} : Split{s.x.to(dev), s.y.to(dev)}; };
  Split train = to_dev(D.train), val = to_dev(D.val), test = to_dev(D.test);
  const int C = D.spec.classes;
  const BatchMath math(D, dev, T.loss, C);
  auto convert = [&](const at::Tensor& xb) { return math.input(xb); };

  const int64_t N = train.size(), B = T.batch_size;
  const int nb = static_cast<int>((N + B - 1) / B);
  const auto& ws = net.weights();
  const size_t L = ws.size();  // layers with weights: their norms and the gradient ratio

  RunStart info;
  info.device = res.device + (device_note.empty() ? "" : " (" + device_note + ")");
  info.threads = dev.is_cpu() ? threads : 0;
  info.blas = blas_description();
  info.libtorch = torch_version();
  info.train_size = N, info.val_size = val.size(), info.test_size = test.size();
  info.batches_per_epoch = nb;
  info.parameters = flat.numel();
  info.class_names = D.spec.class_names;
  for (size_t i = 0; i < L; ++i) info.layer_names.push_back(ws[i].name);
  res.info = info;
  if (cb.on_start) cb.on_start(info);
  std::unique_ptr<SnapshotMaker> snapper;
  if (cb.on_snapshot) snapper = std::make_unique<SnapshotMaker>(D, expanded_layers(c), dev);

  bool has_conv = false;
  has_conv = contains_layer(expanded_layers(c), "conv2d");
  const Evaluator evaluator(net, math, has_conv, flat.options());
  auto evaluate = [&](const Split& s, double& loss, double& acc, at::Tensor* preds) { evaluator.measure(s, loss, acc, preds); };

  // The selected epoch and early stopping (train/selection.h).
  EpochSelection selection(c, val.size() > 0, net, flat);
  // The last test-set evaluation (to reuse it at the end when the weights have not moved since).
  at::Tensor last_test_preds;
  int last_test_epoch = -1;
  bool stepped_since_test = true;

  // Per-batch work buffers.
  at::Generator perm_gen = at::detail::createCPUGenerator(T.seed + 0x5DEECE66Dull);
  at::Tensor xperm, yperm;
  Regularisers regularisers(T, flat, grad, net.weight_numel(), gen);
  GradientDiagnostics diagnostics(net, flat, grad, nb);
  int64_t step = 0;
  RunStatus status = RunStatus::Completed;
  int first_epoch = 1;
  bool weights_moved = false;  // stopped inside an epoch after some of its batches
  std::string checkpoint_error;  // a checkpoint that could not be written ends the run failed

  // Checkpoints: everything that changes from epoch to epoch (train/checkpoint.h).
  TrainingState state{c, net, flat, gen, perm_gen, *opt, sched, selection, step, res};
  if (!resume_file.empty()) {
    first_epoch = load_training_checkpoint(resume_file, state, dev) + 1;
    res.epochs_run = first_epoch - 1;
    // An early stop that had already happened stays a stop.
    std::string reason;
    if (selection.should_stop(reason)) status = RunStatus::EarlyStopped;
  }

  net.train(true);
  for (int epoch = first_epoch; epoch <= T.epochs && status == RunStatus::Completed; ++epoch) {
    auto te = Clock::now();
    const double lr = sched.lr();
    set_lr(*opt, lr);
    if (T.shuffle) {
      at::Tensor perm = at::randperm(N, perm_gen, at::kLong).to(dev);
      // Into last epoch's buffers: a fresh copy while the old one is still
      // held would put the training set in memory three times at once.
      if (!xperm.defined() || xperm.is_same(train.x)) xperm = at::empty_like(train.x), yperm = at::empty_like(train.y);
      at::index_select_out(xperm, train.x, 0, perm);
      at::index_select_out(yperm, train.y, 0, perm);
    } else {
      xperm = train.x, yperm = train.y;
    }
    diagnostics.epoch_begin();
    double loss_sum = 0, correct_sum = 0;
    int done = 0;
    int64_t seen = 0;
    if (tuner) tuner->restart_window();
    for (int bi = 0; bi < nb; ++bi) {
      const bool was_paused = pausing.load();
      if (stop.load() || !wait_if_paused()) {
        status = RunStatus::Cancelled, res.reason = "stopped by the user";
        break;
      }
      if (was_paused && tuner) tuner->restart_window();  // the pause is not batch time
      stepped_since_test = true;
      const int64_t b = std::min(B, N - bi * B);
      at::Tensor yb = yperm.narrow(0, bi * B, b);
      at::Tensor logits = net.forward(math.input(xperm.narrow(0, bi * B, b)));
      at::Tensor loss = math.loss(logits, yb);
      grad.zero_();
      loss.backward();
      regularisers.add_penalty_gradients();
      diagnostics.after_backward(bi);  // the objective's gradient, before noise and clipping
      regularisers.noise_and_clip();
      opt->step();
      ++step, ++done, seen += b;
      if (tuner) tuner->after_batch(b);

      const BatchResult br = batch_result(logits, yb, loss, C);
      const double bl = br.loss, ba = br.accuracy;
      loss_sum += bl * b, correct_sum += br.correct;
      if (!std::isfinite(bl)) {
        status = RunStatus::Diverged;
        res.diverged_epoch = epoch, res.diverged_batch = bi + 1;
        res.reason = divergence_reason(bl, epoch, bi + 1);
      }
      if (cb.on_batch) {
        BatchEvent be{epoch, bi + 1, nb, step, bl, ba, lr, seen / std::max(since(te), 1e-9)};
        if (!cb.on_batch(be) && status == RunStatus::Completed) {
          status = RunStatus::Cancelled, res.reason = "stopped by a callback";
        }
      }
      if (status != RunStatus::Completed) break;
    }
    if (status == RunStatus::Diverged || done == 0) break;
    if (status == RunStatus::Cancelled && done < nb) {  // a partial epoch is not an epoch
      weights_moved = true;  // but it changed the weights: they are no longer the last epoch's
      break;
    }

    EpochEvent e;
    e.epoch = epoch, e.epochs = T.epochs, e.lr = lr;
    e.train_seconds = since(te);
    e.samples_per_s = seen / std::max(e.train_seconds, 1e-9);
    e.train_loss = loss_sum / seen, e.train_accuracy = correct_sum / seen;
    diagnostics.epoch_end(e);
    e.penalty = regularisers.penalty();
    evaluate(val, e.val_loss, e.val_accuracy, nullptr);
    if (T.evaluate_test) {
      evaluate(test, e.test_loss, e.test_accuracy, &last_test_preds);
      last_test_epoch = epoch, stepped_since_test = false;
    }
    e.seconds = since(te);

    selection.epoch_end(e);
    res.best_epoch = selection.selected_epoch();
    res.history.push_back(e);
    res.epochs_run = epoch;
    set_lr(*opt, sched.after_epoch(epoch, epoch_metric(e, T.scheduler.monitor)));
    if (cb.on_epoch && !cb.on_epoch(e) && status == RunStatus::Completed)
      status = RunStatus::Cancelled, res.reason = "stopped by a callback";
    if (snapper && cb.snapshot_every_epoch) cb.on_snapshot(snapper->make(net, convert, epoch, false));
    if (status == RunStatus::Completed && selection.should_stop(res.reason)) status = RunStatus::EarlyStopped;
    if (!checkpoint_file.empty() && T.checkpoint_every > 0 &&
        (epoch % T.checkpoint_every == 0 || epoch == T.epochs || status != RunStatus::Completed)) {
      try {
        save_training_checkpoint(checkpoint_file, epoch, state);
      } catch (const std::exception& e) {
        // A full disk or any other write error: the run stops here, is evaluated
        // as usual, and ends failed with the cause; its completed epochs and the
        // previous checkpoint, if any, are kept.
        checkpoint_error = error_message(e);
        break;
      }
    }
  }
  res.status = status;
  if (tuner && !tuner->last_decision().empty())
    res.threads_note = tuner->last_decision() + "; " + std::to_string(tuner->switches()) + " change" +
                       (tuner->switches() == 1 ? "" : "s");

  if (res.best_epoch == 0 && res.epochs_run > 0) res.best_epoch = res.epochs_run;  // the monitor was never measured
  at::Tensor preds;
  if (status != RunStatus::Diverged && test.size() > 0) {
    at::NoGradGuard ng;
    // The final model: the last epoch's test evaluation when the weights are
    // still that epoch's, else measured now; after a stop inside an epoch the
    // last epoch's weights are gone, and only its own measurement stands.
    const bool last_measured = last_test_preds.defined() && last_test_epoch == res.epochs_run && !res.history.empty();
    if (last_measured && (!stepped_since_test || weights_moved)) {
      preds = last_test_preds;
      res.final_test_loss = res.history.back().test_loss, res.final_test_accuracy = res.history.back().test_accuracy;
    } else if (!weights_moved) {
      evaluate(test, res.final_test_loss, res.final_test_accuracy, &preds);
    }
    res.test_loss = res.final_test_loss, res.test_accuracy = res.final_test_accuracy;
    // The selected model, when it is not the final one: measured on its kept weights.
    selection.measure_selected(res, preds, weights_moved,
                               [&](double& loss, double& acc, at::Tensor* p) { evaluate(test, loss, acc, p); });
  }
  if (preds.defined()) {  // the confusion matrix of the model whose numbers the run reports
    at::Tensor cm = at::bincount(test.y * C + preds, {}, C * C).reshape({C, C}).cpu();
    res.confusion.assign(C, std::vector<int64_t>(C));
    for (int i = 0; i < C; ++i) {
      int64_t row = 0;
      for (int j = 0; j < C; ++j) row += res.confusion[i][j] = cm[i][j].item<int64_t>();
      res.per_class_accuracy.push_back(row ? double(res.confusion[i][i]) / row : kNone);
    }
  }
  // The final picture: after a divergence the weights are not finite, and the
  // last epoch's snapshot is the one worth keeping.
  if (snapper && status != RunStatus::Diverged && res.epochs_run > 0)
    cb.on_snapshot(snapper->make(net, convert, res.epochs_run, true));
  if (!checkpoint_error.empty()) res.status = RunStatus::Failed, res.reason = checkpoint_error;
}

}  // namespace hyperlab

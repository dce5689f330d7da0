#include "train/loop.h"

#include <algorithm>

#include <torch/autograd.h>

#include "data/augment.h"

namespace hyperlab {

namespace {

// The epoch's order of the training set: into last epoch's buffers (a fresh
// copy while the old one is still held would put the training set in memory
// three times at once).
void shuffle(Loop& l, at::Tensor& xperm, at::Tensor& yperm) {
  if (!l.cfg.training.shuffle) {
    xperm = l.train.x, yperm = l.train.y;
    return;
  }
  at::Tensor perm = at::randperm(l.train.size(), l.perm_gen, at::kLong).to(l.train.x.device());
  if (!xperm.defined() || xperm.is_same(l.train.x)) xperm = at::empty_like(l.train.x), yperm = at::empty_like(l.train.y);
  at::index_select_out(xperm, l.train.x, 0, perm);
  at::index_select_out(yperm, l.train.y, 0, perm);
}

// The batch's loss and accuracy, read at once (read_every 1) or summed on the
// device and read once per read_every batches and at the epoch's last batch.
void measure_batch(Loop& l, const at::Tensor& y) {
  if (l.read_every <= 1) {
    l.batch_result = batch_result(l.logits, y, l.loss, l.math.classes());
    return;
  }
  at::NoGradGuard ng;
  const at::Tensor t = at::stack({l.loss.detach().to(at::kDouble) * double(l.batch_size),
                                  l.logits.argmax(1).eq(y).sum().to(at::kDouble)});
  l.tally = l.tally.defined() ? l.tally.add_(t) : t;
  l.tally_samples += l.batch_size;
  l.batch_result = BatchResult{};
  if (++l.tally_batches < l.read_every && l.batch + 1 < l.batches) return;
  const at::Tensor v = l.tally.to(at::kCPU);  // the read: waits for the device
  const double* p = v.data_ptr<double>();
  const double n = double(l.tally_samples);
  l.batch_result = BatchResult{p[0] / n, p[1] / n, p[1], l.tally_samples};
  l.tally = at::Tensor(), l.tally_samples = 0, l.tally_batches = 0;
}

// One batch: forward, loss, backward, the gradient's regularisers and the step.
void train_batch(Loop& l, const std::vector<Callback*>& cbs, const at::Tensor& x, const at::Tensor& y) {
  l.targets = y;
  l.logits = l.net.forward(l.math.input(x));
  l.loss = l.math.loss(l.logits, y);
  l.grad.zero_();
  if (l.loss.requires_grad()) l.loss.backward();  // not when every block is frozen (model.freeze)
  l.regularisers.add_penalty_gradients();
  for (Callback* c : cbs) c->after_backward(l);  // the objective's gradient, before noise and clipping
  l.regularisers.noise_and_clip();
  l.opt.step();
  ++l.step, ++l.done, l.seen += l.batch_size;
  measure_batch(l, y);
}

// One epoch's batches; false when the epoch does not count (stopped before
// its first batch, diverged, or stopped part-way: then the weights moved).
bool train_epoch(Loop& l, const std::vector<Callback*>& cbs, const at::Tensor& xperm, const at::Tensor& yperm) {
  const int64_t N = l.train.size(), B = l.cfg.training.batch_size;
  double loss_sum = 0, correct_sum = 0;
  l.done = 0, l.seen = 0;
  l.tally = at::Tensor(), l.tally_samples = 0, l.tally_batches = 0;
  for (int bi = 0; bi < l.batches; ++bi) {
    l.batch = bi;
    for (Callback* c : cbs) {
      c->batch_begin(l);
      if (!l.running()) break;
    }
    if (!l.running()) break;
    l.batch_size = std::min(B, N - bi * B);
    at::Tensor xb = xperm.narrow(0, bi * B, l.batch_size);
    if (!l.cfg.data.augment.empty()) xb = augment_batch(xb, l.cfg.data.augment, l.cfg.training.seed, l.epoch, bi);
    train_batch(l, cbs, xb, yperm.narrow(0, bi * B, l.batch_size));
    const BatchResult& br = l.batch_result;
    loss_sum += br.loss * double(br.samples), correct_sum += br.correct;
    for (Callback* c : cbs) c->batch_end(l);
    l.logits = l.loss = l.targets = at::Tensor();
    if (!l.running()) break;
  }
  if (l.status == RunStatus::Diverged || l.done == 0) return false;
  if (!l.running() && l.done < l.batches) {  // a partial epoch is not an epoch
    l.weights_moved = true;  // but it changed the weights: they are no longer the last epoch's
    return false;
  }
  EpochEvent& e = l.event;
  e = EpochEvent{};
  e.epoch = l.epoch, e.epochs = l.cfg.training.epochs, e.lr = l.lr;
  e.train_seconds = seconds_since(l.epoch_start);
  e.samples_per_s = l.seen / std::max(e.train_seconds, 1e-9);
  e.train_loss = loss_sum / l.seen, e.train_accuracy = correct_sum / l.seen;
  e.penalty = l.regularisers.penalty();
  return true;
}

}  // namespace

void run_loop(Loop& l, const std::vector<Callback*>& cbs) {
  const int64_t N = l.train.size(), B = l.cfg.training.batch_size;
  l.batches = static_cast<int>((N + B - 1) / B);
  l.read_every = l.train.x.device().is_cpu() ? 1 : kDeviceReadEvery;
  for (Callback* c : cbs) c->run_begin(l);
  l.net.train(true);
  at::Tensor xperm, yperm;
  for (int epoch = l.first_epoch; epoch <= l.cfg.training.epochs && l.running(); ++epoch) {
    l.epoch = epoch;
    l.epoch_start = LoopClock::now();
    shuffle(l, xperm, yperm);
    for (Callback* c : cbs) c->epoch_begin(l);
    if (!train_epoch(l, cbs, xperm, yperm)) break;
    for (Callback* c : cbs) c->epoch_end(l);
  }
  RunResult& res = l.result;
  res.status = l.status;
  if (res.best_epoch == 0 && res.epochs_run > 0) res.best_epoch = res.epochs_run;  // the monitor was never measured
  for (Callback* c : cbs) c->run_end(l);
  if (!l.failure.empty()) res.status = RunStatus::Failed, res.reason = l.failure;
}

}  // namespace hyperlab

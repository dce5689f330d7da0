#include "train/loop.h"

#include <algorithm>

#include <torch/autograd.h>

#include "data/augment.h"
#include "train/cuda_graph.h"
#include "train/mlp_step.h"

namespace hyperlab {

namespace {

// The epoch's order of the training set: a permutation on the device (empty:
// in order). Batches are gathered through it, so the training set is never
// held twice (Fashion-MNIST: 47 MB saved).
at::Tensor shuffle(Loop& l) {
  if (!l.cfg.training.shuffle) return at::Tensor();
  return at::randperm(l.train.size(), l.perm_gen, at::kLong).to(l.train.x.device());
}

// Rows [from, from + n) of the epoch's order.
at::Tensor rows(const at::Tensor& t, const at::Tensor& perm, int64_t from, int64_t n) {
  return perm.defined() ? t.index_select(0, perm.narrow(0, from, n)) : t.narrow(0, from, n);
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

// Batch `from`'s stored rows, augmented when the config says so.
at::Tensor batch_images(const Loop& l, const at::Tensor& perm, int64_t from) {
  at::Tensor xb = rows(l.train.x, perm, from, l.batch_size);
  if (!l.cfg.data.augment.empty()) xb = augment_batch(xb, l.cfg.data.augment, l.cfg.training.seed, l.epoch, l.batch);
  return xb;
}

// After the gradient: its regularisers, the after_backward callbacks, noise and clipping, the step.
void step_batch(Loop& l, const std::vector<Callback*>& cbs, const at::Tensor& y) {
  l.regularisers.add_penalty_gradients();
  for (Callback* c : cbs) c->after_backward(l);  // the objective's gradient, before noise and clipping
  l.regularisers.noise_and_clip();
  l.opt.step();
  ++l.step, ++l.done, l.seen += l.batch_size;
  measure_batch(l, y);
}

// One batch: forward, loss, backward, the gradient's regularisers and the step.
void train_batch(Loop& l, const std::vector<Callback*>& cbs, const at::Tensor& x, const at::Tensor& y) {
  l.targets = y;
  if (l.graphs && l.graphs->replay(l, cbs, x, y)) {  // CUDA graphs: the same step, replayed (train/cuda_graph.h)
    ++l.step, ++l.done, l.seen += l.batch_size;
    measure_batch(l, y);
    return;
  }
  l.logits = l.net.forward(l.math.input(x));
  l.loss = l.math.loss(l.logits, y);
  l.grad.zero_();
  if (l.loss.requires_grad()) l.loss.backward();  // not when every block is frozen (model.freeze)
  step_batch(l, cbs, y);
}

// The same through the MLP step: batch `from`'s rows gathered and converted in one pass where it
// can, forward and backward without autograd, the gradient written whole (no zeroing first).
void train_batch_mlp(Loop& l, const std::vector<Callback*>& cbs, const at::Tensor& perm, int64_t from) {
  at::Tensor y = l.mlp->gather_targets(l.train.y, perm, from, l.batch_size);
  if (!y.defined()) y = rows(l.train.y, perm, from, l.batch_size);
  at::Tensor x = l.cfg.data.augment.empty() ? l.mlp->gather(l.train.x, perm, from, l.batch_size) : at::Tensor();
  if (!x.defined()) x = l.math.input(batch_images(l, perm, from));
  l.targets = y;
  l.mlp->run(x, y, l.logits, l.loss);
  step_batch(l, cbs, y);
}

// One epoch's batches; false when the epoch does not count (stopped before
// its first batch, diverged, or stopped part-way: then the weights moved).
bool train_epoch(Loop& l, const std::vector<Callback*>& cbs, const at::Tensor& perm) {
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
    if (l.mlp) train_batch_mlp(l, cbs, perm, bi * B);
    else train_batch(l, cbs, batch_images(l, perm, bi * B), rows(l.train.y, perm, bi * B, l.batch_size));
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
  std::unique_ptr<MlpStep> mlp = MlpStep::make(l.net, l.cfg.training.loss);
  if (mlp) mlp->set_input_scale(l.math.unit_scale());
  l.mlp = mlp.get();
  for (Callback* c : cbs) c->run_begin(l);
  l.net.train(true);
  for (int epoch = l.first_epoch; epoch <= l.cfg.training.epochs && l.running(); ++epoch) {
    l.epoch = epoch;
    l.epoch_start = LoopClock::now();
    const at::Tensor perm = shuffle(l);
    for (Callback* c : cbs) c->epoch_begin(l);
    if (!train_epoch(l, cbs, perm)) break;
    for (Callback* c : cbs) c->epoch_end(l);
  }
  RunResult& res = l.result;
  res.status = l.status;
  if (res.best_epoch == 0 && res.epochs_run > 0) res.best_epoch = res.epochs_run;  // the monitor was never measured
  for (Callback* c : cbs) c->run_end(l);
  l.mlp = nullptr;
  if (!l.failure.empty()) res.status = RunStatus::Failed, res.reason = l.failure;
}

}  // namespace hyperlab

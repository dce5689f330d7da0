#include "train/callbacks.h"

#include <cmath>

namespace hyperlab {

void ThreadTuning::run_end(Loop& l) {
  if (tuner_.last_decision().empty()) return;
  l.result.threads_note = tuner_.last_decision() + "; " + std::to_string(tuner_.switches()) + " change" +
                          (tuner_.switches() == 1 ? "" : "s");
}

void Schedule::epoch_begin(Loop& l) {
  l.lr = l.schedule.lr();
  set_lr(l.opt, l.lr, l.lr_factors);
}

void Schedule::epoch_end(Loop& l) {
  set_lr(l.opt, l.schedule.after_epoch(l.epoch, epoch_metric(l.event, l.cfg.training.scheduler.monitor)), l.lr_factors);
}

void Divergence::batch_end(Loop& l) {
  if (l.batch_result.samples == 0) return;  // not read at this batch (a GPU reads once per read_every)
  const double loss = l.batch_result.loss;
  if (std::isfinite(loss)) return;
  l.stop(RunStatus::Diverged, divergence_reason(loss, l.epoch, l.batch + 1));
  l.result.diverged_epoch = l.epoch, l.result.diverged_batch = l.batch + 1;
}

void Evaluation::epoch_end(Loop& l) {
  EpochEvent& e = l.event;
  eval_.measure(l.val, e.val_loss, e.val_accuracy, nullptr);
  if (l.cfg.training.evaluate_test) {
    eval_.measure(l.test, e.test_loss, e.test_accuracy, &last_test_preds_);
    last_test_epoch_ = l.epoch, stepped_since_test_ = false;
  }
  e.seconds = seconds_since(l.epoch_start);  // the epoch's wall time, evaluation included
}

void Evaluation::run_end(Loop& l) {
  RunResult& res = l.result;
  if (l.status == RunStatus::Diverged || l.test.size() == 0) return;
  at::NoGradGuard ng;
  at::Tensor preds;
  // The final model: the last epoch's test evaluation when the weights are
  // still that epoch's, else measured now; after a stop inside an epoch the
  // last epoch's weights are gone, and only its own measurement stands.
  const bool last_measured = last_test_preds_.defined() && last_test_epoch_ == res.epochs_run && !res.history.empty();
  if (last_measured && (!stepped_since_test_ || l.weights_moved)) {
    preds = last_test_preds_;
    res.final_test_loss = res.history.back().test_loss, res.final_test_accuracy = res.history.back().test_accuracy;
  } else if (!l.weights_moved) {
    eval_.measure(l.test, res.final_test_loss, res.final_test_accuracy, &preds);
  }
  res.test_loss = res.final_test_loss, res.test_accuracy = res.final_test_accuracy;
  // The selected model, when it is not the final one: measured on its kept weights.
  selection_.measure_selected(res, preds, l.weights_moved,
                              [&](double& loss, double& acc, at::Tensor* p) { eval_.measure(l.test, loss, acc, p); });
  if (preds.defined()) confusion(l, preds);
}

// The confusion matrix of the model whose numbers the run reports.
void Evaluation::confusion(Loop& l, const at::Tensor& preds) const {
  const int C = classes_;
  RunResult& res = l.result;
  at::Tensor cm = at::bincount(l.test.y * C + preds, {}, C * C).reshape({C, C}).cpu();
  res.confusion.assign(C, std::vector<int64_t>(C));
  for (int i = 0; i < C; ++i) {
    int64_t row = 0;
    for (int j = 0; j < C; ++j) row += res.confusion[i][j] = cm[i][j].item<int64_t>();
    res.per_class_accuracy.push_back(row ? double(res.confusion[i][i]) / row : kNone);
  }
}

void Selection::epoch_end(Loop& l) {
  s_.epoch_end(l.event);
  l.result.best_epoch = s_.selected_epoch();
}

void History::epoch_end(Loop& l) {
  l.result.history.push_back(l.event);
  l.result.epochs_run = l.epoch;
}

void EarlyStopping::epoch_end(Loop& l) {
  std::string reason;
  if (l.status == RunStatus::Completed && s_.should_stop(reason)) l.stop(RunStatus::EarlyStopped, reason);
}

void Checkpointer::run_begin(Loop& l) {
  if (resume_.empty()) return;
  l.first_epoch = load_training_checkpoint(resume_, state_, dev_) + 1;
  l.result.epochs_run = l.first_epoch - 1;
  std::string reason;  // an early stop that had already happened stays a stop
  if (state_.selection.should_stop(reason)) l.status = RunStatus::EarlyStopped;
}

void Checkpointer::epoch_end(Loop& l) {
  const int every = l.cfg.training.checkpoint_every;
  if (file_.empty() || every <= 0) return;
  if (l.epoch % every != 0 && l.epoch != l.cfg.training.epochs && l.status == RunStatus::Completed) return;
  try {
    save_training_checkpoint(file_, l.epoch, state_);
  } catch (const std::exception& e) {
    // A full disk or any other write error: the run stops here, is evaluated
    // as usual, and ends failed with the cause; its completed epochs and the
    // previous checkpoint, if any, are kept.
    l.fail(error_message(e));
  }
}

void Bridge::run_begin(Loop& l) {
  if (snapper_) snapper_->remember_start(l.net);  // the starting weights (a resumed run: where it resumed)
  if (cb_.on_start) cb_.on_start(l.result.info);
}

void Bridge::batch_end(Loop& l) {
  const BatchResult& br = l.batch_result;
  if (!cb_.on_batch || br.samples == 0) return;
  const BatchEvent be{l.epoch, l.batch + 1, l.batches, l.step, br.loss, br.accuracy, l.lr,
                      l.seen / std::max(seconds_since(l.epoch_start), 1e-9)};
  if (!cb_.on_batch(be)) l.stop(RunStatus::Cancelled, "stopped by a callback");
}

void Bridge::epoch_end(Loop& l) {
  if (cb_.on_epoch && !cb_.on_epoch(l.event)) l.stop(RunStatus::Cancelled, "stopped by a callback");
  if (snapper_ && cb_.snapshot_every_epoch) cb_.on_snapshot(snapshot(l, l.epoch, false));
}

void Bridge::run_end(Loop& l) {
  // The final picture: after a divergence the weights are not finite, and the
  // last epoch's snapshot is the one worth keeping.
  if (snapper_ && l.status != RunStatus::Diverged && l.result.epochs_run > 0)
    cb_.on_snapshot(snapshot(l, l.result.epochs_run, true));
}

Snapshot Bridge::snapshot(Loop& l, int epoch, bool final) const {
  const BatchMath& math = l.math;
  const int image = cb_.activation_image ? cb_.activation_image() : -1;
  return snapper_->make(l.net, [&](const at::Tensor& xb) { return math.input(xb); }, epoch, final, image);
}

}  // namespace hyperlab

// The training loop's built-in callbacks (train/loop.h), each one small piece.
// Trainer::run puts them in this order, which is the run's (a later piece
// reads what an earlier one wrote into the epoch's record):
//   StopControl, ThreadTuning, Diagnostics, Divergence, Evaluation,
//   [Trainer::add_callback's], Selection, History, Schedule, Bridge,
//   EarlyStopping, Checkpointer.
// So an epoch is measured (diagnostics, validation and test sets, added
// metrics), then selected, recorded into the result, its metrics given to the
// schedule, sent to the recorder and the GUI, checked for early stopping and
// checkpointed, as before the loop had callbacks.
// Internal to core (LibTorch).
#pragma once

#include <memory>
#include <string>

#include "train/checkpoint.h"
#include "train/diagnostics.h"
#include "train/evaluate.h"
#include "train/loop.h"
#include "train/selection.h"
#include "train/snapshot.h"
#include "train/threadtuner.h"
#include "train/trainer.h"

namespace hyperlab {

/// Automatic threads follow the machine's load (train/threadtuner.h).
class ThreadTuning : public Callback {
 public:
  explicit ThreadTuning(ThreadTuner& t) : tuner_(t) {}
  void epoch_begin(Loop&) override { tuner_.restart_window(); }
  void batch_begin(Loop& l) override {
    if (l.resumed_from_pause) tuner_.restart_window();  // the pause is not batch time
  }
  void batch_end(Loop& l) override { tuner_.after_batch(l.batch_size); }
  void run_end(Loop& l) override;

 private:
  ThreadTuner& tuner_;
};

/// The learning-rate schedule: the epoch's rate at its start, the next one from its metrics.
class Schedule : public Callback {
 public:
  void epoch_begin(Loop& l) override;
  void epoch_end(Loop& l) override;
};

/// Gradient and weight norms per layer and the gradient ratio (train/diagnostics.h).
class Diagnostics : public Callback {
 public:
  explicit Diagnostics(GradientDiagnostics& d) : d_(d) {}
  void epoch_begin(Loop&) override { d_.epoch_begin(); }
  void after_backward(Loop& l) override { d_.after_backward(l.batch); }
  void epoch_end(Loop& l) override { d_.epoch_end(l.event); }

 private:
  GradientDiagnostics& d_;
};

/// A training loss that is no longer finite ends the run diverged.
class Divergence : public Callback {
 public:
  void batch_end(Loop& l) override;
};

/// The validation and test sets each epoch; after training, the final and the
/// selected model on the test set, and the confusion matrix of the one the run reports.
class Evaluation : public Callback {
 public:
  Evaluation(const Evaluator& e, EpochSelection& s, int classes) : eval_(e), selection_(s), classes_(classes) {}
  void batch_end(Loop&) override { stepped_since_test_ = true; }
  void epoch_end(Loop& l) override;
  void run_end(Loop& l) override;

 private:
  void confusion(Loop& l, const at::Tensor& preds) const;
  const Evaluator& eval_;
  EpochSelection& selection_;
  const int classes_;
  at::Tensor last_test_preds_;  // to reuse at the end when the weights have not moved since
  int last_test_epoch_ = -1;
  bool stepped_since_test_ = true;
};

/// The selected epoch so far (train/selection.h).
class Selection : public Callback {
 public:
  explicit Selection(EpochSelection& s) : s_(s) {}
  void epoch_end(Loop& l) override;

 private:
  EpochSelection& s_;
};

/// The epoch into the run's result, once measured and selected.
class History : public Callback {
 public:
  void epoch_end(Loop& l) override;
};

/// Early stopping: the monitor has not improved for long enough.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(const EpochSelection& s) : s_(s) {}
  void epoch_end(Loop& l) override;

 private:
  const EpochSelection& s_;
};

/// Saves (every training.checkpoint_every epochs, after the last and at a
/// stop) and restores (a resumed run, before the first epoch) the training
/// state, side by side (train/checkpoint.h). A checkpoint that cannot be
/// written ends the run failed after its evaluation.
class Checkpointer : public Callback {
 public:
  Checkpointer(TrainingState state, std::string file, std::string resume_file, at::Device dev)
      : state_(state), file_(std::move(file)), resume_(std::move(resume_file)), dev_(dev) {}
  void run_begin(Loop& l) override;
  void epoch_end(Loop& l) override;

 private:
  TrainingState state_;
  std::string file_, resume_;
  at::Device dev_;
};

/// The bridge to RunCallbacks (the recorder, the GUI, the CLI): on_start,
/// on_batch, on_epoch (either may stop the run) and the snapshots.
class Bridge : public Callback {
 public:
  Bridge(const RunCallbacks& cb, std::unique_ptr<SnapshotMaker> snapper)
      : cb_(cb), snapper_(std::move(snapper)) {}
  void run_begin(Loop& l) override;
  void batch_end(Loop& l) override;
  void epoch_end(Loop& l) override;
  void run_end(Loop& l) override;

 private:
  Snapshot snapshot(Loop& l, int epoch, bool final) const;
  const RunCallbacks& cb_;
  std::unique_ptr<SnapshotMaker> snapper_;
};

}  // namespace hyperlab

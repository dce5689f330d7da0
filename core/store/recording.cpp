#include "store/recording.h"

#include <filesystem>

#include "store/pretraining.h"

namespace hyperlab {

RunRecording::RunRecording(const std::string& db_path, const ExperimentConfig& c, RecordingOptions o)
    : opt_(std::move(o)), pretrain_(c.model.init_from.pretrain) {
  if (db_path.empty()) return;
  try {
    owned_ = std::make_unique<RunStore>(db_path);
    if (owned_->read_only()) throw StoreError(owned_->read_only_reason());
    store_ = owned_.get();
    start(c);
  } catch (const std::exception& e) {
    open_error_ = e.what();
    recorder_.reset(), store_ = nullptr;
  }
}

RunRecording::RunRecording(RunStore* store, const ExperimentConfig& c, RecordingOptions o)
    : store_(store), opt_(std::move(o)), pretrain_(c.model.init_from.pretrain) {
  if (store_) start(c);
}

RunRecording::~RunRecording() = default;

void RunRecording::start(const ExperimentConfig& c) {
  recorder_ = std::make_unique<RunRecorder>(*store_, c);
  if (!opt_.checkpoint.empty()) {
    const std::string abs = std::filesystem::absolute(opt_.checkpoint).lexically_normal().string();
    recorder_->set_checkpoint(abs);
    if (opt_.resuming)
      if (int64_t id = store_->find_by_checkpoint(abs)) recorder_->continue_run(id);
  }
  if (opt_.continue_id > 0) recorder_->continue_run(opt_.continue_id);
  if (opt_.preview) recorder_->set_preview(preview_data(*opt_.preview));
}

RunCallbacks RunRecording::wrap(RunCallbacks cb) {
  if (!recorder_) return cb;
  if (opt_.preview && !cb.on_snapshot) {  // only the final snapshot, for the sample predictions
    cb.snapshot_every_epoch = false;
    cb.on_snapshot = [](const Snapshot&) {};
  }
  return recorder_->wrap(cb);
}

void RunRecording::finish(const RunResult& r) {
  if (!recorder_) return;
  recorder_->on_finish(r);
  if (opt_.tags.empty() || !recorder_->run_id()) return;
  try {
    store_->set_tags(recorder_->run_id(), opt_.tags);
  } catch (const std::exception&) {  // the run is recorded; its tags are a convenience
  }
}

void RunRecording::attach(Trainer& trainer, const RunCallbacks& cb) {
  RunStore* store = store_;
  trainer.set_run_checkpoints([store](int64_t id) { return store ? store->checkpoint(id) : std::string(); });
  if (!store) return;  // then a pretraining fails, naming model.init_from.pretrain
  RunCallbacks shown = cb;
  if (!opt_.show_pretraining) shown = RunCallbacks{}, shown.on_batch = cb.on_batch;
  trainer.set_pretraining([store, shown, name = pretrain_](const ExperimentConfig& pre, const std::function<bool()>& stopped) {
    return find_or_pretrain(*store, pre, name, shown, stopped);
  });
}

RunResult RunRecording::run(Trainer& trainer, const RunCallbacks& cb) {
  attach(trainer, cb);
  RunResult r = trainer.run(wrap(cb));  // never throws
  finish(r);
  return r;
}

void RunRecording::record(const RunResult& r) {
  if (!recorder_) return;
  recorder_->on_start(r.info);
  for (const EpochEvent& e : r.history) recorder_->on_epoch(e);
  finish(r);
}

int64_t RunRecording::run_id() const { return recorder_ ? recorder_->run_id() : 0; }

const std::string& RunRecording::error() const { return recorder_ ? recorder_->error() : open_error_; }

}  // namespace hyperlab

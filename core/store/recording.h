// One way to record a run into the run history, used by the CLI, the sweep
// runner and the window: opening the store (a problem with it is kept, never
// fatal), the recorder's callbacks around the caller's, the checkpoint to
// resume from, the run a resumed run continues, the final model's sample
// predictions, and the end with its tags. Torch-free and Qt-free.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "store/runstore.h"

namespace hyperlab {

struct RecordingOptions {
  /// The run's checkpoint file, remembered with the run (to resume it); "" = none.
  std::string checkpoint;
  /// Continue the run that has `checkpoint` (a resumed run) instead of starting one.
  bool resuming = false;
  /// Continue this run (a resumed run whose id the caller knows); 0 = none.
  int64_t continue_id = 0;
  /// With the run's data, the final model's predictions on its first test
  /// images are kept for reports (the final snapshot is asked for when the
  /// caller's callbacks take none).
  std::shared_ptr<const LoadedData> preview;
  /// Tags set on the run at its end ("sweep:lr-study"); "" = none.
  std::string tags;
  /// A pretraining trained first (model.init_from.pretrain) passes all its events to the
  /// caller's callbacks (true: the window and the CLI show it), or only asks on_batch
  /// whether to go on (false: a sweep's trial, whose events are its own run's).
  bool show_pretraining = true;
};

class RunRecording {
 public:
  /// Opens the run history at `db_path` ("": records nothing). A store that
  /// cannot be opened or written is kept in error(), and nothing is recorded.
  RunRecording(const std::string& db_path, const ExperimentConfig& c, RecordingOptions o = {});
  /// Records into an open store (a sweep's); nullptr: records nothing.
  RunRecording(RunStore* store, const ExperimentConfig& c, RecordingOptions o = {});
  ~RunRecording();
  RunRecording(const RunRecording&) = delete;
  RunRecording& operator=(const RunRecording&) = delete;

  /// True while it records (a store is open and no error stopped it).
  bool recording() const { return recorder_ && error().empty(); }
  /// The caller's callbacks with the recorder's around them (unchanged when not recording).
  RunCallbacks wrap(RunCallbacks cb);
  /// The run's end into the store, then its tags.
  void finish(const RunResult& r);
  /// Lets `trainer` start from this history's runs: model.init_from {"run": ID} finds the
  /// run's checkpoint, {"pretrain": ...} finds or trains the pretraining run
  /// (store/pretraining.h), its events going to `cb` (the caller's, unrecorded callbacks).
  void attach(Trainer& trainer, const RunCallbacks& cb);
  /// Trains and records: attach(trainer, cb), then finish(trainer.run(wrap(cb))).
  RunResult run(Trainer& trainer, const RunCallbacks& cb);
  /// A run trained elsewhere (its result read back): its start, epochs and end.
  void record(const RunResult& r);

  /// The run's id in the store (0: none), also when an error stopped recording part-way.
  int64_t run_id() const;
  /// Why the run is not, or not wholly, recorded ("" = it is).
  const std::string& error() const;
  RunStore* store() const { return store_; }

 private:
  void start(const ExperimentConfig& c);
  std::unique_ptr<RunStore> owned_;
  RunStore* store_ = nullptr;
  std::unique_ptr<RunRecorder> recorder_;
  RecordingOptions opt_;
  std::string open_error_;
  std::string pretrain_;  ///< the config's model.init_from.pretrain, for the log
};

}  // namespace hyperlab

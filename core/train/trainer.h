// The training job: config in, events out, result at the end. Runs on the
// caller's thread; stop/pause/resume may be called from any thread and take
// effect at the next batch boundary. No exception escapes run().
#pragma once

#include <exception>
#include <functional>
#include <memory>

#include "config/experiment.h"
#include "train/events.h"

namespace hyperlab {

struct RunCallbacks {
  std::function<void(const RunStart&)> on_start;
  /// Every batch (about 100 ns per call). Return false to stop the run.
  std::function<bool(const BatchEvent&)> on_batch;
  /// Every epoch. Return false to stop the run.
  std::function<bool(const EpochEvent&)> on_epoch;
  /// After every epoch and once at the end (Snapshot::final). Costs one forward
  /// pass over a few hundred images (and the decision map's grid for 2-D data);
  /// leave it empty where nobody looks.
  std::function<void(const Snapshot&)> on_snapshot;
  /// false: on_snapshot only gets the final snapshot (the CLI, for its report).
  bool snapshot_every_epoch = true;
  /// Asked at each snapshot (any thread may change its answer meanwhile): the
  /// preview test image whose layer outputs it carries (Snapshot::activations,
  /// one image's forward pass); empty or -1: none.
  std::function<int()> activation_image = nullptr;
};

/// The run model.init_from {"pretrain": ...} starts from (set_pretraining).
struct PretrainingRun {
  int64_t run = 0;         ///< its id in the history (0: none, see status)
  std::string checkpoint;  ///< its checkpoint file
  std::string note;        ///< for the log: found or trained first, and how it did
  RunStatus status = RunStatus::Completed;  ///< of a pretraining trained now: Cancelled stops this run too
  std::string reason;      ///< why it failed or stopped
};

class LoadedData;  // a loaded dataset, shareable read-only between runs
class Callback;    // a piece of the training loop (train/loop.h)

/// Loads the dataset a config asks for. Throws std::runtime_error with a message
/// naming the file and what is wrong.
std::shared_ptr<const LoadedData> load_data(const DataConfig& d, uint64_t seed);

/// Loaded data shared between runs in one process (a sweep's trials): files
/// are read once; each data config and seed is split and normalised once and
/// kept while a run holds it. Thread-safe; throws as load_data does.
class DataCache {
 public:
  DataCache();
  std::shared_ptr<const LoadedData> get(const DataConfig& d, uint64_t seed);

 private:
  struct Impl;
  std::shared_ptr<Impl> d_;
};

/// First images, point clouds and sizes of loaded data, for the GUI.
DataPreview preview_data(const LoadedData& data);

class Trainer {
 public:
  explicit Trainer(ExperimentConfig cfg);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Use already loaded data (it must come from the same data config and seed).
  void set_data(std::shared_ptr<const LoadedData> data);

  /// Saves FILE (model, optimizer, schedule, random-number and early-stopping
  /// state, history, config) every training.checkpoint_every epochs and after
  /// the last one; written to a temporary file and renamed, so a crash leaves
  /// the previous checkpoint intact.
  void set_checkpoint_file(const std::string& file);
  /// Continue from a checkpoint (before run()): the run goes on at the epoch
  /// after the saved one, to the same result as an uninterrupted run. The
  /// config must equal the checkpoint's except training.epochs, which may grow.
  /// Throws std::runtime_error (missing, unreadable or mismatched checkpoint).
  void resume_from(const std::string& file);

  /// One more piece of the training loop (train/loop.h), called after the
  /// built-in measurements of each epoch (evaluation, diagnostics) and before
  /// the epoch is selected and recorded: the metrics it declares go into
  /// metrics.csv, the JSON history and the store with no other change.
  void add_callback(std::shared_ptr<Callback> cb);

  /// How model.init_from {"run": ID} finds the run's checkpoint file ("" = the run has none);
  /// the window and the CLI answer from the run history (RunStore::checkpoint).
  void set_run_checkpoints(std::function<std::string(int64_t)> find);

  /// How model.init_from {"pretrain": ...} gets its weights: given the pretraining config and
  /// whether this run was asked to stop, finds or trains its run (RunRecording does it from the
  /// run history, store/pretraining.h). Unset: such a config fails, naming the key.
  void set_pretraining(std::function<PretrainingRun(const ExperimentConfig& pretraining, const std::function<bool()>& stopped)> find);

  RunResult run(const RunCallbacks& cb = {});

  void request_stop();  ///< cancel at the next batch boundary (status cancelled)
  void pause();
  void resume();
  bool paused() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

/// The config stored in a checkpoint file (to resume a run from its folder).
ExperimentConfig checkpoint_config(const std::string& file);
/// The last whole epoch a checkpoint holds.
int checkpoint_epoch(const std::string& file);

/// Describes the BLAS LibTorch uses, e.g. "openblas 0.3.21 (openmp)"; says
/// "reference BLAS (about 30x slower ...)" when no optimised BLAS is loaded.
std::string blas_description();
bool blas_is_optimized();
int physical_cores();
/// Sets ATen's CPU threads on the calling thread, keeping one thread pool
/// (OpenBLAS's pthread pool at 1 thread), and tunes the allocator once.
void configure_threads(int threads);
/// Allocator settings for training (large blocks stay in the heap, one arena);
/// once per process, called by Trainer's constructor.
void tune_allocator();
std::string torch_version();
/// An exception's message for people: LibTorch's backtrace ("frame #N" lines) cut off.
std::string error_message(const std::exception& e);
bool cuda_available();
int cuda_device_count();

}  // namespace hyperlab

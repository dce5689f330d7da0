// Every run remembered: an SQLite database of runs (config, status, per-epoch
// metrics, per-batch losses, confusion matrix, timings, device, versions,
// name, tags, notes). Torch-free and Qt-free: the CLI and the GUI share it.
//
// Written per epoch in its own transaction, in WAL mode, so a crash or a
// kill -9 loses at most the epoch in progress. The schema carries a version
// (PRAGMA user_version) and is migrated forward on open.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "train/events.h"
#include "train/numbers.h"
#include "train/trainer.h"

struct sqlite3;

namespace hyperlab {

/// A database problem, with the file and what went wrong in words.
struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr int kStoreSchemaVersion = 6;

/// One row of the run list.
struct RunSummary {
  int64_t id = 0;
  std::string name;
  std::string created;   ///< UTC, "2026-11-22 21:05:02"
  std::string status;    ///< running | completed | early-stopped | cancelled | diverged | failed | interrupted
  std::string reason;
  std::string dataset;
  std::string model;     ///< "mlp 500-50 relu" or "conv2d(16)-relu-..." (short)
  std::string optimizer; ///< "sgd", "adam", ...
  double lr = 0;
  int64_t batch_size = 0;
  uint64_t seed = 0;
  /// The run's numbers as run_numbers() gives them (train/numbers.h), kept
  /// for lists: best_epoch is the selected epoch, best_val_accuracy and
  /// test_* are measured there, final_test_* at the last epoch.
  int epochs_run = 0, epochs = 0, best_epoch = 0;
  double best_val_accuracy = kNone, test_accuracy = kNone, test_loss = kNone;
  double final_test_accuracy = kNone, final_test_loss = kNone;
  std::string selected_by;  ///< the selection monitor ("val_accuracy"); "" = the last epoch
  double seconds = 0;
  std::string device;
  std::string tags;      ///< comma-separated
  std::string notes;
  int64_t sweep_id = 0;  ///< the sweep the run is a trial of (0: none)
  int trial = -1;        ///< its trial in the sweep
  int repeat = 0;        ///< which seed of the trial (0-based)
};

/// A sweep: its spec (the sweep file, resolved) and where it got to.
struct SweepSummary {
  int64_t id = 0;
  std::string name, created, finished;
  std::string status;  ///< running | completed | stopped | budget | interrupted | failed
  std::string reason;
  std::string spec;    ///< canonical JSON of the sweep file with its base config inlined
  int runs = 0;        ///< runs recorded for it
};

/// A run with everything the store keeps of it.
struct RunRecord {
  RunSummary summary;
  ExperimentConfig config;
  std::string config_json;              ///< as stored (the resolved config)
  std::vector<EpochEvent> history;
  std::vector<std::vector<float>> batch_losses;  ///< per epoch, every batch's loss
  std::vector<std::vector<int64_t>> confusion;
  std::vector<double> per_class_accuracy;
  std::vector<std::string> class_names;
  std::vector<std::string> layer_names;  ///< layers with weights (the per-layer metrics follow it)
  std::vector<MetricInfo> metrics;       ///< declared by the run's callbacks, beyond train/metrics.h's table
  std::string versions;                 ///< JSON: hyperlab, libtorch, blas
  /// Test images with the final model's predictions (misclassified ones first), for reports.
  ImageBatch samples;
  std::vector<int> sample_predicted;
  std::vector<float> sample_confidence;
};

/// Filters for list(): all given ones must match.
struct RunFilter {
  std::string text;       ///< substring of name, tags or notes
  std::string status;
  std::string dataset;
  std::string tag;
  int64_t sweep_id = 0;   ///< runs of this sweep
};

class RunStore {
 public:
  /// Opens or creates the database; throws StoreError (corrupt, locked,
  /// read-only folder, newer schema) with the path in the message.
  explicit RunStore(const std::string& path);
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::string& path() const { return path_; }
  /// Default location: $XDG_DATA_HOME/hyperlab/runs.db (~/.local/share/hyperlab/runs.db).
  static std::string default_path();

  /// A new run in state "running"; returns its id.
  int64_t begin_run(const ExperimentConfig& c, const RunStart& info);
  /// One finished epoch and its batches' losses, in one transaction.
  void add_epoch(int64_t run, const EpochEvent& e, const std::vector<float>& batch_losses);
  /// The end: status, reason, test metrics, confusion matrix, timings.
  void finish_run(int64_t run, const RunResult& r);
  /// Test images and the final model's predictions on them (kept for reports).
  void set_samples(int64_t run, const ImageBatch& images, const std::vector<int>& predicted,
                   const std::vector<float>& confidence);

  std::vector<RunSummary> list(const RunFilter& f = {}) const;
  std::optional<RunRecord> load(int64_t run) const;
  /// A run's config as stored (resolved JSON); "" if there is no such run.
  std::string config_text(int64_t run) const;
  bool exists(int64_t run) const;
  void rename(int64_t run, const std::string& name);
  void set_tags(int64_t run, const std::string& tags);
  void set_notes(int64_t run, const std::string& notes);
  /// Where the run keeps its checkpoint (to resume it), and the run that has one there.
  void set_checkpoint(int64_t run, const std::string& file);
  std::string checkpoint(int64_t run) const;
  int64_t find_by_checkpoint(const std::string& file) const;  ///< 0 if none
  /// A run continues (resume): back to "running" under this process.
  void reopen_run(int64_t run);
  /// Deletes one run and only its rows; false if there was none.
  bool remove(int64_t run);
  /// Sweeps: a row per sweep and its event log (asks, results, tells), from
  /// which an interrupted sweep resumes without re-running finished trials.
  int64_t begin_sweep(const std::string& name, const std::string& spec);
  void reopen_sweep(int64_t id);
  void finish_sweep(int64_t id, const std::string& status, const std::string& reason = "");
  void append_sweep_log(int64_t id, const std::string& event);
  std::vector<std::string> sweep_log(int64_t id) const;
  std::vector<SweepSummary> list_sweeps() const;
  std::optional<SweepSummary> sweep(int64_t id) const;
  /// Marks a run as trial `trial` (seed `repeat`) of a sweep.
  void link_run(int64_t run, int64_t sweep, int trial, int repeat);
  /// Runs (and sweeps) left "running" by a process that died: marked "interrupted" on open.
  int interrupted_on_open() const { return interrupted_; }
  /// A database that cannot be written (read-only file system, no permission)
  /// is opened read-only: listing, loading and reports work, every change
  /// throws StoreError with this text, which names the file and the cause.
  bool read_only() const { return !read_only_.empty(); }
  const std::string& read_only_reason() const { return read_only_; }

 private:
  void open_read_write();
  void open_read_only(const std::string& cause);
  void writable() const;  ///< throws unless the database can be changed
  /// Marks the table's rows left "running" by a dead process "interrupted"; returns how many.
  int mark_interrupted(const char* table, const char* reason);
  void exec(const char* sql);
  void migrate();
  void create_schema_v1();
  void store_numbers(int64_t run, const RunNumbers& n);
  void reread_results_v5();
  void epochs_by_name_v6();
  /// A run's epochs with their losses and accuracies only (what selects and reports).
  std::vector<EpochEvent> epoch_metrics(int64_t run) const;
  std::string read_only_;
  std::string path_;
  sqlite3* db_ = nullptr;
  int interrupted_ = 0;
};

/// Records a run into a store as it trains: wrap a run's callbacks with it.
/// Store errors never stop training: the first one is kept in error() and
/// recording stops.
class RunRecorder {
 public:
  RunRecorder(RunStore& store, const ExperimentConfig& c);
  /// Continue recording into an existing run (resume) instead of starting one.
  void continue_run(int64_t id);
  /// Remembers the run's checkpoint file once the run exists.
  void set_checkpoint(const std::string& file) { checkpoint_ = file; }
  void on_start(const RunStart& s);
  void on_batch(const BatchEvent& b);
  void on_epoch(const EpochEvent& e);
  void on_finish(const RunResult& r);
  /// With the data's preview, the final snapshot's predictions go into the
  /// history as sample predictions (up to 64 images, misclassified first).
  void set_preview(const DataPreview& p) { preview_ = p; }
  void on_snapshot(const Snapshot& s) {
    if (s.final) final_ = s;
  }
  int64_t run_id() const { return id_; }
  const std::string& error() const { return error_; }
  /// Callbacks that record into this recorder, then call those given
  /// (on_finish is still the caller's to call, with the run's result).
  RunCallbacks wrap(RunCallbacks cb);

 private:
  RunStore& store_;
  ExperimentConfig config_;
  int64_t id_ = 0;
  std::vector<float> losses_;
  std::string error_, checkpoint_;
  DataPreview preview_;
  Snapshot final_;
};

/// The run's numbers (train/numbers.h) from what the store keeps of it.
RunNumbers run_numbers(const RunRecord& r);

/// Short model description for lists: "mlp 500-50 relu", "conv2d(16)-relu-maxpool2d-...".
std::string model_brief(const ExperimentConfig& c);
/// CSV of runs (one row per run, key settings and results) and of one run's epochs.
std::string runs_csv(const std::vector<RunSummary>& runs);
std::string run_json(const RunRecord& r);

}  // namespace hyperlab

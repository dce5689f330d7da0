// The GUI's bridge to core: loads data and runs a Trainer on worker threads.
// The worker pushes small event structs into a JobBridge (a bounded queue); a
// timer on the GUI thread drains it about 10 times a second and emits the
// events in order, batch events as one signal, so the GUI never sees one
// signal per training batch and training never waits for the GUI.
#pragma once

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <thread>
#include <variant>
#include <vector>

#include "config/experiment.h"
#include "train/events.h"
#include "ui/widgets/jobbridge.h"

namespace hyperlab {

class LoadedData;
class Trainer;

/// Loads the data a config asks for in the background and reports a preview.
/// A newer request supersedes an older one; the last loaded data is kept for
/// the next run with the same data settings.
class DataLoader : public QObject {
  Q_OBJECT
 public:
  explicit DataLoader(QObject* parent = nullptr);
  ~DataLoader() override;

  /// Loads unless the same data (settings and seed) is loaded or loading.
  void request(const ExperimentConfig& c);
  /// The loaded data if it matches c's data settings, else null.
  std::shared_ptr<const LoadedData> dataFor(const ExperimentConfig& c) const;
  bool busy() const { return busy_; }
  static std::string keyOf(const ExperimentConfig& c);

 Q_SIGNALS:
  void loading(const QString& what);
  void loaded(const hyperlab::DataPreview& preview);
  void failed(const QString& message);

 private:
  void finish(unsigned generation, std::shared_ptr<const LoadedData> data, const DataPreview& preview,
              const QString& error);
  std::thread thread_;
  unsigned generation_ = 0;
  bool busy_ = false;
  std::string requested_key_, loaded_key_;
  std::shared_ptr<const LoadedData> data_;
};

class RunController : public QObject {
  Q_OBJECT
 public:
  explicit RunController(QObject* parent = nullptr);
  ~RunController() override;  ///< stops and joins a running job

  /// Starts a run; data may be null (the worker loads it). False if one is running.
  /// With a database path, the run is recorded there as it trains (on the
  /// worker thread, one transaction per epoch); a database problem never
  /// stops the run, it is reported by recorded().
  bool start(const ExperimentConfig& c, std::shared_ptr<const LoadedData> data, const std::string& db_path = {});
  /// Where runs keep checkpoints (one file per run; "" = none).
  void setCheckpointFolder(const std::string& dir) { checkpoint_dir_ = dir; }
  /// Continues run `run_id` of the history from its checkpoint file (same
  /// config, more epochs allowed). False if a run is going on.
  bool resume(const ExperimentConfig& c, std::shared_ptr<const LoadedData> data, const std::string& db_path,
              int64_t run_id, const std::string& checkpoint);
  void stop();
  void pause();
  void resume();
  bool running() const { return thread_.joinable(); }
  bool paused() const { return paused_; }
  /// Stops the run and waits for its thread (closing the window).
  void stopAndWait();
  /// The checkpoint file of the last run started or resumed ("" = it keeps none).
  const std::string& checkpointFile() const { return checkpoint_file_; }
  /// The preview test image whose layer outputs each snapshot carries (Snapshot::activations);
  /// -1: none. May change while a run goes: the next snapshot follows.
  void setActivationImage(int image) { activation_image_->store(image); }
  int activationImage() const { return activation_image_->load(); }
  /// Milliseconds between drains of the event queue (default 100).
  void setInterval(int ms) { bridge_.setInterval(ms); }

 Q_SIGNALS:
  void started(const hyperlab::RunStart& info);
  void batches(const std::vector<hyperlab::BatchEvent>& events);
  void epoch(const hyperlab::EpochEvent& event);
  /// The newest snapshot of a delivery, and the final one: what the views draw.
  void snapshot(const hyperlab::Snapshot& snap);
  /// Every snapshot, in epoch order: what the run's animations record.
  void epochSnapshot(const hyperlab::Snapshot& snap);
  void finished(const hyperlab::RunResult& result);
  /// After finished(): the run's number in the history, or 0 and why not.
  void recorded(qint64 run_id, const QString& error);

 private:
  bool launch(const ExperimentConfig& c, std::shared_ptr<const LoadedData> data, const std::string& db_path,
              int64_t continue_id, const std::string& checkpoint, bool resuming);
  std::string checkpoint_dir_;
  std::string checkpoint_file_;

  struct RunEnd {  // the last item of a run
    RunResult result;
    int64_t run_id = 0;
    std::string store_error;
  };
  using Item = std::variant<RunStart, BatchEvent, EpochEvent, Snapshot, RunEnd>;
  void deliver(std::vector<Item>&& items);
  void finish(const RunEnd& end);
  std::unique_ptr<Trainer> trainer_;
  std::thread thread_;
  JobBridge<Item> bridge_;
  bool paused_ = false;
  std::shared_ptr<std::atomic<int>> activation_image_ = std::make_shared<std::atomic<int>>(-1);  // read by the worker
};

}  // namespace hyperlab

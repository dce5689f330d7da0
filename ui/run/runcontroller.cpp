#include "ui/run/runcontroller.h"

#include <QMetaObject>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QPointer>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "store/recording.h"
#include "store/runstore.h"
#include "train/trainer.h"

namespace hyperlab {

// ---- DataLoader ----

DataLoader::DataLoader(QObject* parent) : QObject(parent) {}

DataLoader::~DataLoader() {
  ++generation_;
  if (thread_.joinable()) thread_.join();
}

std::string DataLoader::keyOf(const ExperimentConfig& c) {
  nlohmann::json d = config_to_json(c)["data"];
  d.erase("augment");  // applied per batch while training: editing it loads nothing again
  return d.dump() + "#" + std::to_string(c.training.seed);
}

std::shared_ptr<const LoadedData> DataLoader::dataFor(const ExperimentConfig& c) const {
  return data_ && loaded_key_ == keyOf(c) ? data_ : nullptr;
}

void DataLoader::request(const ExperimentConfig& c) {
  std::string key = keyOf(c);
  if (key == requested_key_) return;
  requested_key_ = key;
  if (thread_.joinable()) thread_.join();  // loads take well under a second
  unsigned gen = ++generation_;
  busy_ = true;
  Q_EMIT loading(QString::fromStdString(c.data.dataset));
  QPointer<DataLoader> self(this);
  DataConfig dc = c.data;
  uint64_t seed = c.training.seed;
  thread_ = std::thread([this, self, gen, dc, seed] {
    std::shared_ptr<const LoadedData> data;
    DataPreview preview;
    QString error;
    try {
      data = load_data(dc, seed);
      preview = preview_data(*data);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this,
        [self, gen, data, preview, error] {
          if (self) self->finish(gen, data, preview, error);
        },
        Qt::QueuedConnection);
  });
}

void DataLoader::finish(unsigned generation, std::shared_ptr<const LoadedData> data, const DataPreview& preview,
                        const QString& error) {
  if (generation != generation_) return;  // superseded
  busy_ = false;
  if (!error.isEmpty()) {
    data_.reset(), loaded_key_.clear();
    requested_key_.clear();  // let the user retry after fixing the files
    Q_EMIT failed(error);
    return;
  }
  data_ = std::move(data);
  loaded_key_ = requested_key_;
  Q_EMIT loaded(preview);
}

// ---- RunController ----

namespace {

// Batch events may be thinned when the GUI falls behind; the rest is kept,
// snapshots too (one per epoch, at most a few MB): the run's animations
// record every epoch's decision map and filters (ui/run/runanimations.h),
// while the views draw only the newest of each delivery (drain()).
template <class Item>
BridgePolicy run_policy(const Item& item) {
  if (std::holds_alternative<BatchEvent>(item)) return BridgePolicy::Thin;
  return BridgePolicy::Keep;
}

}  // namespace

RunController::RunController(QObject* parent)
    : QObject(parent),
      bridge_(this, &run_policy<Item>, [this](std::vector<Item>&& items) { deliver(std::move(items)); }) {}

RunController::~RunController() { stopAndWait(); }

bool RunController::start(const ExperimentConfig& c, std::shared_ptr<const LoadedData> data,
                          const std::string& db_path) {
  std::string checkpoint;
  if (!checkpoint_dir_.empty() && c.training.checkpoint_every > 0) {
    // One file per run, named by the time it started (the run's number is known only later).
    checkpoint = checkpoint_dir_ + "/" +
                 QDateTime::currentDateTimeUtc().toString("yyyyMMdd-HHmmss-zzz").toStdString() + ".pt";
  }
  return launch(c, std::move(data), db_path, 0, checkpoint, false);
}

bool RunController::resume(const ExperimentConfig& c, std::shared_ptr<const LoadedData> data,
                           const std::string& db_path, int64_t run_id, const std::string& checkpoint) {
  return launch(c, std::move(data), db_path, run_id, checkpoint, true);
}

bool RunController::launch(const ExperimentConfig& c, std::shared_ptr<const LoadedData> data,
                           const std::string& db_path, int64_t continue_id, const std::string& checkpoint,
                           bool resuming) {
  if (running()) return false;
  trainer_ = std::make_unique<Trainer>(c);
  if (data) trainer_->set_data(data);
  checkpoint_file_ = checkpoint;
  if (!checkpoint.empty()) {
    QDir().mkpath(QFileInfo(QString::fromStdString(checkpoint)).path());
    trainer_->set_checkpoint_file(checkpoint);
  }
  paused_ = false;
  std::shared_ptr<JobBridge<Item>::Queue> feed = bridge_.open();
  Trainer* trainer = trainer_.get();
  std::shared_ptr<const LoadedData> preview_source = data;
  std::shared_ptr<std::atomic<int>> image = activation_image_;
  thread_ = std::thread([feed, trainer, c, db_path, continue_id, checkpoint, resuming, preview_source, image] {
    RecordingOptions ro;
    ro.checkpoint = checkpoint, ro.continue_id = continue_id, ro.preview = preview_source;
    RunRecording rec(db_path, c, ro);
    if (resuming) {
      try {
        trainer->resume_from(checkpoint);
      } catch (const std::exception& e) {
        RunEnd end;
        end.result.status = RunStatus::Failed, end.result.reason = e.what(), end.result.input_error = true;
        feed->push(std::move(end));
        return;
      }
    }
    RunCallbacks cb;
    cb.on_start = [&](const RunStart& s) { feed->push(s); };
    cb.on_batch = [&](const BatchEvent& b) {
      feed->push(b);
      return true;
    };
    cb.on_epoch = [&](const EpochEvent& e) {
      feed->push(e);
      return true;
    };
    cb.on_snapshot = [&](const Snapshot& s) { feed->push(s); };
    cb.activation_image = [image] { return image->load(); };
    RunResult r = rec.run(*trainer, cb);  // never throws; init_from's run or pretraining from this history
    const std::string store_error = rec.error();
    RunEnd end;
    end.result = std::move(r);
    end.run_id = store_error.empty() ? rec.run_id() : 0;
    end.store_error = store_error;
    feed->push(std::move(end));
  });
  return true;
}

void RunController::stop() {
  if (trainer_) trainer_->request_stop();
}

void RunController::pause() {
  if (trainer_ && running()) trainer_->pause(), paused_ = true;
}

void RunController::resume() {
  if (trainer_) trainer_->resume();
  paused_ = false;
}

void RunController::stopAndWait() {
  if (!thread_.joinable()) return;
  trainer_->request_stop();
  thread_.join();
  bridge_.close();
  trainer_.reset();
}

// In the order the worker pushed them: consecutive batch events as one signal.
void RunController::deliver(std::vector<Item>&& items) {
  std::vector<BatchEvent> bs;
  auto flush_batches = [&] {
    if (!bs.empty()) Q_EMIT batches(bs);
    bs.clear();
  };
  // Every snapshot is recorded (the animations), but the views draw only the
  // newest of a delivery, and the final one: a GUI that fell behind does not
  // redraw the filters and the map once per missed epoch.
  const Snapshot* newest = nullptr;
  for (const Item& item : items)
    if (const Snapshot* snap = std::get_if<Snapshot>(&item)) newest = snap;
  for (Item& item : items) {
    if (auto* b = std::get_if<BatchEvent>(&item)) {
      bs.push_back(*b);
      continue;
    }
    flush_batches();
    if (auto* s = std::get_if<RunStart>(&item)) Q_EMIT started(*s);
    else if (auto* e = std::get_if<EpochEvent>(&item)) Q_EMIT epoch(*e);
    else if (auto* snap = std::get_if<Snapshot>(&item)) {
      Q_EMIT epochSnapshot(*snap);
      if (snap == newest || snap->final) Q_EMIT snapshot(*snap);
    }
    else if (auto* end = std::get_if<RunEnd>(&item)) return finish(*end);
  }
  flush_batches();
}

void RunController::finish(const RunEnd& end) {
  thread_.join();
  bridge_.close();
  trainer_.reset();
  paused_ = false;
  Q_EMIT finished(end.result);
  Q_EMIT recorded(end.run_id, QString::fromStdString(end.store_error));
}

}  // namespace hyperlab

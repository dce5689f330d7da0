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
  return config_to_json(c)["data"].dump() + "#" + std::to_string(c.training.seed);
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

RunController::RunController(QObject* parent) : QObject(parent) {
  timer_.setInterval(100);
  connect(&timer_, &QTimer::timeout, this, &RunController::drain);
}

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
  feed_ = std::make_shared<Feed>();
  trainer_ = std::make_unique<Trainer>(c);
  if (data) trainer_->set_data(data);
  if (!checkpoint.empty()) {
    QDir().mkpath(QFileInfo(QString::fromStdString(checkpoint)).path());
    trainer_->set_checkpoint_file(checkpoint);
  }
  paused_ = false;
  std::shared_ptr<Feed> feed = feed_;
  Trainer* trainer = trainer_.get();
  std::shared_ptr<const LoadedData> preview_source = data;
  thread_ = std::thread([feed, trainer, c, db_path, continue_id, checkpoint, resuming, preview_source] {
    RecordingOptions ro;
    ro.checkpoint = checkpoint, ro.continue_id = continue_id, ro.preview = preview_source;
    RunRecording rec(db_path, c, ro);
    if (resuming) {
      try {
        trainer->resume_from(checkpoint);
      } catch (const std::exception& e) {
        RunResult r;
        r.status = RunStatus::Failed, r.reason = e.what(), r.input_error = true;
        std::lock_guard<std::mutex> l(feed->m);
        feed->result = r, feed->done = true;
        return;
      }
    }
    RunCallbacks cb;
    cb.on_start = [&](const RunStart& s) {
      std::lock_guard<std::mutex> l(feed->m);
      feed->start = s, feed->has_start = true;
    };
    cb.on_batch = [&](const BatchEvent& b) {
      std::lock_guard<std::mutex> l(feed->m);
      feed->batches.push_back(b);
      return true;
    };
    cb.on_epoch = [&](const EpochEvent& e) {
      std::lock_guard<std::mutex> l(feed->m);
      feed->epochs.push_back(e);
      return true;
    };
    cb.on_snapshot = [&](const Snapshot& s) {
      std::lock_guard<std::mutex> l(feed->m);
      if (!feed->snaps.empty() && !feed->snaps.back().final) feed->snaps.pop_back();  // the GUI shows the newest
      feed->snaps.push_back(s);
    };
    RunResult r = rec.run(*trainer, cb);  // never throws
    const std::string store_error = rec.error();
    std::lock_guard<std::mutex> l(feed->m);
    feed->result = std::move(r);
    feed->run_id = store_error.empty() ? rec.run_id() : 0;
    feed->store_error = store_error;
    feed->done = true;
  });
  timer_.start();
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
  timer_.stop();
  feed_.reset();
  trainer_.reset();
}

void RunController::drain() {
  if (!feed_) return;
  bool has_start = false, done = false;
  RunStart start;
  std::vector<BatchEvent> bs;
  std::vector<EpochEvent> es;
  std::vector<Snapshot> ss;
  RunResult result;
  int64_t run_id = 0;
  std::string store_error;
  {
    std::lock_guard<std::mutex> l(feed_->m);
    if (feed_->has_start) start = std::move(feed_->start), has_start = true, feed_->has_start = false;
    bs.swap(feed_->batches);
    es.swap(feed_->epochs);
    ss.swap(feed_->snaps);
    if (feed_->done) {
      result = std::move(feed_->result), done = true;
      run_id = feed_->run_id, store_error = feed_->store_error;
    }
  }
  if (has_start) Q_EMIT started(start);
  if (!bs.empty()) Q_EMIT batches(bs);
  for (const auto& e : es) Q_EMIT epoch(e);
  for (const auto& s : ss) Q_EMIT snapshot(s);
  if (done) {
    thread_.join();
    timer_.stop();
    feed_.reset();
    trainer_.reset();
    paused_ = false;
    Q_EMIT finished(result);
    Q_EMIT recorded(run_id, QString::fromStdString(store_error));
  }
}

}  // namespace hyperlab

#include "ui/run/runmodel.h"

#include <cmath>

#include "ui/widgets/background.h"

namespace hyperlab {

QString format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "–";
  int t = static_cast<int>(std::lround(s));
  if (t >= 3600) return QString("%1 h %2 min").arg(t / 3600).arg((t % 3600) / 60);
  if (t >= 60) return QString("%1 min %2 s").arg(t / 60).arg(t % 60);
  return QString("%1 s").arg(t);
}

RunModel::RunModel(QObject* parent) : QObject(parent) {}

void RunModel::begin(const ExperimentConfig& c, int epochs) {
  config_ = c;
  result_ = RunResult{};
  epochs_ = epochs;
  epoch_seconds_ = 0;
  has_run_ = true;
  ++generation_;
  starts_ = 0;
  waiting_ = false;
  earlier_.reset();
  held_.clear();
}

void RunModel::clear() {
  const ExperimentConfig none;  // a named default: gcc 12 warns (wrongly) on the temporary
  begin(none, 0);
  has_run_ = false;
}

void RunModel::expectEarlierHistory() { waiting_ = true; }

void RunModel::setEarlierHistory(std::optional<RunRecord> earlier, int resumed_at) {
  earlier_ = std::move(earlier);
  if (earlier_ && static_cast<int>(earlier_->history.size()) > resumed_at) {
    earlier_->history.resize(static_cast<size_t>(resumed_at));
    earlier_->batch_losses.resize(static_cast<size_t>(resumed_at));
  }
  waiting_ = false;
  std::vector<std::function<void()>> held;
  held.swap(held_);
  for (auto& f : held) f();
}

void RunModel::readEarlierHistory(const QString& db_path, qint64 id, int resumed_at) {
  expectEarlierHistory();
  run_in_background(
      this,
      [db = db_path.toStdString(), id]() -> std::optional<RunRecord> {
        try {
          return RunStore(db).load(id);
        } catch (const std::exception&) {
          return std::nullopt;  // the curves start at the checkpoint
        }
      },
      [this, resumed_at, gen = generation_](std::optional<RunRecord> r) {
        if (gen == generation_) setEarlierHistory(std::move(r), resumed_at);  // else meant for an earlier run
      });
}

void RunModel::whenReady(std::function<void()> f) {
  if (waiting_) held_.push_back(std::move(f));
  else f();
}

void RunModel::addStart(const RunStart& s) {
  whenReady([this, s] {
    if (++starts_ > 1)  // the pretraining's epochs were another run's
      result_.history.clear(), result_.epochs_run = 0, epochs_ = config_.training.epochs;
    result_.info = s;
    Q_EMIT started(s);
    replay();
  });
}

// A resumed run's epochs so far, as they were: each epoch's batches, then the epoch.
void RunModel::replay() {
  if (!earlier_) return;
  const RunRecord old = std::move(*earlier_);
  earlier_.reset();
  for (size_t k = 0; k < old.history.size() && k < old.batch_losses.size(); ++k) {
    std::vector<BatchEvent> bs;
    const auto& losses = old.batch_losses[k];
    for (size_t b = 0; b < losses.size(); ++b) {
      BatchEvent be;
      be.epoch = static_cast<int>(k) + 1, be.batch = static_cast<int>(b) + 1, be.batches = static_cast<int>(losses.size());
      be.loss = losses[b], be.lr = old.history[k].lr;
      bs.push_back(be);
    }
    if (!bs.empty()) Q_EMIT batches(bs);
    result_.history.push_back(old.history[k]);
    Q_EMIT epoch(old.history[k]);
  }
}

void RunModel::addBatches(const std::vector<BatchEvent>& b) {
  if (b.empty()) return;
  whenReady([this, b] { Q_EMIT batches(b); });
}

void RunModel::addEpoch(const EpochEvent& e) {
  whenReady([this, e] {
    result_.history.push_back(e);
    result_.epochs_run = e.epoch;
    if (e.epochs > 0) epochs_ = e.epochs;  // a pretraining trained first has epochs of its own
    if (e.best) result_.best_epoch = e.epoch;
    epoch_seconds_ = e.seconds;
    Q_EMIT epoch(e);
  });
}

void RunModel::finish(const RunResult& r) {
  whenReady([this, r] {
    result_ = r;
    Q_EMIT finished(r);
  });
}

void RunModel::record(qint64 run_id, const QString& error) {
  whenReady([this, run_id, error] { Q_EMIT recorded(run_id, error); });
}

double RunModel::secondsLeft(const BatchEvent& last) const {
  const int64_t n = result_.info.train_size;
  if (!(last.samples_per_s > 0) || n <= 0 || last.batches <= 0) return NAN;
  const double per_epoch = epoch_seconds_ > 0 ? epoch_seconds_ : n / last.samples_per_s;
  const double left_in_epoch = (1.0 - double(last.batch) / last.batches) * n / last.samples_per_s;
  return left_in_epoch + (epochs_ - last.epoch) * per_epoch;
}

}  // namespace hyperlab

#include "ui/sweep/sweepcontroller.h"

#include <cmath>

namespace hyperlab {

SweepController::SweepController(QObject* parent)
    : QObject(parent),
      store_(this),
      bridge_(
          this, [](const Item&) { return BridgePolicy::Keep; },  // one event per epoch and trial: keep them all
          [this](std::vector<Item>&& items) { deliver(std::move(items)); }) {
  // The end waits for the curves still being read, so the views see it complete.
  connect(&store_, &StoreWorker::idle, this, [this] {
    if (!finish_pending_) return;
    finish_pending_ = false;
    Q_EMIT changed();
    Q_EMIT finished(outcome_);
  });
}

SweepController::~SweepController() { stopAndWait(); }

bool SweepController::start(const SweepSpec& spec, const SweepOptions& options) {
  if (running()) return false;
  if (thread_.joinable()) thread_.join();
  spec_ = spec, options_ = options;
  trials_.clear(), index_.clear(), curves_.clear();
  finished_ = false, has_outcome_ = false, finish_pending_ = false;
  store_.setPath(QString::fromStdString(options_.store_path));
  runner_ = std::make_unique<SweepRunner>(spec, options);
  SweepRunner* r = runner_.get();
  auto queue = bridge_.open();
  thread_ = std::thread([queue, r] {
    SweepCallbacks cb;
    cb.on_event = [queue](const SweepEvent& e) { queue->push(e); };
    queue->push(r->run(cb));
  });
  return true;
}

void SweepController::stop() {
  if (runner_) runner_->request_stop();
}

void SweepController::cancelTrial(int trial) {
  if (runner_ && running()) runner_->cancel_trial(trial);
}

void SweepController::stopAndWait() {
  stop();
  if (thread_.joinable()) thread_.join();
  bridge_.drain();
}

// The objective per epoch of a finished trial's runs that were not followed
// live, read from the history on the store's thread.
void SweepController::loadCurves(const TrialRow& r) {
  if (options_.store_path.empty()) return;
  std::vector<std::pair<int, int64_t>> wanted;  // (repeat, run id)
  for (size_t k = 0; k < r.run_ids.size(); ++k) {
    if (!r.run_ids[k]) continue;
    auto it = curves_.find({r.id, static_cast<int>(k)});
    if (it != curves_.end() && !it->second.empty() && !r.resumed) continue;  // followed live
    wanted.push_back({static_cast<int>(k), r.run_ids[k]});
  }
  if (wanted.empty()) return;
  const std::string metric = spec_.metric;
  using Curves = std::vector<std::pair<int, std::vector<double>>>;
  store_.run(
      [wanted, metric](RunStore& store) {
        Curves out;
        for (const auto& [repeat, id] : wanted)
          if (auto rec = store.load(id)) {
            std::vector<double> c;
            for (const EpochEvent& e : rec->history) c.push_back(epoch_metric(e, metric));
            out.push_back({repeat, std::move(c)});
          }
        return out;
      },
      [this, trial = r.id](Curves curves, const QString&) {  // an error: the curves are a nicety; the table has the results
        for (auto& [repeat, c] : curves) curves_[{trial, repeat}] = std::move(c);
        if (!curves.empty()) Q_EMIT changed();
      });
}

void SweepController::apply(const SweepEvent& e) {
  auto it = index_.find(e.trial.id);
  if (it == index_.end()) {
    it = index_.emplace(e.trial.id, trials_.size()).first;
    trials_.push_back(e.trial);
  } else {
    trials_[it->second] = e.trial;
  }
  if (e.kind == SweepEvent::Kind::Epoch) {
    auto& c = curves_[{e.trial.id, e.repeat}];
    if (e.epoch.epoch == 1) c.clear();  // a repeat that runs again starts over
    c.resize(static_cast<size_t>(e.epoch.epoch), kNone);
    c[e.epoch.epoch - 1] = epoch_metric(e.epoch, spec_.metric);
  } else if (e.trial.status != "queued" && e.trial.status != "running") {
    loadCurves(e.trial);
  }
}

void SweepController::deliver(std::vector<Item>&& items) {
  bool events = false;
  for (const Item& item : items) {
    if (const auto* e = std::get_if<SweepEvent>(&item)) {
      apply(*e);
      events = true;
    } else {
      if (events) Q_EMIT changed();
      return finish(std::get<SweepOutcome>(item));
    }
  }
  if (events) Q_EMIT changed();
}

void SweepController::finish(const SweepOutcome& outcome) {
  if (finished_) return;
  if (thread_.joinable()) thread_.join();
  finished_ = true;
  bridge_.close();
  outcome_ = outcome;
  has_outcome_ = true;
  for (const TrialRow& r : outcome_.trials) {
    auto it = index_.find(r.id);
    if (it == index_.end()) index_.emplace(r.id, trials_.size()), trials_.push_back(r);
    else trials_[it->second] = r;
  }
  if (store_.busy()) {
    finish_pending_ = true;
    return;
  }
  Q_EMIT changed();
  Q_EMIT finished(outcome_);
}

}  // namespace hyperlab

#include "ui/sweep/sweepcontroller.h"

#include <cmath>

#include "store/runstore.h"

namespace hyperlab {

SweepController::SweepController(QObject* parent) : QObject(parent) {
  timer_.setInterval(100);
  connect(&timer_, &QTimer::timeout, this, &SweepController::drain);
}

SweepController::~SweepController() { stopAndWait(); }

bool SweepController::start(const SweepSpec& spec, const SweepOptions& options) {
  if (running()) return false;
  if (thread_.joinable()) thread_.join();
  spec_ = spec, options_ = options;
  trials_.clear(), index_.clear(), curves_.clear();
  pending_.clear();
  done_ = false, finished_ = false, has_outcome_ = false;
  store_.reset();
  runner_ = std::make_unique<SweepRunner>(spec, options);
  SweepRunner* r = runner_.get();
  thread_ = std::thread([this, r] {
    SweepCallbacks cb;
    cb.on_event = [this](const SweepEvent& e) {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back(e);
    };
    SweepOutcome out = r->run(cb);
    std::lock_guard<std::mutex> lock(mu_);
    done_outcome_ = std::move(out);
    done_ = true;
  });
  timer_.start();
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
  drain();
}

void SweepController::loadCurves(const TrialRow& r) {
  if (options_.store_path.empty()) return;
  for (size_t k = 0; k < r.run_ids.size(); ++k) {
    if (!r.run_ids[k]) continue;
    auto& c = curves_[{r.id, static_cast<int>(k)}];
    if (!c.empty() && !r.resumed) continue;  // followed live
    try {
      if (!store_) store_ = std::make_unique<RunStore>(options_.store_path);
      if (auto rec = store_->load(r.run_ids[k])) {
        c.clear();
        for (const EpochEvent& e : rec->history) c.push_back(epoch_metric(e, spec_.metric));
      }
    } catch (const std::exception&) {
      return;  // the curves are a nicety; the table has the results
    }
  }
}

void SweepController::drain() {
  std::vector<SweepEvent> events;
  bool done = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    events.swap(pending_);
    done = done_;
  }
  for (const SweepEvent& e : events) {
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
  if (!events.empty()) Q_EMIT changed();
  if (done && !finished_) {
    if (thread_.joinable()) thread_.join();
    finished_ = true;
    timer_.stop();
    {
      std::lock_guard<std::mutex> lock(mu_);
      outcome_ = done_outcome_;
    }
    has_outcome_ = true;
    for (const TrialRow& r : outcome_.trials) {
      auto it = index_.find(r.id);
      if (it == index_.end()) index_.emplace(r.id, trials_.size()), trials_.push_back(r);
      else trials_[it->second] = r;
    }
    Q_EMIT changed();
    Q_EMIT finished(outcome_);
  }
}

}  // namespace hyperlab

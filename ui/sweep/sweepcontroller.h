// The GUI's bridge to a sweep: runs core's SweepRunner on a worker thread,
// queues its events in a JobBridge that hands them to the GUI thread about
// ten times a second, keeping the dashboard's state: the trials, and each
// run's objective per epoch (live, or read from the history, off the GUI
// thread, for trials that finished in an earlier session).
#pragma once

#include <QObject>

#include <map>
#include <memory>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "sweep/runner.h"
#include "ui/widgets/jobbridge.h"
#include "ui/widgets/storeworker.h"

namespace hyperlab {

class SweepController : public QObject {
  Q_OBJECT
 public:
  explicit SweepController(QObject* parent = nullptr);
  ~SweepController() override;  ///< stops and joins a running sweep

  /// Starts (or resumes) a sweep; false if one is running.
  bool start(const SweepSpec& spec, const SweepOptions& options);
  void stop();
  void cancelTrial(int trial);
  bool running() const { return thread_.joinable() && !finished_; }
  void stopAndWait();

  const SweepSpec& spec() const { return spec_; }
  /// Every trial asked so far, in ask order.
  const std::vector<TrialRow>& trials() const { return trials_; }
  /// (trial, repeat) -> the objective after each epoch.
  const std::map<std::pair<int, int>, std::vector<double>>& curves() const { return curves_; }
  const SweepOutcome& outcome() const { return outcome_; }
  bool hasOutcome() const { return has_outcome_; }
  QString databasePath() const { return QString::fromStdString(options_.store_path); }
  /// Curves of earlier sessions' runs still being read from the history.
  bool readingHistory() const { return store_.busy(); }

 Q_SIGNALS:
  void changed();
  void finished(const hyperlab::SweepOutcome& outcome);

 private:
  using Item = std::variant<SweepEvent, SweepOutcome>;
  void deliver(std::vector<Item>&& items);
  void apply(const SweepEvent& e);
  void finish(const SweepOutcome& outcome);
  void loadCurves(const TrialRow& r);
  std::thread thread_;
  std::unique_ptr<SweepRunner> runner_;
  bool finished_ = true, has_outcome_ = false, finish_pending_ = false;
  SweepOutcome outcome_;
  SweepSpec spec_;
  SweepOptions options_;
  std::vector<TrialRow> trials_;
  std::map<int, size_t> index_;
  std::map<std::pair<int, int>, std::vector<double>> curves_;
  StoreWorker store_;  // curves of earlier sessions' runs, read off the GUI thread
  JobBridge<Item> bridge_;
};

}  // namespace hyperlab

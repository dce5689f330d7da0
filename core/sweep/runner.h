// Runs a sweep: asks its strategy for trials, trains each trial's repeats
// (seeds) on a pool of worker threads within a core budget, tells the strategy
// each trial's objective, and records everything in the run history.
//
// Every ask, run result and tell goes into the sweep's log in the store, so a
// sweep stopped at any point (Ctrl-C, a time budget, a crash, kill -9) resumes
// where it was: the log is replayed into a fresh strategy, finished runs are
// reused, and only trials without a result run again.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sweep/sweep.h"
#include "train/events.h"

namespace hyperlab {

struct SweepOptions {
  std::string store_path;  ///< the run history ("": nothing recorded, nothing to resume)
  int workers = 0;         ///< trials at once (0: the spec's run.workers)
  int threads = 0;         ///< CPU threads per trial (0: physical cores / workers, at least 1)
  double time_limit_s = -1;  ///< wall-time budget of this session (<0: the spec's; 0: none)
  bool fresh = false;      ///< start a new sweep even where one with this spec can be resumed
  std::string tag;         ///< extra tag on the sweep's runs (besides "sweep:NAME")
};

/// One trial as the dashboard shows it.
struct TrialRow {
  int id = 0;
  Settings settings;
  int resource = 0, rung = 0, bracket = 0, parent = -1;
  std::string status = "queued";  ///< queued | running | done | diverged | failed | cancelled
  std::string reason;
  std::vector<double> values;     ///< objective of each repeat at its selected epoch (NaN: none yet or diverged)
  std::vector<int64_t> run_ids;   ///< each repeat's run in the history (0: not recorded)
  std::vector<std::string> run_status;
  int repeats_done = 0;
  double value = kNone;           ///< the trial's objective: mean over its finished repeats
  /// Each repeat's test accuracy at its selected epoch, and their mean: reported
  /// beside the objective, never used to choose.
  std::vector<double> tests;
  double test = kNone;
  int epoch = 0;                  ///< the running repeat's latest epoch
  double current = kNone;         ///< its latest value of the metric
  bool resumed = false;           ///< finished in an earlier session of this sweep
};

struct SweepEvent {
  enum class Kind { Trial, Epoch } kind = Kind::Trial;
  TrialRow trial;   ///< the trial's row after the change
  int repeat = 0;
  EpochEvent epoch;  ///< Kind::Epoch: the epoch that just finished
};

struct SweepCallbacks {
  /// A trial changed (queued, started, finished) or one of its runs finished
  /// an epoch. Called from worker threads, one call at a time; keep it short.
  std::function<void(const SweepEvent&)> on_event;
};

struct SweepOutcome {
  std::string status;   ///< completed | stopped | budget | failed
  std::string message;  ///< why it stopped or failed, in words
  int64_t sweep_id = 0;
  int trials_done = 0;      ///< trials with a result (this and earlier sessions)
  int resumed_trials = 0;   ///< of them, finished in an earlier session
  int runs_trained = 0;     ///< runs trained in this session
  int best_trial = -1;
  double best_value = kNone;
  std::vector<TrialRow> trials;
  std::vector<int64_t> run_ids;  ///< every finished run of the sweep, in trial order
  double seconds = 0;
  double setup_seconds = 0;      ///< of which before the first trial: opening the history, loading the data
  double train_seconds = 0;      ///< summed over this session's runs (their own timers)
};

class SweepRunner {
 public:
  SweepRunner(SweepSpec spec, SweepOptions options);
  ~SweepRunner();
  SweepRunner(const SweepRunner&) = delete;
  SweepRunner& operator=(const SweepRunner&) = delete;

  /// Runs to the end, a stop, the time budget or an error. No exception escapes.
  SweepOutcome run(const SweepCallbacks& cb = {});
  /// From any thread: stop the sweep (running trials stop at the next batch and
  /// run again when the sweep is resumed).
  void request_stop();
  /// From any thread: cancel one trial (its running repeats stop; it counts as
  /// failed and is not run again).
  void cancel_trial(int trial);

  /// Running elsewhere (a cluster's job array): the runs the sweep needs now.
  /// Asks the strategy for every trial it can give without new results (at
  /// most `max_new` new trials; 0: no limit) and returns each repeat without a
  /// result, with its config. The asks are logged: plan again after collect.
  struct Job {
    std::string name;  ///< "trial-7-r1"
    int trial = 0, repeat = 0;
    ExperimentConfig config;
  };
  std::vector<Job> plan(int max_new, std::string& error);
  /// A run trained elsewhere: recorded in the history, linked and logged as
  /// the job's result; the trial is told once all its repeats are in. False
  /// (with the reason) if the job is unknown, already collected, or its config
  /// is not the job's.
  bool collect(const Job& job, const ExperimentConfig& c, const RunResult& r, std::string& error);
  /// Where the sweep stands (after plan/collect).
  SweepOutcome outcome();

 private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

/// "lr=0.01, momentum=0.9" (keys shortened to their last part; a named
/// variant by its name alone). settings_label (sweep.h) keeps the sweep's order.
std::string settings_text(const Settings& s);

}  // namespace hyperlab

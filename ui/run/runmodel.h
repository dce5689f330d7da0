// One run as the window sees it, between the run controller and the views:
// its history (the one copy the window keeps), its result at the end, the
// time left (ETA), and, for a resumed run, the epochs it had before, replayed
// into the views when it starts, as they were. The views listen to the
// model's signals; a resumed run's live events wait until its earlier
// history (read off the GUI thread) is there, so they always come in order.
#pragma once

#include <QObject>
#include <QString>

#include <functional>
#include <optional>
#include <vector>

#include "config/experiment.h"
#include "store/runstore.h"
#include "train/events.h"

namespace hyperlab {

class RunModel : public QObject {
  Q_OBJECT
 public:
  explicit RunModel(QObject* parent = nullptr);

  /// A new run (or an evaluation) of config c over `epochs` epochs: the last one is forgotten.
  void begin(const ExperimentConfig& c, int epochs);
  /// No run: another experiment was loaded. Answers still on their way for the last run are dropped.
  void clear();
  /// A resumed run: its earlier epochs are on their way; live events wait for them.
  void expectEarlierHistory();
  /// The earlier epochs (none if they could not be read), cut to the first
  /// `resumed_at` (the history may hold one epoch past the checkpoint: it is
  /// trained again). Replayed when the run starts.
  void setEarlierHistory(std::optional<RunRecord> earlier, int resumed_at);
  /// Both: run `id`'s epochs are read from the history at db_path off the GUI
  /// thread (a connection of the job's own), then given to setEarlierHistory.
  void readEarlierHistory(const QString& db_path, qint64 id, int resumed_at);

  // The controller's events, in order.
  void addStart(const RunStart& s);
  void addBatches(const std::vector<BatchEvent>& b);
  void addEpoch(const EpochEvent& e);
  void finish(const RunResult& r);
  /// After finish(): the run's number in the history, or 0 and why not.
  void record(qint64 run_id, const QString& error);

  /// The current or last run: its history and, once it ended, everything.
  const RunResult& result() const { return result_; }
  const ExperimentConfig& config() const { return config_; }
  const RunStart& info() const { return result_.info; }
  int epochs() const { return epochs_; }
  bool hasRun() const { return has_run_; }
  bool waitingForHistory() const { return waiting_; }
  /// Counts begin()s: an answer meant for an earlier run is recognised by it.
  int generation() const { return generation_; }
  /// RunStarts since begin(): 2 once a fine-tuning starts after the pretraining it trained first.
  int starts() const { return starts_; }
  /// Seconds left after batch `last`: the rest of its epoch at the current
  /// speed, plus each epoch to come at the last epoch's measured time
  /// (evaluation included), or at the current speed before the first one
  /// ends. NaN when the speed is not known yet.
  double secondsLeft(const BatchEvent& last) const;

 Q_SIGNALS:
  void started(const hyperlab::RunStart& info);
  void batches(const std::vector<hyperlab::BatchEvent>& events);
  void epoch(const hyperlab::EpochEvent& event);
  void finished(const hyperlab::RunResult& result);
  void recorded(qint64 run_id, const QString& error);

 private:
  void replay();
  /// Runs f now, or later if the earlier history is still on its way.
  void whenReady(std::function<void()> f);
  ExperimentConfig config_;
  RunResult result_;
  int epochs_ = 0, generation_ = 0, starts_ = 0;
  double epoch_seconds_ = 0;
  bool has_run_ = false, waiting_ = false;
  std::optional<RunRecord> earlier_;
  std::vector<std::function<void()>> held_;
};

/// "1 h 5 min", "3 min 20 s", "42 s"; "–" if unknown.
QString format_duration(double seconds);

}  // namespace hyperlab

// The run's line in the status bar: what it is doing (or how it ended, with
// the run's numbers as every table gives them), epoch k/N, progress in the
// epoch, samples/s, the time left and the device. Its figures change at most
// four times a second however fast batches arrive.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include "config/experiment.h"
#include "train/events.h"

class QLabel;
class QProgressBar;
class QStatusBar;

namespace hyperlab {

class RunStatusBar : public QObject {
  Q_OBJECT
 public:
  /// Puts its labels into bar (the status on the left, the figures on the right).
  explicit RunStatusBar(QStatusBar* bar);

  void setText(const QString& text);
  QString text() const;
  /// Forgets the last run: `text` on the left, no figures (another experiment, or a new run).
  void clear(const QString& text = "Ready");
  void setRunning(bool running);
  /// A run of `epochs` epochs is about to start.
  void starting(int epochs);
  void started(const RunStart& s);
  /// The newest batch of a run of `epochs` epochs, with the seconds left (NaN: unknown).
  void progress(const BatchEvent& last, int epochs, double seconds_left);
  void finished(const ExperimentConfig& c, const RunResult& r);

 private:
  QLabel *status_, *epoch_, *speed_, *eta_, *device_;
  QProgressBar* progress_;
  QElapsedTimer clock_;
};

}  // namespace hyperlab

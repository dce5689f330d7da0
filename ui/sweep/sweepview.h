// The Sweep tab: define a sweep in forms (the settings to vary and how, the
// strategy, seeds, objective, workers, time budget) on top of the experiment
// in the editor, open and save it as a sweep file (the CLI's format), run or
// resume it, and watch the dashboard fill in: the trial table (cancel a
// trial), best so far, the objective against each setting, parallel
// coordinates, mean ± SE/SD curves per configuration, box plots across
// seeds, and the summary table with confidence intervals and Welch's test.
// Everything exports; Report… writes the sweep's HTML or PDF report.
#pragma once

#include <QWidget>

#include <functional>
#include <set>

#include "config/experiment.h"
#include "sweep/sweep.h"

class QComboBox;
class QLabel;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QTextBrowser;

namespace hyperlab {

struct ConfigSummary;

class ParallelCoordinates;
class SweepChart;
class SweepController;
class SweepForm;
class SweepSummaryTable;
struct SweepOutcome;

class SweepView : public QWidget {
  Q_OBJECT
 public:
  explicit SweepView(QWidget* parent = nullptr);
  ~SweepView() override;

  /// The experiment every trial starts from (the editor's).
  void setBaseConfig(const ExperimentConfig& c);
  void setDatabasePath(const QString& path) { db_path_ = path; }

  /// The sweep the form describes; errors name the key.
  SweepResult sweepFromForm() const;
  /// Fills the form (its base goes to the editor through baseConfigLoaded).
  void setSweep(const SweepSpec& s);
  /// A homework study (Presets menu): its sweep and base config into the form.
  bool loadPreset(const QString& name, bool quick);
  bool openSweepFile(const QString& file);
  QString saveSweepFile(const QString& file) const;
  /// Adds a row to the settings to vary (kind: values, choice, linear, log, uniform, log_uniform).
  void addParam(const QString& key, const QString& kind, const QString& values, int points = 5);

  /// Starts (or resumes) the sweep in the form; false and reason() if it cannot.
  bool start();
  void stop();
  void cancelSelectedTrial();
  QString reason() const { return reason_; }
  bool running() const;

  SweepController* controller() const { return controller_; }
  QTableWidget* trialTable() const { return trials_; }
  QTabWidget* dashboard() const { return tabs_; }
  SweepForm* form() const { return form_; }
  /// The summary, a row per configuration (column 0 checkable: charted).
  QTableWidget* summaryTable() const;
  SweepChart* bestChart() const { return best_; }
  SweepChart* parameterChart() const { return param_chart_; }
  SweepChart* bandChart() const { return bands_; }
  SweepChart* boxChart() const { return boxes_; }
  ParallelCoordinates* parallel() const { return parallel_; }
  QString summaryMarkdown() const { return summary_md_; }
  /// The sweep's report (.html or .pdf), per-run details in an appendix if asked; error or "".
  QString writeReport(const QString& file, bool appendix = false);
  /// Redraws everything from the controller's state (normally on its signal).
  void refresh();

 Q_SIGNALS:
  void baseConfigLoaded(const hyperlab::ExperimentConfig& config);
  void sweepFinished();
  void status(const QString& text);

 private:
  void buildFooter();
  void buildDashboard(QWidget* host);
  void updateCharts();
  void exportSummary(const QString& format);
  std::function<QString()> reportJob(const QString& file, bool appendix) const;
  void onFinished(const SweepOutcome& o);
  void updateButtons();

  SweepController* controller_;
  QString db_path_, reason_;
  SweepForm* form_;
  QPushButton *start_, *stop_, *cancel_trial_;
  QLabel *errors_, *progress_;
  QWidget* footer_;
  // dashboard
  QTabWidget* tabs_;
  QTableWidget* trials_;
  SweepChart *best_, *param_chart_, *bands_, *boxes_;
  QComboBox *param_pick_, *band_kind_;
  ParallelCoordinates* parallel_;
  SweepSummaryTable* summary_;  // a row per configuration; ticked rows are charted
  QString summary_md_, summary_csv_, summary_tex_;
  bool charts_dirty_ = false;
};

}  // namespace hyperlab

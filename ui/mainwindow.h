// The workbench window: the experiment editor on the left, live views on the
// right, run controls in the toolbar and status bar. It wires the editor, the
// data loader, the run controller and the views; all work happens in core.
#pragma once

#include <QMainWindow>
#include <QElapsedTimer>
#include <QTimer>

#include <memory>
#include <optional>

#include "config/experiment.h"
#include "store/runstore.h"
#include "train/events.h"

class QAction;
class QLabel;
class QProgressBar;
class QSplitter;
class QTabWidget;
class QCheckBox;
class QMenu;

namespace hyperlab {

class BoundaryView;
class ConfusionView;
class CurvesPanel;
class DataLoader;
class ExperimentEditor;
class FilterView;
class HistoryView;
class ImageGridView;
class RunController;
class SweepView;
class PlaygroundView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Loads a config file into the editor; shows the errors and returns false if invalid.
  bool openFile(const QString& file);
  void loadPreset(const QString& name);

  // For tests and the app's command line.
  ExperimentEditor* editor() const { return editor_; }
  CurvesPanel* curves() const { return curves_; }
  RunController* controller() const { return controller_; }
  DataLoader* dataLoader() const { return loader_; }
  ImageGridView* trainImages() const { return train_grid_; }
  ImageGridView* testImages() const { return test_grid_; }
  FilterView* filters() const { return filters_; }
  BoundaryView* boundary() const { return boundary_; }
  ConfusionView* confusion() const { return confusion_; }
  QTabWidget* views() const { return views_; }
  HistoryView* history() const { return history_; }
  SweepView* sweep() const { return sweep_; }
  PlaygroundView* playground() const { return playground_; }
  QAction* trainAction() const { return train_; }
  QAction* pauseAction() const { return pause_; }
  QAction* stopAction() const { return stop_; }
  QAction* presentationAction() const { return presentation_; }
  QString trainBlockedReason() const;
  QString statusText() const;
  bool running() const;
  const RunResult& lastResult() const { return result_; }
  /// The run history file runs are recorded in ("" = not recorded).
  QString databasePath() const { return db_path_; }
  /// Switches the run history to another file (remembered). A finished run
  /// that could not be recorded (the old file was unusable) is saved there.
  /// Returns an error or "".
  QString useDatabase(const QString& path);
  qint64 lastRunId() const { return last_run_id_; }
  void setPresentation(bool on);
  /// Continues run `id` of the history from its checkpoint (the History view's Resume).
  bool resumeRun(qint64 id, const QString& checkpoint);
  /// Evaluates a run's checkpoint on the test set (predictions, confusion); records nothing.
  bool evaluateRun(qint64 id, const QString& checkpoint);

 Q_SIGNALS:
  void runFinished(const hyperlab::RunResult& r);

 protected:
  void closeEvent(QCloseEvent* e) override;

 private:
  void buildMenus();
  void prepareViews(int epochs, const QString& status, bool keep_curves);
  void startRun();
  void togglePause();
  void onEdited();
  void updateActions();
  void onStarted(const RunStart& s);
  void onBatches(const std::vector<BatchEvent>& b);
  void onEpoch(const EpochEvent& e);
  void onSnapshot(const Snapshot& s);
  void onFinished(const RunResult& r);
  void onDataLoaded(const DataPreview& p);
  bool save(const QString& file);
  bool saveAs();
  void addRecent(const QString& file);
  void rebuildRecentMenu();
  void exportMetrics();
  void exportAllCharts();
  void setCurrentFile(const QString& f);

  ExperimentEditor* editor_;
  CurvesPanel* curves_;
  RunController* controller_;
  DataLoader* loader_;
  ImageGridView *train_grid_, *test_grid_;
  QCheckBox* misclassified_only_;
  QLabel* test_caption_;
  FilterView* filters_;
  BoundaryView* boundary_;
  ConfusionView* confusion_;
  HistoryView* history_;
  SweepView* sweep_;
  PlaygroundView* playground_;
  QTabWidget* views_;
  QSplitter* splitter_;
  QAction *train_, *pause_, *stop_, *presentation_, *show_editor_;
  QMenu* recent_menu_;
  QLabel *reason_, *epoch_label_, *speed_label_, *eta_label_, *device_label_, *status_label_;
  QProgressBar* progress_;
  QTimer data_debounce_;
  QElapsedTimer status_clock_;  // status-bar figures change at most 4 times a second
  QString current_file_;
  QStringList class_names_;
  RunStart run_info_;
  RunResult result_;  // the current or last run: history and, at the end, everything
  ExperimentConfig run_config_;  // its config (what selects its epoch)
  bool has_result_ = false;
  double epoch_seconds_ = 0;
  int epochs_total_ = 0;
  bool data_ok_ = true;
  QString data_error_;
  QString db_path_;
  std::optional<RunRecord> pending_history_;  // a resumed run's earlier epochs, drawn when it starts
  qint64 last_run_id_ = 0;
};

}  // namespace hyperlab

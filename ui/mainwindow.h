// The workbench window: the experiment editor on the left, live views on the
// right, run controls in the toolbar and status bar. It only arranges and
// wires: the editor, the data loader, the run controller, the run model (the
// run's history, ETA and replay) and the views; all work happens in core,
// and files are written off the GUI thread.
//
// The experiment is a document: another one (a preset, a file, New, the
// History's Clone or Resume, the sweep's base config) replaces unsaved edits
// only after asking (Save / Discard / Cancel), and clears every view of the
// last run. The editor's experiment is autosaved (2 s after a change) and
// restored at the next start.
#pragma once

#include <QMainWindow>
#include <QThreadPool>
#include <QPointer>
#include <QTimer>

#include <functional>

#include "config/experiment.h"
#include "train/events.h"

class QAction;
class QHeaderView;
class QLabel;
class QShortcut;
class QSplitter;
class QTabWidget;
class QMenu;

namespace hyperlab {

class ActivationsView;
class AdversarialView;
class BoundaryView;
class ConfusionView;
class CurvesPanel;
class DataLoader;
class ExperimentEditor;
class FilterView;
class HistoryView;
class ImageGridView;
class RunController;
class RunModel;
class RunStatusBar;
class SamplesTab;
class SweepView;
class PlaygroundView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Loads a config file into the editor; shows the errors and returns false if
  /// invalid, or if the user kept unsaved edits (see setUnsavedPrompt).
  bool openFile(const QString& file);
  /// Loads an embedded preset, after asking about unsaved edits; false if not loaded.
  bool loadPreset(const QString& name);

  /// What to do with unsaved edits another experiment would replace.
  enum class Unsaved { Save, Discard, Cancel };
  /// Asks it instead of the message box (tests answer here); `question` names both experiments.
  void setUnsavedPrompt(std::function<Unsaved(const QString& question)> ask) { ask_unsaved_ = std::move(ask); }
  /// Picks the file Save writes when the experiment has none yet, instead of
  /// the file dialog ("" = cancelled); for tests.
  void setSaveFileChooser(std::function<QString()> choose) { choose_file_ = std::move(choose); }
  /// The last session's experiment from the autosave file, with its file name,
  /// title and modified state. False if there is none, or it cannot be read
  /// (the status bar says why; the current experiment stays).
  bool restoreAutosave();
  /// The autosave file: autosave.json beside the default run history.
  static QString autosavePath();
  /// The experiment's file ("" = none yet: Save asks for one).
  QString currentFile() const { return current_file_; }

  // For tests and the app's command line.
  ExperimentEditor* editor() const { return editor_; }
  CurvesPanel* curves() const { return curves_; }
  RunController* controller() const { return controller_; }
  DataLoader* dataLoader() const { return loader_; }
  RunModel* runModel() const { return model_; }
  ImageGridView* trainImages() const;
  ImageGridView* testImages() const;
  FilterView* filters() const { return filters_; }
  BoundaryView* boundary() const { return boundary_; }
  ConfusionView* confusion() const { return confusion_; }
  AdversarialView* adversarial() const { return adversarial_; }
  ActivationsView* activations() const { return activations_; }
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
  const RunResult& lastResult() const;
  /// The run history file runs are recorded in ("" = not recorded).
  QString databasePath() const { return db_path_; }
  /// Switches the run history to another file (remembered). A finished run
  /// that could not be recorded (the old file was unusable) is saved there.
  /// Returns an error or "".
  QString useDatabase(const QString& path);
  qint64 lastRunId() const { return last_run_id_; }
  /// Presentation mode (F5; Esc or F5 leaves): full screen, the editor hidden,
  /// larger fonts on every view, two large charts on the Curves tab.
  void setPresentation(bool on);
  bool presenting() const { return presented_.on; }
  /// The font factor presentation mode uses on this window's screen.
  double presentationScale() const;
  /// Continues run `id` of the history from its checkpoint (the History view's Resume).
  bool resumeRun(qint64 id, const QString& checkpoint);
  /// Evaluates a run's checkpoint on the test set (predictions, confusion); records nothing.
  bool evaluateRun(qint64 id, const QString& checkpoint);

 Q_SIGNALS:
  void runFinished(const hyperlab::RunResult& r);

 protected:
  void closeEvent(QCloseEvent* e) override;

 private:
  void buildViews();
  void buildToolbar();
  void buildMenus();
  void connectViews();
  void connectRun();
  void prepareViews(const ExperimentConfig& c, int epochs, const QString& status, bool keep_curves);
  void startRun();
  void togglePause();
  void onEdited();
  void updateActions();
  void onStarted(const RunStart& s);
  void onSnapshot(const Snapshot& s);
  void onFinished(const RunResult& r);
  void onRecorded(qint64 id, const QString& error);
  void onDataLoaded(const DataPreview& p);
  /// The Activations tab follows the edited experiment while no run trains.
  void refreshActivations();
  bool save(const QString& file);  ///< now; false (and says why) if it could not be written
  void saveAs();
  void addRecent(const QString& file);
  void rebuildRecentMenu();
  void exportMetrics();
  void exportAllCharts();
  void setCurrentFile(const QString& f);
  void setTitle(const QString& what);  ///< "Hyperlab — what", with the modified mark
  void takeConfig(const ExperimentConfig& c);
  void newExperiment();
  /// Asks about unsaved edits before `doing` (e.g. "loading the preset “x”"); true: go on.
  bool mayReplaceExperiment(const QString& doing);
  /// Saves to the current file (or one the user picks) now; false if not saved.
  bool saveNow();
  QString chooseSaveFile();
  /// Another experiment in the editor: refused during a run, asked about unsaved edits, the views cleared.
  bool replaceExperiment(const ExperimentConfig& c, const QString& file, const QString& title, const QString& doing);
  void showExperiment(const ExperimentConfig& c, const QString& file, const QString& title);
  void clearRunViews(bool keep_curves);
  void writeAutosave();
  static void prepareDatabase(const QString& path);
  bool readCheckpoint(const QString& file, const QString& title, ExperimentConfig& c, int& epoch);  ///< a config from the sweep or the history, unless a run is going on
  void scalePresentationFonts(double factor);  ///< 1: as they were

  ExperimentEditor* editor_;
  CurvesPanel* curves_;
  RunController* controller_;
  RunModel* model_;
  RunStatusBar* status_;
  DataLoader* loader_;
  SamplesTab* samples_;
  FilterView* filters_;
  BoundaryView* boundary_;
  ConfusionView* confusion_;
  AdversarialView* adversarial_;
  ActivationsView* activations_;
  HistoryView* history_;
  SweepView* sweep_;
  PlaygroundView* playground_;
  QTabWidget* views_;
  QSplitter* splitter_;
  QAction *train_, *pause_, *stop_, *presentation_, *show_editor_;
  QMenu* recent_menu_;
  QLabel* reason_;
  QTimer data_debounce_;
  QTimer autosave_;           // 2 s after the last change
  QThreadPool autosave_pool_;  // one thread: the writes land in order
  bool autosave_checked_ = false;  // the last session's autosave was restored, or kept aside
  std::function<Unsaved(const QString&)> ask_unsaved_;
  std::function<QString()> choose_file_;
  QString current_file_;
  QString title_;
  QStringList class_names_;
  bool has_result_ = false;  // a run was trained here (what useDatabase() may save)
  bool data_ok_ = true;
  QString data_error_;
  QString db_path_;
  qint64 last_run_id_ = 0;
  // Presentation mode, and what leaving it restores.
  struct Presented {
    bool on = false;
    Qt::WindowStates state;
    QRect geometry;  // the normal one
    bool editor = true;
    QList<QPair<QPointer<QHeaderView>, int>> row_heights;  // the tables' rows, made taller
    QList<QPair<QPointer<QWidget>, QFont>> fonts;          // style-sheeted widgets' own fonts
  };
  Presented presented_;
  QShortcut* leave_presentation_ = nullptr;  // Esc
};

}  // namespace hyperlab

// The run history in the window: a sortable, filterable table of every run
// recorded (by the window or the CLI), with rename, tags, notes, delete,
// "clone and edit", curves of the selected runs overlaid in stable colours,
// what differs between their configs, and the comparison table (runs that
// differ only in seed grouped: mean ± SD, SE, n) with CSV/Markdown/LaTeX export.
// Every read of the history runs on a StoreWorker's thread: the view shows
// what it has and says "Reading…" until the answer comes back; busy() tells.
#pragma once

#include <QWidget>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "config/experiment.h"
#include "store/runstore.h"
#include "ui/history/runtablemodel.h"
#include "ui/widgets/storeworker.h"

class QCheckBox;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QComboBox;
class QSortFilterProxyModel;
class QTableView;
class QTextBrowser;
class QTabWidget;
class QPlainTextEdit;

namespace hyperlab {

struct Comparison;

class MetricChart;
class SweepChart;

class HistoryView : public QWidget {
  Q_OBJECT
 public:
  explicit HistoryView(QWidget* parent = nullptr);
  ~HistoryView() override;

  /// Opens the run database (off the GUI thread); on failure the view says why and stays usable.
  void openDatabase(const QString& path);
  /// Why the database could not be opened ("" if it could), once the answer is back.
  QString error() const { return error_; }
  /// Re-reads the run list (after a run ends, or on the Refresh button).
  void refresh();
  /// A read or change of the history is on its way (tests wait for it to end).
  bool busy() const { return store_.busy(); }
  void setFilterText(const QString& text);
  /// Selects the given runs (tests and "show this run").
  void selectRuns(const std::vector<int64_t>& ids);
  std::vector<int64_t> selectedRuns() const;
  int visibleRunCount() const;
  /// Deletes the selected runs (after asking, unless confirm is false).
  void deleteSelected(bool confirm = true);
  /// "Clone and edit" of the one selected run.
  void cloneSelected();
  /// The one selected run's checkpoint if it can be resumed, else "" (read with the selection).
  QString resumableCheckpoint() const;
  /// A report (.pdf or .html) of the selected runs, or of all shown ones, with
  /// per-run details in an appendix if asked; error or "".
  QString writeReport(const QString& file, bool appendix = false);
  QString comparisonMarkdown() const { return comparison_md_; }
  QString differences() const;
  MetricChart* overlayChart() const { return overlay_acc_; }
  MetricChart* overlayLossChart() const { return overlay_loss_; }
  /// The comparison's box plot: test accuracy per group of runs, each seed a dot.
  SweepChart* spreadChart() const { return spread_chart_; }
  /// Shows the settings that differ among the listed runs as columns of the run list.
  void setShowSettingColumns(bool on);
  RunTableModel* model() const { return model_; }
  QTableView* table() const { return table_; }

 Q_SIGNALS:
  /// Every read and change asked for so far is done.
  void idle();
  /// "Clone and edit": load this config into the editor.
  void cloneRequested(const hyperlab::ExperimentConfig& config);
  /// "Resume": continue an interrupted or stopped run from its checkpoint.
  void resumeRequested(qint64 run_id, const QString& checkpoint);
  /// The user chose another database file (Database… button).
  void databaseChosen(const QString& path);
  /// "Evaluate": load the run's trained weights and show their test predictions.
  void evaluateRequested(qint64 run_id, const QString& checkpoint);

 private:
  void onSelectionChanged();
  void showContextMenu(const QPoint& pos);
  void editNotes();
  void exportComparison(const QString& format);
  void showComparison();  ///< the table of comparison_ with the chosen spread
  void showSelection(std::vector<RunRecord> recs);  ///< curves, differences and comparison of the loaded runs
  void showRuns(std::vector<RunSummary> runs, const std::map<int64_t, std::string>& configs);
  void showProblem(const QString& error);
  /// Changes the history on the store's thread, then reads the list again.
  void change(std::function<void(RunStore&)> edit);
  std::function<QString()> reportJob(const QString& file, bool appendix) const;
  void fillSettingColumns(const std::map<int64_t, std::string>& configs);

  StoreWorker store_;
  QString path_, error_, checkpoint_;
  std::vector<int64_t> wanted_;  // the selection to keep over a re-read of the list
  bool restoring_ = false;
  unsigned selection_gen_ = 0;
  RunTableModel* model_;
  QSortFilterProxyModel* proxy_;
  QTableView* table_;
  QLineEdit* filter_;
  QComboBox* status_;
  QLabel* info_;
  QTabWidget* details_;
  MetricChart *overlay_acc_, *overlay_loss_;
  QTextBrowser* differs_;
  QTextBrowser* compare_;
  SweepChart* spread_chart_;
  QCheckBox* setting_columns_;
  QHBoxLayout* buildToolbar();
  QComboBox* spread_;
  std::unique_ptr<Comparison> comparison_;
  QString comparison_md_, comparison_csv_, comparison_tex_;
};

}  // namespace hyperlab

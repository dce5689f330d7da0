// The run history in the window: a sortable, filterable table of every run
// recorded (by the window or the CLI), with rename, tags, notes, delete,
// "clone and edit", curves of the selected runs overlaid in stable colours,
// what differs between their configs, and the comparison table (runs that
// differ only in seed grouped: mean ± SD, SE, n) with CSV/Markdown/LaTeX export.
#pragma once

#include <QAbstractTableModel>
#include <QWidget>

#include <map>
#include <memory>
#include <vector>

#include "config/experiment.h"
#include "store/runstore.h"

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

class RunTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Id, Name, Created, Status, Dataset, Model, Optimizer, Lr, Batch, Seed, Epochs, BestVal, TestAcc,
                Seconds, Tags, Sweep, ColumnCount };
  using QAbstractTableModel::QAbstractTableModel;
  void setRuns(std::vector<RunSummary> runs);
  /// Extra columns after the fixed ones: the settings that differ among the
  /// runs ("lr", "dropout"), with each run's value (by run id).
  void setSettingColumns(std::vector<std::string> keys, std::map<int64_t, std::vector<std::string>> values);
  int settingColumns() const { return static_cast<int>(keys_.size()); }
  const RunSummary& run(int row) const { return runs_[static_cast<size_t>(row)]; }
  int rowCount(const QModelIndex& = {}) const override { return static_cast<int>(runs_.size()); }
  int columnCount(const QModelIndex& = {}) const override { return ColumnCount + settingColumns(); }
  QVariant data(const QModelIndex& i, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& i) const override;
  bool setData(const QModelIndex& i, const QVariant& v, int role) override;

 Q_SIGNALS:
  void renamed(qint64 id, const QString& name);
  void tagged(qint64 id, const QString& tags);

 private:
  std::vector<RunSummary> runs_;
  std::vector<std::string> keys_;
  std::map<int64_t, std::vector<std::string>> values_;
};

class HistoryView : public QWidget {
  Q_OBJECT
 public:
  explicit HistoryView(QWidget* parent = nullptr);
  ~HistoryView() override;

  /// Opens the run database; on failure the view says why and stays usable.
  void openDatabase(const QString& path);
  QString error() const { return error_; }
  /// Re-reads the run list (after a run ends, or on the Refresh button).
  void refresh();
  void setFilterText(const QString& text);
  /// Selects the given runs (tests and "show this run").
  void selectRuns(const std::vector<int64_t>& ids);
  std::vector<int64_t> selectedRuns() const;
  int visibleRunCount() const;
  /// Deletes the selected runs (after asking, unless confirm is false).
  void deleteSelected(bool confirm = true);
  /// "Clone and edit" of the one selected run.
  void cloneSelected();
  /// The one selected run's checkpoint if it can be resumed, else "".
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

  std::unique_ptr<RunStore> store_;
  QString error_;
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
  void fillSettingColumns();
  QHBoxLayout* buildToolbar();
  QComboBox* spread_;
  std::unique_ptr<Comparison> comparison_;
  QString comparison_md_, comparison_csv_, comparison_tex_;
};

}  // namespace hyperlab

#include "ui/history/historyview.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <cmath>

#include "config/config_json.h"
#include "ui/widgets/metricchart.h"
#include "ui/run/reportwriter.h"
#include "ui/sweep/sweepcharts.h"
#include "store/compare.h"
#include "train/report.h"

namespace hyperlab {

namespace {

QString pct(double v) { return std::isfinite(v) ? QString::number(100 * v, 'f', 2) + "%" : QString("–"); }

QString duration(double s) {
  if (!(s > 0)) return "–";
  if (s < 60) return QString::number(s, 'f', 1) + " s";
  return QString("%1 min %2 s").arg(int(s) / 60).arg(int(s) % 60);
}

// Free text in any column, and optionally one status.
class RunFilterProxy : public QSortFilterProxyModel {
 public:
  using QSortFilterProxyModel::QSortFilterProxyModel;
  void set(const QString& text, const QString& status) {
    text_ = text.trimmed(), status_ = status;
    invalidateFilter();
  }

 protected:
  bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
    const QAbstractItemModel* m = sourceModel();
    if (!status_.isEmpty() && m->index(row, RunTableModel::Status, parent).data().toString() != status_) return false;
    if (text_.isEmpty()) return true;
    for (int c = 0; c < m->columnCount(); ++c)
      if (m->index(row, c, parent).data().toString().contains(text_, Qt::CaseInsensitive)) return true;
    return false;
  }

 private:
  QString text_, status_;
};

}  // namespace

// ---- model ----

void RunTableModel::setRuns(std::vector<RunSummary> runs) {
  beginResetModel();
  runs_ = std::move(runs);
  endResetModel();
}

void RunTableModel::setSettingColumns(std::vector<std::string> keys, std::map<int64_t, std::vector<std::string>> values) {
  beginResetModel();
  keys_ = std::move(keys);
  values_ = std::move(values);
  endResetModel();
}

QVariant RunTableModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal) return {};
  if (section >= ColumnCount) {  // a setting that differs among the runs
    const std::string& k = keys_[static_cast<size_t>(section - ColumnCount)];
    if (role == Qt::ToolTipRole) return QString::fromStdString(k);
    return role == Qt::DisplayRole ? QString::fromStdString(k).section('.', -1) : QVariant();
  }
  if (role == Qt::ToolTipRole && (section == BestVal || section == TestAcc))
    return QString("%1 accuracy at the run's selected epoch: the best by validation accuracy (or by the early-stopping "
                   "monitor); the last epoch when the run has no validation set. The test set never chooses it.")
        .arg(section == BestVal ? "Validation" : "Test");
  if (role != Qt::DisplayRole) return {};
  static const char* names[] = {"#", "Name", "Date (UTC)", "Status", "Dataset", "Model", "Optimizer", "LR",
                                "Batch", "Seed", "Epochs", "Val acc", "Test acc", "Duration", "Tags", "Sweep"};
  return QString(names[section]);
}

QVariant RunTableModel::data(const QModelIndex& i, int role) const {
  const RunSummary& r = runs_[static_cast<size_t>(i.row())];
  if (i.column() >= ColumnCount) {
    if (role != Qt::DisplayRole && role != Qt::UserRole) return {};
    auto it = values_.find(r.id);
    const size_t k = static_cast<size_t>(i.column() - ColumnCount);
    const QString v = it != values_.end() && k < it->second.size() ? QString::fromStdString(it->second[k]) : QString();
    bool number = false;
    const double d = v.toDouble(&number);
    return role == Qt::UserRole && number ? QVariant(d) : QVariant(v);  // numbers sort as numbers
  }
  if (role == Qt::UserRole) {  // sort keys: numbers as numbers
    switch (i.column()) {
      case Id: return qlonglong(r.id);
      case Lr: return r.lr;
      case Batch: return qlonglong(r.batch_size);
      case Seed: return qulonglong(r.seed);
      case Epochs: return r.epochs_run;
      case BestVal: return std::isfinite(r.best_val_accuracy) ? r.best_val_accuracy : -1.0;
      case TestAcc: return std::isfinite(r.test_accuracy) ? r.test_accuracy : -1.0;
      case Seconds: return r.seconds;
      case Sweep: return r.sweep_id ? qlonglong(r.sweep_id * 1000000 + r.trial * 1000 + r.repeat) : qlonglong(-1);
      default: break;
    }
    return data(i, Qt::DisplayRole);
  }
  if (role == Qt::ToolTipRole) {
    QString t = QString::fromStdString(r.reason);
    if ((i.column() == BestVal || i.column() == TestAcc) && r.best_epoch > 0) {
      t = QString("At epoch %1 of %2, %3").arg(r.best_epoch).arg(r.epochs_run)
              .arg(r.selected_by.empty() ? QString("the last one (no validation set: nothing selects)")
                                         : QString::fromStdString("the best by " + metric_label(r.selected_by)));
      if (i.column() == TestAcc && r.best_epoch != r.epochs_run && std::isfinite(r.final_test_accuracy))
        t += QString("\nAt the final epoch: %1").arg(pct(r.final_test_accuracy));
      return t;
    }
    if (!r.notes.empty()) t += (t.isEmpty() ? "" : "\n") + QString("Notes: ") + QString::fromStdString(r.notes);
    return t.isEmpty() ? QVariant() : t;
  }
  if (role == Qt::ForegroundRole && i.column() == Status) {
    if (r.status == "diverged" || r.status == "failed" || r.status == "interrupted") return QColor(176, 0, 32);
    if (r.status == "running") return QColor(21, 101, 192);
    return {};
  }
  if (role == Qt::TextAlignmentRole && (i.column() >= Lr && i.column() <= Seconds))
    return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  switch (i.column()) {
    case Id: return qlonglong(r.id);
    case Name: return QString::fromStdString(r.name);
    case Created: return QString::fromStdString(r.created);
    case Status: return QString::fromStdString(r.status);
    case Dataset: return QString::fromStdString(r.dataset);
    case Model: return QString::fromStdString(r.model);
    case Optimizer: return QString::fromStdString(r.optimizer);
    case Lr: return QString::number(r.lr, 'g', 4);
    case Batch: return qlonglong(r.batch_size);
    case Seed: return qulonglong(r.seed);
    case Epochs: return QString("%1/%2").arg(r.epochs_run).arg(r.epochs);
    case BestVal: return pct(r.best_val_accuracy);
    case TestAcc: return pct(r.test_accuracy);
    case Seconds: return duration(r.seconds);
    case Tags: return QString::fromStdString(r.tags);
    case Sweep:
      return r.sweep_id ? QString("%1 · trial %2 · seed %3").arg(r.sweep_id).arg(r.trial).arg(r.repeat + 1) : QString();
  }
  return {};
}

Qt::ItemFlags RunTableModel::flags(const QModelIndex& i) const {
  Qt::ItemFlags f = QAbstractTableModel::flags(i);
  if (i.column() == Name || i.column() == Tags) f |= Qt::ItemIsEditable;
  return f;
}

bool RunTableModel::setData(const QModelIndex& i, const QVariant& v, int role) {
  if (role != Qt::EditRole) return false;
  RunSummary& r = runs_[static_cast<size_t>(i.row())];
  const QString text = v.toString().trimmed();
  if (i.column() == Name && !text.isEmpty()) {
    r.name = text.toStdString();
    Q_EMIT renamed(r.id, text);
  } else if (i.column() == Tags) {
    r.tags = text.toStdString();
    Q_EMIT tagged(r.id, text);
  } else {
    return false;
  }
  Q_EMIT dataChanged(i, i);
  return true;
}

// ---- view ----

// The filter, status, report, database, setting-columns and refresh controls.
QHBoxLayout* HistoryView::buildToolbar() {
  auto* bar = new QHBoxLayout;
  filter_ = new QLineEdit;
  filter_->setPlaceholderText("Filter: any text in any column (name, dataset, model, optimizer, tags…)");
  filter_->setClearButtonEnabled(true);
  bar->addWidget(filter_, 1);
  status_ = new QComboBox;
  status_->addItems({"all statuses", "completed", "early-stopped", "cancelled", "diverged", "failed", "interrupted",
                     "running"});
  bar->addWidget(status_);
  auto* report = new QPushButton("Report…");
  report->setToolTip("A report of the selected runs (all shown runs if none is selected) as PDF or HTML: the "
                     "results table, curves, box plot and confusion matrices per configuration; per-run details "
                     "in an appendix if you ask for it");
  auto* report_menu = new QMenu(report);
  QAction* report_short = report_menu->addAction("Report…");
  QAction* report_long = report_menu->addAction("Report with appendix (per-run details)…");
  report->setMenu(report_menu);
  bar->addWidget(report);
  auto* database = new QPushButton("Database…");
  database->setToolTip("Open or create another run-history file (also the way out when this one is unusable)");
  bar->addWidget(database);
  connect(database, &QPushButton::clicked, this, [this] {
    QString f = QFileDialog::getSaveFileName(this, "Run history database", store_ ? QString::fromStdString(store_->path()) : QString(),
                                             "Hyperlab run history (*.db)", nullptr, QFileDialog::DontConfirmOverwrite);
    if (!f.isEmpty()) Q_EMIT databaseChosen(f);
  });
  setting_columns_ = new QCheckBox("Setting columns");
  setting_columns_->setToolTip("Show the settings that differ among the runs (learning rate, dropout, ...) as columns");
  bar->addWidget(setting_columns_);
  connect(setting_columns_, &QCheckBox::toggled, this, [this](bool on) { setShowSettingColumns(on); });
  auto* refresh = new QPushButton("Refresh");
  bar->addWidget(refresh);
  connect(refresh, &QPushButton::clicked, this, &HistoryView::refresh);
  auto ask_report = [this](bool appendix) {
    QString f = QFileDialog::getSaveFileName(this, "Report", "hyperlab-report.pdf", "PDF (*.pdf);;HTML (*.html)");
    if (QString err = f.isEmpty() ? QString() : writeReport(f, appendix); !err.isEmpty())
      QMessageBox::warning(this, "Report", err);
  };
  connect(report_short, &QAction::triggered, this, [ask_report] { ask_report(false); });
  connect(report_long, &QAction::triggered, this, [ask_report] { ask_report(true); });
  return bar;
}

HistoryView::HistoryView(QWidget* parent) : QWidget(parent) {
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(4, 4, 4, 4);
  v->addLayout(buildToolbar());
  info_ = new QLabel;
  info_->setWordWrap(true);
  v->addWidget(info_);

  model_ = new RunTableModel(this);
  proxy_ = new RunFilterProxy(this);
  proxy_->setSourceModel(model_);
  proxy_->setSortRole(Qt::UserRole);
  table_ = new QTableView;
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(RunTableModel::Id, Qt::DescendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
  table_->verticalHeader()->setVisible(false);
  table_->verticalHeader()->setDefaultSectionSize(22);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setContextMenuPolicy(Qt::CustomContextMenu);
  table_->setAlternatingRowColors(true);

  details_ = new QTabWidget;
  auto* curves = new QWidget;
  auto* ch = new QHBoxLayout(curves);
  ch->setContentsMargins(0, 0, 0, 0);
  overlay_acc_ = new MetricChart("Validation accuracy of the selected runs", "epoch", "accuracy");
  overlay_loss_ = new MetricChart("Training loss of the selected runs", "epoch", "loss");
  ch->addWidget(overlay_acc_);
  ch->addWidget(overlay_loss_);
  details_->addTab(curves, "Curves");
  differs_ = new QTextBrowser;
  details_->addTab(differs_, "What differs");
  auto* cmp = new QWidget;
  auto* cv = new QVBoxLayout(cmp);
  cv->setContentsMargins(0, 0, 0, 0);
  compare_ = new QTextBrowser;
  cv->addWidget(compare_);
  auto* eb = new QHBoxLayout;
  spread_ = new QComboBox;
  spread_->addItems({"mean ± standard error", "mean ± standard deviation"});
  spread_->setToolTip("What the ± of the table shows: the standard error of the mean (how well the mean is known, "
                      "for comparing settings) or the standard deviation (how much single runs vary)");
  eb->addWidget(spread_);
  connect(spread_, &QComboBox::currentIndexChanged, this, [this] { showComparison(); });
  eb->addWidget(new QLabel("Export the table:"));
  for (const QString& f : {QString("CSV"), QString("Markdown"), QString("LaTeX")}) {
    auto* b = new QPushButton(f);
    connect(b, &QPushButton::clicked, this, [this, f] { exportComparison(f); });
    eb->addWidget(b);
  }
  eb->addStretch(1);
  cv->addLayout(eb);
  details_->addTab(cmp, "Comparison");
  spread_chart_ = new SweepChart("Spread");
  details_->addTab(spread_chart_, "Spread (box plot)");

  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(table_);
  split->addWidget(details_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  v->addWidget(split, 1);

  connect(filter_, &QLineEdit::textChanged, this, &HistoryView::setFilterText);
  connect(status_, &QComboBox::currentIndexChanged, this, [this] { setFilterText(filter_->text()); });
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &HistoryView::onSelectionChanged);
  connect(table_, &QTableView::customContextMenuRequested, this, &HistoryView::showContextMenu);
  connect(model_, &RunTableModel::renamed, this, [this](qint64 id, const QString& name) {
    if (store_) store_->rename(id, name.toStdString());
  });
  connect(model_, &RunTableModel::tagged, this, [this](qint64 id, const QString& tags) {
    if (store_) store_->set_tags(id, tags.toStdString());
  });
  onSelectionChanged();
}

HistoryView::~HistoryView() = default;

void HistoryView::openDatabase(const QString& path) {
  store_.reset();
  error_.clear();
  try {
    store_ = std::make_unique<RunStore>(path.toStdString());
  } catch (const std::exception& e) {
    error_ = QString::fromStdString(e.what());
  }
  refresh();
}

void HistoryView::refresh() {
  std::vector<int64_t> keep = selectedRuns();
  if (!store_) {
    model_->setRuns({});
    info_->setText("<span style='color:#b00020'>Run history unavailable: " + error_.toHtmlEscaped() +
                   "</span><br>Training still works; export a run's metrics as CSV to keep them.");
    return;
  }
  try {
    model_->setRuns(store_->list());
    if (setting_columns_->isChecked()) fillSettingColumns();
    info_->setText(QString("%1 runs in %2. Double-click a name or tags to edit; select several runs to compare them; "
                           "right-click for more.")
                       .arg(model_->rowCount())
                       .arg(QString::fromStdString(store_->path()).toHtmlEscaped()));
  } catch (const std::exception& e) {
    info_->setText("<span style='color:#b00020'>" + QString::fromStdString(e.what()).toHtmlEscaped() + "</span>");
  }
  table_->resizeColumnsToContents();
  selectRuns(keep);
}

void HistoryView::setFilterText(const QString& text) {
  if (filter_->text() != text) filter_->setText(text);
  static_cast<RunFilterProxy*>(proxy_)->set(text, status_->currentIndex() > 0 ? status_->currentText() : QString());
}

int HistoryView::visibleRunCount() const { return proxy_->rowCount(); }

std::vector<int64_t> HistoryView::selectedRuns() const {
  std::vector<int64_t> ids;
  for (const QModelIndex& i : table_->selectionModel()->selectedRows())
    ids.push_back(model_->run(proxy_->mapToSource(i).row()).id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void HistoryView::selectRuns(const std::vector<int64_t>& ids) {
  QItemSelection sel;
  for (int r = 0; r < proxy_->rowCount(); ++r) {
    int64_t id = model_->run(proxy_->mapToSource(proxy_->index(r, 0)).row()).id;
    if (std::find(ids.begin(), ids.end(), id) != ids.end())
      sel.select(proxy_->index(r, 0), proxy_->index(r, RunTableModel::ColumnCount - 1));
  }
  table_->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
}

void HistoryView::onSelectionChanged() {
  overlay_acc_->removeAllSeries();
  overlay_loss_->removeAllSeries();
  const std::vector<int64_t> ids = selectedRuns();
  if (ids.empty() || !store_) {
    differs_->setHtml("<p>Select runs in the table to overlay their curves and see what differs between them.</p>");
    compare_->setHtml("<p>Select runs to compare. Runs that differ only in their seed form one row: the mean ± "
                      "standard error (or standard deviation, chosen below), n, the 95 % confidence interval and "
                      "Welch's p against the best row.</p>");
    comparison_md_.clear();
    comparison_.reset();
    return;
  }
  std::vector<RunRecord> recs;
  for (int64_t id : ids) {
    std::optional<RunRecord> r = store_->load(id);
    if (!r) continue;
    // One colour per run, the same wherever it appears.
    const QColor color = series_color(static_cast<int>(id));
    // Names while the legend has room; run numbers when many are selected.
    const QString name = ids.size() <= 3 ? QString("#%1 %2").arg(id).arg(QString::fromStdString(r->summary.name))
                                         : QString("#%1").arg(id);
    QVector<QPointF> acc, loss;
    bool test_only = true;  // a run without a validation set shows its test curve, and says so
    for (const EpochEvent& e : r->history) test_only &= !std::isfinite(e.val_accuracy);
    for (const EpochEvent& e : r->history) {
      const double a = test_only ? e.test_accuracy : e.val_accuracy;
      if (std::isfinite(a)) acc.push_back({double(e.epoch), a});
      if (std::isfinite(e.train_loss)) loss.push_back({double(e.epoch), e.train_loss});
    }
    overlay_acc_->setPoints(overlay_acc_->addSeries(test_only ? name + " (test: no validation set)" : name, color), acc);
    overlay_loss_->setPoints(overlay_loss_->addSeries(name, color), loss);
    recs.push_back(std::move(*r));
  }
  // What differs.
  std::vector<std::string> keys = differing_settings(recs);
  QString html;
  if (recs.size() < 2) html = "<p>Select two or more runs to see what differs between their configs.</p>";
  else if (keys.empty()) html = "<p>The selected runs have the same settings (seeds aside).</p>";
  else {
    html = "<table border='1' cellspacing='0' cellpadding='4'><tr><th>setting</th>";
    for (const RunRecord& r : recs) html += QString("<th>#%1</th>").arg(r.summary.id);
    html += "</tr>";
    for (const std::string& k : keys) {
      html += "<tr><td>" + QString::fromStdString(k).toHtmlEscaped() + "</td>";
      for (const RunRecord& r : recs) html += "<td>" + QString::fromStdString(setting_value(r, k)).toHtmlEscaped() + "</td>";
      html += "</tr>";
    }
    html += "</table>";
  }
  differs_->setHtml(html);
  // The comparison table.
  comparison_ = std::make_unique<Comparison>(compare_runs(recs));
  showComparison();
}

void HistoryView::showComparison() {
  if (!comparison_) return;
  const Comparison& c = *comparison_;
  const Spread sp = spread_->currentIndex() == 1 ? Spread::SD : Spread::SE;
  comparison_md_ = QString::fromStdString(comparison_markdown(c, sp));
  comparison_csv_ = QString::fromStdString(comparison_csv(c));
  comparison_tex_ = QString::fromStdString(comparison_latex(c, sp));
  compare_->setHtml(QString::fromStdString(comparison_html(c, sp)));
  // The box plot of the same groups: each run's test accuracy at its selected epoch.
  QStringList names;
  std::vector<BoxStats> boxes;
  std::vector<std::vector<double>> seeds;
  for (const RunGroup& g : c.groups) {
    const std::string l = g.label.empty() ? c.label(g) : g.label;  // the variant, else "lr=0.01, ..."
    names << QString::fromStdString(l.empty() ? "all" : l);
    boxes.push_back(box_stats(g.test_values));
    seeds.push_back(g.test_values);
  }
  spread_chart_->showBoxes(names, boxes, seeds,
                           QString::fromStdString(c.selected_by == "mixed"
                                                      ? std::string("test accuracy at each run's selected epoch")
                                                      : at_selected_text("test_accuracy", c.selected_by)));
}

void HistoryView::setShowSettingColumns(bool on) {
  if (setting_columns_->isChecked() != on) setting_columns_->setChecked(on);
  if (on) fillSettingColumns();
  else model_->setSettingColumns({}, {});
  table_->resizeColumnsToContents();
}

void HistoryView::fillSettingColumns() {
  if (!store_) return;
  // The configs of the listed runs (the list itself holds none).
  std::vector<RunRecord> recs;
  for (int r = 0; r < model_->rowCount(); ++r) {
    RunRecord rec;
    rec.summary = model_->run(r);
    rec.config = parse_config_text(store_->config_text(rec.summary.id), "run").config;
    recs.push_back(std::move(rec));
  }
  std::vector<std::string> keys = differing_settings(recs);
  std::map<int64_t, std::vector<std::string>> values;
  for (const RunRecord& r : recs)
    for (const std::string& k : keys) values[r.summary.id].push_back(setting_value(r, k));
  model_->setSettingColumns(std::move(keys), std::move(values));
}

QString HistoryView::differences() const { return differs_->toPlainText(); }

void HistoryView::showContextMenu(const QPoint& pos) {
  const std::vector<int64_t> ids = selectedRuns();
  if (ids.empty()) return;
  QMenu menu;
  QAction* clone = menu.addAction("Clone and edit");
  clone->setEnabled(ids.size() == 1);
  QAction* resume = menu.addAction("Resume training");
  resume->setEnabled(!resumableCheckpoint().isEmpty());
  resume->setToolTip("Continue an interrupted, stopped or finished run from its last checkpoint");
  QAction* evaluate = menu.addAction("Evaluate trained weights");
  evaluate->setEnabled(!resumableCheckpoint().isEmpty());
  evaluate->setToolTip("Load the run's last checkpoint (its best weights if early stopping kept them) and show its "
                       "test-set predictions and confusion matrix");
  QAction* rename = menu.addAction("Rename…");
  rename->setEnabled(ids.size() == 1);
  QAction* notes = menu.addAction("Notes…");
  notes->setEnabled(ids.size() == 1);
  menu.addSeparator();
  QAction* del = menu.addAction(ids.size() == 1 ? "Delete run…" : QString("Delete %1 runs…").arg(ids.size()));
  QAction* chosen = menu.exec(table_->viewport()->mapToGlobal(pos));
  if (!chosen || !store_) return;
  if (chosen == clone) {
    cloneSelected();
  } else if (chosen == resume) {
    Q_EMIT resumeRequested(ids[0], resumableCheckpoint());
  } else if (chosen == evaluate) {
    Q_EMIT evaluateRequested(ids[0], resumableCheckpoint());
  } else if (chosen == rename) {
    table_->edit(proxy_->index(table_->currentIndex().row(), RunTableModel::Name));
  } else if (chosen == notes) {
    editNotes();
  } else if (chosen == del) {
    deleteSelected(true);
  }
}

void HistoryView::cloneSelected() {
  const std::vector<int64_t> ids = selectedRuns();
  if (ids.size() != 1 || !store_) return;
  if (auto r = store_->load(ids[0])) Q_EMIT cloneRequested(r->config);
}

QString HistoryView::writeReport(const QString& file, bool appendix) {
  if (!store_) return "no run history: " + error_;
  std::vector<int64_t> ids = selectedRuns();
  if (ids.empty())
    for (int r = 0; r < proxy_->rowCount(); ++r) ids.push_back(model_->run(proxy_->mapToSource(proxy_->index(r, 0)).row()).id);
  std::sort(ids.begin(), ids.end());
  if (ids.empty()) return "there are no runs to report";
  std::vector<RunRecord> recs;
  for (int64_t id : ids)
    if (auto r = store_->load(id)) recs.push_back(std::move(*r));
  ReportOptions o;
  o.appendix = appendix;
  if (spread_->currentIndex() == 1) o.spread = Spread::SD;
  return write_report(recs, QString("Hyperlab report: %1 runs").arg(recs.size()), file, o);
}

QString HistoryView::resumableCheckpoint() const {
  const std::vector<int64_t> ids = selectedRuns();
  if (ids.size() != 1 || !store_) return {};
  const QString file = QString::fromStdString(store_->checkpoint(ids[0]));
  if (file.isEmpty() || !QFileInfo::exists(file)) return {};
  for (int r = 0; r < model_->rowCount(); ++r)
    if (model_->run(r).id == ids[0] && model_->run(r).status == "running") return {};
  return file;
}

void HistoryView::editNotes() {
  const std::vector<int64_t> ids = selectedRuns();
  if (ids.size() != 1 || !store_) return;
  auto r = store_->load(ids[0]);
  if (!r) return;
  bool ok = false;
  QString text = QInputDialog::getMultiLineText(this, "Notes", QString("Notes for run #%1").arg(ids[0]),
                                                QString::fromStdString(r->summary.notes), &ok);
  if (!ok) return;
  store_->set_notes(ids[0], text.toStdString());
  refresh();
}

void HistoryView::deleteSelected(bool confirm) {
  const std::vector<int64_t> ids = selectedRuns();
  if (ids.empty() || !store_) return;
  if (confirm) {
    QString what = ids.size() == 1 ? QString("run #%1").arg(ids[0]) : QString("%1 runs").arg(ids.size());
    if (QMessageBox::question(this, "Delete runs", "Delete " + what + " from the history? This cannot be undone.",
                              QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes)
      return;
  }
  for (int64_t id : ids) store_->remove(id);
  refresh();
}

void HistoryView::exportComparison(const QString& format) {
  if (comparison_md_.isEmpty()) {
    QMessageBox::information(this, "Export", "Select the runs to compare first.");
    return;
  }
  const QString ext = format == "CSV" ? "csv" : format == "Markdown" ? "md" : "tex";
  QString f = QFileDialog::getSaveFileName(this, "Export comparison", "comparison." + ext, format + " (*." + ext + ")");
  if (f.isEmpty()) return;
  const QString text = format == "CSV" ? comparison_csv_ : format == "Markdown" ? comparison_md_ : comparison_tex_;
  try {
    write_file_atomic(f.toStdString(), text.toStdString());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, "Export", QString::fromStdString(e.what()));
  }
}

}  // namespace hyperlab

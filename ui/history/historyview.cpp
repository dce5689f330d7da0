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

#include <algorithm>
#include <cmath>
#include <map>

#include "config/config_json.h"
#include "ui/widgets/background.h"
#include "ui/widgets/chartstyle.h"
#include "ui/widgets/metricchart.h"
#include "ui/run/reportwriter.h"
#include "ui/sweep/sweepcharts.h"
#include "ui/widgets/modelexport.h"
#include "store/compare.h"
#include "train/report.h"

namespace hyperlab {

namespace {

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
    QString f = QFileDialog::getSaveFileName(this, "Run history database", path_,
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
    if (!f.isEmpty()) run_file_job(this, "Report", reportJob(f, appendix));
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
    change([id, n = name.toStdString()](RunStore& s) { s.rename(id, n); });
  });
  connect(model_, &RunTableModel::tagged, this, [this](qint64 id, const QString& tags) {
    change([id, t = tags.toStdString()](RunStore& s) { s.set_tags(id, t); });
  });
  store_.setBusyWidget(this);
  connect(&store_, &StoreWorker::idle, this, &HistoryView::idle);
  onSelectionChanged();
}

HistoryView::~HistoryView() = default;

void HistoryView::openDatabase(const QString& path) {
  path_ = path;
  store_.setPath(path);
  error_.clear();
  refresh();
}

void HistoryView::refresh() {
  info_->setText("Reading the run history…");
  struct List {
    std::vector<RunSummary> runs;
    std::map<int64_t, std::string> configs;  // for the setting columns
    std::string error;
  };
  const bool configs = setting_columns_->isChecked();
  store_.run(
      [configs](RunStore& s) {
        List l;
        try {
          l.runs = s.list();
          if (configs)
            for (const RunSummary& r : l.runs) l.configs[r.id] = s.config_text(r.id);
        } catch (const std::exception& e) {
          l.error = e.what();
        }
        return l;
      },
      [this](List l, const QString& open_error) {
        if (!open_error.isEmpty()) error_ = open_error;
        else if (!l.error.empty()) return showProblem(QString::fromStdString(l.error));
        showRuns(std::move(l.runs), l.configs);
      });
}

void HistoryView::showProblem(const QString& error) {
  info_->setText("<span style='color:#b00020'>" + error.toHtmlEscaped() + "</span>");
}

void HistoryView::showRuns(std::vector<RunSummary> runs, const std::map<int64_t, std::string>& configs) {
  restoring_ = true;
  if (!error_.isEmpty()) {
    model_->setRuns({});
    info_->setText("<span style='color:#b00020'>Run history unavailable: " + error_.toHtmlEscaped() +
                   "</span><br>Training still works; export a run's metrics as CSV to keep them.");
  } else {
    model_->setRuns(std::move(runs));
    if (setting_columns_->isChecked()) fillSettingColumns(configs);
    info_->setText(QString("%1 runs in %2. Double-click a name or tags to edit; select several runs to compare them; "
                           "right-click for more.")
                       .arg(model_->rowCount())
                       .arg(path_.toHtmlEscaped()));
    table_->resizeColumnsToContents();
  }
  selectRuns(wanted_);
  restoring_ = false;
}

void HistoryView::change(std::function<void(RunStore&)> edit) {
  store_.run(
      [edit = std::move(edit)](RunStore& s) {
        edit(s);
        return true;
      },
      [this](bool, const QString& error) {
        if (!error.isEmpty()) showProblem(error);
      });
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
  wanted_ = ids;  // also once a list still being read arrives
  QItemSelection sel;
  for (int r = 0; r < proxy_->rowCount(); ++r) {
    int64_t id = model_->run(proxy_->mapToSource(proxy_->index(r, 0)).row()).id;
    if (std::find(ids.begin(), ids.end(), id) != ids.end())
      sel.select(proxy_->index(r, 0), proxy_->index(r, proxy_->columnCount() - 1));  // setting columns too
  }
  table_->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
}

void HistoryView::onSelectionChanged() {
  const std::vector<int64_t> ids = selectedRuns();
  if (!restoring_) wanted_ = ids;
  const unsigned gen = ++selection_gen_;
  checkpoint_.clear();
  if (ids.empty() || !error_.isEmpty()) return showSelection({});
  struct Selection {
    std::vector<RunRecord> recs;
    QString checkpoint;  // of the one selected run, if its file is there
  };
  store_.run(
      [ids](RunStore& s) {
        Selection sel;
        for (int64_t id : ids)
          if (auto r = s.load(id)) sel.recs.push_back(std::move(*r));
        if (ids.size() == 1) sel.checkpoint = QString::fromStdString(s.checkpoint(ids[0]));
        if (!sel.checkpoint.isEmpty() && !QFileInfo::exists(sel.checkpoint)) sel.checkpoint.clear();
        return sel;
      },
      [this, gen](Selection sel, const QString& error) {
        if (gen != selection_gen_) return;  // the selection changed since
        if (!error.isEmpty()) showProblem(error);
        checkpoint_ = sel.checkpoint;
        showSelection(std::move(sel.recs));
      });
}

void HistoryView::showSelection(std::vector<RunRecord> recs) {
  overlay_acc_->removeAllSeries();
  overlay_loss_->removeAllSeries();
  if (recs.empty()) {
    differs_->setHtml("<p>Select runs in the table to overlay their curves and see what differs between them.</p>");
    compare_->setHtml("<p>Select runs to compare. Runs that differ only in their seed form one row: the mean ± "
                      "standard error (or standard deviation, chosen below), n, the 95 % confidence interval and "
                      "Welch's p against the best row.</p>");
    comparison_md_.clear();
    comparison_.reset();
    return;
  }
  // One colour per run (by its number, moved on where two selected runs would
  // share one), and its name in the legend; where runs share a name, the
  // settings in which they differ (the seed where nothing else does).
  QVector<qint64> ids;
  for (const RunRecord& rec : recs) ids.push_back(rec.summary.id);
  const QVector<QColor> colors = distinct_colors(ids);
  std::map<std::string, std::vector<std::string>> differ;  // per shared name: the keys that differ
  {
    std::map<std::string, std::vector<RunRecord>> by_name;
    for (const RunRecord& rec : recs)
      if (std::count_if(recs.begin(), recs.end(), [&](const RunRecord& o) { return o.summary.name == rec.summary.name; }) > 1)
        by_name[rec.summary.name].push_back(rec);
    for (const auto& [n, group] : by_name) {
      differ[n] = differing_settings(group);
      bool seeds_differ = false;
      for (const RunRecord& o : group) seeds_differ |= o.summary.seed != group.front().summary.seed;
      if (differ[n].empty() && seeds_differ) differ[n].push_back("");  // "" stands for the seed
    }
  }
  for (size_t k = 0; k < recs.size(); ++k) {
    const RunRecord* r = &recs[k];
    const int64_t id = r->summary.id;
    const QColor color = colors[static_cast<int>(k)];
    QString name = QString("#%1 %2").arg(id).arg(QString::fromStdString(r->summary.name));
    if (auto it = differ.find(r->summary.name); it != differ.end()) {
      QStringList parts;
      for (const std::string& key : it->second)
        parts << (key.empty() ? QString("seed %1").arg(r->summary.seed)
                              : QString::fromStdString(key).section('.', -1) + "=" + QString::fromStdString(setting_value(*r, key)));
      if (!parts.isEmpty()) name += ": " + parts.join(", ");
    }
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
  if (on) return refresh();  // the list again, with the listed runs' configs
  model_->setSettingColumns({}, {});
  table_->resizeColumnsToContents();
}

void HistoryView::fillSettingColumns(const std::map<int64_t, std::string>& configs) {
  // The configs of the listed runs (the list itself holds none).
  std::vector<RunRecord> recs;
  for (int r = 0; r < model_->rowCount(); ++r) {
    RunRecord rec;
    rec.summary = model_->run(r);
    auto it = configs.find(rec.summary.id);
    rec.config = parse_config_text(it != configs.end() ? it->second : std::string(), "run").config;
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
  QAction* export_model = menu.addAction("Export model (TorchScript, weights)…");
  export_model->setEnabled(!resumableCheckpoint().isEmpty());
  QAction* export_script = menu.addAction("Export as PyTorch script…");
  export_script->setEnabled(ids.size() == 1);
  QAction* rename = menu.addAction("Rename…");
  rename->setEnabled(ids.size() == 1);
  QAction* notes = menu.addAction("Notes…");
  notes->setEnabled(ids.size() == 1);
  menu.addSeparator();
  QAction* del = menu.addAction(ids.size() == 1 ? "Delete run…" : QString("Delete %1 runs…").arg(ids.size()));
  QAction* chosen = menu.exec(table_->viewport()->mapToGlobal(pos));
  if (!chosen || !error_.isEmpty()) return;
  if (chosen == clone) {
    cloneSelected();
  } else if (chosen == resume) {
    Q_EMIT resumeRequested(ids[0], resumableCheckpoint());
  } else if (chosen == evaluate) {
    Q_EMIT evaluateRequested(ids[0], resumableCheckpoint());
  } else if (chosen == export_model) {
    export_model_interactively(this, resumableCheckpoint(), QString("run-%1").arg(ids[0]));
  } else if (chosen == export_script) {
    store_.run([id = ids[0]](RunStore& s) { return s.load(id); }, [this](std::optional<RunRecord> r, const QString&) {
      if (r) export_script_interactively(this, r->config);
    });
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
  if (ids.size() != 1) return;
  store_.run([id = ids[0]](RunStore& s) { return s.load(id); },
             [this](std::optional<RunRecord> r, const QString&) {
               if (r) Q_EMIT cloneRequested(r->config);
             });
}

QString HistoryView::writeReport(const QString& file, bool appendix) { return reportJob(file, appendix)(); }

// The report as a job for any thread: it reads the runs through a connection
// of its own (the selected ones, else all shown) and writes the file.
std::function<QString()> HistoryView::reportJob(const QString& file, bool appendix) const {
  std::vector<int64_t> ids = selectedRuns();
  if (ids.empty())
    for (int r = 0; r < proxy_->rowCount(); ++r) ids.push_back(model_->run(proxy_->mapToSource(proxy_->index(r, 0)).row()).id);
  std::sort(ids.begin(), ids.end());
  ReportOptions o;
  o.appendix = appendix;
  if (spread_->currentIndex() == 1) o.spread = Spread::SD;
  return [ids, o, file, path = path_.toStdString(), error = error_]() -> QString {
    if (!error.isEmpty()) return "no run history: " + error;
    if (ids.empty()) return "there are no runs to report";
    std::vector<RunRecord> recs;
    try {
      recs = load_runs(path, ids);
    } catch (const std::exception& e) {
      return QString::fromStdString(e.what());
    }
    return write_report(recs, QString("Hyperlab report: %1 runs").arg(recs.size()), file, o);
  };
}

QString HistoryView::resumableCheckpoint() const {
  const std::vector<int64_t> ids = selectedRuns();
  if (ids.size() != 1 || checkpoint_.isEmpty()) return {};
  for (int r = 0; r < model_->rowCount(); ++r)
    if (model_->run(r).id == ids[0] && model_->run(r).status == "running") return {};
  return checkpoint_;
}

void HistoryView::editNotes() {
  const std::vector<int64_t> ids = selectedRuns();
  if (ids.size() != 1) return;
  store_.run([id = ids[0]](RunStore& s) { return s.load(id); },
             [this, id = ids[0]](std::optional<RunRecord> r, const QString&) {
               if (!r) return;
               bool ok = false;
               QString text = QInputDialog::getMultiLineText(this, "Notes", QString("Notes for run #%1").arg(id),
                                                             QString::fromStdString(r->summary.notes), &ok);
               if (!ok) return;
               change([id, t = text.toStdString()](RunStore& s) { s.set_notes(id, t); });
               refresh();
             });
}

void HistoryView::deleteSelected(bool confirm) {
  const std::vector<int64_t> ids = selectedRuns();
  if (ids.empty() || !error_.isEmpty()) return;
  if (confirm) {
    QString what = ids.size() == 1 ? QString("run #%1").arg(ids[0]) : QString("%1 runs").arg(ids.size());
    if (QMessageBox::question(this, "Delete runs", "Delete " + what + " from the history? This cannot be undone.",
                              QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes)
      return;
  }
  change([ids](RunStore& s) {
    for (int64_t id : ids) s.remove(id);
  });
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
  write_in_background(this, f, text.toUtf8(), [this](const QString& err) {
    if (!err.isEmpty()) QMessageBox::warning(this, "Export", err);
  });
}

}  // namespace hyperlab

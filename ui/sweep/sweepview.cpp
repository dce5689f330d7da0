#include "ui/sweep/sweepview.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <set>


#include "config/config_json.h"
#include "config/presets.h"
#include "ui/widgets/background.h"
#include "ui/widgets/storeworker.h"
#include "ui/widgets/metricchart.h"
#include "ui/run/reportwriter.h"
#include "store/runstore.h"
#include "sweep/analysis.h"
#include "ui/sweep/sweepcharts.h"
#include "ui/sweep/sweepcontroller.h"
#include "ui/sweep/sweepform.h"
#include "ui/sweep/sweepsummary.h"
#include "train/report.h"
#include "train/trainer.h"

namespace hyperlab {

namespace {


bool finished_status(const std::string& s) { return s != "queued" && s != "running"; }

// "dropout 0.2, lr=0.01": a configuration as every legend, box and row names
// it (a variant by its name), in the sweep's parameter order.
QString label_of(const SweepSpec& spec, const Settings& s) {
  return QString::fromStdString(settings_label(spec, s));
}

// Chart categories must differ (a random search can draw one configuration
// twice; rounding can make two labels alike): repeats get their trial number.
void make_unique(QStringList& names, const std::vector<int>& ids) {
  for (int i = 0; i < names.size(); ++i)
    if (names.count(names[i]) > 1)
      for (int j = names.size() - 1; j >= 0; --j)
        if (j != i && names[j] == names[i]) names[j] += QString(" #%1").arg(ids[j]);
  for (int i = 0; i < names.size(); ++i)
    if (names.count(names[i]) > 1) names[i] += QString(" #%1").arg(ids[i]);
}

QString fmt(double v) { return std::isfinite(v) ? QString::number(v, 'f', 4) : QString("–"); }

}  // namespace

SweepView::SweepView(QWidget* parent) : QWidget(parent), controller_(new SweepController(this)) {
  auto* split = new QSplitter(Qt::Horizontal, this);
  form_ = new SweepForm;
  buildFooter();
  auto* scroll = new QScrollArea;
  scroll->setWidget(form_);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(300);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  auto* form_side = new QWidget;
  auto* fs = new QVBoxLayout(form_side);
  fs->setContentsMargins(0, 0, 0, 0);
  fs->setSpacing(0);
  fs->addWidget(scroll, 1);
  fs->addWidget(footer_);
  auto* right = new QWidget;
  buildDashboard(right);
  split->addWidget(form_side);
  split->addWidget(right);
  split->setStretchFactor(0, 0);
  split->setStretchFactor(1, 1);
  split->setSizes({430, 900});
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(0, 0, 0, 0);
  v->addWidget(split);
  connect(controller_, &SweepController::changed, this, &SweepView::refresh);
  connect(controller_, &SweepController::finished, this, &SweepView::onFinished);
  updateButtons();
}

SweepView::~SweepView() = default;

void SweepView::buildFooter() {
  auto* bb = new QHBoxLayout;
  auto* open = new QPushButton("Open…");
  auto* save = new QPushButton("Save…");
  start_ = new QPushButton("Start sweep");
  stop_ = new QPushButton("Stop");
  start_->setDefault(true);
  // Homework studies, ready to run (resources/sweeps): each in its full and its quick form.
  auto* presets = new QPushButton("Presets");
  auto* pm = new QMenu(presets);
  for (const std::string& n : sweep_preset_names()) {
    const SweepResult full = load_sweep_preset(n, false);
    QMenu* sub = pm->addMenu(QString::fromStdString(n));
    sub->setToolTipsVisible(true);
    sub->menuAction()->setToolTip(QString::fromStdString(full.spec.description));
    for (bool quick : {true, false}) {
      QAction* act = sub->addAction(quick ? "Quick form (smaller data, fewer epochs and seeds)" : "Full form");
      act->setToolTip(QString::fromStdString(full.spec.description));
      connect(act, &QAction::triggered, this, [this, n, quick] { loadPreset(QString::fromStdString(n), quick); });
    }
  }
  pm->setToolTipsVisible(true);
  presets->setMenu(pm);
  presets->setToolTip("Coursework studies as sweeps: regularisation, 15 configurations, learning rates, depth and "
                      "vanishing gradients, optimizers on the CNN, ASHA random search");
  bb->addWidget(presets);
  bb->addWidget(open);
  bb->addWidget(save);
  bb->addStretch(1);
  bb->addWidget(start_);
  bb->addWidget(stop_);
  // The buttons and errors stay in view below the scrolling form.
  footer_ = new QWidget;
  auto* fv = new QVBoxLayout(footer_);
  fv->setContentsMargins(6, 4, 6, 4);
  fv->addLayout(bb);
  errors_ = new QLabel;
  errors_->setWordWrap(true);
  errors_->setStyleSheet("color: #b00020;");
  fv->addWidget(errors_);
  connect(start_, &QPushButton::clicked, this, [this] { start(); });
  connect(stop_, &QPushButton::clicked, this, &SweepView::stop);
  connect(open, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, "Open sweep", {}, "Sweep files (*.json)");
    if (!f.isEmpty()) openSweepFile(f);
  });
  connect(save, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, "Save sweep", form_->name() + ".sweep.json", "Sweep files (*.json)");
    if (f.isEmpty()) return;
    SweepResult r = sweepFromForm();
    if (!r.ok()) return (void)QMessageBox::warning(this, "Save sweep", QString::fromStdString(r.errors.front().str()));
    write_in_background(this, f, QByteArray::fromStdString(sweep_to_text(r.spec)), [this](const QString& err) {
      if (!err.isEmpty()) QMessageBox::warning(this, "Save sweep", err);
    });
  });
}


void SweepView::buildDashboard(QWidget* host) {
  auto* v = new QVBoxLayout(host);
  v->setContentsMargins(4, 4, 4, 4);
  progress_ = new QLabel("No sweep yet: choose the settings to vary and press Start sweep.");
  progress_->setWordWrap(true);
  v->addWidget(progress_);
  tabs_ = new QTabWidget;
  v->addWidget(tabs_, 1);

  auto* tpage = new QWidget;
  auto* tv = new QVBoxLayout(tpage);
  tv->setContentsMargins(0, 0, 0, 0);
  trials_ = new QTableWidget;
  trials_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  trials_->setSelectionBehavior(QAbstractItemView::SelectRows);
  trials_->setSelectionMode(QAbstractItemView::SingleSelection);
  trials_->verticalHeader()->setVisible(false);
  trials_->verticalHeader()->setDefaultSectionSize(22);
  trials_->setAlternatingRowColors(true);
  tv->addWidget(trials_, 1);
  auto* tb = new QHBoxLayout;
  cancel_trial_ = new QPushButton("Cancel trial");
  cancel_trial_->setToolTip("Stops the selected trial's runs; it counts as failed and the sweep goes on");
  tb->addWidget(cancel_trial_);
  tb->addStretch(1);
  tv->addLayout(tb);
  tabs_->addTab(tpage, "Trials");
  connect(cancel_trial_, &QPushButton::clicked, this, &SweepView::cancelSelectedTrial);

  best_ = new SweepChart("Best so far");
  tabs_->addTab(best_, "Best so far");

  auto* ppage = new QWidget;
  auto* pv = new QVBoxLayout(ppage);
  pv->setContentsMargins(0, 0, 0, 0);
  auto* pp = new QHBoxLayout;
  pp->addWidget(new QLabel("Setting:"));
  param_pick_ = new QComboBox;
  pp->addWidget(param_pick_, 1);
  pv->addLayout(pp);
  param_chart_ = new SweepChart("Objective against a setting");
  pv->addWidget(param_chart_, 1);
  tabs_->addTab(ppage, "Per setting");
  connect(param_pick_, &QComboBox::currentIndexChanged, this, [this] { updateCharts(); });

  parallel_ = new ParallelCoordinates;
  tabs_->addTab(parallel_, "Parallel coordinates");

  auto* bpage = new QWidget;
  auto* bv = new QVBoxLayout(bpage);
  bv->setContentsMargins(0, 0, 0, 0);
  auto* bk = new QHBoxLayout;
  bk->addWidget(new QLabel("Band:"));
  band_kind_ = new QComboBox;
  band_kind_->addItems({"± standard error", "± standard deviation"});
  bk->addWidget(band_kind_);
  bk->addStretch(1);
  bv->addLayout(bk);
  bands_ = new SweepChart("Mean curves");
  bv->addWidget(bands_, 1);
  tabs_->addTab(bpage, "Seeds: mean ± band");
  connect(band_kind_, &QComboBox::currentIndexChanged, this, [this] { updateCharts(); });

  boxes_ = new SweepChart("Spread");
  tabs_->addTab(boxes_, "Spread (box plots)");

  auto* spage = new QWidget;
  auto* sv = new QVBoxLayout(spage);
  sv->setContentsMargins(0, 0, 0, 0);
  // One row per configuration; ticked rows are the ones the charts show.
  summary_ = new SweepSummaryTable;
  sv->addWidget(summary_, 1);
  connect(summary_, &SweepSummaryTable::chosenChanged, this, [this] { updateCharts(); });
  auto* sb = new QHBoxLayout;
  for (const char* fmt : {"CSV", "Markdown", "LaTeX"}) {
    auto* b = new QPushButton(QString("Export %1…").arg(fmt));
    const QString f = fmt;
    connect(b, &QPushButton::clicked, this, [this, f] { exportSummary(f); });
    sb->addWidget(b);
  }
  auto* report = new QPushButton("Report…");
  report->setToolTip("The sweep as a short paper (PDF or HTML): what was searched, the summary table, charts, one "
                     "confusion matrix per configuration; per-run details in an appendix if you ask for it");
  auto* report_menu = new QMenu(report);
  QAction* report_short = report_menu->addAction("Report…");
  QAction* report_long = report_menu->addAction("Report with appendix (per-run details)…");
  report->setMenu(report_menu);
  auto ask_report = [this](bool appendix) {
    const QString f = QFileDialog::getSaveFileName(this, "Sweep report", form_->name() + "-report.pdf",
                                                   "PDF (*.pdf);;HTML (*.html)");
    if (!f.isEmpty()) run_file_job(this, "Report", reportJob(f, appendix));
  };
  connect(report_short, &QAction::triggered, this, [ask_report] { ask_report(false); });
  connect(report_long, &QAction::triggered, this, [ask_report] { ask_report(true); });
  sb->addWidget(report);
  sb->addStretch(1);
  sv->addLayout(sb);
  tabs_->addTab(spage, "Summary");
}

void SweepView::setBaseConfig(const ExperimentConfig& c) { form_->setBaseConfig(c); }

void SweepView::addParam(const QString& key, const QString& kind, const QString& values, int points) {
  form_->addParam(key, kind, values, points);
}

SweepResult SweepView::sweepFromForm() const { return form_->sweep(); }

void SweepView::setSweep(const SweepSpec& s) {
  form_->setSweep(s);
  ConfigResult c = parse_config_text(s.base_text, "sweep base");
  if (c.ok()) {
    form_->setBaseConfig(c.config);
    Q_EMIT baseConfigLoaded(c.config);
  }
}

bool SweepView::loadPreset(const QString& name, bool quick) {
  SweepResult r = load_sweep_preset(name.toStdString(), quick);
  if (!r.ok()) {
    errors_->setText(QString::fromStdString(r.errors.front().str()));
    return false;
  }
  errors_->clear();
  setSweep(r.spec);
  Q_EMIT status(QString("Sweep preset %1%2: %3")
                    .arg(name, quick ? " (quick form)" : "", QString::fromStdString(r.spec.description)));
  return true;
}

bool SweepView::openSweepFile(const QString& file) {
  SweepResult r = load_sweep_file(file.toStdString());
  if (!r.ok()) {
    QString all;
    for (const ConfigError& e : r.errors) all += QString::fromStdString(e.str()) + "\n";
    errors_->setText(all.trimmed());
    reason_ = all.trimmed();
    return false;
  }
  errors_->clear();
  setSweep(r.spec);
  return true;
}

QString SweepView::saveSweepFile(const QString& file) const {
  SweepResult r = sweepFromForm();
  if (!r.ok()) return QString::fromStdString(r.errors.front().str());
  try {
    write_file_atomic(file.toStdString(), sweep_to_text(r.spec));
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

bool SweepView::running() const { return controller_->running(); }

bool SweepView::start() {
  if (running()) {
    reason_ = "a sweep is running";
    return false;
  }
  SweepResult r = sweepFromForm();
  if (!r.ok()) {
    QString all;
    for (const ConfigError& e : r.errors) all += QString::fromStdString(e.str()) + "\n";
    reason_ = all.trimmed();
    errors_->setText(reason_);
    return false;
  }
  errors_->clear();
  reason_.clear();
  SweepOptions o;
  o.store_path = db_path_.toStdString();
  o.fresh = form_->startAnew();
  if (!controller_->start(r.spec, o)) {
    reason_ = "a sweep is running";
    return false;
  }
  param_pick_->blockSignals(true);
  param_pick_->clear();
  for (const ParamSpec& p : r.spec.params) param_pick_->addItem(QString::fromStdString(p.key));
  param_pick_->blockSignals(false);
  progress_->setText("Starting: loading the data…");
  trials_->setRowCount(0);
  updateButtons();
  Q_EMIT status("Sweep " + form_->name() + " started");
  return true;
}

void SweepView::stop() { controller_->stop(); }

void SweepView::cancelSelectedTrial() {
  const int row = trials_->currentRow();
  if (row < 0 || !trials_->item(row, 0)) return;
  controller_->cancelTrial(trials_->item(row, 0)->data(Qt::UserRole).toInt());
}

void SweepView::updateButtons() {
  const bool on = running();
  start_->setEnabled(!on);
  stop_->setEnabled(on);
  cancel_trial_->setEnabled(on);
}

void SweepView::refresh() {
  const SweepSpec& spec = controller_->spec();
  const auto& trials = controller_->trials();
  // The trial table.
  QStringList head = {"#"};
  for (const ParamSpec& p : spec.params) head << QString::fromStdString(p.key).section('.', -1);
  const bool resource = spec.strategy == "halving" || spec.strategy == "hyperband";
  if (resource) head << "epochs";
  head << "status" << "seeds" << "epoch" << "now" << QString::fromStdString(spec.metric) << "test acc.";
  if (trials_->columnCount() != head.size()) {
    trials_->setColumnCount(head.size());
    trials_->setHorizontalHeaderLabels(head);
  }
  const int keep = trials_->currentRow();
  trials_->setRowCount(static_cast<int>(trials.size()));
  double best = kNone;
  int best_id = -1, done = 0, running = 0;
  for (const TrialRow& t : trials) {
    if (finished_status(t.status)) ++done;
    if (t.status == "running") ++running;
    if (std::isfinite(t.value) && (!std::isfinite(best) || (spec.maximize ? t.value > best : t.value < best)))
      best = t.value, best_id = t.id;
  }
  for (int r = 0; r < static_cast<int>(trials.size()); ++r) {
    const TrialRow& t = trials[r];
    QStringList cells = {QString::number(t.id)};
    for (const ParamSpec& p : spec.params)
      cells << (t.settings.count(p.key) ? QString::fromStdString(display_value(t.settings.at(p.key))) : "");
    if (resource) cells << QString::number(t.resource);
    cells << QString::fromStdString(t.status) << QString("%1/%2").arg(t.repeats_done).arg(spec.repeats)
          << (t.status == "running" ? QString::number(t.epoch) : "") << (t.status == "running" ? fmt(t.current) : "")
          << fmt(t.value) << fmt(t.test);
    QColor bg;
    if (t.status == "running") bg = QColor(227, 242, 253);
    else if (t.status == "diverged" || t.status == "failed") bg = QColor(255, 235, 238);
    else if (t.status == "cancelled") bg = QColor(238, 238, 238);
    for (int c = 0; c < cells.size(); ++c) {
      auto* it = trials_->item(r, c);
      if (!it) trials_->setItem(r, c, it = new QTableWidgetItem);
      it->setText(cells[c]);
      it->setData(Qt::UserRole, t.id);
      it->setBackground(bg.isValid() ? QBrush(bg) : QBrush());
      QFont f = it->font();
      f.setBold(t.id == best_id);
      it->setFont(f);
      if (!t.reason.empty()) it->setToolTip(QString::fromStdString(t.reason));
    }
  }
  if (keep >= 0 && keep < trials_->rowCount()) trials_->selectRow(keep);
  const int planned = planned_trials(spec);
  QString p = QString("Sweep \"%1\": %2%3 trial%4 with a result, %5 running")
                  .arg(QString::fromStdString(spec.name))
                  .arg(done)
                  .arg(planned ? QString(" of %1").arg(planned) : QString())
                  .arg(done == 1 && !planned ? "" : "s")
                  .arg(running);
  const int queued = planned ? planned - done - running : 0;
  if (queued > 0) p += QString(", %1 queued").arg(queued);
  if (best_id >= 0) p += QString("; best %1 %2 (trial %3)").arg(QString::fromStdString(spec.metric), fmt(best)).arg(best_id);
  progress_->setText(p);
  updateButtons();
  // Charts at most twice a second.
  if (!charts_dirty_) {
    charts_dirty_ = true;
    QTimer::singleShot(running ? 500 : 0, this, [this] {
      charts_dirty_ = false;
      updateCharts();
    });
  }
}

void SweepView::updateCharts() {
  const SweepSpec& spec = controller_->spec();
  const auto& trials = controller_->trials();
  const QString metric = QString::fromStdString(spec.metric);
  std::vector<double> values;
  for (const TrialRow& t : trials)
    if (finished_status(t.status)) values.push_back(t.value);
  best_->showBestSoFar(values, metric, spec.maximize);

  // The configurations ticked in the Summary limit the per-setting, band and box charts.
  const std::set<int> chosen = summary_->chosen();
  const std::vector<ParamAxis> axes = param_axes(spec, trials);
  const int pick = param_pick_->currentIndex();
  if (pick >= 0 && pick < static_cast<int>(axes.size())) {
    std::vector<std::string> xs;
    std::vector<double> ys;
    for (const TrialRow& t : trials) {
      if (!finished_status(t.status) || !t.settings.count(axes[pick].key)) continue;
      if (!chosen.empty() && !chosen.count(t.id)) continue;
      for (double v : t.values) xs.push_back(t.settings.at(axes[pick].key)), ys.push_back(v);
    }
    param_chart_->showParameter(axes[pick], xs, ys, metric);
  }
  parallel_->setData(axes, trials, metric, spec.maximize);

  // Bands and boxes: the ticked configurations; none ticked, the running
  // trials and the best 3 finished ones (more make one blob).
  std::vector<const TrialRow*> shown;
  if (!chosen.empty()) {
    for (const TrialRow& t : trials)
      if (chosen.count(t.id)) shown.push_back(&t);
  } else {
    for (const TrialRow& t : trials)
      if (t.status == "running") shown.push_back(&t);
    std::vector<const TrialRow*> done;
    for (const TrialRow& t : trials)
      if (finished_status(t.status) && std::isfinite(t.value)) done.push_back(&t);
    std::sort(done.begin(), done.end(), [&](const TrialRow* a, const TrialRow* b) {
      return spec.maximize ? a->value > b->value : a->value < b->value;
    });
    for (size_t k = 0; k < done.size() && k < 3; ++k) shown.push_back(done[k]);
  }
  std::sort(shown.begin(), shown.end(), [](const TrialRow* a, const TrialRow* b) { return a->id < b->id; });
  std::vector<SweepChart::Band> bands;
  std::vector<int> band_ids;
  for (const TrialRow* t : shown) {
    std::vector<std::vector<double>> curves;
    for (int k = 0; k < spec.repeats; ++k) {
      auto it = controller_->curves().find({t->id, k});
      if (it != controller_->curves().end() && !it->second.empty()) curves.push_back(it->second);
    }
    if (curves.empty()) continue;
    QString name = label_of(spec, t->settings);
    if (t->resource) name += QString(" (%1 ep.)").arg(t->resource);
    bands.push_back({name, series_color(t->id), band_curve(curves)});
    band_ids.push_back(t->id);
  }
  QStringList band_names;
  for (const SweepChart::Band& b : bands) band_names << b.name;
  make_unique(band_names, band_ids);
  // Each trial's colour, as on the other charts, unless two bands would share one (the History's rule).
  const QVector<QColor> colors = distinct_colors(QVector<qint64>(band_ids.begin(), band_ids.end()));
  for (size_t i = 0; i < bands.size(); ++i)
    bands[i].name = band_names[static_cast<int>(i)], bands[i].color = colors[static_cast<int>(i)];
  bands_->showBands(bands, metric, band_kind_->currentIndex() == 1);

  const std::vector<ConfigSummary> sum = summarize_sweep(trials, spec.maximize);
  QStringList names;
  std::vector<BoxStats> boxes;
  std::vector<std::vector<double>> seeds;
  std::vector<int> box_ids;
  for (const ConfigSummary& c : sum) {
    if ((!chosen.empty() && !chosen.count(c.trial)) || boxes.size() >= 24) continue;
    names << label_of(spec, c.settings) + (c.resource ? QString(" (%1 ep.)").arg(c.resource) : QString());
    box_ids.push_back(c.trial);
    boxes.push_back(box_stats(c.values));
    seeds.push_back(c.values);
  }
  make_unique(names, box_ids);
  boxes_->showBoxes(names, boxes, seeds, metric + " at the selected epoch");
  const Spread spread = band_kind_->currentIndex() == 1 ? Spread::SD : Spread::SE;  // the bands' choice, for the table too
  summary_md_ = QString::fromStdString(sweep_summary_markdown(sum, spec, spread));
  summary_csv_ = QString::fromStdString(sweep_summary_csv(sum, spec));
  summary_tex_ = QString::fromStdString(sweep_summary_latex(sum, spec, spread));
  summary_->setSummary(spec, sum, spread == Spread::SD);
}

QTableWidget* SweepView::summaryTable() const { return summary_->table(); }

void SweepView::exportSummary(const QString& format) {
  if (summary_md_.isEmpty()) {
    QMessageBox::information(this, "Export", "The sweep has no results yet.");
    return;
  }
  const QString ext = format == "CSV" ? "csv" : format == "Markdown" ? "md" : "tex";
  const QString f = QFileDialog::getSaveFileName(this, "Export summary", form_->name() + "-summary." + ext,
                                                 format + " (*." + ext + ")");
  if (f.isEmpty()) return;
  const QString text = format == "CSV" ? summary_csv_ : format == "Markdown" ? summary_md_ : summary_tex_;
  write_in_background(this, f, text.toUtf8(), [this](const QString& err) {
    if (!err.isEmpty()) QMessageBox::warning(this, "Export", err);
  });
}

QString SweepView::writeReport(const QString& file, bool appendix) { return reportJob(file, appendix)(); }

// The report as a job that may run on any thread: it reads the trials' runs
// through a connection of its own and writes the file.
std::function<QString()> SweepView::reportJob(const QString& file, bool appendix) const {
  const std::vector<TrialRow> trials = controller_->trials();
  ReportOptions o;
  o.appendix = appendix;
  o.spread = band_kind_->currentIndex() == 1 ? Spread::SD : Spread::SE;
  return [trials, o, file, db = db_path_.toStdString(), spec = controller_->spec()]() -> QString {
    if (trials.empty()) return "the sweep has no trials yet";
    std::vector<int64_t> ids;
    for (const TrialRow& t : trials)
      for (int64_t id : t.run_ids)
        if (id) ids.push_back(id);
    std::vector<RunRecord> recs;
    try {
      if (!db.empty()) recs = load_runs(db, ids);
    } catch (const std::exception& e) {
      return QString::fromStdString(e.what());
    }
    return write_report(make_sweep_report(spec, trials, recs, o), file);
  };
}

void SweepView::onFinished(const SweepOutcome& o) {
  updateButtons();
  updateCharts();  // the final state at once, not after the live throttle
  QString msg = QString("Sweep %1: %2").arg(QString::fromStdString(o.status)).arg(progress_->text());
  if (!o.message.empty()) msg += " — " + QString::fromStdString(o.message);
  progress_->setText(msg);
  if (o.status == "failed") errors_->setText(QString::fromStdString(o.message));
  Q_EMIT status(msg);
  Q_EMIT sweepFinished();
}

}  // namespace hyperlab

#include "sweepview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "metricchart.h"
#include "reportwriter.h"
#include "store/runstore.h"
#include "sweep/analysis.h"
#include "sweepcharts.h"
#include "sweepcontroller.h"
#include "train/report.h"
#include "train/trainer.h"

namespace hyperlab {

namespace {

using json = nlohmann::json;

const char* kKinds[][2] = {{"values", "list of values"},       {"choice", "choice (random/Bayes)"},
                           {"linear", "linear range"},         {"log", "log range"},
                           {"uniform", "uniform (random/Bayes)"}, {"log_uniform", "log-uniform (random/Bayes)"}};

const char* kCommonKeys[] = {"training.optimizer.lr",   "training.optimizer.type", "training.optimizer.momentum",
                             "training.batch_size",     "training.epochs",         "training.l2",
                             "training.l1",             "model.mlp.hidden",        "model.mlp.activation",
                             "model.mlp.dropout",       "model.mlp.batchnorm",     "model.init.scheme",
                             "data.normalization",      "data.train_limit"};

QString kind_of(ParamSpec::Kind k) {
  switch (k) {
    case ParamSpec::Kind::List: return "values";
    case ParamSpec::Kind::Choice: return "choice";
    case ParamSpec::Kind::Linear: return "linear";
    case ParamSpec::Kind::Log: return "log";
    case ParamSpec::Kind::Uniform: return "uniform";
    case ParamSpec::Kind::LogUniform: return "log_uniform";
  }
  return "values";
}

// "0.1, 0.01, [500, 50]" -> the top-level items.
std::vector<std::string> split_items(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool quote = false;
  for (char c : s) {
    if (c == '"') quote = !quote;
    if (!quote && (c == '[' || c == '{')) ++depth;
    if (!quote && (c == ']' || c == '}')) --depth;
    if (c == ',' && depth == 0 && !quote) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  for (std::string& x : out) {
    const auto a = x.find_first_not_of(" \t"), b = x.find_last_not_of(" \t");
    x = a == std::string::npos ? "" : x.substr(a, b - a + 1);
  }
  out.erase(std::remove(out.begin(), out.end(), std::string()), out.end());
  return out;
}

bool finished_status(const std::string& s) { return s != "queued" && s != "running"; }

// "0.001, adam": a configuration's values, short enough for a legend.
QString values_text(const Settings& s) {
  QStringList v;
  for (const auto& kv : s) v << QString::fromStdString(display_value(kv.second));
  return v.join(", ");
}

QString fmt(double v) { return std::isfinite(v) ? QString::number(v, 'f', 4) : QString("–"); }

}  // namespace

SweepView::SweepView(QWidget* parent) : QWidget(parent), controller_(new SweepController(this)) {
  auto* split = new QSplitter(Qt::Horizontal, this);
  auto* left = new QWidget;
  buildForm(left);
  auto* scroll = new QScrollArea;
  scroll->setWidget(left);
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

void SweepView::buildForm(QWidget* host) {
  auto* v = new QVBoxLayout(host);
  auto* what = new QGroupBox("Sweep");
  auto* f = new QFormLayout(what);
  f->setRowWrapPolicy(QFormLayout::WrapLongRows);
  name_ = new QLineEdit("sweep");
  name_->setToolTip("Trials are tagged sweep:NAME; running a sweep of the same name and settings again resumes it");
  f->addRow("Name", name_);
  base_label_ = new QLabel;
  base_label_->setWordWrap(true);
  f->addRow("Base", base_label_);
  v->addWidget(what);

  auto* pbox = new QGroupBox("Settings to vary");
  auto* pv = new QVBoxLayout(pbox);
  params_ = new QTableWidget(0, 4);
  params_->setHorizontalHeaderLabels({"Setting", "How", "Values / low, high", "Points"});
  params_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  params_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Fixed);
  params_->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
  params_->horizontalHeader()->setSectionResizeMode(3, QHeaderView::Fixed);
  params_->setColumnWidth(1, 96);
  params_->setColumnWidth(3, 46);
  params_->setHorizontalHeaderLabels({"Setting", "How", "Values / low, high", "Pts"});
  params_->verticalHeader()->setVisible(false);
  params_->setMinimumHeight(130);
  pv->addWidget(params_);
  auto* pb = new QHBoxLayout;
  auto* add = new QPushButton("Add");
  auto* remove = new QPushButton("Remove");
  pb->addWidget(add);
  pb->addWidget(remove);
  pb->addStretch(1);
  pv->addLayout(pb);
  auto* hint = new QLabel("Values: 0.1, 0.01 or adam, sgd or [128], [64, 32]. Ranges: low, high.");
  hint->setWordWrap(true);
  hint->setStyleSheet("color: #666;");
  pv->addWidget(hint);
  v->addWidget(pbox);
  connect(add, &QPushButton::clicked, this, [this] { addParam("training.optimizer.lr", "log", "0.001, 0.1", 5); });
  connect(remove, &QPushButton::clicked, this, [this] {
    if (params_->currentRow() >= 0) params_->removeRow(params_->currentRow());
  });

  auto* sbox = new QGroupBox("Search");
  auto* sf = new QFormLayout(sbox);
  sf->setRowWrapPolicy(QFormLayout::WrapLongRows);
  strategy_ = new QComboBox;
  strategy_->addItem("grid", "grid");
  strategy_->addItem("random", "random");
  strategy_->addItem("successive halving", "halving");
  strategy_->addItem("Hyperband", "hyperband");
  strategy_->addItem("Bayesian (TPE)", "bayes");
  sf->addRow("Strategy", strategy_);
  trials_n_ = new QSpinBox;
  trials_n_->setRange(1, 100000);
  trials_n_->setValue(20);
  trials_n_->setToolTip("random, Bayesian: trials; successive halving: configurations started");
  sf->addRow("Trials", trials_n_);
  eta_ = new QDoubleSpinBox;
  eta_->setRange(1.1, 10);
  eta_->setValue(3);
  sf->addRow("Keep 1/η (η)", eta_);
  min_epochs_ = new QSpinBox;
  min_epochs_->setRange(1, 100000);
  max_epochs_ = new QSpinBox;
  max_epochs_->setRange(1, 100000);
  max_epochs_->setValue(27);
  auto* ep = new QHBoxLayout;
  ep->addWidget(min_epochs_);
  ep->addWidget(new QLabel("to"));
  ep->addWidget(max_epochs_);
  sf->addRow("Epochs", ep);
  seed_ = new QSpinBox;
  seed_->setRange(0, 1000000);
  seed_->setValue(1);
  sf->addRow("Strategy seed", seed_);
  repeats_ = new QSpinBox;
  repeats_->setRange(1, 1000);
  repeats_->setValue(3);
  repeats_->setToolTip("Runs per configuration, each with its own seed (base seed + 0, 1, ...)");
  sf->addRow("Seeds each", repeats_);
  metric_ = new QComboBox;
  for (const char* m : {"val_accuracy", "val_loss", "test_accuracy", "test_loss", "train_accuracy", "train_loss"})
    metric_->addItem(m);
  mode_ = new QComboBox;
  mode_->addItems({"max", "min"});
  auto* ob = new QHBoxLayout;
  ob->addWidget(mode_);
  ob->addWidget(metric_, 1);
  sf->addRow("Objective", ob);
  v->addWidget(sbox);
  connect(metric_, &QComboBox::currentTextChanged, this, [this](const QString& m) {
    mode_->setCurrentText(m.endsWith("loss") ? "min" : "max");
  });
  auto enable = [this] {
    const QString s = strategy_->currentData().toString();
    trials_n_->setEnabled(s == "random" || s == "bayes" || s == "halving");
    eta_->setEnabled(s == "halving" || s == "hyperband");
    min_epochs_->setEnabled(s == "halving");
    max_epochs_->setEnabled(s == "halving" || s == "hyperband");
    seed_->setEnabled(s != "grid");
  };
  connect(strategy_, &QComboBox::currentIndexChanged, this, enable);
  enable();

  auto* rbox = new QGroupBox("Running");
  auto* rf = new QFormLayout(rbox);
  rf->setRowWrapPolicy(QFormLayout::WrapLongRows);
  workers_ = new QSpinBox;
  workers_->setRange(1, 256);
  workers_->setValue(std::max(1, physical_cores()));
  workers_->setToolTip("Trials at once; each gets cores / workers threads. Small models gain most.");
  rf->addRow("Trials at once", workers_);
  time_limit_ = new QDoubleSpinBox;
  time_limit_->setRange(0, 100000);
  time_limit_->setDecimals(1);
  time_limit_->setSuffix(" min");
  time_limit_->setSpecialValueText("none");
  rf->addRow("Time budget", time_limit_);
  fresh_ = new QCheckBox("Start anew (do not resume)");
  fresh_->setToolTip("A sweep stopped, out of time or killed resumes where it was, without re-running finished trials");
  rf->addRow(fresh_);
  v->addWidget(rbox);

  auto* bb = new QHBoxLayout;
  auto* open = new QPushButton("Open…");
  auto* save = new QPushButton("Save…");
  start_ = new QPushButton("Start sweep");
  stop_ = new QPushButton("Stop");
  start_->setDefault(true);
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
  v->addStretch(1);
  connect(start_, &QPushButton::clicked, this, [this] { start(); });
  connect(stop_, &QPushButton::clicked, this, &SweepView::stop);
  connect(open, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, "Open sweep", {}, "Sweep files (*.json)");
    if (!f.isEmpty()) openSweepFile(f);
  });
  connect(save, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, "Save sweep", name_->text() + ".sweep.json", "Sweep files (*.json)");
    if (f.isEmpty()) return;
    const QString err = saveSweepFile(f);
    if (!err.isEmpty()) QMessageBox::warning(this, "Save sweep", err);
  });
  addParam("training.optimizer.lr", "log", "0.001, 0.1", 3);
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
  summary_ = new QTextBrowser;
  sv->addWidget(summary_, 1);
  auto* sb = new QHBoxLayout;
  for (const char* fmt : {"CSV", "Markdown", "LaTeX"}) {
    auto* b = new QPushButton(QString("Export %1…").arg(fmt));
    const QString f = fmt;
    connect(b, &QPushButton::clicked, this, [this, f] { exportSummary(f); });
    sb->addWidget(b);
  }
  auto* report = new QPushButton("Report…");
  connect(report, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, "Sweep report", name_->text() + "-report.pdf",
                                                   "PDF (*.pdf);;HTML (*.html)");
    if (f.isEmpty()) return;
    const QString err = writeReport(f);
    if (!err.isEmpty()) QMessageBox::warning(this, "Report", err);
  });
  sb->addWidget(report);
  sb->addStretch(1);
  sv->addLayout(sb);
  tabs_->addTab(spage, "Summary");
}

void SweepView::setBaseConfig(const ExperimentConfig& c) {
  base_ = c;
  base_label_->setText(QString("the editor's experiment \"%1\" (%2 epochs, %3 lr %4)")
                           .arg(QString::fromStdString(c.name))
                           .arg(c.training.epochs)
                           .arg(QString::fromStdString(c.training.optimizer.type))
                           .arg(c.training.optimizer.lr));
}

void SweepView::addParam(const QString& key, const QString& kind, const QString& values, int points) {
  const int r = params_->rowCount();
  params_->insertRow(r);
  auto* k = new QComboBox;
  k->setEditable(true);
  for (const char* c : kCommonKeys) k->addItem(c);
  k->setCurrentText(key);
  params_->setCellWidget(r, 0, k);
  auto* how = new QComboBox;
  for (auto& kk : kKinds) how->addItem(kk[1], kk[0]);
  how->setCurrentIndex(std::max(0, how->findData(kind)));
  params_->setCellWidget(r, 1, how);
  auto* val = new QLineEdit(values);
  params_->setCellWidget(r, 2, val);
  auto* pts = new QSpinBox;
  pts->setRange(1, 1000);
  pts->setValue(points);
  params_->setCellWidget(r, 3, pts);
  auto sync = [how, pts] {
    const QString d = how->currentData().toString();
    pts->setEnabled(d == "linear" || d == "log");
  };
  connect(how, &QComboBox::currentIndexChanged, this, sync);
  sync();
}

SweepResult SweepView::sweepFromForm() const {
  json j;
  j["version"] = 1;
  j["name"] = name_->text().trimmed().toStdString();
  j["base"] = {{"config", json::parse(config_to_text(base_))}};
  json params = json::array();
  SweepResult bad;
  for (int r = 0; r < params_->rowCount(); ++r) {
    const std::string at = "params[" + std::to_string(r) + "]";
    json p;
    p["key"] = static_cast<QComboBox*>(params_->cellWidget(r, 0))->currentText().trimmed().toStdString();
    const std::string kind = static_cast<QComboBox*>(params_->cellWidget(r, 1))->currentData().toString().toStdString();
    const std::string text = static_cast<QLineEdit*>(params_->cellWidget(r, 2))->text().toStdString();
    const int points = static_cast<QSpinBox*>(params_->cellWidget(r, 3))->value();
    std::vector<std::string> items = split_items(text);
    if (kind == "values" || kind == "choice") {
      json vals = json::array();
      for (const std::string& it : items) {
        json x = json::parse(it, nullptr, false);
        vals.push_back(x.is_discarded() ? json(it) : x);
      }
      p[kind] = vals;
    } else {
      if (items.size() == 1 && items[0].find("..") != std::string::npos)
        items = {items[0].substr(0, items[0].find("..")), items[0].substr(items[0].find("..") + 2)};
      json range = json::array();
      for (const std::string& it : items) {
        char* end = nullptr;
        const double d = std::strtod(it.c_str(), &end);
        if (end == it.c_str() || *end) {
          bad.errors.push_back({at + "." + kind, "\"" + it + "\" is not a number"});
          continue;
        }
        range.push_back(d);
      }
      p[kind] = range;
      if (kind == "linear" || kind == "log") p["points"] = points;
    }
    params.push_back(p);
  }
  if (!bad.ok()) return bad;
  j["params"] = params;
  j["strategy"] = {{"type", strategy_->currentData().toString().toStdString()},
                   {"trials", trials_n_->value()},
                   {"eta", eta_->value()},
                   {"min_epochs", min_epochs_->value()},
                   {"max_epochs", max_epochs_->value()},
                   {"seed", seed_->value()}};
  j["repeats"] = repeats_->value();
  j["objective"] = {{"metric", metric_->currentText().toStdString()}, {"mode", mode_->currentText().toStdString()}};
  j["run"] = {{"workers", workers_->value()}, {"time_limit_minutes", time_limit_->value()}};
  return parse_sweep_text(j.dump(), "sweep");
}

void SweepView::setSweep(const SweepSpec& s) {
  name_->setText(QString::fromStdString(s.name));
  params_->setRowCount(0);
  for (const ParamSpec& p : s.params) {
    QString values;
    if (!p.values.empty()) {
      for (const std::string& v : p.values) {
        // Words without their JSON quotes (they read back as strings), unless they hold a comma.
        const std::string shown = v.size() >= 2 && v.front() == '"' && v.find(',') == std::string::npos
                                      ? v.substr(1, v.size() - 2) : v;
        values += (values.isEmpty() ? "" : ", ") + QString::fromStdString(shown);
      }
    } else {
      values = QString::number(p.lo, 'g', 10) + ", " + QString::number(p.hi, 'g', 10);
    }
    addParam(QString::fromStdString(p.key), kind_of(p.kind), values, p.points);
  }
  strategy_->setCurrentIndex(std::max(0, strategy_->findData(QString::fromStdString(s.strategy))));
  trials_n_->setValue(s.trials);
  eta_->setValue(s.eta);
  min_epochs_->setValue(s.min_epochs);
  max_epochs_->setValue(s.max_epochs);
  seed_->setValue(static_cast<int>(s.seed));
  repeats_->setValue(s.repeats);
  metric_->setCurrentText(QString::fromStdString(s.metric));
  mode_->setCurrentText(s.maximize ? "max" : "min");
  workers_->setValue(s.workers);
  time_limit_->setValue(s.time_limit_minutes);
  ConfigResult c = parse_config_text(s.base_text, "sweep base");
  if (c.ok()) {
    setBaseConfig(c.config);
    Q_EMIT baseConfigLoaded(c.config);
  }
}

bool SweepView::openSweepFile(const QString& file) {
  SweepResult r = load_sweep_file(file.toStdString());
  if (!r.ok()) {
    QString all;
    for (const ConfigError& e : r.errors) all += QString::fromStdString(e.path + ": " + e.message) + "\n";
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
  if (!r.ok()) return QString::fromStdString(r.errors.front().path + ": " + r.errors.front().message);
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
    for (const ConfigError& e : r.errors) all += QString::fromStdString(e.path + ": " + e.message) + "\n";
    reason_ = all.trimmed();
    errors_->setText(reason_);
    return false;
  }
  errors_->clear();
  reason_.clear();
  SweepOptions o;
  o.store_path = db_path_.toStdString();
  o.fresh = fresh_->isChecked();
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
  Q_EMIT status("Sweep " + name_->text() + " started");
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
  head << "status" << "seeds" << "epoch" << "now" << QString::fromStdString(spec.metric);
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
          << fmt(t.value);
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

  const std::vector<ParamAxis> axes = param_axes(spec, trials);
  const int pick = param_pick_->currentIndex();
  if (pick >= 0 && pick < static_cast<int>(axes.size())) {
    std::vector<std::string> xs;
    std::vector<double> ys;
    for (const TrialRow& t : trials) {
      if (!finished_status(t.status) || !t.settings.count(axes[pick].key)) continue;
      for (double v : t.values) xs.push_back(t.settings.at(axes[pick].key)), ys.push_back(v);
    }
    param_chart_->showParameter(axes[pick], xs, ys, metric);
  }
  parallel_->setData(axes, trials, metric, spec.maximize);

  // Bands: the running trials and the best finished ones, 8 at most.
  std::vector<const TrialRow*> shown;
  for (const TrialRow& t : trials)
    if (t.status == "running") shown.push_back(&t);
  std::vector<const TrialRow*> done;
  for (const TrialRow& t : trials)
    if (finished_status(t.status) && std::isfinite(t.value)) done.push_back(&t);
  std::sort(done.begin(), done.end(), [&](const TrialRow* a, const TrialRow* b) {
    return spec.maximize ? a->value > b->value : a->value < b->value;
  });
  for (const TrialRow* t : done)
    if (shown.size() < 8) shown.push_back(t);
  std::sort(shown.begin(), shown.end(), [](const TrialRow* a, const TrialRow* b) { return a->id < b->id; });
  std::vector<SweepChart::Band> bands;
  for (const TrialRow* t : shown) {
    std::vector<std::vector<double>> curves;
    for (int k = 0; k < spec.repeats; ++k) {
      auto it = controller_->curves().find({t->id, k});
      if (it != controller_->curves().end() && !it->second.empty()) curves.push_back(it->second);
    }
    if (curves.empty()) continue;
    QString name = "#" + QString::number(t->id) + " " + values_text(t->settings);
    if (t->resource) name += QString(" (%1 ep.)").arg(t->resource);
    bands.push_back({name, series_color(t->id), band_curve(curves)});
  }
  bands_->showBands(bands, metric, band_kind_->currentIndex() == 1);

  const std::vector<ConfigSummary> sum = summarize_sweep(trials, spec.maximize);
  QStringList names;
  std::vector<BoxStats> boxes;
  for (const ConfigSummary& c : sum) {
    if (boxes.size() >= 24) break;
    names << "#" + QString::number(c.trial) + " " + values_text(c.settings);
    boxes.push_back(box_stats(c.values));
  }
  boxes_->showBoxes(names, boxes, metric);

  summary_md_ = QString::fromStdString(sweep_summary_markdown(sum, spec.metric));
  summary_csv_ = QString::fromStdString(sweep_summary_csv(sum, spec.metric));
  summary_tex_ = QString::fromStdString(sweep_summary_latex(sum, spec.metric));
  summary_->setMarkdown(
      "**" + metric + "** per configuration over its " + QString::number(spec.repeats) +
      " seed(s): mean, standard deviation, standard error, 95 % confidence interval (Student's t), n, min, max, and "
      "Welch's t-test against the best configuration (small p: unlikely to be noise; no test with one seed).\n\n" +
      (sum.empty() ? QString("No results yet.") : summary_md_));
}

void SweepView::exportSummary(const QString& format) {
  if (summary_md_.isEmpty()) {
    QMessageBox::information(this, "Export", "The sweep has no results yet.");
    return;
  }
  const QString ext = format == "CSV" ? "csv" : format == "Markdown" ? "md" : "tex";
  const QString f = QFileDialog::getSaveFileName(this, "Export summary", name_->text() + "-summary." + ext,
                                                 format + " (*." + ext + ")");
  if (f.isEmpty()) return;
  const QString text = format == "CSV" ? summary_csv_ : format == "Markdown" ? summary_md_ : summary_tex_;
  try {
    write_file_atomic(f.toStdString(), text.toStdString());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, "Export", QString::fromStdString(e.what()));
  }
}

QString SweepView::writeReport(const QString& file) {
  const auto& trials = controller_->trials();
  if (trials.empty()) return "the sweep has no trials yet";
  std::vector<RunRecord> recs;
  if (!db_path_.isEmpty()) {
    try {
      RunStore store(db_path_.toStdString());
      for (const TrialRow& t : trials)
        for (int64_t id : t.run_ids)
          if (id)
            if (auto r = store.load(id)) recs.push_back(std::move(*r));
    } catch (const std::exception& e) {
      return QString::fromStdString(e.what());
    }
  }
  return write_report(make_sweep_report(controller_->spec(), trials, recs), file);
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

#include "ui/sweep/sweepform.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QFrame>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "train/trainer.h"
#include "ui/editor/forms.h"
#include "ui/sweep/variantseditor.h"

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

}  // namespace

SweepForm::SweepForm(QWidget* parent) : QWidget(parent) {
  auto* v = new QVBoxLayout(this);
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
  params_ = new QVBoxLayout;
  params_->setSpacing(4);
  pv->addLayout(params_);
  auto* pb = new QHBoxLayout;
  auto* add = new QPushButton("Add a setting");
  pb->addWidget(add);
  pb->addStretch(1);
  pv->addLayout(pb);
  auto* hint = new QLabel("Each setting: its key, then how it varies and its values: 0.1, 0.01 or adam, sgd or "
                          "[128], [64, 32]; ranges: low, high (and grid points).");
  hint->setWordWrap(true);
  hint->setStyleSheet("color: #666;");
  pv->addWidget(hint);
  v->addWidget(pbox);
  connect(add, &QPushButton::clicked, this, [this] { addParam("training.optimizer.lr", "log", "0.001, 0.1", 5); });
  variants_ = new VariantsEditor;
  v->addWidget(variants_);
  connect(variants_, &VariantsEditor::changed, this, &SweepForm::updatePlan);

  v->addWidget(buildSearch());
  v->addWidget(buildRunning());

  plan_ = new QLabel;
  plan_->setWordWrap(true);
  plan_->setStyleSheet("font-weight: bold;");
  v->addWidget(plan_);
  v->addStretch(1);
  for (QSpinBox* b : {trials_n_, min_epochs_, max_epochs_, repeats_})
    connect(b, &QSpinBox::valueChanged, this, &SweepForm::updatePlan);
  connect(eta_, &QDoubleSpinBox::valueChanged, this, &SweepForm::updatePlan);
  connect(strategy_, &QComboBox::currentIndexChanged, this, &SweepForm::updatePlan);
  connect(metric_, &QComboBox::currentIndexChanged, this, &SweepForm::updatePlan);
  addParam("training.optimizer.lr", "log", "0.001, 0.1", 3);
  align_label_columns(this);
}

// The strategy, its options, seeds and the objective.
QGroupBox* SweepForm::buildSearch() {
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
  // The objective chooses: never the test set (its accuracy is reported beside it).
  for (const char* m : {"val_accuracy", "val_loss", "train_accuracy", "train_loss"}) metric_->addItem(m);
  metric_->setToolTip("What ranks the configurations, at each run's selected epoch. The test accuracy is shown "
                      "beside it and never chooses.");
  mode_ = new QComboBox;
  mode_->addItems({"max", "min"});
  auto* ob = new QHBoxLayout;
  ob->addWidget(mode_);
  ob->addWidget(metric_, 1);
  sf->addRow("Objective", ob);
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
  return sbox;
}

// Trials at once, the time budget, resume or start anew.
QGroupBox* SweepForm::buildRunning() {
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
  return rbox;
}

QString SweepForm::planText() const {
  const SweepResult r = sweep();
  if (!r.ok()) return "Cannot start: " + QString::fromStdString(r.errors.front().str());
  const SweepSpec& s = r.spec;
  const int n = planned_trials(s);
  const QString seeds = QString("%1 seed%2").arg(s.repeats).arg(s.repeats == 1 ? "" : "s");
  if (n > 0)
    return QString("%1 configuration%2 × %3 = %4 runs").arg(n).arg(n == 1 ? "" : "s").arg(seeds).arg(n * s.repeats);
  return QString("%1: the number of trials depends on their results (each trial × %2)")
      .arg(QString::fromStdString(s.strategy == "halving" ? "Successive halving" : "Hyperband"))
      .arg(seeds);
}

void SweepForm::updatePlan() {
  plan_->setText(planText());
  Q_EMIT changed();
}

void SweepForm::setBaseConfig(const ExperimentConfig& c) {
  base_ = c;
  variants_->setBase(c);
  base_label_->setText(QString("the editor's experiment \"%1\" (%2 epochs, %3 lr %4)")
                           .arg(QString::fromStdString(c.name))
                           .arg(c.training.epochs)
                           .arg(QString::fromStdString(c.training.optimizer.type))
                           .arg(c.training.optimizer.lr));
}

void SweepForm::addParam(const QString& key, const QString& kind, const QString& values, int points) {
  ParamRow row;
  row.frame = new QFrame;
  row.frame->setFrameShape(QFrame::StyledPanel);
  auto* g = new QGridLayout(row.frame);
  g->setContentsMargins(4, 4, 4, 4);
  g->setSpacing(4);
  row.key = new QComboBox;
  row.key->setEditable(true);
  for (const char* c : kCommonKeys) row.key->addItem(c);
  row.key->setCurrentText(key);
  row.key->setToolTip("The setting's key path in the experiment (pick one or type any)");
  row.key->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);  // the line's width, not the longest key's
  row.remove = new QToolButton;
  row.remove->setText("✕");
  row.remove->setToolTip("Remove this setting from the sweep");
  row.how = new QComboBox;
  for (auto& kk : kKinds) row.how->addItem(kk[1], kk[0]);
  row.how->setCurrentIndex(std::max(0, row.how->findData(kind)));
  row.how->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  row.how->setMinimumContentsLength(10);
  row.values = new QLineEdit(values);
  row.values->setPlaceholderText("values, or low, high");
  row.points = new QSpinBox;
  row.points->setRange(1, 1000);
  row.points->setValue(points);
  row.points->setSuffix(" pts");
  row.points->setToolTip("Grid points of a linear or log range");
  g->addWidget(row.key, 0, 0, 1, 3);
  g->addWidget(row.remove, 0, 3);
  g->addWidget(row.how, 1, 0);
  g->addWidget(row.values, 1, 1);
  g->addWidget(row.points, 1, 2, 1, 2);
  g->setColumnStretch(1, 1);
  params_->addWidget(row.frame);
  auto sync = [how = row.how, pts = row.points] {
    const QString d = how->currentData().toString();
    pts->setEnabled(d == "linear" || d == "log");
  };
  connect(row.how, &QComboBox::currentIndexChanged, this, sync);
  sync();
  connect(row.how, &QComboBox::currentIndexChanged, this, &SweepForm::updatePlan);
  connect(row.key, &QComboBox::currentTextChanged, this, &SweepForm::updatePlan);
  connect(row.values, &QLineEdit::textChanged, this, &SweepForm::updatePlan);
  connect(row.points, &QSpinBox::valueChanged, this, &SweepForm::updatePlan);
  connect(row.remove, &QToolButton::clicked, this, [this, f = row.frame] { removeParam(f); });
  rows_.push_back(row);
  updatePlan();
}

void SweepForm::removeParam(QFrame* frame) {
  rows_.erase(std::remove_if(rows_.begin(), rows_.end(), [frame](const ParamRow& r) { return r.frame == frame; }),
              rows_.end());
  frame->deleteLater();
  updatePlan();
}

SweepResult SweepForm::sweep() const {
  json j;
  j["version"] = 1;
  j["name"] = name_->text().trimmed().toStdString();
  if (!description_.empty()) j["description"] = description_;
  j["base"] = {{"config", json::parse(config_to_text(base_))}};
  json params = json::array();
  SweepResult bad;
  auto variants_json = [](const std::string& key, const VariantsEditor::Variants& vs) {
    json v = json::array();  // a list keeps their order
    for (const auto& [name, bundle] : vs) {
      json set = json::object();
      for (const auto& [k, x] : bundle) set[k] = json::parse(x);
      v.push_back({{"name", name}, {"set", set}});
    }
    return json{{"key", key}, {"variants", v}};
  };
  const int offset = variants_->variants().empty() || variants_at_ > 0 ? 0 : 1;
  for (size_t r = 0; r < rows_.size(); ++r) {
    const std::string at = "params[" + std::to_string(r + offset) + "]";
    json p;
    p["key"] = rows_[r].key->currentText().trimmed().toStdString();
    const std::string kind = rows_[r].how->currentData().toString().toStdString();
    const std::string text = rows_[r].values->text().toStdString();
    const int points = rows_[r].points->value();
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
  // The variants where the file had them (the sweep's identity keeps the
  // order), and any further sets of variants as they were read.
  auto insert_at = [&](size_t at, json p) { params.insert(params.begin() + static_cast<long>(std::min(at, params.size())), p); };
  if (!variants_->variants().empty()) insert_at(static_cast<size_t>(variants_at_), variants_json(variants_->label(), variants_->variants()));
  for (const auto& [at, p] : extra_variants_) insert_at(static_cast<size_t>(at), variants_json(p.key, p.variants));
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

void SweepForm::setSweep(const SweepSpec& s) {
  name_->setText(QString::fromStdString(s.name));
  description_ = s.description;
  name_->setToolTip(QString::fromStdString(s.description));
  for (const ParamRow& r : rows_) delete r.frame;
  rows_.clear();
  bool variants_shown = false;
  variants_->setVariants("variant", {});
  variants_at_ = 0;
  extra_variants_.clear();
  for (size_t i = 0; i < s.params.size(); ++i) {
    const ParamSpec& p = s.params[i];
    if (p.is_variants() && !variants_shown) {  // the form edits one set of variants...
      variants_->setVariants(p.key, p.variants);
      variants_at_ = static_cast<int>(i);
      variants_shown = true;
      continue;
    }
    if (p.is_variants()) {  // ...and keeps any other as it is
      extra_variants_.push_back({static_cast<int>(i), p});
      continue;
    }
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
  fresh_->setChecked(false);
}

QString SweepForm::name() const { return name_->text(); }

bool SweepForm::startAnew() const { return fresh_->isChecked(); }

}  // namespace hyperlab

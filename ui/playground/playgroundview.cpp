#include "ui/playground/playgroundview.h"

#include <QBuffer>
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStyleOptionSpinBox>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>

#include <algorithm>
#include <cmath>

#include "ui/playground/contourmap.h"
#include "ui/widgets/background.h"
#include "ui/widgets/export.h"
#include "ui/widgets/fields.h"
#include "ui/widgets/metricchart.h"
#include "ui/widgets/pictureviews.h"

namespace hyperlab {

using namespace playground;

namespace {

double nearest_minimum_distance(const Function& f, double x, double y) {
  double best = NAN;
  for (auto [mx, my] : f.minima) {
    const double d = std::sqrt((x - mx) * (x - mx) + (y - my) * (y - my));  // hypot() is 5x slower
    if (!std::isfinite(best) || d < best) best = d;
  }
  return best;
}

QString spec_text(const OptimizerSpec& o) {
  const OptimizerSpec d = parse_optimizer(o.type);
  QStringList s;
  auto add = [&](const char* k, double v, double dv) {
    if (v != dv) s << QString("%1=%2").arg(k).arg(v, 0, 'g', 10);
  };
  add("momentum", o.momentum, o.type == "momentum" || o.type == "nesterov" ? -1 : d.momentum);
  add("dampening", o.dampening, d.dampening);
  add("weight_decay", o.weight_decay, d.weight_decay);
  add("beta1", o.beta1, d.beta1);
  add("beta2", o.beta2, d.beta2);
  add("eps", o.eps, d.eps);
  add("alpha", o.alpha, d.alpha);
  add("lr_decay", o.lr_decay, d.lr_decay);
  add("initial_accumulator_value", o.initial_accumulator, d.initial_accumulator);
  if (o.nesterov != d.nesterov) s << QString("nesterov=%1").arg(o.nesterov ? "true" : "false");
  if (o.amsgrad) s << "amsgrad=true";
  if (o.centered) s << "centered=true";
  return s.join(",");
}

const char* kTypes[] = {"gd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad", "sgd"};

// The width a spin box needs to show `text` whole, with its buttons and frame.
int spin_width(const QAbstractSpinBox* b, const QString& text) {
  QStyleOptionSpinBox opt;
  opt.initFrom(b);
  opt.buttonSymbols = b->buttonSymbols();
  opt.subControls = QStyle::SC_SpinBoxFrame | QStyle::SC_SpinBoxEditField | QStyle::SC_SpinBoxUp | QStyle::SC_SpinBoxDown;
  opt.frame = b->hasFrame();
  const QSize text_size(b->fontMetrics().horizontalAdvance(text) + 8, b->sizeHint().height());
  return b->style()->sizeFromContents(QStyle::CT_SpinBox, &opt, text_size, b).width();
}

// The width a line edit needs to show `text` whole.
int edit_width(const QLineEdit* e, const QString& text) {
  const QMargins m = e->textMargins();
  return e->fontMetrics().horizontalAdvance(text) + m.left() + m.right() + 16;  // frame and the edit's own margins
}

// The legend's sample of a path: its dashes and its marker, as an inline picture.
QString line_sample_html(int style, const QColor& c, int height) {
  const qreal dpr = 2;
  QImage img(QSize(34, height) * dpr, QImage::Format_ARGB32_Premultiplied);
  img.setDevicePixelRatio(dpr);
  img.fill(Qt::transparent);
  QPainter p(&img);
  p.setRenderHint(QPainter::Antialiasing);
  const double y = height / 2.0;
  p.setPen(path_pen(style, c, 2.2));
  p.drawLine(QPointF(2, y), QPointF(32, y));
  draw_path_marker(p, style, QPointF(17, y), 3.2, c);
  p.end();
  QByteArray png;
  QBuffer buf(&png);
  buf.open(QIODevice::WriteOnly);
  img.save(&buf, "PNG");
  return QString("<img src='data:image/png;base64,%1' width=34 height=%2>")
      .arg(QString::fromLatin1(png.toBase64()))
      .arg(height);
}

}  // namespace

// ---- the tab ----

PlaygroundView::PlaygroundView(QWidget* parent) : QWidget(parent) {
  auto* split = new QSplitter(Qt::Horizontal, this);
  auto* left = new QWidget;
  buildControls(left);
  // The settings column scrolls up and down, never sideways: fitSettings()
  // keeps it as wide as its widest label and field need.
  settings_ = new QScrollArea;
  settings_->setObjectName("settings");
  settings_->setWidget(left);
  left->installEventFilter(this);
  settings_->setWidgetResizable(true);
  settings_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  auto* right = new QWidget;
  right->setObjectName("figure");
  auto* rv = new QVBoxLayout(right);
  rv->setContentsMargins(4, 4, 4, 4);
  contour_ = new ContourView;
  formula_ = new QLabel;
  formula_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  rv->addWidget(formula_);
  auto* top = new QSplitter(Qt::Vertical);
  top->addWidget(contour_);
  auto* charts = new QWidget;
  auto* ch = new QHBoxLayout(charts);
  ch->setContentsMargins(0, 0, 0, 0);
  error_ = new MetricChart("log10(f - f*) against the step", "step", "log10(f - f*)");
  distance_ = new MetricChart("Distance to the minimum", "step", "log10 distance");
  // The legend under the figure names the colours; the charts keep their room.
  error_->setLegendVisible(false);
  distance_->setLegendVisible(false);
  ch->addWidget(error_);
  ch->addWidget(distance_);
  top->addWidget(charts);
  charts->setMinimumHeight(200);  // with the map, six legend lines and presentation fonts: within 800 pixels
  top->setStretchFactor(0, 3);
  top->setStretchFactor(1, 2);
  rv->addWidget(top, 1);
  auto* sl = new QHBoxLayout;
  play_ = new QPushButton("▶ Play");
  slider_ = new QSlider(Qt::Horizontal);
  slider_->setRange(0, 100);
  auto* step_label = new QLabel("all steps");
  step_label->setMinimumWidth(110);
  sl->addWidget(play_);
  sl->addWidget(slider_, 1);
  sl->addWidget(step_label);
  rv->addLayout(sl);
  legend_ = new QLabel;
  legend_->setWordWrap(true);
  legend_->setTextFormat(Qt::RichText);
  // One line per optimizer, a third pane of the map's splitter: whole where
  // there is room, scrolled where there is not (six optimizers in
  // presentation fonts on an 800-pixel screen), so the map and the charts keep theirs.
  auto* legend_area = new QScrollArea;
  legend_area->setObjectName("legendArea");
  legend_area->setWidget(legend_);
  legend_area->setWidgetResizable(true);
  legend_area->setFrameShape(QFrame::NoFrame);
  legend_area->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  legend_area->setMinimumHeight(legend_->fontMetrics().height() * 2 + 4);
  top->addWidget(legend_area);
  top->setStretchFactor(2, 0);
  top->setSizes({520, 300, legend_->fontMetrics().height() * 6 + 8});
  split->addWidget(settings_);
  split->addWidget(right);
  split->setStretchFactor(1, 1);
  split->setSizes({360, 900});
  // Dragged narrower than its fields, the settings column folds away whole
  // (for the projector) instead of cutting its labels; the figure never folds.
  split->setCollapsible(1, false);
  contour_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(contour_, &QWidget::customContextMenuRequested, this, &PlaygroundView::showContextMenu);
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(0, 0, 0, 0);
  v->addWidget(split);

  connect(contour_, &ContourView::startMoved, this, [this](double x, double y, bool final) {
    const bool was_loading = loading_;
    loading_ = true;
    start_x_->setValue(x), start_y_->setValue(y);
    loading_ = was_loading;
    contour_->setStart(x, y);
    recompute(final ? 0 : 10000);  // while dragging: the first 10,000 steps, at once
  });
  connect(slider_, &QSlider::valueChanged, this, [this, step_label](int s) {
    onStep(s);
    step_label->setText(s >= slider_->maximum() ? "all steps" : QString("step %1").arg(s));
  });
  anim_.setInterval(30);
  connect(&anim_, &QTimer::timeout, this, [this] {
    const int next = slider_->value() + std::max(1, slider_->maximum() / 200);
    if (next >= slider_->maximum()) {
      slider_->setValue(slider_->maximum());
      anim_.stop();
      play_->setText("▶ Play");
    } else {
      slider_->setValue(next);
    }
  });
  connect(play_, &QPushButton::clicked, this, [this] {
    if (anim_.isActive()) {
      anim_.stop();
      play_->setText("▶ Play");
      return;
    }
    if (slider_->value() >= slider_->maximum()) slider_->setValue(0);
    anim_.start();
    play_->setText("❚❚ Pause");
  });
  loadPreset("rosenbrock-lr1e-4");
}

void PlaygroundView::buildControls(QWidget* host) {
  auto* v = new QVBoxLayout(host);
  v->addWidget(buildFunctionBox());
  v->addWidget(buildOptimizerBox());
  auto* eb = new QHBoxLayout;
  auto* fig = new QPushButton("Export figure…");
  auto* csv = new QPushButton("Export CSV…");
  eb->addWidget(fig);
  eb->addWidget(csv);
  eb->addStretch(1);
  v->addLayout(eb);
  v->addStretch(1);
  connectFunctionControls();
  connect(fig, &QPushButton::clicked, this, &PlaygroundView::askExportFigure);
  connect(csv, &QPushButton::clicked, this, &PlaygroundView::askExportCsv);
}

void PlaygroundView::askExportFigure() {
  QWidget* figure = findChild<QWidget*>("figure");
  export_interactively(this, {"figure", "playground", false, [this, figure](const QString& ext) {
                                return render_widget(figure ? figure : this, ext, "Optimizer playground");
                              }});
}

void PlaygroundView::askExportCsv() {
  const QString f = QFileDialog::getSaveFileName(this, "Export trajectories", "trajectories.csv", "CSV (*.csv)");
  if (f.isEmpty()) return;
  write_in_background(this, f, QByteArray::fromStdString(trajectories_csv(traj_)), [this](const QString& err) {
    if (!err.isEmpty()) QMessageBox::warning(this, "Export", err);
  });
}

// The map's right-click menu: the figure, the trajectories and the race as an
// animation (GIF or numbered PNGs).
void PlaygroundView::showContextMenu(const QPoint& pos) {
  QMenu menu(this);
  connect(menu.addAction("Export figure…"), &QAction::triggered, this, &PlaygroundView::askExportFigure);
  connect(menu.addAction("Export CSV…"), &QAction::triggered, this, &PlaygroundView::askExportCsv);
  add_animation_action(menu, this, raceAnimation());
  menu.exec(contour_->mapToGlobal(pos));
}

// Preset, function, its parameter or expression, the start and the number of steps.
QWidget* PlaygroundView::buildFunctionBox() {
  auto* fb = new QGroupBox("Function");
  auto* ff = new QFormLayout(fb);
  // Labels beside their fields, never wrapped above them: the column widens instead (fitSettings).
  ff->setRowWrapPolicy(QFormLayout::DontWrapRows);
  ff->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  preset_ = new QComboBox;
  preset_->addItem("(presets from the homework)", "");
  for (const Preset& p : playground_presets())
    preset_->addItem(QString::fromStdString(p.name), QString::fromStdString(p.name));
  preset_->setToolTip("Loads a function, start point, number of steps and optimizers");
  ff->addRow("Preset", preset_);
  function_ = new QComboBox;
  for (const std::string& n : function_names()) function_->addItem(QString::fromStdString(n));
  function_->addItem("typed in…", "expression");
  ff->addRow("f(x, y)", function_);
  param_ = new NumberBox(1, 1e6, 1);
  param_->setValue(10);
  param_->setEnabled(false);
  param_->setToolTip("The quadratic's condition number");
  ff->addRow("Condition number", param_);
  expr_ = new QLineEdit("(1 - x)^2 + 100 (y - x^2)^2");
  expr_->setObjectName("expression");
  expr_->setCursorPosition(0);
  expr_->setFont(QFont("DejaVu Sans Mono"));  // the family only: the size follows the view's (presentation mode)
  expr_->setToolTip("x, y, numbers, pi, e, + - * / ^, sin cos tan exp log sqrt abs tanh, parentheses");
  expr_->setEnabled(false);
  ff->addRow("Expression", expr_);
  minimum_ = new QLineEdit;
  minimum_->setPlaceholderText("x, y (optional)");
  minimum_->setToolTip("Where the typed-in function has its minimum: then f* = f(x, y), and the charts show "
                       "log10(f - f*) and the distance to it");
  minimum_->setEnabled(false);
  ff->addRow("Its minimum at", minimum_);
  expr_error_ = new QLabel;
  expr_error_->setFont(QFont("DejaVu Sans Mono"));
  expr_error_->setStyleSheet("color: #b00020;");
  expr_error_->setWordWrap(false);
  ff->addRow(expr_error_);
  start_x_ = new NumberBox(-1e6, 1e6, 0.1);
  start_y_ = new NumberBox(-1e6, 1e6, 0.1);
  start_x_->setObjectName("start_x");
  start_y_->setObjectName("start_y");
  auto* st = new QHBoxLayout;
  st->addWidget(start_x_);
  st->addWidget(start_y_);
  ff->addRow("Start (x, y)", st);
  steps_ = new QSpinBox;
  steps_->setRange(1, 10000000);
  steps_->setSingleStep(1000);
  steps_->setValue(10000);
  ff->addRow("Steps", steps_);
  return fb;
}

// The optimizers' table, with Add and Remove.
QWidget* PlaygroundView::buildOptimizerBox() {
  auto* ob = new QGroupBox("Optimizers (LibTorch's update rules)");
  auto* ov = new QVBoxLayout(ob);
  opts_ = new QTableWidget(0, 4);
  opts_->setHorizontalHeaderLabels({"", "Optimizer", "lr", "Settings"});
  opts_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Fixed);
  opts_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Fixed);
  opts_->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Fixed);
  opts_->horizontalHeader()->setSectionResizeMode(3, QHeaderView::Stretch);
  opts_->setObjectName("optimizers");
  opts_->setColumnWidth(0, 26);  // the others: fitSettings()
  opts_->verticalHeader()->setVisible(false);
  opts_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  ov->addWidget(opts_);
  auto* ab = new QHBoxLayout;
  auto* add = new QPushButton("Add");
  auto* remove = new QPushButton("Remove");
  ab->addWidget(add);
  ab->addWidget(remove);
  ab->addStretch(1);
  ov->addLayout(ab);
  auto* hint = new QLabel("Settings: momentum=0.9, nesterov=true, beta1=0.9, beta2=0.999, eps=1e-8, amsgrad=true, "
                          "weight_decay, alpha, centered, lr_decay. Click or drag on the map to move the start.");
  hint->setWordWrap(true);
  hint->setStyleSheet("color: #666;");
  ov->addWidget(hint);
  connect(add, &QPushButton::clicked, this, [this] {
    addOptimizerRow(parse_optimizer("adam"));
    recompute();
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    if (opts_->currentRow() >= 0) opts_->removeRow(opts_->currentRow());
    recompute();
  });
  connect(opts_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* it) {
    if (!loading_ && it->column() == 0) recompute();
  });
  return ob;
}

void PlaygroundView::connectFunctionControls() {
  connect(preset_, &QComboBox::currentIndexChanged, this, [this] {
    const QString p = preset_->currentData().toString();
    if (!p.isEmpty()) loadPreset(p);
  });
  connect(function_, &QComboBox::currentIndexChanged, this, [this] {
    param_->setEnabled(function_->currentText() == "quadratic");
    expr_->setEnabled(function_->currentData().toString() == "expression");
    minimum_->setEnabled(function_->currentData().toString() == "expression");
    if (loading_) return;
    const QString n = function_->currentData().toString() == "expression" ? "expression" : function_->currentText();
    setFunction(n);
  });
  connect(param_, &QDoubleSpinBox::valueChanged, this, [this] {
    if (!loading_ && function_->currentText() == "quadratic") setFunction("quadratic");
  });
  for (QLineEdit* e : {expr_, minimum_})
    connect(e, &QLineEdit::editingFinished, this, [this] {
      if (!loading_ && function_->currentData().toString() == "expression")
        setExpression(expr_->text(), minimum_->text());
    });
  for (NumberBox* b : {start_x_, start_y_})
    connect(b, &QDoubleSpinBox::valueChanged, this, [this] {
      if (loading_) return;
      contour_->setStart(start_x_->value(), start_y_->value());
      recompute();
    });
  connect(steps_, &QSpinBox::valueChanged, this, [this] {
    if (!loading_) recompute();
  });
}

void PlaygroundView::addOptimizerRow(const OptimizerSpec& o) {
  const int r = opts_->rowCount();
  opts_->insertRow(r);
  auto* on = new QTableWidgetItem;
  on->setCheckState(Qt::Checked);
  on->setBackground(series_color(r));
  opts_->setItem(r, 0, on);
  auto* type = new QComboBox;
  for (const char* t : kTypes) type->addItem(t);
  type->setCurrentText(QString::fromStdString(o.type));
  opts_->setCellWidget(r, 1, type);
  auto* lr = new LogNumberBox(1e-8, 100);
  lr->setValue(o.lr);
  opts_->setCellWidget(r, 2, lr);
  auto* settings = new QLineEdit;
  // Shown from its start (a long text is cut at its end, never its beginning), in full as the tooltip.
  auto set_text = [settings](const QString& text) {
    settings->setText(text);
    settings->setCursorPosition(0);
    settings->setToolTip(text);
  };
  set_text(spec_text(o));
  opts_->setCellWidget(r, 3, settings);
  connect(type, &QComboBox::currentTextChanged, this, [this, set_text](const QString& t) {
    if (loading_) return;
    set_text(spec_text(parse_optimizer(t.toStdString())));
    recompute();
  });
  connect(lr, &QDoubleSpinBox::valueChanged, this, [this] {
    if (!loading_) recompute();
  });
  connect(settings, &QLineEdit::editingFinished, this, [this, settings] {
    settings->setCursorPosition(0);
    settings->setToolTip(settings->text());
    if (!loading_) recompute();
  });
}

std::vector<OptimizerSpec> PlaygroundView::optimizers(QString* error) const {
  std::vector<OptimizerSpec> out;
  for (int r = 0; r < opts_->rowCount(); ++r) {
    if (opts_->item(r, 0)->checkState() != Qt::Checked) continue;
    const QString type = static_cast<QComboBox*>(opts_->cellWidget(r, 1))->currentText();
    const double lr = static_cast<QDoubleSpinBox*>(opts_->cellWidget(r, 2))->value();
    const QString set = static_cast<QLineEdit*>(opts_->cellWidget(r, 3))->text().simplified().remove(' ');
    try {
      OptimizerSpec o = parse_optimizer((type + (set.isEmpty() ? "" : "," + set)).toStdString());
      o.lr = lr;
      o.label = QString("%1 (%2)").arg(type).arg(lr, 0, 'g', 4).toStdString();
      out.push_back(o);
    } catch (const std::exception& e) {
      if (error) *error = QString("optimizer %1: %2").arg(r + 1).arg(e.what());
      out.push_back(OptimizerSpec{});
      out.back().label = "(invalid)";
      out.back().lr = -1;  // marks the row
    }
  }
  return out;
}

void PlaygroundView::loadPreset(const QString& name) {
  for (const Preset& p : playground_presets()) {
    if (QString::fromStdString(p.name) != name) continue;
    const bool was_loading = loading_;
    loading_ = true;
    {
      const QSignalBlocker quiet(preset_);
      preset_->setCurrentIndex(std::max(0, preset_->findData(name)));
    }
    function_->setCurrentText(QString::fromStdString(p.function));
    f_ = builtin_function(p.function, param_->value());
    start_x_->setValue(p.start_x), start_y_->setValue(p.start_y);
    steps_->setValue(p.steps);
    opts_->setRowCount(0);
    for (const OptimizerSpec& o : p.optimizers) addOptimizerRow(o);
    loading_ = was_loading;
    contour_->setFunction(f_);
    contour_->setStart(p.start_x, p.start_y);
    recompute();
    return;
  }
}

void PlaygroundView::setFunction(const QString& name) {
  if (name == "expression") {
    const bool was_loading = loading_;
    loading_ = true;
    function_->setCurrentIndex(function_->findData("expression"));
    loading_ = was_loading;
    setExpression(expr_->text(), minimum_->text());
    return;
  }
  try {
    f_ = builtin_function(name.toStdString(), param_->value());
  } catch (const std::exception& e) {
    error_text_ = e.what();
    return;
  }
  const bool was_loading = loading_;
    loading_ = true;
  function_->setCurrentText(name);
  start_x_->setValue(f_.start_x), start_y_->setValue(f_.start_y);
  loading_ = was_loading;
  expr_error_->clear();
  contour_->setFunction(f_);
  contour_->setStart(f_.start_x, f_.start_y);
  recompute();
}

QString PlaygroundView::setExpression(const QString& text, const QString& minimum) {
  const bool was_loading = loading_;
  loading_ = true;
  expr_->setText(text);
  expr_->setCursorPosition(0);
  minimum_->setText(minimum);
  function_->setCurrentIndex(function_->findData("expression"));
  loading_ = was_loading;
  Function f;
  try {
    f = expression_function(text.toStdString());
  } catch (const ExpressionError& e) {
    error_text_ = QString::fromStdString(e.message);
    expr_error_->setText(QString::fromStdString(e.message) + "\n" + text + "\n" + QString(int(e.position), ' ') + "^");
    return error_text_;
  }
  if (!minimum.trimmed().isEmpty()) {
    const QStringList xy = minimum.split(',');
    bool okx = false, oky = false;
    const double mx = xy.size() == 2 ? xy[0].trimmed().toDouble(&okx) : 0;
    const double my = xy.size() == 2 ? xy[1].trimmed().toDouble(&oky) : 0;
    if (!okx || !oky) {
      error_text_ = "the minimum needs x, y (two numbers), got \"" + minimum + "\"";
      expr_error_->setText(error_text_);
      return error_text_;
    }
    set_minimum(f, mx, my);
  }
  // Keep the current view.
  f.x_lo = f_.x_lo, f.x_hi = f_.x_hi, f.y_lo = f_.y_lo, f.y_hi = f_.y_hi;
  f_ = f;
  expr_error_->clear();
  error_text_.clear();
  contour_->setFunction(f_);
  recompute();
  return {};
}

void PlaygroundView::setStart(double x, double y) {
  const bool was_loading = loading_;
    loading_ = true;
  start_x_->setValue(x), start_y_->setValue(y);
  loading_ = was_loading;
  contour_->setStart(x, y);
  recompute();
}

void PlaygroundView::setSteps(int steps) {
  const bool was_loading = loading_;
    loading_ = true;
  steps_->setValue(steps);
  loading_ = was_loading;
  recompute();
}

void PlaygroundView::setOptimizers(const QStringList& specs) {
  const bool was_loading = loading_;
    loading_ = true;
  opts_->setRowCount(0);
  for (const QString& s : specs) addOptimizerRow(parse_optimizer(s.toStdString()));
  loading_ = was_loading;
  recompute();
}

void PlaygroundView::recompute(int max_steps) {
  if (loading_) return;
  QString err;
  const std::vector<OptimizerSpec> opts = optimizers(&err);
  const int steps = max_steps > 0 ? std::min(max_steps, steps_->value()) : steps_->value();
  traj_.clear();
  colors_.clear();
  styles_.clear();
  int row = 0;
  for (int r = 0; r < opts_->rowCount(); ++r) {
    if (opts_->item(r, 0)->checkState() != Qt::Checked) continue;
    const OptimizerSpec& o = opts[row++];
    if (o.lr < 0) continue;
    traj_.push_back(run(f_, o, start_x_->value(), start_y_->value(), steps));
    colors_.push_back(series_color(r));
    styles_.push_back(r);  // a row keeps its colour, dashes and marker as others come and go
  }
  error_text_ = err;
  slider_->blockSignals(true);
  slider_->setRange(0, steps);
  slider_->setValue(steps);
  slider_->blockSignals(false);
  contour_->setStep(-1);
  updateViews();
  if (max_steps <= 0) fitSettings();  // not while dragging
}

void PlaygroundView::updateViews() {
  contour_->setTrajectories(&traj_, colors_, styles_);
  const bool has_min = std::isfinite(f_.f_min);
  formula_->setText("<b>f(x, y) = " + QString::fromStdString(f_.formula).toHtmlEscaped() + "</b>" +
                    (f_.minima.empty() ? QString("")
                                       : QString("&nbsp;&nbsp; minimum f* = %1 at (%2, %3)")
                                             .arg(f_.f_min)
                                             .arg(f_.minima[0].first, 0, 'g', 6)
                                             .arg(f_.minima[0].second, 0, 'g', 6)) +
                    (f_.minima.size() > 1 ? QString(" and %1 more").arg(f_.minima.size() - 1) : QString()));
  error_->removeAllSeries();
  distance_->removeAllSeries();
  error_->chart()->setTitle(has_min ? "log10(f - f*) against the step" : "f against the step (no known minimum)");
  distance_->setVisible(!f_.minima.empty());
  for (size_t i = 0; i < traj_.size(); ++i) {
    const Trajectory& t = traj_[i];
    const QString name = QString::fromStdString(t.optimizer.name());
    const int e = error_->addSeries(name, colors_[i], path_style(styles_[i]));
    const int d = distance_->addSeries(name, colors_[i], path_style(styles_[i]));
    QVector<QPointF> ev, dv;
    ev.reserve(static_cast<int>(t.points.size()));
    for (const Point& q : t.points) {
      const double y = has_min ? std::log10(std::max(q.f - f_.f_min, 1e-300)) : q.f;
      ev.push_back({double(q.step), y});
      const double dist = nearest_minimum_distance(f_, q.x, q.y);
      if (std::isfinite(dist)) dv.push_back({double(q.step), std::log10(std::max(dist, 1e-300))});
    }
    error_->setPoints(e, ev);
    distance_->setPoints(d, dv);
  }
  legend_->setText(legendText());
}

QString PlaygroundView::legendText() const {
  QString html;
  for (size_t i = 0; i < traj_.size(); ++i) {
    const Trajectory& t = traj_[i];
    html += line_sample_html(styles_[i], colors_[i], legend_->fontMetrics().ascent()) +
            QString(" <b>%1</b>: ").arg(QString::fromStdString(t.optimizer.name()).toHtmlEscaped());
    if (t.points.empty()) {
      html += "no step: " + QString::fromStdString(t.reason).toHtmlEscaped() + "<br>";
      continue;
    }
    const Point& q = t.points.back();
    html += QString("(%1, %2), f = %3").arg(q.x, 0, 'g', 6).arg(q.y, 0, 'g', 6).arg(q.f, 0, 'g', 5);
    if (std::isfinite(f_.f_min)) html += QString(", log10(f - f*) = %1").arg(std::log10(std::max(q.f - f_.f_min, 1e-300)), 0, 'f', 2);
    html += QString(" after %1 steps").arg(t.steps_done);
    if (t.diverged) html += " — <span style='color:#b00020'>" + QString::fromStdString(t.reason).toHtmlEscaped() + "</span>";
    html += "<br>";
  }
  if (!error_text_.isEmpty()) html += "<span style='color:#b00020'>" + error_text_.toHtmlEscaped() + "</span>";
  return html;
}

// Every label and field of the settings column whole, at any font: the
// table's columns from their contents, the start fields for the view's
// values, and the column no narrower than all of that.
void PlaygroundView::fitSettings() {
  const QFontMetrics fm(opts_->font());
  // The Settings column: at least "momentum=0.9", at most about 26 characters (the rest scrolls, the tooltip has it all).
  int type_w = 0, lr_w = 0, row_h = 0, set_w = fm.horizontalAdvance("momentum=0.9") + 16;
  const int set_max = fm.horizontalAdvance("momentum=0.9,nesterov=true") + 16;
  for (int r = 0; r < opts_->rowCount(); ++r) {
    auto* type = static_cast<QComboBox*>(opts_->cellWidget(r, 1));
    auto* lr = static_cast<QDoubleSpinBox*>(opts_->cellWidget(r, 2));
    auto* set = static_cast<QLineEdit*>(opts_->cellWidget(r, 3));
    type_w = std::max(type_w, type->sizeHint().width());
    lr_w = std::max({lr_w, spin_width(lr, "0.00025"), spin_width(lr, lr->text())});
    set_w = std::max(set_w, std::min(set_max, edit_width(set, set->text())));
    row_h = std::max({row_h, type->sizeHint().height(), lr->sizeHint().height(), set->sizeHint().height()});
  }
  if (row_h == 0) row_h = opts_->verticalHeader()->defaultSectionSize();
  const int grid = opts_->showGrid() ? 1 : 0;  // a cell's widget gets its column less the grid line
  opts_->setColumnWidth(0, std::max(26, fm.height() + 10));
  opts_->setColumnWidth(1, std::max(type_w, fm.horizontalAdvance("Optimizer") + 16) + grid);
  opts_->setColumnWidth(2, lr_w + grid);
  set_w += grid;
  opts_->verticalHeader()->setDefaultSectionSize(row_h + 2);
  // Up to 8 rows without scrolling; the table never scrolls sideways.
  const int shown = std::clamp(opts_->rowCount(), 3, 8);
  const int frame = 2 * opts_->frameWidth();
  opts_->setFixedHeight(opts_->horizontalHeader()->sizeHint().height() + shown * (row_h + 2) + frame);
  const int bar = opts_->rowCount() > 8 ? opts_->verticalScrollBar()->sizeHint().width() : 0;
  opts_->setMinimumWidth(opts_->columnWidth(0) + opts_->columnWidth(1) + opts_->columnWidth(2) + set_w + frame + bar);
  // The start fields: the view's widest value at the precision a drag gives.
  auto widest = [](double lo, double hi) {
    return QString::number(-std::max(std::fabs(lo), std::fabs(hi)), 'f', drag_decimals(lo, hi));
  };
  for (auto [box, text] : {std::pair{start_x_, widest(f_.x_lo, f_.x_hi)}, std::pair{start_y_, widest(f_.y_lo, f_.y_hi)}})
    box->setMinimumWidth(std::max(spin_width(box, text), spin_width(box, box->text())));
  expr_->setMinimumWidth(std::min(edit_width(expr_, expr_->text()), edit_width(expr_, QString(30, 'x'))));
  // The boxes' minimums changed inside them: tell the column's layout.
  for (QWidget* box : settings_->widget()->findChildren<QGroupBox*>(Qt::FindDirectChildrenOnly)) box->updateGeometry();
  fitColumn();
}

// The column no narrower than its contents' minimum: after every layout
// change inside it (fields widened, fonts changed, rows added).
void PlaygroundView::fitColumn() {
  QWidget* host = settings_->widget();
  const QMargins m = host->layout()->contentsMargins();
  int need = host->minimumSizeHint().width();
  for (QWidget* c : host->findChildren<QWidget*>(Qt::FindDirectChildrenOnly))
    need = std::max(need, c->minimumSizeHint().width() + m.left() + m.right());
  const int w = need + settings_->verticalScrollBar()->sizeHint().width() + 2 * settings_->frameWidth();
  if (settings_->minimumWidth() != w) settings_->setMinimumWidth(w);
}

bool PlaygroundView::eventFilter(QObject* o, QEvent* e) {
  if (o == settings_->widget() && e->type() == QEvent::LayoutRequest) QTimer::singleShot(0, this, [this] { fitColumn(); });
  return QWidget::eventFilter(o, e);
}

void PlaygroundView::changeEvent(QEvent* e) {
  QWidget::changeEvent(e);
  // Presentation mode changes the font: the children have theirs by the next pass.
  if (e->type() == QEvent::FontChange) QTimer::singleShot(0, this, [this] { fitSettings(); });
}

int PlaygroundView::racedSteps() const {
  int steps = 0;
  for (const Trajectory& t : traj_)
    if (!t.points.empty()) steps = std::max(steps, t.points.back().step);
  return steps;
}

int PlaygroundView::raceFrames() const {
  if (traj_.empty()) return 0;
  return std::min(racedSteps(), 100) + 1;
}

int PlaygroundView::raceFrameStep(int i) const {
  const int n = raceFrames();
  if (n <= 1) return 0;
  return static_cast<int>(std::lround(double(std::clamp(i, 0, n - 1)) * racedSteps() / (n - 1)));
}

Animatable PlaygroundView::raceAnimation() {
  QPointer<PlaygroundView> self(this);
  Animatable a;
  a.name = "playground-" + QString::fromStdString(f_.name);
  a.unit = "step";
  a.frames = [self] { return self ? self->raceFrames() : 0; };
  a.frame = [self](int i, QSize size) {
    if (!self) return QImage();
    const int step = self->raceFrameStep(i), all = self->racedSteps();
    const QLocale c = QLocale::c();
    return self->contour_->render(size, step, QString("step %1 of %2").arg(c.toString(step), c.toString(all)));
  };
  return a;
}

void PlaygroundView::onStep(int step) { contour_->setStep(step >= slider_->maximum() ? -1 : step); }

QString PlaygroundView::exportFigure(const QString& file) {
  QWidget* fig = findChild<QWidget*>("figure");
  return export_widget(fig ? fig : this, file, "Optimizer playground");
}

QString PlaygroundView::exportCsv(const QString& file) const {
  return write_bytes(file, QByteArray::fromStdString(trajectories_csv(traj_)));
}

}  // namespace hyperlab

#include "ui/run/curvespanel.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "train/metrics.h"
#include "train/numbers.h"
#include "ui/widgets/metricchart.h"

namespace hyperlab {

CurvesPanel::CurvesPanel(QWidget* parent) : QWidget(parent) {
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(2, 2, 2, 2);
  banner_ = new QLabel;
  banner_->setWordWrap(true);
  banner_->setVisible(false);
  banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  v->addWidget(banner_);
  grid_page_ = new QWidget;
  auto* grid = new QGridLayout(grid_page_);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(2);
  grid_ = grid;
  // A chart per chart name of the metric table, two a row: the built-in ones
  // in the places they always had, then any other the table names.
  auto chart = [&](const char* metric) { return chartFor(*find_metric(builtin_metrics(), metric), false); };
  loss_ = chart("train_loss"), acc_ = chart("train_accuracy"), ratio_ = chart("grad_ratio");
  grads_ = chart("grad_norms"), lr_ = chart("lr");
  for (const MetricInfo& m : builtin_metrics())
    if (!m.chart.empty()) chartFor(m, false);
  builtin_charts_ = int(charts_.size());
  auto* side = side_ = new QWidget;
  auto* sv = new QVBoxLayout(side);
  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel("Batch-loss smoothing"));
  smooth_slider_ = new QSlider(Qt::Horizontal);
  smooth_slider_->setRange(0, 99);
  smooth_slider_->setValue(90);
  smooth_slider_->setToolTip("Exponential moving average of the per-batch loss (0 = raw)");
  row->addWidget(smooth_slider_, 1);
  smooth_label_ = new QLabel("0.90");
  row->addWidget(smooth_label_);
  sv->addLayout(row);
  auto* hint = new QLabel(
      "Hover a curve for exact values; click a legend entry to hide or show a series; right-click a chart to switch "
      "its y axis to log scale or export it (PNG, SVG, PDF). The gold dot marks the best epoch.");
  hint->setWordWrap(true);
  hint->setStyleSheet("QLabel { color: palette(mid); }");
  sv->addWidget(hint);
  sv->addStretch(1);
  grid->addWidget(side, int(charts_.size()) / 2, int(charts_.size()) % 2);
  for (int r = 0; r < 3; ++r) grid->setRowStretch(r, 1);
  // Presentation mode's page: two slots side by side, each as tall as the
  // page allows (a class reads them from the back of the room), with the
  // smoothing and the hint under them.
  slots_page_ = new QWidget;
  auto* sp = new QVBoxLayout(slots_page_);
  sp->setContentsMargins(0, 0, 0, 0);
  auto* slots_row = new QHBoxLayout;
  for (int k = 0; k < kSlots; ++k) {
    Slot& slot = slot_[k];
    slot.layout = new QVBoxLayout;
    auto* pick = new QHBoxLayout;
    pick->addWidget(new QLabel("Chart"));
    slot.picker = new QComboBox;
    slot.picker->setObjectName(QString("chartPicker%1").arg(k + 1));
    slot.picker->setToolTip("Which chart this half of the Curves tab shows");
    slot.picker->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    pick->addWidget(slot.picker);
    pick->addStretch(1);
    slot.layout->addLayout(pick);
    slots_row->addLayout(slot.layout, 1);
    connect(slot.picker, &QComboBox::currentIndexChanged, this, [this, k](int i) {
      if (i >= 0) showInSlot(k, slot_[k].picker->itemText(i));
    });
  }
  slot_[0].title = loss_->title(), slot_[1].title = acc_->title();
  sp->addLayout(slots_row, 1);
  slots_bottom_ = new QVBoxLayout;
  sp->addLayout(slots_bottom_);
  pages_ = new QStackedWidget;
  pages_->addWidget(grid_page_);
  pages_->addWidget(slots_page_);
  v->addWidget(pages_, 1);
  // The batch curve is the one that changes constantly: redraw it at most 5
  // times a second. Each redraw re-renders the chart (a few ms of one core),
  // and on a 2-core machine training at full speed every ms the GUI thread
  // spends comes out of training (measured with hyperlab-bench-gui).
  batch_redraw_.setSingleShot(true);
  batch_redraw_.setInterval(200);
  connect(&batch_redraw_, &QTimer::timeout, this, &CurvesPanel::redrawBatches);
  connect(smooth_slider_, &QSlider::valueChanged, this, [this](int val) { setSmoothing(val / 100.0); });
  reset();
}

void CurvesPanel::reset() {
  for (MetricChart* c : charts_) c->removeAllSeries(), c->setLive(false);
  batch_loss_.clear(), batch_smooth_.clear();
  batch_drawn_ = 0;
  batch_redraw_.stop();
  ema_ = 0, ema_n_ = 0;
  epochs_.clear();
  layers_.clear();
  dropExtraCharts();
  curves_.clear();
  s_batch_ = loss_->addSeries("batch (smoothed)", QColor(150, 170, 200));
  for (MetricChart* c : charts_)  // chart by chart, so that the colours follow the charts' order
    for (const MetricInfo& m : builtin_metrics())
      if (!m.per_layer && QString::fromStdString(m.chart) == c->title()) addCurves(m, c);
  setBanner(QString(), false);
  updatePickers();
}

void CurvesPanel::dropExtraCharts() {
  curves_.erase(std::remove_if(curves_.begin(), curves_.end(),
                               [&](const Curve& c) { return extra_charts_.contains(c.chart); }),
                curves_.end());
  for (MetricChart* c : extra_charts_) charts_.removeOne(c), delete c;
  extra_charts_.clear();
}

// The chart of a metric's chart name, made (with the metric's axis and scale) when none has it yet.
MetricChart* CurvesPanel::chartFor(const MetricInfo& m, bool extra) {
  const QString title = QString::fromStdString(m.chart);
  for (MetricChart* c : charts_)
    if (c->title() == title) return c;
  auto* c = new MetricChart(title, "epoch", QString::fromStdString(m.axis.empty() ? m.label : m.axis));
  c->setLogY(m.log_scale);
  c->setXStart(0);  // every chart from epoch 0 (where the batch curve starts), so they line up
  c->setPresentation(presentation_);  // a chart a run declares while presenting gets the thick lines too
  const int at = int(charts_.size()) + (extra ? 1 : 0);  // extra charts go after the side panel
  grid_->addWidget(c, at / 2, at % 2);
  grid_->setRowStretch(at / 2, 1);
  charts_.push_back(c);
  if (extra) extra_charts_.push_back(c);
  return c;
}

// A metric's series: one, or (per layer) one per layer with weights, their
// full names while they fit in the legend, else "#k" (k-th layer with weights).
void CurvesPanel::addCurves(const MetricInfo& m, MetricChart* chart) {
  static const QStringList kSplits = {"train", "validation", "test"};  // their colours, in every chart
  const QString name = QString::fromStdString(m.series.empty() ? m.label : m.series);
  if (m.per_layer) {
    for (size_t i = 0; i < layers_.size(); ++i) {
      const int s = chart->addSeries(layers_.size() <= 4 ? QString::fromStdString(layers_[i]) : QString("#%1").arg(i + 1),
                                     series_color(int(i)));
      if (i == 0) curves_.push_back({m, chart, s});
    }
    return;
  }
  int colour = int(kSplits.indexOf(name));
  if (colour < 0) {  // the colours after the splits', one per other curve
    colour = int(kSplits.size());
    for (const Curve& c : curves_)
      colour += !c.metric.per_layer && !kSplits.contains(QString::fromStdString(c.metric.series));
  }
  curves_.push_back({m, chart, chart->addSeries(name, series_color(colour),
                                                is_test_metric(m.name) ? Qt::DashLine : Qt::SolidLine)});
}

void CurvesPanel::start(const RunStart& info) {
  layers_ = info.layer_names;
  grads_->removeAllSeries();
  curves_.erase(std::remove_if(curves_.begin(), curves_.end(), [](const Curve& c) { return c.metric.per_layer; }),
                curves_.end());
  for (const MetricInfo& m : builtin_metrics())
    if (!m.chart.empty() && m.per_layer) addCurves(m, chartFor(m, false));
  dropExtraCharts();  // a previous run's
  for (const MetricInfo& m : info.metrics)  // declared by the run's callbacks
    if (!m.chart.empty()) addCurves(m, chartFor(m, true));
  updatePickers();
  for (MetricChart* c : charts_) c->setLive(true, info.epochs > 0 ? info.epochs : NAN);  // until flush(): axes that change seldom
}

void CurvesPanel::addBatches(const std::vector<BatchEvent>& events) {
  for (const BatchEvent& b : events) {
    const double x = (b.epoch - 1) + double(b.batch) / b.batches;
    batch_loss_.push_back(QPointF(x, b.loss));
    // Bias-corrected EMA (as TensorBoard's), so the first points are not pulled to 0.
    if (std::isfinite(b.loss)) {
      ema_ = smoothing_ * ema_ + (1 - smoothing_) * b.loss, ++ema_n_;
      batch_smooth_.push_back(QPointF(x, ema_ / (1 - std::pow(smoothing_, ema_n_))));
    }
  }
  if (!batch_redraw_.isActive()) batch_redraw_.start();
}

void CurvesPanel::flush() {
  batch_redraw_.stop();
  redrawBatches();
  for (MetricChart* c : charts_) c->setLive(false);  // the axes fitted to the whole run
}

// Only the points since the last redraw: the chart thins them into what it
// draws, so a redraw costs the same in a run's 100th epoch as in its first.
void CurvesPanel::redrawBatches() {
  if (batch_drawn_ > batch_smooth_.size()) batch_drawn_ = 0;
  if (batch_drawn_ == 0) loss_->setPoints(s_batch_, batch_smooth_);
  else loss_->appendPoints(s_batch_, batch_smooth_, batch_drawn_);
  batch_drawn_ = int(batch_smooth_.size());
}

void CurvesPanel::setSmoothing(double s) {
  smoothing_ = std::clamp(s, 0.0, 0.999);
  smooth_label_->setText(QString::number(smoothing_, 'f', 2));
  if (smooth_slider_->value() != int(std::lround(smoothing_ * 100))) smooth_slider_->setValue(int(std::lround(smoothing_ * 100)));
  batch_smooth_.clear();
  ema_ = 0, ema_n_ = 0;
  for (const QPointF& p : batch_loss_) {
    if (!std::isfinite(p.y())) continue;
    ema_ = smoothing_ * ema_ + (1 - smoothing_) * p.y(), ++ema_n_;
    batch_smooth_.push_back(QPointF(p.x(), smoothing_ > 0 ? ema_ / (1 - std::pow(smoothing_, ema_n_)) : p.y()));
  }
  batch_drawn_ = 0;  // every point again
  redrawBatches();
}

void CurvesPanel::addEpoch(const EpochEvent& e) {
  epochs_.push_back(e);
  redrawBatches();
  redrawEpochs();
}

void CurvesPanel::redrawEpochs() {
  std::vector<std::vector<QVector<QPointF>>> points(curves_.size());
  const EpochEvent* best = nullptr;
  for (size_t k = 0; k < curves_.size(); ++k) {
    const MetricInfo& m = curves_[k].metric;
    points[k].resize(m.per_layer ? layers_.size() : 1);
    for (const EpochEvent& e : epochs_) {
      const std::vector<double> v = metric_values(e, m);
      const double x = e.epoch;
      for (size_t i = 0; i < points[k].size() && i < v.size(); ++i) {
        if (m.step) points[k][i].push_back({x - 1, v[i]}), points[k][i].push_back({x, v[i]});  // constant within an epoch
        else if (std::isfinite(v[i])) points[k][i].push_back({x, v[i]});
      }
    }
  }
  for (const EpochEvent& e : epochs_)
    if (e.best) best = &e;
  for (size_t k = 0; k < curves_.size(); ++k)
    for (size_t i = 0; i < points[k].size(); ++i) curves_[k].chart->setPoints(curves_[k].series + int(i), points[k][i]);
  // The selected epoch on the validation curves. Without a validation set
  // nothing selects (the last epoch is the run's): no marker, and never one on the test curve.
  if (best && std::isfinite(best->val_accuracy)) {
    const QString label = QString("selected: epoch %1").arg(best->epoch);
    acc_->setMarker(best->epoch, best->val_accuracy, label);
    loss_->setMarker(best->epoch, best->val_loss, label);
  }
}

void CurvesPanel::setPresentation(bool on) {
  presentation_ = on;
  for (MetricChart* c : charts_) c->setPresentation(on);
  placeCharts();
}

MetricChart* CurvesPanel::slotChart(int slot) const { return slot_[slot].chart; }

void CurvesPanel::showInSlot(int slot, const QString& title) {
  if (slot < 0 || slot >= kSlots) return;
  Slot& other = slot_[1 - slot];
  if (other.shown == title) other.title = slot_[slot].shown;  // a chart shows in one place: swap
  slot_[slot].title = title;
  updatePickers();
}

// The pickers list every chart, in the grid's order; a pick whose chart is
// gone (a previous run's extra chart) falls back to Loss and Accuracy.
void CurvesPanel::updatePickers() {
  QStringList titles;
  for (const MetricChart* c : charts_) titles << c->title();
  const QString fallback[kSlots] = {loss_->title(), acc_->title()};
  for (int k = 0; k < kSlots; ++k) slot_[k].shown = titles.contains(slot_[k].title) ? slot_[k].title : QString();
  for (int k = 0; k < kSlots; ++k)
    if (slot_[k].shown.isEmpty()) slot_[k].shown = fallback[k] != slot_[1 - k].shown ? fallback[k] : fallback[1 - k];
  for (Slot& slot : slot_) {
    const QSignalBlocker block(slot.picker);
    QStringList had;
    for (int i = 0; i < slot.picker->count(); ++i) had << slot.picker->itemText(i);
    if (had != titles) slot.picker->clear(), slot.picker->addItems(titles);
    slot.picker->setCurrentIndex(int(titles.indexOf(slot.shown)));
  }
  placeCharts();
}

// Normally every chart in the grid, two a row, the side panel after the
// built-in ones (where chartFor() puts them); in presentation mode the two
// picked charts in their slots and the side panel under them. The others
// wait in the hidden grid, so leaving presentation mode finds them in place.
void CurvesPanel::placeCharts() {
  MetricChart* want[kSlots] = {};
  for (int k = 0; k < kSlots; ++k)
    for (MetricChart* c : charts_)
      if (presentation_ && c->title() == slot_[k].shown) want[k] = c;
  for (Slot& slot : slot_)
    if (slot.chart && slot.chart != want[0] && slot.chart != want[1]) {  // back to its place in the grid
      const int i = int(charts_.indexOf(slot.chart)), at = i < builtin_charts_ ? i : i + 1;
      grid_->addWidget(slot.chart, at / 2, at % 2);
      slot.chart->show();
    }
  for (int k = 0; k < kSlots; ++k) {
    if (want[k] && slot_[k].chart != want[k]) slot_[k].layout->addWidget(want[k], 1), want[k]->show();
    slot_[k].chart = want[k];
  }
  if (presentation_) slots_bottom_->addWidget(side_);
  else if (grid_->indexOf(side_) < 0) grid_->addWidget(side_, builtin_charts_ / 2, builtin_charts_ % 2);
  side_->show();
  pages_->setCurrentWidget(presentation_ ? slots_page_ : grid_page_);
}

QString CurvesPanel::bannerText() const { return banner_->text(); }

void CurvesPanel::setTransferLog(const std::string& log) {
  QStringList keep;
  bool listed = false;
  for (const QString& line : QString::fromStdString(log).split('\n')) {
    const QString t = line.trimmed();
    if (t.startsWith("mapped:") || t.startsWith("not in the source:") || t.startsWith("unused:")) listed = true;
    else keep << t;
  }
  setBanner(keep.join('\n') + (listed ? "\n(hover for the tensors by name)" : ""), false, QString::fromStdString(log));
}

void CurvesPanel::setBanner(const QString& text, bool bad, const QString& details) {
  banner_->setText(text);
  banner_->setToolTip(details);
  banner_->setVisible(!text.isEmpty());
  banner_->setStyleSheet(bad ? "QLabel { background: #fdecea; color: #8a1c1c; padding: 4px; border-radius: 3px; }"
                             : "QLabel { background: #e8f5e9; color: #1b5e20; padding: 4px; border-radius: 3px; }");
}

}  // namespace hyperlab

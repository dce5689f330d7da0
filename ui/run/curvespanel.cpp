#include "ui/run/curvespanel.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

#include <cmath>

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
  auto* grid = new QGridLayout;
  grid->setSpacing(2);
  loss_ = new MetricChart("Loss", "epoch", "loss");
  acc_ = new MetricChart("Accuracy", "epoch", "accuracy");
  ratio_ = new MetricChart("Gradient ratio |∇W first| / |∇W last|", "epoch", "ratio");
  ratio_->setLogY(true);
  grads_ = new MetricChart("Gradient norm per layer", "epoch", "|∇W|");
  grads_->setLogY(true);
  lr_ = new MetricChart("Learning rate", "epoch", "lr");
  charts_ = {loss_, acc_, ratio_, grads_, lr_};
  grid->addWidget(loss_, 0, 0);
  grid->addWidget(acc_, 0, 1);
  grid->addWidget(ratio_, 1, 0);
  grid->addWidget(grads_, 1, 1);
  grid->addWidget(lr_, 2, 0);
  auto* side = new QWidget;
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
  grid->addWidget(side, 2, 1);
  for (int r = 0; r < 3; ++r) grid->setRowStretch(r, 1);
  v->addLayout(grid, 1);
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
  for (MetricChart* c : charts_) c->removeAllSeries();
  batch_loss_.clear(), batch_smooth_.clear();
  batch_redraw_.stop();
  ema_ = 0, ema_n_ = 0;
  epochs_.clear();
  layers_.clear();
  s_batch_ = loss_->addSeries("batch (smoothed)", QColor(150, 170, 200));
  s_train_ = loss_->addSeries("train", series_color(0));
  s_val_ = loss_->addSeries("validation", series_color(1));
  s_test_ = loss_->addSeries("test", series_color(2), Qt::DashLine);
  a_train_ = acc_->addSeries("train", series_color(0));
  a_val_ = acc_->addSeries("validation", series_color(1));
  a_test_ = acc_->addSeries("test", series_color(2), Qt::DashLine);
  r_ratio_ = ratio_->addSeries("first / last layer", series_color(3));
  l_lr_ = lr_->addSeries("learning rate", series_color(4));
  setBanner(QString(), false);
}

void CurvesPanel::start(const RunStart& info) {
  layers_ = info.layer_names;
  grads_->removeAllSeries();
  // Full names while they fit in the legend; "#k" (k-th layer with weights) for deep nets.
  for (size_t i = 0; i < layers_.size(); ++i)
    grads_->addSeries(layers_.size() <= 4 ? QString::fromStdString(layers_[i]) : QString("#%1").arg(i + 1),
                      series_color(int(i)));
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
}

void CurvesPanel::redrawBatches() { loss_->setPoints(s_batch_, batch_smooth_); }

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
  redrawBatches();
}

void CurvesPanel::addEpoch(const EpochEvent& e) {
  epochs_.push_back(e);
  redrawBatches();
  redrawEpochs();
}

void CurvesPanel::redrawEpochs() {
  QVector<QPointF> tl, vl, sl, ta, va, sa, rr, lr;
  std::vector<QVector<QPointF>> gn(layers_.size());
  const EpochEvent* best = nullptr;
  for (const EpochEvent& e : epochs_) {
    const double x = e.epoch;
    if (std::isfinite(e.train_loss)) tl.push_back({x, e.train_loss});
    if (std::isfinite(e.val_loss)) vl.push_back({x, e.val_loss});
    if (std::isfinite(e.test_loss)) sl.push_back({x, e.test_loss});
    if (std::isfinite(e.train_accuracy)) ta.push_back({x, e.train_accuracy});
    if (std::isfinite(e.val_accuracy)) va.push_back({x, e.val_accuracy});
    if (std::isfinite(e.test_accuracy)) sa.push_back({x, e.test_accuracy});
    if (std::isfinite(e.grad_ratio)) rr.push_back({x, e.grad_ratio});
    lr.push_back({x - 1, e.lr}), lr.push_back({x, e.lr});  // constant within an epoch
    for (size_t i = 0; i < gn.size() && i < e.grad_norms.size(); ++i) gn[i].push_back({x, e.grad_norms[i]});
    if (e.best) best = &e;
  }
  loss_->setPoints(s_train_, tl);
  loss_->setPoints(s_val_, vl);
  loss_->setPoints(s_test_, sl);
  acc_->setPoints(a_train_, ta);
  acc_->setPoints(a_val_, va);
  acc_->setPoints(a_test_, sa);
  ratio_->setPoints(r_ratio_, rr);
  lr_->setPoints(l_lr_, lr);
  for (size_t i = 0; i < gn.size(); ++i) grads_->setPoints(int(i), gn[i]);
  // The selected epoch on the validation curves. Without a validation set
  // nothing selects (the last epoch is the run's): no marker, and never one on the test curve.
  if (best && std::isfinite(best->val_accuracy)) {
    const QString label = QString("selected: epoch %1").arg(best->epoch);
    acc_->setMarker(best->epoch, best->val_accuracy, label);
    loss_->setMarker(best->epoch, best->val_loss, label);
  }
}

void CurvesPanel::setPresentation(bool on) {
  for (MetricChart* c : charts_) c->setPresentation(on);
}

void CurvesPanel::setBanner(const QString& text, bool bad) {
  banner_->setText(text);
  banner_->setVisible(!text.isEmpty());
  banner_->setStyleSheet(bad ? "QLabel { background: #fdecea; color: #8a1c1c; padding: 4px; border-radius: 3px; }"
                             : "QLabel { background: #e8f5e9; color: #1b5e20; padding: 4px; border-radius: 3px; }");
}

}  // namespace hyperlab

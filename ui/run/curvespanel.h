// The live curves of one run: the batch loss (raw and smoothed) and a chart
// per chart name of the metric table (train/metrics.h: loss, accuracy,
// gradient ratio, per-layer gradient norms, learning rate, and any a run's
// callbacks declare), with their titles, axes and log scales from it. Keeps
// every point it is given; the charts thin for display. Normally a grid of
// every chart; in presentation mode two large ones, each picked in a box
// above it (Loss and Accuracy unless the user picks others).
#pragma once

#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <vector>

#include "train/events.h"

class QComboBox;
class QGridLayout;
class QSlider;
class QLabel;
class QStackedWidget;
class QVBoxLayout;

namespace hyperlab {

class MetricChart;

class CurvesPanel : public QWidget {
  Q_OBJECT
 public:
  explicit CurvesPanel(QWidget* parent = nullptr);

  void reset();
  void start(const RunStart& info);
  void addBatches(const std::vector<BatchEvent>& events);
  void addEpoch(const EpochEvent& e);
  /// The run ended: draws what is still waiting for the next coalesced redraw, and
  /// fits the axes to the data (while it trains, they grow with headroom: MetricChart::setLive).
  void flush();
  /// EMA smoothing of the batch loss in [0, 0.999].
  void setSmoothing(double s);
  double smoothing() const { return smoothing_; }
  /// Presentation mode: thick lines, and two large charts instead of the grid.
  void setPresentation(bool on);
  bool presentation() const { return presentation_; }
  /// Presentation mode's two chart slots (0: left, 1: right).
  static constexpr int kSlots = 2;
  /// The box that picks slot `slot`'s chart, by title; every chart of the run is in it.
  QComboBox* slotPicker(int slot) const { return slot_[slot].picker; }
  /// The chart slot `slot` shows in presentation mode (nullptr outside it).
  MetricChart* slotChart(int slot) const;
  /// Shows the chart titled `title` in slot `slot`; the other slot takes this
  /// one's chart if it showed that one. The pick outlives the run and the mode.
  void showInSlot(int slot, const QString& title);
  /// A line over the charts: the run's status, e.g. why it diverged; `details` in its tooltip.
  void setBanner(const QString& text, bool bad, const QString& details = QString());
  QString bannerText() const;
  /// The transfer log (RunStart::transfer) in the banner: its lines, the tensors by name in the tooltip.
  void setTransferLog(const std::string& log);
  QList<MetricChart*> charts() const { return charts_; }
  MetricChart* lossChart() const { return loss_; }
  MetricChart* accuracyChart() const { return acc_; }
  MetricChart* ratioChart() const { return ratio_; }
  MetricChart* gradChart() const { return grads_; }
  MetricChart* lrChart() const { return lr_; }
  int batchCount() const { return static_cast<int>(batch_loss_.size()); }
  int epochCount() const { return static_cast<int>(epochs_.size()); }

 private:
  // A metric drawn in a chart: one series, or one per layer from `series` on.
  struct Curve {
    MetricInfo metric;
    MetricChart* chart;
    int series = -1;
  };
  void redrawBatches();
  void redrawEpochs();
  MetricChart* chartFor(const MetricInfo& m, bool extra);
  void addCurves(const MetricInfo& m, MetricChart* chart);
  void dropExtraCharts();
  void placeCharts();    // in the grid, or the picked two in the slots
  void updatePickers();  // the pickers' lists, after charts came or went

  MetricChart *loss_, *acc_, *ratio_, *grads_, *lr_;
  QGridLayout* grid_;
  // Presentation mode: a page of two slots, each a picker above a chart.
  struct Slot {
    QComboBox* picker = nullptr;
    QVBoxLayout* layout = nullptr;
    QString title;  // the pick (kept while its chart is missing: a run's extra chart comes back with the next run)
    QString shown;  // the pick, or Loss or Accuracy while it is missing
    QPointer<MetricChart> chart;  // what the slot shows now
  };
  Slot slot_[kSlots];
  QStackedWidget* pages_;
  QWidget *grid_page_, *slots_page_, *side_;
  QVBoxLayout* slots_bottom_;  // the smoothing and the hint, under the slots
  int builtin_charts_ = 0;     // the side panel's place in the grid, after them
  bool presentation_ = false;
  std::vector<Curve> curves_;
  QList<MetricChart*> extra_charts_;  // charts of metrics the run's callbacks declared
  QTimer batch_redraw_;  // coalesces batch-curve redraws to 10 per second
  QList<MetricChart*> charts_;
  QSlider* smooth_slider_;
  QLabel* smooth_label_;
  QLabel* banner_;
  double smoothing_ = 0.9;
  // data
  QVector<QPointF> batch_loss_, batch_smooth_;
  int batch_drawn_ = 0;  // how many of batch_smooth_ the loss chart has (the rest is appended)
  double ema_ = 0;
  int ema_n_ = 0;
  std::vector<EpochEvent> epochs_;
  std::vector<std::string> layers_;
  int s_batch_ = -1;
};

}  // namespace hyperlab

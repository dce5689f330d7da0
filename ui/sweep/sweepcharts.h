// The sweep dashboard's plots: best-so-far, the objective against one varied
// setting (log axis for log-searched ones), mean ± SE/SD bands over epochs per
// configuration, box plots of the objective across configurations (the
// "variance plot"), and parallel coordinates. Each exports as PNG, SVG, PDF
// and CSV (right-click). The numbers come from core (sweep/analysis.h).
#pragma once

#include <QColor>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

#include "sweep/analysis.h"
#include "ui/widgets/chartstyle.h"

class QAbstractSeries;
class QChart;
class QChartView;

namespace hyperlab {

class SweepChart : public QWidget {
  Q_OBJECT
 public:
  explicit SweepChart(const QString& title, QWidget* parent = nullptr);

  /// Each trial's value (in the order run) and the best so far.
  void showBestSoFar(const std::vector<double>& values, const QString& metric, bool maximize);
  /// The objective against one setting: a point per seed and the mean per value.
  void showParameter(const ParamAxis& axis, const std::vector<std::string>& x, const std::vector<double>& y,
                     const QString& metric);
  struct Band {
    QString name;
    QColor color;
    BandCurve curve;
  };
  /// Mean curves with a ± SE (or SD) band each.
  void showBands(const std::vector<Band>& bands, const QString& metric, bool sd);
  /// One box per configuration (min, quartiles, median, max), mean as a point,
  /// and each seed's value as a dot (`seeds`: per box, may be empty).
  void showBoxes(const QStringList& names, const std::vector<BoxStats>& boxes,
                 const std::vector<std::vector<double>>& seeds, const QString& metric);

  /// .png, .svg, .pdf (the chart) or .csv (its numbers). Returns an error or "".
  QString exportTo(const QString& file);
  QChart* chart() const { return chart_; }
  int seriesCount() const;
  QString csv() const { return csv_; }
  /// The legend's entries as laid out now, one string per row.
  QStringList legendRows() const;

 protected:
  void contextMenuEvent(QContextMenuEvent* e) override;
  void changeEvent(QEvent* e) override;

 private:
  void reset(const QString& title);
  void finish();
  double plotWidth() const;
  double plotHeight() const;
  QString title_;
  QChart* chart_;
  QChartView* view_;
  ChartLegend* legend_;
  QVector<QList<QAbstractSeries*>> legend_series_;  // what each legend entry hides and shows
  QString csv_;
};

/// One polyline per trial across an axis per varied setting and one for the
/// objective; colour follows the objective (best = dark).
class ParallelCoordinates : public QWidget {
  Q_OBJECT
 public:
  explicit ParallelCoordinates(QWidget* parent = nullptr);
  void setData(const std::vector<ParamAxis>& axes, const std::vector<TrialRow>& trials, const QString& metric,
               bool maximize);
  int lineCount() const { return static_cast<int>(lines_.size()); }
  QString exportTo(const QString& file);
  QSize sizeHint() const override { return {700, 380}; }

 protected:
  void paintEvent(QPaintEvent*) override;
  void contextMenuEvent(QContextMenuEvent* e) override;

 private:
  struct Line {
    std::vector<double> pos;  ///< 0..1 per axis (NaN: missing), objective last
    double value = 0;
  };
  std::vector<ParamAxis> axes_;
  std::vector<Line> lines_;
  QString metric_;
  double lo_ = 0, hi_ = 1;
  bool maximize_ = true;
  QString csv_;
};

}  // namespace hyperlab

// One live line chart (Qt Charts kept inside this class): named series with
// stable colours, linear or log y axis, a best-point marker, hover read-out,
// legend clicks that hide and show series, and export to PNG, SVG and PDF.
// Callers hand it all points of a series; it thins them for display only
// (min and max per pixel column, so extremes and the best point survive).
#pragma once

#include <QColor>
#include <QPointF>
#include <QString>
#include <QVector>
#include <QWidget>

#include "ui/widgets/export.h"

class QChart;
class QChartView;
class QLineSeries;
class QScatterSeries;
class QAbstractAxis;
class QValueAxis;
class QLogValueAxis;

namespace hyperlab {

class MetricChart : public QWidget {
  Q_OBJECT
 public:
  explicit MetricChart(const QString& title, const QString& x_label, const QString& y_label,
                       QWidget* parent = nullptr);

  /// Returns the series' index. Colours follow a fixed palette unless given.
  int addSeries(const QString& name, QColor color = QColor(), Qt::PenStyle style = Qt::SolidLine);
  void removeAllSeries();
  int seriesCount() const { return series_.size(); }
  QString seriesName(int i) const;
  /// Replaces the series' points (all of them; thinned here for display).
  void setPoints(int series, const QVector<QPointF>& points);
  /// Points currently drawn for a series (after thinning and, on log axes, dropping y <= 0).
  int shownPointCount(int series) const;
  bool seriesVisible(int series) const;
  void setSeriesVisible(int series, bool on);
  void setLogY(bool on);
  bool logY() const { return log_y_; }
  /// Marks one point (e.g. the best epoch); NaN hides the marker.
  void setMarker(double x, double y, const QString& label);
  /// Line width and font size for presentation mode.
  void setPresentation(bool on);
  QString title() const { return title_; }
  /// Writes the chart with its title, axes and legend; the format follows the
  /// extension (.png, .svg, .pdf), or its data as pgfplots-ready .csv (every
  /// point, not the thinned ones). Returns an error message or "".
  QString exportTo(const QString& file, QSize size = QSize(900, 560));
  /// The same file's bytes (ext: png, svg, pdf, csv), for writing elsewhere.
  ExportFile exportFile(const QString& ext, QSize size = QSize(900, 560));
  /// Every point of every series as CSV (what .csv exports).
  QString csv() const;
  /// What the chart's Export… entry exports.
  Exportable exportable();
  QChart* chart() const { return chart_; }

 protected:
  void contextMenuEvent(QContextMenuEvent* e) override;

 private:
  void updateAxes();
  void scheduleAxes();  // one axes update per event-loop pass, however many series changed
  void applyPen(int i);
  struct Entry {
    QLineSeries* line = nullptr;
    QVector<QPointF> points;  // everything, as given
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    int shown = 0;
  };
  QString title_;
  QChart* chart_;
  QChartView* view_;
  QValueAxis* x_axis_;
  QAbstractAxis* y_axis_ = nullptr;
  QScatterSeries* marker_;
  QVector<Entry> series_;
  bool log_y_ = false, presentation_ = false, axes_pending_ = false;
  QString y_label_;
};

/// A fixed palette of distinguishable colours.
QColor series_color(int i);

}  // namespace hyperlab

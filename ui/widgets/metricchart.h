// One live line chart (Qt Charts kept inside this class): named series with
// stable colours, linear or log y axis, a best-point marker, hover read-out,
// legend clicks that hide and show series, and export to PNG, SVG and PDF.
// Callers hand it all points of a series, or append the new ones of a line
// that grows (a live batch curve: the cost per point then does not grow with
// the line); it thins them for display only (ui/widgets/thinning.h: min and
// max per pixel column, so extremes and the best point survive).
// The axes fit the data (and the marker, with room for its radius) and follow
// it live, with round ticks (ui/widgets/chartstyle.h); a log y axis plots
// log10(y) on a linear axis labelled in real values, so it always has at least
// three labels. Fonts follow the widget's font; the legend is a wrapping row
// of entries under the chart (ChartLegend), part of every picture export.
#pragma once

#include <QColor>
#include <QPointF>
#include <QString>
#include <QVector>
#include <QWidget>

#include <utility>

#include "ui/widgets/chartstyle.h"
#include "ui/widgets/export.h"
#include "ui/widgets/thinning.h"

class QCategoryAxis;
class QChart;
class QChartView;
class QLineSeries;
class QScatterSeries;

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
  /// Adds points[from..] after the series' points (in x order), thinning only them.
  void appendPoints(int series, const QVector<QPointF>& points, int from = 0);
  /// All points of a series, as given.
  const QVector<QPointF>& points(int series) const { return series_[series].points; }
  /// Points currently drawn for a series (after thinning and, on log axes, dropping y <= 0).
  int shownPointCount(int series) const;
  bool seriesVisible(int series) const;
  void setSeriesVisible(int series, bool on);
  void setLogY(bool on);
  bool logY() const { return log_y_; }
  /// Marks one point (e.g. the best epoch); NaN hides the marker.
  void setMarker(double x, double y, const QString& label);
  /// Thicker lines and a larger marker for presentation mode (the fonts
  /// follow the widget's font, which presentation mode enlarges).
  void setPresentation(bool on);
  bool presentation() const { return presentation_; }
  /// Fixes where the x axis starts (NaN: at the data's first whole x), so
  /// that charts side by side start at the same epoch.
  void setXStart(double x);
  /// While a run trains (CurvesPanel turns it on at the start and off at the end): the
  /// axes' ranges grow with headroom, and change only when the data leaves them or
  /// shrinks to half the y range. Each range change costs a layout of the whole chart
  /// (axes, labels, every series' geometry: ~70 % of a redraw, measured), and a live
  /// curve's newest point changed it at every redraw. Off: fitted to the data again.
  /// `x_end` (if finite): the x the data will end at, where the x axis stops growing.
  void setLive(bool on, double x_end = NAN);
  /// Draws the series changed since and fits the axes, if anything is pending
  /// (the accessors here and painting call it). New points are drawn later, one
  /// chart per event-loop pass: an epoch's end changes every chart of a run at
  /// once, and drawn in one pass they held the event loop for 30-60 ms.
  void flush();
  bool pending() const { return axes_pending_; }
  /// Whole-number ticks on the x axis (epochs, steps); on by default.
  void setIntegerX(bool on);
  void setLegendVisible(bool on);
  ChartLegend* legend() const { return legend_; }
  /// The axes' ranges, tick values and labels in data units (real values on
  /// a log axis), after any pending update.
  std::pair<double, double> xRange();
  std::pair<double, double> yRange();
  QVector<double> xTicks();
  QVector<double> yTicks();
  QStringList xTickLabels();
  QStringList yTickLabels();
  /// What the hover read-out shows now: the series, x and y of the point
  /// nearest the pointer, or "" when the pointer is near no curve.
  QString hoverText() const { return hover_text_; }
  /// The chart view's viewport (where the pointer's events go), and where a
  /// data point is drawn in it; the plot area in the same coordinates.
  QWidget* viewport() const;
  QPointF viewportPos(double x, double y) const;
  QRectF viewportPlotArea() const;
  double markerRadius() const;
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
  void changeEvent(QEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;
  bool eventFilter(QObject* watched, QEvent* e) override;

 private:
  void updateAxes();
  void scheduleAxes();  // the chart's pending work in a later pass, however many series changed
  void applyPen(int i);
  void updateLegend();
  void updateHover(QPointF pos);  // pos: in the viewport
  void clearHover();
  double toAxisY(double y) const;
  double fromAxisY(double y) const;
  int columns() const;   // pixel columns to thin to
  void showThinned(int i);  // marks the series to draw (at the next flush())
  void drawThinned(int i);  // the series' thinned points into its line
  struct Entry {
    QLineSeries* line = nullptr;
    QVector<QPointF> points;  // everything, as given
    LineThinner thinned;      // what is drawn of them
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    int shown = 0;
    bool dirty = false;  // its points changed since they were drawn
  };
  QString title_;
  QChart* chart_;
  QChartView* view_;
  ChartLegend* legend_;
  QCategoryAxis *x_axis_, *y_axis_;
  QScatterSeries *marker_, *hover_;
  QVector<Entry> series_;
  bool log_y_ = false, presentation_ = false, axes_pending_ = false, integer_x_ = true, legend_on_ = true;
  double x_start_;
  bool live_ = false;
  double live_x1_ = NAN, live_y0_ = NAN, live_y1_ = NAN;  ///< live: the data range the axes cover (axis units)
  double live_x_end_ = NAN;
  double marker_x_, marker_y_;
  QString marker_label_;
  bool marker_on_ = false, marker_shown_ = true;
  AxisTicks x_ticks_, y_ticks_;
  QString y_label_, hover_text_;
};

}  // namespace hyperlab

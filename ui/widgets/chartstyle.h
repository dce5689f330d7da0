// What every chart of the window shares, so that they look and read alike:
// one 20-colour palette, round ticks (1, 2 or 5 x 10^k) on linear and log axes
// with ranges fitted to the data, fonts taken from the chart widget's font, and
// a legend that wraps onto more lines instead of cutting names. Qt Charts types
// appear only as forward declarations; the charts themselves stay in their views.
#pragma once

#include <QColor>
#include <QFont>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <utility>

class QChart;
class QCategoryAxis;
class QPainter;

namespace hyperlab {

/// Number of colours before the palette repeats.
constexpr int kPaletteSize = 20;
/// Colour i of the palette (tab20's hues: the ten strong ones first, then
/// their light partners), repeating after kPaletteSize.
QColor series_color(int i);
/// A colour per key (a run's id, say): key mod kPaletteSize, moved to the next
/// free colour where two keys would share one, so up to kPaletteSize keys get
/// distinct colours and a key keeps its colour wherever no other takes it.
QVector<QColor> distinct_colors(const QVector<qint64>& keys);

/// The ticks of one axis, in axis units (log10 of the value on a log axis):
/// the range it spans, where the labels go and the labels (real values).
struct AxisTicks {
  double lo = 0, hi = 1;
  QVector<double> at;
  QStringList labels;
};
/// The smallest 1, 2 or 5 x 10^k that is at least raw (1 for raw <= 0).
double nice_step(double raw);
/// Round steps (1, 2 or 5 x 10^k; whole numbers if `integer`) over [lo, hi],
/// about `target` of them and at least 3 where the range allows.
AxisTicks linear_ticks(double lo, double hi, int target, bool integer = false);
/// A log axis over [lo, hi] (both > 0): decades where three or more lie in the
/// range, else 1-2-5 steps, else round linear steps; always at least 3 labels.
AxisTicks log_ticks(double lo, double hi, int target);
/// A tick value as a short label: "0.5", "20", "1e-4".
QString log_tick_label(double v);
/// [lo, hi] widened by `frac` of its span at each end, and by at least `px`
/// pixels where the axis is `length` pixels long (so a marker of radius px at
/// the data's edge stays inside). An empty span is widened around its value.
std::pair<double, double> padded_range(double lo, double hi, double frac, double px, double length);
/// Puts the ticks on a category axis: range, a label and grid line on each value.
void apply_ticks(QCategoryAxis* axis, const AxisTicks& ticks);

/// The frame every chart shares: a square white background that runs on into
/// the legend under it, no shadow, one-pixel cosmetic grid and axis lines (on the
/// axes it has now). `view` (a QChartView) loses its frame.
void style_chart(QChart* chart, QWidget* view);
/// Grid and axis lines in cosmetic pens (width 0: one screen pixel, as the theme's width 1
/// draws them, but a width of 1 makes each line item's bounding box a stroked outline,
/// recomputed at every repaint: ~15 % of a live chart's redraw), or back to width 1 for an
/// exported picture (a cosmetic pen is a hairline in a PDF and thin in a scaled PNG).
void set_line_pens_cosmetic(QChart* chart, bool cosmetic);

/// Pixels by which the last label of a horizontal category axis `length`
/// pixels long sticks out past its end (room the chart's right margin must
/// leave, or "100000" is cut to "10000").
int right_overhang(QCategoryAxis* axis, double length, const QFont& font);

/// `f` scaled by `factor`, whether it is sized in points or pixels.
QFont scaled_font(QFont f, double factor);
/// The chart's title (bold, a little larger), axis titles, tick labels and
/// legend in `base`, the chart widget's font.
void apply_chart_fonts(QChart* chart, const QFont& base);

/// A chart's legend as a widget under it: one entry (symbol and full name) per
/// series, entries in rows that wrap onto more lines (a name wider than the
/// legend wraps in itself), never elided. A click on an entry emits clicked();
/// entries that are off are drawn grey. Its font is the widget's.
class ChartLegend : public QWidget {
  Q_OBJECT
 public:
  enum class Symbol { Line, Dot, Box };
  struct Entry {
    QString text;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    Symbol symbol = Symbol::Line;
    bool on = true;
  };
  explicit ChartLegend(QWidget* parent = nullptr);

  void setEntries(const QVector<Entry>& entries);
  const QVector<Entry>& entries() const { return entries_; }
  void setEntryOn(int i, bool on);
  /// Thicker line symbols (presentation mode).
  void setLineWidth(double w);
  /// The entries' texts as laid out at `width` (the widget's when 0): one
  /// string per row, entries separated by " | ".
  QStringList rows(int width = 0) const;
  /// Where entry i is drawn in the widget (empty if it is not).
  QRectF entryRect(int i) const;

  bool hasHeightForWidth() const override { return true; }
  int heightForWidth(int w) const override;
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;
  /// Draws the legend into `rect` (exports: under the chart's picture).
  void paint(QPainter& p, const QRectF& rect) const;

 Q_SIGNALS:
  void clicked(int entry);

 protected:
  void paintEvent(QPaintEvent*) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void changeEvent(QEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;

 private:
  struct Placed {
    int entry;
    int row;
    QRectF box;   // symbol and text
    QRectF text;  // the text alone
  };
  QVector<Placed> layout(double width, const QFont& font) const;
  QVector<Entry> entries_;
  double line_width_ = 2.5;
};

}  // namespace hyperlab

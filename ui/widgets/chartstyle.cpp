#include "ui/widgets/chartstyle.h"

#include <QEvent>
#include <QFrame>
#include <QGraphicsLayout>
#include <QFontMetricsF>
#include <QMouseEvent>
#include <QResizeEvent>
#include <QPainter>
#include <QTextLayout>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>

#include <algorithm>
#include <cmath>

namespace hyperlab {

QColor series_color(int i) {
  // tab20: the ten strong hues (tab10) first, then their light partners, a
  // little darker than tab20's so that they still show on a projector.
  static const QColor palette[kPaletteSize] = {
      QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),   QColor(214, 39, 40),
      QColor(148, 103, 189), QColor(140, 86, 75),   QColor(227, 119, 194), QColor(127, 127, 127),
      QColor(188, 189, 34),  QColor(23, 190, 207),  QColor(150, 182, 222), QColor(245, 170, 95),
      QColor(130, 205, 115), QColor(245, 130, 128), QColor(185, 160, 205), QColor(190, 140, 130),
      QColor(240, 160, 200), QColor(175, 175, 175), QColor(205, 205, 110), QColor(130, 205, 222)};
  return palette[((i % kPaletteSize) + kPaletteSize) % kPaletteSize];
}

QVector<QColor> distinct_colors(const QVector<qint64>& keys) {
  bool used[kPaletteSize] = {};
  QVector<QColor> out;
  for (qint64 key : keys) {
    int c = static_cast<int>(((key % kPaletteSize) + kPaletteSize) % kPaletteSize);
    if (out.size() < kPaletteSize)
      while (used[c]) c = (c + 1) % kPaletteSize;
    used[c] = true;
    out.push_back(series_color(c));
  }
  return out;
}

// The smallest 1, 2 or 5 x 10^k that is at least raw.
double nice_step(double raw) {
  if (!(raw > 0)) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw * (1 - 1e-9)) return m * p;
  return 10 * p;
}

namespace {

// The next smaller 1-2-5 step: 5 -> 2 -> 1 -> 0.5.
double smaller_step(double step) {
  const double p = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  const double m = std::round(step / p);
  return m >= 5 ? 2 * p : m >= 2 ? p : 0.5 * p;
}

QVector<double> multiples(double lo, double hi, double step) {
  QVector<double> at;
  const double k0 = std::ceil(lo / step - 1e-9);
  for (double k = k0; k * step <= hi + step * 1e-9 && at.size() < 1000; k += 1) {
    const double v = k * step;
    at.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return at;
}

// "1e-05" -> "1e-5", "2.5e+06" -> "2.5e6".
QString tidy_exponent(QString s) {
  const int e = s.indexOf('e');
  if (e < 0) return s;
  QString mant = s.left(e), exp = s.mid(e + 1);
  const bool neg = exp.startsWith('-');
  if (exp.startsWith('+') || neg) exp.remove(0, 1);
  while (exp.size() > 1 && exp.startsWith('0')) exp.remove(0, 1);
  return mant + "e" + (neg ? "-" : "") + exp;
}

QStringList linear_labels(const QVector<double>& at, double step, bool integer) {
  QStringList out;
  double big = 0;
  for (double v : at) big = std::max(big, std::abs(v));
  const int step_digit = static_cast<int>(std::floor(std::log10(step) + 1e-9));
  if (!integer && big > 0 && (big >= 1e6 || big < 1e-3)) {
    const int digits = std::max(0, static_cast<int>(std::floor(std::log10(big) + 1e-9)) - step_digit);
    for (double v : at) out << tidy_exponent(QString::number(v, 'e', digits));
    return out;
  }
  const int decimals = integer ? 0 : std::max(0, -step_digit);
  for (double v : at) out << QString::number(v, 'f', decimals);
  return out;
}

// Lays out `text` in lines of `width` (at word boundaries, or anywhere for a
// word wider than the line); draws it at `at` when a painter is given.
double wrapped_text(const QString& text, const QFont& font, double width, QPainter* p = nullptr, QPointF at = {}) {
  QTextLayout layout(text, font);
  QTextOption o;
  o.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
  layout.setTextOption(o);
  layout.beginLayout();
  double y = 0;
  for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
    line.setLineWidth(width);
    line.setPosition(QPointF(0, y));
    y += line.height();
  }
  layout.endLayout();
  if (p) layout.draw(p, at);
  return y;
}

}  // namespace

AxisTicks linear_ticks(double lo, double hi, int target, bool integer) {
  AxisTicks t;
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (!(hi > lo)) lo -= 0.5, hi += 0.5;
  t.lo = lo, t.hi = hi;
  double step = nice_step((hi - lo) / std::max(2, target));
  if (integer) step = std::max(1.0, std::round(step));
  for (;;) {
    t.at = multiples(lo, hi, step);
    if (t.at.size() >= 3 || (integer && step <= 1)) break;
    step = smaller_step(step);
  }
  t.labels = linear_labels(t.at, step, integer);
  return t;
}

QString log_tick_label(double v) {
  if (v >= 1e-3 && v < 1e5) return QString::number(v, 'g', 6);
  return tidy_exponent(QString::number(v, 'g', 3));
}

AxisTicks log_ticks(double lo, double hi, int target) {
  if (!(lo > 0) || !std::isfinite(lo)) lo = 0.1;
  if (!(hi > lo) || !std::isfinite(hi)) hi = lo * 10;
  target = std::max(3, target);
  AxisTicks t;
  t.lo = std::log10(lo), t.hi = std::log10(hi);
  // Decades, every s-th where there are many.
  const int d0 = static_cast<int>(std::ceil(t.lo - 1e-9)), d1 = static_cast<int>(std::floor(t.hi + 1e-9));
  const int decades = d1 - d0 + 1;
  if (decades >= 3) {
    int s = std::max(1, static_cast<int>(std::ceil(double(decades) / target)));
    // One style for the whole axis: plain numbers, or 1eN throughout when some decade needs it.
    const bool exponents = d0 < -3 || d1 > 4;
    for (;; s = 1) {
      t.at.clear(), t.labels.clear();
      for (int d = d0; d <= d1; ++d)
        if (((d % s) + s) % s == 0)
          t.at.push_back(d), t.labels << (exponents ? QString("1e%1").arg(d) : log_tick_label(std::pow(10.0, d)));
      if (t.at.size() >= 3 || s == 1) break;
    }
    return t;
  }
  // 1, 2 and 5 of each decade.
  for (int d = d0 - 1; d <= d1; ++d)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, d);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) t.at.push_back(std::log10(v)), t.labels << log_tick_label(v);
    }
  if (t.at.size() >= 3) return t;
  // A narrow range: round linear steps, drawn at their log positions.
  const AxisTicks lin = linear_ticks(lo, hi, std::min(target, 5));
  t.at.clear(), t.labels.clear();
  for (int i = 0; i < lin.at.size(); ++i)
    if (lin.at[i] > 0) t.at.push_back(std::log10(lin.at[i])), t.labels << lin.labels[i];
  return t;
}

std::pair<double, double> padded_range(double lo, double hi, double frac, double px, double length) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {0, 1};
  if (!(hi > lo)) {
    const double d = lo != 0 ? std::abs(lo) * 0.05 : 0.5;
    lo -= d, hi += d;
  }
  const double span = hi - lo;
  const double c = length > 0 ? std::min(0.3, px / length) : 0.0;
  // The pixels' share of the padded span is c, so the pad is c / (1 - 2c) of the data's.
  const double pad = std::max(frac * span, c * span / (1 - 2 * c));
  return {lo - pad, hi + pad};
}

void apply_ticks(QCategoryAxis* a, const AxisTicks& t) {
  // Unchanged ticks: nothing to redo (the axes follow every update of a live
  // chart). The same labels at the same values in a moved range (a live
  // curve's new low): the range alone, since each category removed and added
  // again costs the chart a layout pass.
  const QStringList old = a->categoriesLabels();
  bool same_labels = a->count() == t.at.size();
  for (int i = 0; same_labels && i < t.at.size(); ++i) same_labels = old[i] == t.labels[i] && a->endValue(old[i]) == t.at[i];
  if (same_labels && a->min() == t.lo && a->max() == t.hi) return;
  if (!same_labels) {
    for (const QString& l : old) a->remove(l);
    a->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
  }
  a->setRange(t.lo, t.hi);
  const double span = t.hi - t.lo;
  a->setStartValue(std::min(t.lo, t.at.isEmpty() ? t.lo : t.at.front()) - span * 1e-6);
  if (!same_labels)
    for (int i = 0; i < t.at.size(); ++i) a->append(t.labels[i], t.at[i]);
}

void style_chart(QChart* chart, QWidget* view) {
  chart->setBackgroundRoundness(0);
  chart->setDropShadowEnabled(false);
  chart->layout()->setContentsMargins(0, 0, 0, 0);
  if (auto* frame = qobject_cast<QFrame*>(view)) frame->setFrameShape(QFrame::NoFrame);
  set_line_pens_cosmetic(chart, true);
}

void set_line_pens_cosmetic(QChart* chart, bool cosmetic) {
  for (QAbstractAxis* a : chart->axes()) {
    for (auto [get, set] : {std::pair{&QAbstractAxis::gridLinePen, &QAbstractAxis::setGridLinePen},
                            std::pair{&QAbstractAxis::minorGridLinePen, &QAbstractAxis::setMinorGridLinePen},
                            std::pair{&QAbstractAxis::linePen, &QAbstractAxis::setLinePen}}) {
      QPen pen = (a->*get)();
      if (pen.widthF() <= 1 && pen.widthF() != (cosmetic ? 0 : 1)) pen.setWidthF(cosmetic ? 0 : 1), (a->*set)(pen);
    }
  }
}

int right_overhang(QCategoryAxis* a, double length, const QFont& font) {
  const QStringList labels = a->categoriesLabels();
  if (labels.isEmpty() || !(a->max() > a->min())) return 0;
  const double room = (a->max() - a->endValue(labels.back())) / (a->max() - a->min()) * length;
  return std::max(0, static_cast<int>(std::ceil(QFontMetricsF(font).horizontalAdvance(labels.back()) / 2 - room)) + 2);
}

QFont scaled_font(QFont f, double factor) {
  if (f.pointSizeF() > 0) f.setPointSizeF(f.pointSizeF() * factor);
  else if (f.pixelSize() > 0) f.setPixelSize(std::max(1, static_cast<int>(std::lround(f.pixelSize() * factor))));
  return f;
}

void apply_chart_fonts(QChart* chart, const QFont& base) {
  QFont title = scaled_font(base, 1.2);
  title.setBold(true);
  chart->setTitleFont(title);
  for (QAbstractAxis* a : chart->axes()) {
    a->setLabelsFont(base);
    a->setTitleFont(base);
  }
  chart->legend()->setFont(base);
}

// ---- the legend ----

ChartLegend::ChartLegend(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
  setAutoFillBackground(true);  // the chart's white, so that chart and legend read as one
  QPalette pal = palette();
  pal.setColor(QPalette::Window, Qt::white);
  pal.setColor(QPalette::WindowText, Qt::black);
  setPalette(pal);
  setCursor(Qt::PointingHandCursor);
  setToolTip("Click an entry to hide or show its curve");
}

void ChartLegend::setEntries(const QVector<Entry>& entries) {
  entries_ = entries;
  setFixedHeight(heightForWidth(width()));
  updateGeometry();
  update();
}

void ChartLegend::setEntryOn(int i, bool on) {
  if (i < 0 || i >= entries_.size()) return;
  entries_[i].on = on;
  update();
}

void ChartLegend::setLineWidth(double w) {
  line_width_ = w;
  update();
}

QVector<ChartLegend::Placed> ChartLegend::layout(double width, const QFont& font) const {
  QVector<Placed> out;
  const QFontMetricsF fm(font);
  const double h = fm.height(), sw = 1.8 * h, gap = 0.35 * h, space = 1.1 * h, margin = 3;
  const double avail = std::max(4 * h, width - 2 * margin);
  double x = 0, y = margin, row_h = 0;
  int row = 0, row_start = 0;
  auto center_row = [&](int end) {  // the finished row, centred
    if (end <= row_start) return;
    const double shift = std::max(0.0, (avail - (out[end - 1].box.right() - margin)) / 2);
    for (int k = row_start; k < end; ++k) out[k].box.translate(shift, 0), out[k].text.translate(shift, 0);
  };
  for (int i = 0; i < entries_.size(); ++i) {
    const QString& text = entries_[i].text;
    double tw = fm.horizontalAdvance(text) + 1, th = h;
    if (sw + gap + tw > avail) tw = avail - sw - gap, th = wrapped_text(text, font, tw);  // wraps in itself
    const double w = sw + gap + tw;
    if (x > 0 && x + space + w > avail) {
      center_row(out.size());
      y += row_h + 0.2 * h, x = 0, row_h = 0, ++row, row_start = out.size();
    }
    if (x > 0) x += space;
    Placed p;
    p.entry = i, p.row = row;
    p.box = QRectF(margin + x, y, w, th);
    p.text = QRectF(margin + x + sw + gap, y, tw, th);
    out.push_back(p);
    x += w, row_h = std::max(row_h, th);
  }
  center_row(out.size());
  return out;
}

namespace {
// The font as pixels of this screen, so that exports to devices of another
// resolution (SVG, PDF) lay the legend out as it is on screen.
QFont pixel_font(const QWidget* w) {
  QFont f = w->font();
  if (f.pointSizeF() > 0) f.setPixelSize(std::max(1, static_cast<int>(std::lround(f.pointSizeF() * w->logicalDpiY() / 72.0))));
  return f;
}
}  // namespace

int ChartLegend::heightForWidth(int w) const {
  if (entries_.isEmpty()) return 0;
  const QVector<Placed> p = layout(w, pixel_font(this));
  double bottom = 0;
  for (const Placed& q : p) bottom = std::max(bottom, q.box.bottom());
  return static_cast<int>(std::ceil(bottom + 3));
}

QSize ChartLegend::sizeHint() const { return {300, heightForWidth(width() > 0 ? width() : 300)}; }
QSize ChartLegend::minimumSizeHint() const { return {60, heightForWidth(width())}; }

QStringList ChartLegend::rows(int width) const {
  QStringList out;
  for (const Placed& p : layout(width > 0 ? width : this->width(), pixel_font(this))) {
    if (p.row >= out.size()) out << QString();
    out[p.row] += (out[p.row].isEmpty() ? "" : " | ") + entries_[p.entry].text;
  }
  return out;
}

QRectF ChartLegend::entryRect(int i) const {
  for (const Placed& p : layout(width(), pixel_font(this)))
    if (p.entry == i) return p.box;
  return {};
}

void ChartLegend::paint(QPainter& p, const QRectF& rect) const {
  const QFont font = pixel_font(this);
  const QFontMetricsF fm(font);
  const QColor off(170, 170, 170);
  p.save();
  p.setRenderHint(QPainter::Antialiasing);
  p.setFont(font);
  for (const Placed& q : layout(rect.width(), font)) {
    const Entry& e = entries_[q.entry];
    const QRectF box = q.box.translated(rect.topLeft());
    const QColor c = e.on ? e.color : off;
    const double cy = box.top() + fm.height() / 2, sw = 1.8 * fm.height();
    switch (e.symbol) {
      case Symbol::Line: {
        QPen pen(c, line_width_);
        pen.setStyle(e.style);
        pen.setCapStyle(Qt::FlatCap);
        p.setPen(pen);
        p.drawLine(QPointF(box.left() + 2, cy), QPointF(box.left() + sw - 2, cy));
        break;
      }
      case Symbol::Dot:
        p.setPen(QPen(e.on ? QColor(Qt::black) : off, 1));
        p.setBrush(c);
        p.drawEllipse(QPointF(box.left() + sw / 2, cy), 0.32 * fm.height(), 0.32 * fm.height());
        break;
      case Symbol::Box:
        p.setPen(QPen(c.darker(140), 1));
        p.setBrush(c);
        p.drawRect(QRectF(box.left() + sw / 2 - 0.35 * fm.height(), cy - 0.3 * fm.height(), 0.7 * fm.height(),
                          0.6 * fm.height()));
        break;
    }
    p.setPen(e.on ? palette().color(QPalette::WindowText) : off);
    wrapped_text(e.text, font, q.text.width(), &p, q.text.translated(rect.topLeft()).topLeft());
  }
  p.restore();
}

void ChartLegend::paintEvent(QPaintEvent*) {
  QPainter p(this);
  paint(p, rect());
}

void ChartLegend::mouseReleaseEvent(QMouseEvent* e) {
  for (const Placed& q : layout(width(), pixel_font(this)))
    if (q.box.adjusted(-3, -3, 3, 3).contains(e->position())) return Q_EMIT clicked(q.entry);
}

void ChartLegend::resizeEvent(QResizeEvent* e) {
  QWidget::resizeEvent(e);
  if (const int h = heightForWidth(width()); h != height()) setFixedHeight(h);  // the rows follow the width
}

void ChartLegend::changeEvent(QEvent* e) {
  QWidget::changeEvent(e);
  if (e->type() == QEvent::FontChange) {
    setFixedHeight(heightForWidth(width()));
    update();
  }
}

}  // namespace hyperlab

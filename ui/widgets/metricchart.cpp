#include "ui/widgets/metricchart.h"

#include "ui/widgets/export.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QContextMenuEvent>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMenu>
#include <QPainter>
#include <QScatterSeries>
#include <QTimer>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <map>

namespace hyperlab {

QColor series_color(int i) {
  static const QColor palette[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                   QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                                   QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                                   QColor(23, 190, 207)};
  return palette[i % 10];
}

namespace {

// At most ~2 points per pixel column: for each column, the first, min and max
// points in x order, so a spike or the best value is never thinned away.
QVector<QPointF> thin(const QVector<QPointF>& p, int columns, bool log_y) {
  QVector<QPointF> in;
  in.reserve(p.size());
  for (const QPointF& q : p)
    if (std::isfinite(q.y()) && (!log_y || q.y() > 0)) in.push_back(q);
  if (in.size() <= 3 * columns || in.size() < 2) return in;
  const double x0 = in.front().x(), x1 = in.back().x();
  const double w = (x1 - x0) / columns;
  if (!(w > 0)) return in;
  QVector<QPointF> out;
  out.reserve(3 * columns + 2);
  int i = 0;
  while (i < in.size()) {
    int col = static_cast<int>((in[i].x() - x0) / w);
    int lo = i, hi = i, j = i;
    for (; j < in.size() && static_cast<int>((in[j].x() - x0) / w) == col; ++j) {
      if (in[j].y() < in[lo].y()) lo = j;
      if (in[j].y() > in[hi].y()) hi = j;
    }
    int a = std::min(lo, hi), b = std::max(lo, hi);
    out.push_back(in[i]);
    if (a != i) out.push_back(in[a]);
    if (b != a && b != i) out.push_back(in[b]);
    if (j - 1 != b && j - 1 != i) out.push_back(in[j - 1]);
    i = j;
  }
  return out;
}

}  // namespace

MetricChart::MetricChart(const QString& title, const QString& x_label, const QString& y_label, QWidget* parent)
    : QWidget(parent), title_(title), y_label_(y_label) {
  chart_ = new QChart;
  chart_->setTitle(title);
  chart_->legend()->setAlignment(Qt::AlignBottom);
  chart_->setMargins(QMargins(4, 4, 4, 4));
  chart_->setAnimationOptions(QChart::NoAnimation);
  x_axis_ = new QValueAxis;
  x_axis_->setTitleText(x_label);
  x_axis_->setLabelFormat("%g");
  chart_->addAxis(x_axis_, Qt::AlignBottom);
  marker_ = new QScatterSeries;
  marker_->setName("best");
  marker_->setMarkerSize(11);
  marker_->setColor(QColor(255, 215, 0));
  marker_->setBorderColor(Qt::black);
  chart_->addSeries(marker_);
  marker_->attachAxis(x_axis_);
  setLogY(false);
  view_ = new QChartView(chart_);
  view_->setRenderHint(QPainter::Antialiasing);
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  lay->addWidget(view_);
  // The marker's legend entry only when it is shown.
  for (QLegendMarker* m : chart_->legend()->markers(marker_)) m->setVisible(false);
}

int MetricChart::addSeries(const QString& name, QColor color, Qt::PenStyle style) {
  Entry e;
  e.line = new QLineSeries;
  e.line->setName(name);
  e.color = color.isValid() ? color : series_color(series_.size());
  e.style = style;
  chart_->addSeries(e.line);
  e.line->attachAxis(x_axis_);
  e.line->attachAxis(y_axis_);
  const int index = series_.size();
  series_.push_back(e);
  applyPen(index);
  QLineSeries* line = e.line;
  connect(line, &QLineSeries::hovered, this, [this, line](const QPointF& p, bool on) {
    if (!on) return QToolTip::hideText();
    // The nearest shown point of this series.
    const auto pts = line->points();
    QPointF best = p;
    double d = INFINITY;
    for (const QPointF& q : pts)
      if (std::abs(q.x() - p.x()) < d) d = std::abs(q.x() - p.x()), best = q;
    QToolTip::showText(QCursor::pos(), QString("%1\n%2 = %3\n%4 = %5")
                                           .arg(line->name(), x_axis_->titleText())
                                           .arg(best.x(), 0, 'g', 6)
                                           .arg(y_label_)
                                           .arg(best.y(), 0, 'g', 6));
  });
  for (QLegendMarker* m : chart_->legend()->markers(line)) {
    connect(m, &QLegendMarker::clicked, this, [this, index] { setSeriesVisible(index, !seriesVisible(index)); });
  }
  return index;
}

void MetricChart::removeAllSeries() {
  for (Entry& e : series_) {
    chart_->removeSeries(e.line);
    delete e.line;
  }
  series_.clear();
  setMarker(NAN, NAN, QString());
  updateAxes();
}

QString MetricChart::seriesName(int i) const { return series_.value(i).line ? series_[i].line->name() : QString(); }

void MetricChart::applyPen(int i) {
  Entry& e = series_[i];
  QPen pen(e.color);
  pen.setWidthF(presentation_ ? 3.5 : 1.8);
  pen.setStyle(e.style);
  e.line->setPen(pen);
}

void MetricChart::setPoints(int i, const QVector<QPointF>& points) {
  if (i < 0 || i >= series_.size()) return;
  Entry& e = series_[i];
  e.points = points;
  // One min/max pair per 2 pixels is as much as a line can show.
  const int columns = std::max(100, view_->width() / 2);
  QVector<QPointF> shown = thin(points, columns, log_y_);
  e.shown = shown.size();
  e.line->replace(shown);
  scheduleAxes();
}

void MetricChart::scheduleAxes() {
  if (axes_pending_) return;
  axes_pending_ = true;
  QTimer::singleShot(0, this, [this] {
    if (axes_pending_) updateAxes();
  });
}

int MetricChart::shownPointCount(int i) const { return series_.value(i).shown; }
bool MetricChart::seriesVisible(int i) const { return series_.value(i).line && series_[i].line->isVisible(); }

void MetricChart::setSeriesVisible(int i, bool on) {
  if (i < 0 || i >= series_.size()) return;
  series_[i].line->setVisible(on);
  // Keep the legend entry, greyed out, so it can be clicked back on.
  for (QLegendMarker* m : chart_->legend()->markers(series_[i].line)) {
    m->setVisible(true);
    QColor c = on ? series_[i].color : QColor(190, 190, 190);
    m->setBrush(c);
    m->setLabelBrush(on ? QBrush(palette().color(QPalette::Text)) : QBrush(QColor(160, 160, 160)));
  }
  updateAxes();
}

void MetricChart::setLogY(bool on) {
  log_y_ = on;
  QAbstractAxis* old = y_axis_;
  if (on) {
    auto* a = new QLogValueAxis;
    a->setBase(10);
    a->setLabelFormat("%.0e");
    a->setMinorTickCount(-1);
    y_axis_ = a;
  } else {
    auto* a = new QValueAxis;
    a->setLabelFormat("%.3g");
    y_axis_ = a;
  }
  y_axis_->setTitleText(y_label_);
  chart_->addAxis(y_axis_, Qt::AlignLeft);
  for (Entry& e : series_) {
    if (old) e.line->detachAxis(old);
    e.line->attachAxis(y_axis_);
  }
  if (old) marker_->detachAxis(old);
  marker_->attachAxis(y_axis_);
  if (old) {
    chart_->removeAxis(old);
    delete old;
  }
  for (int i = 0; i < series_.size(); ++i) setPoints(i, QVector<QPointF>(series_[i].points));
  updateAxes();
  if (presentation_) setPresentation(true);  // the new axis gets the large fonts too
}

void MetricChart::setMarker(double x, double y, const QString& label) {
  if (std::isfinite(x) && std::isfinite(y) && (!log_y_ || y > 0)) {
    marker_->replace(QVector<QPointF>{QPointF(x, y)});
    marker_->setName(label);
    for (QLegendMarker* m : chart_->legend()->markers(marker_)) m->setVisible(true);
  } else {
    marker_->clear();
    for (QLegendMarker* m : chart_->legend()->markers(marker_)) m->setVisible(false);
  }
}

void MetricChart::updateAxes() {
  axes_pending_ = false;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const Entry& e : series_) {
    if (!e.line->isVisible()) continue;
    for (const QPointF& p : e.line->points()) {
      x0 = std::min(x0, p.x()), x1 = std::max(x1, p.x());
      y0 = std::min(y0, p.y()), y1 = std::max(y1, p.y());
    }
  }
  const bool empty = !std::isfinite(x0);
  if (empty) x0 = 0, x1 = 1, y0 = log_y_ ? 0.1 : 0, y1 = 1;
  // Whole epochs on the x axis; integer ticks while there are few.
  x0 = std::floor(x0 + 1e-9), x1 = std::ceil(x1 - 1e-9);
  if (x1 <= x0) x1 = x0 + 1;
  x_axis_->setRange(x0, x1);
  if (x1 - x0 <= 10) {
    x_axis_->setTickCount(static_cast<int>(x1 - x0) + 1);
    x_axis_->setLabelFormat("%d");
  } else {
    x_axis_->setTickCount(6);
    x_axis_->applyNiceNumbers();
    x_axis_->setLabelFormat("%g");
  }
  if (log_y_) {
    // Ticks every decade, or every 2 or 3 decades when the range is wide, so
    // the labels keep room even on a small chart.
    double dlo = std::floor(std::log10(y0)), dhi = std::ceil(std::log10(y1));
    if (dhi <= dlo) dhi = dlo + 1;
    const int step = dhi - dlo > 8 ? 3 : dhi - dlo > 4 ? 2 : 1;
    dlo = std::floor(dlo / step) * step, dhi = std::ceil(dhi / step) * step;
    auto* a = static_cast<QLogValueAxis*>(y_axis_);
    a->setBase(std::pow(10.0, step));
    a->setRange(std::pow(10.0, dlo), std::pow(10.0, dhi));
  } else {
    double pad = (y1 - y0) * 0.05;
    if (pad <= 0) pad = std::max(std::abs(y1) * 0.05, 1e-3);
    auto* y = static_cast<QValueAxis*>(y_axis_);
    if (empty) {
      y->setRange(0, 1);
      return;
    }
    y->setRange(y0 - pad, y1 + pad);
    y->applyNiceNumbers();
  }
}

void MetricChart::setPresentation(bool on) {
  presentation_ = on;
  for (int i = 0; i < series_.size(); ++i) applyPen(i);
  // From the application's font, not the widget's (which a presentation-mode
  // parent may already have enlarged).
  QFont f = QApplication::font();
  if (on) f.setPointSizeF(f.pointSizeF() * 1.3);
  QFont tf = f;
  tf.setBold(true);
  if (on) tf.setPointSizeF(f.pointSizeF() * 1.15);
  chart_->setTitleFont(tf);
  chart_->legend()->setFont(f);
  for (QAbstractAxis* a : chart_->axes()) a->setLabelsFont(f), a->setTitleFont(f);
  marker_->setMarkerSize(on ? 15 : 11);
}

QString MetricChart::csv() const {
  // pgfplots-ready: one x column and one column per series, empty where a series has no point.
  std::map<double, std::vector<double>> rows;
  for (int i = 0; i < series_.size(); ++i)
    for (const QPointF& p : series_[i].points) {
      auto& row = rows[p.x()];
      row.resize(series_.size(), NAN);
      row[i] = p.y();
    }
  QString text = x_axis_->titleText().isEmpty() ? "x" : x_axis_->titleText().replace(' ', '_');
  for (const Entry& e : series_) text += "," + QString(e.line->name()).replace(',', ' ');
  text += "\n";
  for (const auto& [x, ys] : rows) {
    text += QString::number(x, 'g', 10);
    for (int i = 0; i < series_.size(); ++i)
      text += "," + (i < int(ys.size()) && std::isfinite(ys[i]) ? QString::number(ys[i], 'g', 10) : QString());
    text += "\n";
  }
  return text;
}

ExportFile MetricChart::exportFile(const QString& ext, QSize size) {
  if (ext == "csv") return {csv().toUtf8(), QString()};
  if (ext != "png" && ext != "svg" && ext != "pdf") return {{}, "unknown format \"" + ext + "\" (use .png, .svg, .pdf or .csv)"};
  if (axes_pending_) updateAxes();
  // Render at a fixed size, independent of the window.
  const QSize old = view_->size();
  chart_->resize(size);
  ExportFile f = render_picture(ext, size, title_, [this](QPainter& p, const QRectF& target) {
    p.setRenderHint(QPainter::Antialiasing);
    chart_->scene()->render(&p, target, chart_->geometry());
  });
  chart_->resize(old);
  view_->resize(old);
  return f;
}

QString MetricChart::exportTo(const QString& file, QSize size) {
  return export_now(file, [&](const QString& ext) { return exportFile(ext, size); });
}

Exportable MetricChart::exportable() {
  return {"chart", title_, true, [this](const QString& ext) { return exportFile(ext); }};
}

void MetricChart::contextMenuEvent(QContextMenuEvent* e) {
  QMenu menu(this);
  QAction* log = menu.addAction("Logarithmic y axis");
  log->setCheckable(true);
  log->setChecked(log_y_);
  add_export_action(menu, this, exportable());
  if (menu.exec(e->globalPos()) == log) setLogY(!log_y_);
}

}  // namespace hyperlab

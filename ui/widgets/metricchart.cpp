#include "ui/widgets/metricchart.h"

#include "ui/widgets/export.h"

#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QContextMenuEvent>
#include <QCoreApplication>
#include <QGraphicsLayout>
#include <QFontMetricsF>
#include <QLegend>
#include <QLineSeries>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QPointer>
#include <QScatterSeries>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <map>

namespace hyperlab {


MetricChart::MetricChart(const QString& title, const QString& x_label, const QString& y_label, QWidget* parent)
    : QWidget(parent), title_(title), x_start_(NAN), marker_x_(NAN), marker_y_(NAN), y_label_(y_label) {
  chart_ = new QChart;
  chart_->setTitle(title);
  chart_->legend()->hide();  // ours, under the chart, wraps instead of eliding
  chart_->setMargins(QMargins(4, 4, 4, 4));
  chart_->setAnimationOptions(QChart::NoAnimation);
  x_axis_ = new QCategoryAxis;
  x_axis_->setTitleText(x_label);
  chart_->addAxis(x_axis_, Qt::AlignBottom);
  y_axis_ = new QCategoryAxis;
  y_axis_->setTitleText(y_label);
  chart_->addAxis(y_axis_, Qt::AlignLeft);
  marker_ = new QScatterSeries;
  marker_->setMarkerSize(11);
  marker_->setColor(QColor(255, 215, 0));
  marker_->setBorderColor(Qt::black);
  hover_ = new QScatterSeries;  // the point the read-out is about
  hover_->setMarkerSize(9);
  hover_->setBorderColor(Qt::white);
  for (QScatterSeries* s : {marker_, hover_}) {
    chart_->addSeries(s);
    s->attachAxis(x_axis_);
    s->attachAxis(y_axis_);
  }
  view_ = new QChartView(chart_);
  view_->setRenderHint(QPainter::Antialiasing);
  style_chart(chart_, view_);
  view_->viewport()->setMouseTracking(true);
  view_->viewport()->installEventFilter(this);
  legend_ = new ChartLegend;
  connect(legend_, &ChartLegend::clicked, this, [this](int i) {
    if (i < series_.size()) setSeriesVisible(i, !seriesVisible(i));
    else marker_shown_ = !marker_shown_, setMarker(marker_x_, marker_y_, marker_label_);
  });
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  lay->setSpacing(0);
  lay->addWidget(view_, 1);
  lay->addWidget(legend_);
  apply_chart_fonts(chart_, font());
  updateAxes();
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
  updateLegend();
  return index;
}

void MetricChart::removeAllSeries() {
  clearHover();
  for (Entry& e : series_) {
    chart_->removeSeries(e.line);
    delete e.line;
  }
  series_.clear();
  setMarker(NAN, NAN, QString());
  updateLegend();
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

void MetricChart::updateLegend() {
  QVector<ChartLegend::Entry> entries;
  for (const Entry& e : series_)
    entries.push_back({e.line->name(), e.color, e.style, ChartLegend::Symbol::Line, e.line->isVisible()});
  if (marker_on_) entries.push_back({marker_label_, marker_->color(), Qt::SolidLine, ChartLegend::Symbol::Dot, marker_shown_});
  legend_->setEntries(entries);
}

void MetricChart::setLegendVisible(bool on) {
  legend_on_ = on;
  legend_->setVisible(on);
}

double MetricChart::toAxisY(double y) const { return log_y_ ? std::log10(y) : y; }
double MetricChart::fromAxisY(double y) const { return log_y_ ? std::pow(10.0, y) : y; }

// One min/max pair per 2 pixels is as much as a line can show.
int MetricChart::columns() const { return std::max(100, width() / 2); }  // the view is as wide as the chart

void MetricChart::setPoints(int i, const QVector<QPointF>& points) {
  if (i < 0 || i >= series_.size()) return;
  Entry& e = series_[i];
  e.points = points;
  e.thinned.reset(columns(), log_y_);
  e.thinned.add(points);
  showThinned(i);
}

void MetricChart::appendPoints(int i, const QVector<QPointF>& points, int from) {
  if (i < 0 || i >= series_.size() || from >= points.size()) return;
  Entry& e = series_[i];
  e.points.append(points.mid(from));
  e.thinned.add(points, from);
  showThinned(i);
}

void MetricChart::showThinned(int i) {
  series_[i].dirty = true;
  scheduleAxes();
}

void MetricChart::drawThinned(int i) {
  Entry& e = series_[i];
  e.dirty = false;
  QVector<QPointF> shown = e.thinned.shown();
  if (log_y_)
    for (QPointF& q : shown) q.setY(std::log10(q.y()));
  e.shown = shown.size();
  e.line->setPointsVisible(shown.size() == 1);  // a line of one point draws nothing
  e.line->replace(shown);
}

namespace {

// Charts with pending work, done one chart per event-loop pass: Qt leaves the
// events posted while it sends posted events to the next pass, so the timers and
// the user's input get their turn between two charts.
struct ChartPump {
  QList<QPointer<MetricChart>> queue;
  bool posted = false;
};

ChartPump& chart_pump() {
  static ChartPump p;
  return p;
}

void post_chart_pump() {
  ChartPump& p = chart_pump();
  if (p.posted || p.queue.isEmpty() || !QCoreApplication::instance()) return;
  p.posted = true;
  QMetaObject::invokeMethod(
      QCoreApplication::instance(),
      [] {
        ChartPump& p = chart_pump();
        p.posted = false;
        while (!p.queue.isEmpty()) {
          QPointer<MetricChart> c = p.queue.takeFirst();
          if (!c || !c->pending()) continue;  // deleted, or drawn out of turn, meanwhile
          c->flush();
          break;
        }
        post_chart_pump();
      },
      Qt::QueuedConnection);
}

}  // namespace

void MetricChart::scheduleAxes() {
  if (axes_pending_) return;
  axes_pending_ = true;
  chart_pump().queue.append(this);
  post_chart_pump();
}

void MetricChart::flush() {
  if (axes_pending_) updateAxes();
}

int MetricChart::shownPointCount(int i) const {
  const_cast<MetricChart*>(this)->flush();
  return series_.value(i).shown;
}
bool MetricChart::seriesVisible(int i) const { return series_.value(i).line && series_[i].line->isVisible(); }

void MetricChart::setSeriesVisible(int i, bool on) {
  if (i < 0 || i >= series_.size()) return;
  series_[i].line->setVisible(on);
  legend_->setEntryOn(i, on);  // the entry stays, greyed out, so it can be clicked back on
  clearHover();
  updateAxes();
}

void MetricChart::setLogY(bool on) {
  log_y_ = on;
  live_x1_ = live_y0_ = live_y1_ = NAN;  // the live range was in the other scale's units
  clearHover();
  for (int i = 0; i < series_.size(); ++i) setPoints(i, QVector<QPointF>(series_[i].points));
  setMarker(marker_x_, marker_y_, marker_label_);
  updateAxes();
}

void MetricChart::setXStart(double x) {
  x_start_ = x;
  scheduleAxes();
}

void MetricChart::setLive(bool on, double x_end) {
  if (live_ == on && (x_end == live_x_end_ || (std::isnan(x_end) && std::isnan(live_x_end_)))) return;
  live_ = on, live_x_end_ = x_end;
  live_x1_ = live_y0_ = live_y1_ = NAN;
  scheduleAxes();
}

void MetricChart::setIntegerX(bool on) {
  integer_x_ = on;
  scheduleAxes();
}

void MetricChart::setMarker(double x, double y, const QString& label) {
  marker_x_ = x, marker_y_ = y, marker_label_ = label;
  const bool was_on = marker_on_;
  marker_on_ = std::isfinite(x) && std::isfinite(y) && (!log_y_ || y > 0);
  if (marker_on_ && marker_shown_) marker_->replace(QVector<QPointF>{QPointF(x, toAxisY(y))});
  else marker_->clear();
  if (!marker_on_) marker_shown_ = true;
  if (marker_on_ != was_on || marker_on_) updateLegend();
  scheduleAxes();
}

double MetricChart::markerRadius() const { return marker_->markerSize() / 2; }

void MetricChart::updateAxes() {
  axes_pending_ = false;
  for (int i = 0; i < series_.size(); ++i)
    if (series_[i].dirty) drawThinned(i);
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  auto take = [&](const QPointF& p) {
    x0 = std::min(x0, p.x()), x1 = std::max(x1, p.x());
    y0 = std::min(y0, p.y()), y1 = std::max(y1, p.y());
  };
  for (const Entry& e : series_)
    if (e.line->isVisible())
      for (const QPointF& p : e.line->points()) take(p);
  for (const QPointF& p : marker_->points()) take(p);  // the marker is data too: it must not be cut off
  const bool empty = !std::isfinite(x0);
  if (empty) x0 = 0, x1 = 1, y0 = log_y_ ? -1 : 0, y1 = log_y_ ? 0 : 1;
  if (std::isfinite(x_start_)) x0 = x_start_, x1 = std::max(x1, x_start_);
  else if (integer_x_) x0 = std::floor(x0 + 1e-9);
  if (live_ && !empty) {
    // x: on to the next 1, 2 or 5 x 10^k of the span (at least a tenth ahead), so a
    // run of E epochs changes it about 1 + log2(E) times. y: a fifth of the span beyond
    // each end; again when a point leaves the range or the data fills under half of it.
    if (!(x1 <= live_x1_)) {
      live_x1_ = x0 + nice_step(1.1 * std::max(x1 - x0, 1e-9));
      if (x1 <= live_x_end_) live_x1_ = std::min(live_x1_, live_x_end_);  // not past the run's last epoch
    }
    x1 = live_x1_;
    const double span = y1 - y0;
    if (!(y0 >= live_y0_ && y1 <= live_y1_ && span >= 0.5 * (live_y1_ - live_y0_))) {
      const double m = span > 1e-9 * std::max(1.0, std::abs(y1)) ? 0.2 * span : 0.0;  // one value: padded as ever
      live_y0_ = y0 - m, live_y1_ = y1 + m;
    }
    y0 = live_y0_, y1 = live_y1_;
  }
  if (integer_x_) {
    x1 = std::ceil(x1 - 1e-9);
    // Whole-number ticks end the axis on the last point: a marker there (the
    // newest epoch is the best) would be cut in half, so the axis goes on one more.
    for (const QPointF& p : marker_->points())
      if (p.x() >= x1 - 1e-9) x1 += 1;
  }
  if (x1 <= x0) x1 = x0 + 1;
  // The plot's size in pixels (an estimate before the chart's first layout),
  // to leave room for the marker's radius and to space the labels.
  const QRectF area = chart_->plotArea();
  const double w = area.width() > 50 ? area.width() : std::max(100, view_->width() - 80);
  const double h = area.height() > 50 ? area.height() : std::max(80, view_->height() - 90);
  const double room = markerRadius() + 2;
  const QFontMetricsF fm(font());
  const auto [xa, xb] = padded_range(x0, x1, 0.0, room, w);
  const auto [ya, yb] = padded_range(y0, y1, empty ? 0.0 : 0.05, room, h);
  const double label_w = fm.horizontalAdvance(QString::number(std::max(std::abs(x0), std::abs(x1)), 'g', 6)) + 2 * fm.height();
  x_ticks_ = linear_ticks(xa, xb, std::clamp(static_cast<int>(w / label_w), 2, 12), integer_x_);
  const int y_target = std::clamp(static_cast<int>(h / (2.2 * fm.height())), 3, 8);
  y_ticks_ = log_y_ ? log_ticks(std::pow(10.0, ya), std::pow(10.0, yb), y_target) : linear_ticks(ya, yb, y_target);
  apply_ticks(x_axis_, x_ticks_);
  apply_ticks(y_axis_, y_ticks_);
  const QMargins margins(4, 4, 4 + right_overhang(x_axis_, w, font()), 4);
  if (chart_->margins() != margins) chart_->setMargins(margins);
}

std::pair<double, double> MetricChart::xRange() {
  if (axes_pending_) updateAxes();
  return {x_ticks_.lo, x_ticks_.hi};
}

std::pair<double, double> MetricChart::yRange() {
  if (axes_pending_) updateAxes();
  return {fromAxisY(y_ticks_.lo), fromAxisY(y_ticks_.hi)};
}

QVector<double> MetricChart::xTicks() {
  if (axes_pending_) updateAxes();
  return x_ticks_.at;
}

QVector<double> MetricChart::yTicks() {
  if (axes_pending_) updateAxes();
  QVector<double> out;
  for (double v : y_ticks_.at) out.push_back(fromAxisY(v));
  return out;
}

QStringList MetricChart::xTickLabels() {
  if (axes_pending_) updateAxes();
  return x_axis_->categoriesLabels();
}

QStringList MetricChart::yTickLabels() {
  if (axes_pending_) updateAxes();
  return y_axis_->categoriesLabels();
}

QWidget* MetricChart::viewport() const { return view_->viewport(); }

QPointF MetricChart::viewportPos(double x, double y) const {
  const_cast<MetricChart*>(this)->flush();
  const QPointF in_chart = chart_->mapToPosition(QPointF(x, toAxisY(y)), marker_);
  return view_->mapFromScene(chart_->mapToScene(in_chart));
}

QRectF MetricChart::viewportPlotArea() const {
  const_cast<MetricChart*>(this)->flush();
  const QRectF a = chart_->mapRectToScene(chart_->plotArea());
  return QRectF(view_->mapFromScene(a.topLeft()), view_->mapFromScene(a.bottomRight()));
}

namespace {
double segment_distance(QPointF p, QPointF a, QPointF b) {
  const QPointF d = b - a;
  const double len2 = QPointF::dotProduct(d, d);
  const double t = len2 > 0 ? std::clamp(QPointF::dotProduct(p - a, d) / len2, 0.0, 1.0) : 0.0;
  const QPointF q = a + t * d - p;
  return std::sqrt(QPointF::dotProduct(q, q));
}
}  // namespace

void MetricChart::updateHover(QPointF pos) {
  flush();
  // The curve nearest the pointer (within a few pixels of its line), and on
  // it the point nearest the pointer: its value is what the read-out shows.
  const QPointF at = chart_->mapFromScene(view_->mapToScene(pos.toPoint()));
  const double tol = std::max(8.0, 0.6 * QFontMetricsF(font()).height());
  int best = -1;
  double best_d = tol;
  QPointF best_pt;
  for (int i = 0; i < series_.size(); ++i) {
    const Entry& e = series_[i];
    if (!e.line->isVisible()) continue;
    const QList<QPointF> pts = e.line->points();
    double line_d = INFINITY, point_d = INFINITY;
    QPointF nearest, prev;
    for (int k = 0; k < pts.size(); ++k) {
      const QPointF px = chart_->mapToPosition(pts[k], e.line);
      const QPointF d = px - at;
      const double pd = std::sqrt(QPointF::dotProduct(d, d));
      if (pd < point_d) point_d = pd, nearest = pts[k];
      line_d = std::min(line_d, k > 0 ? segment_distance(at, prev, px) : pd);
      prev = px;
    }
    if (line_d <= best_d) best_d = line_d, best = i, best_pt = nearest;
  }
  if (best < 0) return clearHover();
  hover_text_ = QString("%1\n%2 = %3\n%4 = %5")
                    .arg(series_[best].line->name(), x_axis_->titleText())
                    .arg(best_pt.x(), 0, 'g', 6)
                    .arg(y_label_)
                    .arg(fromAxisY(best_pt.y()), 0, 'g', 6);
  hover_->setColor(series_[best].color);
  hover_->replace(QVector<QPointF>{best_pt});
  QToolTip::showText(view_->viewport()->mapToGlobal(pos.toPoint()), hover_text_, view_->viewport());
}

void MetricChart::clearHover() {
  if (hover_text_.isEmpty() && hover_->count() == 0) return;
  hover_text_.clear();
  hover_->clear();
  QToolTip::hideText();
}

bool MetricChart::eventFilter(QObject* watched, QEvent* e) {
  if (watched == view_->viewport()) {
    if (e->type() == QEvent::MouseMove) updateHover(static_cast<QMouseEvent*>(e)->position());
    else if (e->type() == QEvent::Leave) clearHover();
    else if (e->type() == QEvent::Paint) flush();  // grab() and render() too draw what is pending
  }
  return QWidget::eventFilter(watched, e);
}

void MetricChart::changeEvent(QEvent* e) {
  QWidget::changeEvent(e);
  if (e->type() == QEvent::FontChange) {
    apply_chart_fonts(chart_, font());
    scheduleAxes();  // the labels' room changed
  }
}

void MetricChart::resizeEvent(QResizeEvent* e) {
  QWidget::resizeEvent(e);
  // Thinned for another width: again, when it is off by more than half (a
  // window's first layout, a maximised window), not on every small change.
  const int c = columns();
  for (int i = 0; i < series_.size(); ++i) {
    const int had = series_[i].thinned.columns();
    if (2 * c > 3 * had || 3 * c < 2 * had) setPoints(i, QVector<QPointF>(series_[i].points));
  }
  scheduleAxes();
}

void MetricChart::setPresentation(bool on) {
  presentation_ = on;
  for (int i = 0; i < series_.size(); ++i) applyPen(i);
  legend_->setLineWidth(on ? 4 : 2.5);
  marker_->setMarkerSize(on ? 15 : 11);
  hover_->setMarkerSize(on ? 12 : 9);
  scheduleAxes();
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
  clearHover();
  set_line_pens_cosmetic(chart_, false);  // one unit wide in the picture
  // Render at a fixed size, independent of the window: the chart, and the
  // legend (as many rows as it needs at that width) under it.
  const int legend_h = legend_on_ ? legend_->heightForWidth(size.width()) : 0;
  const QSizeF old = chart_->size();
  const QSizeF chart_size(size.width(), std::max(100, size.height() - legend_h));
  chart_->resize(chart_size);
  updateAxes();
  // The axes' new labels are laid out on the next pass of the event loop:
  // now, so that the picture has them.
  chart_->layout()->invalidate();
  chart_->layout()->activate();
  QCoreApplication::sendPostedEvents(chart_->scene());
  ExportFile f = render_picture(ext, size, title_, [&](QPainter& p, const QRectF& target) {
    p.save();
    p.translate(target.topLeft());
    p.scale(target.width() / size.width(), target.height() / size.height());
    p.setRenderHint(QPainter::Antialiasing);
    chart_->scene()->render(&p, QRectF(QPointF(0, 0), chart_size), chart_->geometry());
    if (legend_h > 0) legend_->paint(p, QRectF(0, chart_size.height(), size.width(), legend_h));
    p.restore();
  });
  set_line_pens_cosmetic(chart_, true);
  chart_->resize(old);
  updateAxes();
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

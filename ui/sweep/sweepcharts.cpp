#include "ui/sweep/sweepcharts.h"

#include <QContextMenuEvent>
#include <QEvent>
#include <QFontMetricsF>
#include <QMenu>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <QVBoxLayout>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBoxPlotSeries>
#include <QtCharts/QBoxSet>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <map>

#include "ui/widgets/chartstyle.h"
#include "ui/widgets/export.h"
#include "ui/widgets/pictureviews.h"

namespace hyperlab {

namespace {

QString n(double v) { return std::isfinite(v) ? QString::number(v, 'g', 8) : QString(); }

// A chart's file: its data as CSV, else a picture of the widget.
ExportFile chart_file(QWidget* w, const QString& ext, const QString& title, const QString& csv) {
  return ext == "csv" ? ExportFile{csv.toUtf8(), QString()} : render_widget(w, ext, title);
}

// A value axis over [lo, hi] with a little margin (points at the extremes
// stay inside) and round ticks, about one per 2.5 lines of text of `length` pixels.
QCategoryAxis* value_axis(double lo, double hi, double length, const QFont& font, bool integer = false) {
  auto* a = new QCategoryAxis;
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  const auto [a0, a1] = padded_range(lo, hi, integer ? 0.0 : 0.04, 8, length);
  const int target = std::clamp(static_cast<int>(length / (2.5 * QFontMetricsF(font).height())), 3, 10);
  apply_ticks(a, linear_ticks(a0, a1, target, integer));
  return a;
}

// A log axis over [lo, hi] (the points go at log10 of their values).
QCategoryAxis* log_axis(double lo, double hi, double length, const QFont& font) {
  auto* a = new QCategoryAxis;
  if (!(lo > 0) || !std::isfinite(hi)) lo = 0.1, hi = 1;
  const auto [a0, a1] = padded_range(std::log10(lo), std::log10(hi), 0.05, 8, length);
  const int target = std::clamp(static_cast<int>(length / (6 * QFontMetricsF(font).height())), 3, 8);
  apply_ticks(a, log_ticks(std::pow(10.0, a0), std::pow(10.0, a1), target));
  return a;
}

// An epoch axis from 1: whole numbers only.
QCategoryAxis* epoch_axis(int last, double length, const QFont& font) {
  auto* a = new QCategoryAxis;
  const auto [a0, a1] = padded_range(1, std::max(2, last), 0.0, 4, length);
  const int target = std::clamp(static_cast<int>(length / (4 * QFontMetricsF(font).height())), 2, 10);
  apply_ticks(a, linear_ticks(a0, a1, target, true));
  return a;
}

// A long configuration label over lines of about 18 characters (at ", "), so
// box labels wrap instead of being cut.
QString wrapped(const QString& s) {
  const QStringList parts = s.toHtmlEscaped().split(", ");
  QString out, line;
  for (const QString& p : parts) {
    if (!line.isEmpty() && line.size() + p.size() > 18) out += line + "<br>", line.clear();
    line += (line.isEmpty() ? "" : ", ") + p;
  }
  return out + line;
}

}  // namespace

SweepChart::SweepChart(const QString& title, QWidget* parent) : QWidget(parent), title_(title), chart_(new QChart) {
  view_ = new QChartView(chart_, this);
  view_->setRenderHint(QPainter::Antialiasing);
  style_chart(chart_, view_);
  legend_ = new ChartLegend(this);
  connect(legend_, &ChartLegend::clicked, this, [this](int i) {
    if (i < 0 || i >= legend_series_.size() || legend_series_[i].isEmpty()) return;
    const bool on = !legend_series_[i].front()->isVisible();
    for (QAbstractSeries* s : legend_series_[i]) s->setVisible(on);
    legend_->setEntryOn(i, on);
  });
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(0, 0, 0, 0);
  v->setSpacing(0);
  v->addWidget(view_, 1);
  v->addWidget(legend_);
  chart_->legend()->hide();  // ours wraps instead of eliding
  reset(title);
}

double SweepChart::plotWidth() const { return std::max(150, view_->width() - 110); }
double SweepChart::plotHeight() const { return std::max(100, view_->height() - 100); }

// After each show…: the fonts of the widget, and a legend entry per named series
// (a band's area goes with the mean line after it).
void SweepChart::finish() {
  apply_chart_fonts(chart_, font());
  int over = 0;
  for (QAbstractAxis* a : chart_->axes(Qt::Horizontal))
    if (auto* c = qobject_cast<QCategoryAxis*>(a)) over = right_overhang(c, plotWidth(), font());
  chart_->setMargins(QMargins(4, 4, 4 + over, 4));
  QVector<ChartLegend::Entry> entries;
  legend_series_.clear();
  QList<QAbstractSeries*> pending;
  for (QAbstractSeries* s : chart_->series()) {
    pending << s;
    if (s->name().isEmpty()) continue;
    ChartLegend::Entry e;
    e.text = s->name();
    if (auto* line = qobject_cast<QLineSeries*>(s); line && !qobject_cast<QScatterSeries*>(s))
      e.color = line->pen().color(), e.style = line->pen().style();
    else if (auto* dots = qobject_cast<QScatterSeries*>(s))
      e.color = dots->color(), e.symbol = dots->markerShape() == QScatterSeries::MarkerShapeRectangle
                                             ? ChartLegend::Symbol::Box
                                             : ChartLegend::Symbol::Dot;
    else if (auto* box = qobject_cast<QBoxPlotSeries*>(s)) e.color = box->brush().color(), e.symbol = ChartLegend::Symbol::Box;
    entries << e;
    legend_series_ << pending;
    pending.clear();
  }
  legend_->setEntries(entries);
}

QStringList SweepChart::legendRows() const { return legend_->rows(); }

void SweepChart::changeEvent(QEvent* e) {
  QWidget::changeEvent(e);
  if (e->type() == QEvent::FontChange) apply_chart_fonts(chart_, font());
}

void SweepChart::reset(const QString& title) {
  chart_->removeAllSeries();
  for (QAbstractAxis* a : chart_->axes()) {
    chart_->removeAxis(a);
    delete a;
  }
  chart_->setTitle(title);
  title_ = title;
  csv_.clear();
}

int SweepChart::seriesCount() const { return static_cast<int>(chart_->series().size()); }

void SweepChart::showBestSoFar(const std::vector<double>& values, const QString& metric, bool maximize) {
  reset("Best " + metric + " so far");
  auto* pts = new QScatterSeries;
  pts->setName("trial");
  pts->setMarkerSize(7);
  pts->setColor(QColor(120, 144, 156));
  auto* best = new QLineSeries;
  best->setName(QString("best so far (%1)").arg(maximize ? "max" : "min"));
  QPen pen(series_color(0));
  pen.setWidthF(2.2);
  best->setPen(pen);
  const std::vector<double> b = best_so_far(values, maximize);
  csv_ = "trial," + metric + ",best_so_far\n";
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) pts->append(double(i + 1), values[i]), lo = std::min(lo, values[i]), hi = std::max(hi, values[i]);
    if (std::isfinite(b[i])) {  // a step: the best holds until a better trial
      if (i > 0 && std::isfinite(b[i - 1]) && b[i] != b[i - 1]) best->append(double(i + 1), b[i - 1]);
      best->append(double(i + 1), b[i]);
    }
    csv_ += QString::number(i + 1) + "," + n(values[i]) + "," + n(b[i]) + "\n";
  }
  chart_->addSeries(pts);
  chart_->addSeries(best);
  auto* x = new QCategoryAxis;
  const int target = std::clamp(static_cast<int>(plotWidth() / (4 * QFontMetricsF(font()).height())), 2, 10);
  apply_ticks(x, linear_ticks(0.5, std::max<double>(1, values.size()) + 0.5, target, true));
  x->setTitleText("trial (in the order run)");
  QCategoryAxis* y = value_axis(lo, hi, plotHeight(), font());
  y->setTitleText(metric);
  chart_->addAxis(x, Qt::AlignBottom), chart_->addAxis(y, Qt::AlignLeft);
  for (QAbstractSeries* s : chart_->series()) s->attachAxis(x), s->attachAxis(y);
  finish();
}

void SweepChart::showParameter(const ParamAxis& axis, const std::vector<std::string>& xs, const std::vector<double>& ys,
                               const QString& metric) {
  const QString key = QString::fromStdString(axis.key);
  reset(metric + " against " + key.section('.', -1));
  auto* pts = new QScatterSeries;
  pts->setName("each seed");
  pts->setMarkerSize(7);
  pts->setColor(QColor(120, 144, 156, 170));
  auto* means = new QScatterSeries;
  means->setName("mean over seeds");
  means->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
  means->setMarkerSize(10);
  means->setColor(series_color(0));
  csv_ = key + "," + metric + "\n";
  std::map<double, std::pair<double, int>> by_x;
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
    csv_ += QString::fromStdString(display_value(xs[i])) + "," + n(ys[i]) + "\n";
    if (!std::isfinite(ys[i])) continue;
    double x;
    if (axis.numeric) {
      x = std::strtod(xs[i].c_str(), nullptr);
      if (axis.log && x <= 0) continue;
      if (axis.log) x = std::log10(x);  // a log axis is linear in log10(x), labelled in real values
    } else {
      auto it = std::find(axis.categories.begin(), axis.categories.end(), xs[i]);
      if (it == axis.categories.end()) continue;
      x = double(it - axis.categories.begin());
    }
    pts->append(x, ys[i]);
    auto& m = by_x[x];
    m.first += ys[i], m.second += 1;
    lo = std::min(lo, ys[i]), hi = std::max(hi, ys[i]);
  }
  for (auto& [x, m] : by_x) means->append(x, m.first / m.second);
  chart_->addSeries(pts);
  chart_->addSeries(means);
  QAbstractAxis* xa;
  if (!axis.numeric) {
    auto* c = new QCategoryAxis;
    c->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    for (size_t i = 0; i < axis.categories.size(); ++i)
      c->append(QString::fromStdString(display_value(axis.categories[i])), double(i));
    c->setRange(-0.5, std::max<double>(0.5, axis.categories.size() - 0.5));
    xa = c;
  } else if (axis.log) {
    xa = log_axis(axis.lo, axis.hi, plotWidth(), font());
  } else {
    xa = value_axis(axis.lo, axis.hi, plotWidth(), font());
  }
  xa->setTitleText(key + (axis.log ? " (log scale)" : ""));
  QCategoryAxis* y = value_axis(lo, hi, plotHeight(), font());
  y->setTitleText(metric);
  chart_->addAxis(xa, Qt::AlignBottom), chart_->addAxis(y, Qt::AlignLeft);
  for (QAbstractSeries* s : chart_->series()) s->attachAxis(xa), s->attachAxis(y);
  finish();
}

void SweepChart::showBands(const std::vector<Band>& bands, const QString& metric, bool sd) {
  reset(metric + " over epochs: mean ± " + (sd ? "SD" : "SE") + " over seeds");
  csv_ = "configuration,epoch,n,mean," + QString(sd ? "sd" : "se") + "\n";
  double lo = INFINITY, hi = -INFINITY;
  int max_epoch = 1;
  for (const Band& b : bands) {
    auto* mean = new QLineSeries;
    mean->setName(b.name);
    QPen pen(b.color);
    pen.setWidthF(2);
    mean->setPen(pen);
    auto* up = new QLineSeries;
    auto* down = new QLineSeries;
    bool any_band = false;
    for (size_t i = 0; i < b.curve.epochs.size(); ++i) {
      const double m = b.curve.mean[i], s = sd ? b.curve.sd[i] : b.curve.se[i];
      const int e = b.curve.epochs[i];
      max_epoch = std::max(max_epoch, e);
      csv_ += "\"" + QString(b.name).replace('"', '\'') + "\"," + QString::number(e) + "," +
              QString::number(b.curve.n[i]) + "," + n(m) + "," + n(s) + "\n";
      if (!std::isfinite(m)) continue;
      mean->append(e, m);
      lo = std::min(lo, m), hi = std::max(hi, m);
      const double w = std::isfinite(s) ? s : 0;
      any_band |= w > 0;
      up->append(e, m + w), down->append(e, m - w);
      lo = std::min(lo, m - w), hi = std::max(hi, m + w);
    }
    if (any_band) {
      auto* area = new QAreaSeries(up, down);
      QColor fill = b.color;
      fill.setAlpha(55);
      area->setBrush(fill);
      area->setPen(Qt::NoPen);
      chart_->addSeries(area);
    } else {
      delete up;
      delete down;
    }
    chart_->addSeries(mean);
  }
  QCategoryAxis* x = epoch_axis(max_epoch, plotWidth(), font());
  x->setTitleText("epoch");
  QCategoryAxis* y = value_axis(lo, hi, plotHeight(), font());
  y->setTitleText(metric);
  chart_->addAxis(x, Qt::AlignBottom), chart_->addAxis(y, Qt::AlignLeft);
  for (QAbstractSeries* s : chart_->series()) s->attachAxis(x), s->attachAxis(y);
  finish();
}

void SweepChart::showBoxes(const QStringList& names, const std::vector<BoxStats>& boxes,
                           const std::vector<std::vector<double>>& seeds, const QString& metric) {
  reset(metric + " across seeds, per configuration");
  auto* series = new QBoxPlotSeries;
  series->setName("seeds: min, quartiles, median, max");
  series->setBrush(QColor(series_color(0).red(), series_color(0).green(), series_color(0).blue(), 70));
  auto* means = new QScatterSeries;
  means->setName("mean");
  means->setMarkerSize(9);
  means->setColor(series_color(1));
  auto* dots = new QScatterSeries;
  dots->setName("each seed");
  dots->setMarkerSize(8);
  dots->setColor(QColor(40, 40, 40, 190));
  dots->setBorderColor(Qt::white);
  csv_ = "configuration,n,min,q1,median,q3,max,mean,seeds\n";
  double lo = INFINITY, hi = -INFINITY;
  QStringList cats;
  for (int i = 0; i < names.size() && i < int(boxes.size()); ++i) {
    const BoxStats& b = boxes[i];
    QString each;
    const std::vector<double> none;
    const std::vector<double>& vals = i < int(seeds.size()) ? seeds[i] : none;
    for (size_t k = 0; k < vals.size(); ++k) {
      if (!std::isfinite(vals[k])) continue;
      each += (each.isEmpty() ? "" : " ") + n(vals[k]);
      // Side by side, a little apart, so equal values stay visible.
      const double dx = vals.size() > 1 ? -0.18 + 0.36 * double(k) / double(vals.size() - 1) : 0.0;
      dots->append(i + dx, vals[k]);
      lo = std::min(lo, vals[k]), hi = std::max(hi, vals[k]);
    }
    csv_ += "\"" + QString(names[i]).replace('"', '\'') + "\"," + QString::number(b.n) + "," + n(b.min) + "," + n(b.q1) +
            "," + n(b.median) + "," + n(b.q3) + "," + n(b.max) + "," + n(b.mean) + "," + each + "\n";
    // Categories must differ (the axis drops repeats, shifting boxes against labels).
    QString cat = wrapped(names[i]);
    for (int k = 2; cats.contains(cat); ++k) cat = wrapped(names[i]) + QString(" (%1)").arg(k);
    cats << cat;
    auto* set = new QBoxSet(names[i]);
    if (b.n > 0) {
      set->setValue(QBoxSet::LowerExtreme, b.min);
      set->setValue(QBoxSet::LowerQuartile, b.q1);
      set->setValue(QBoxSet::Median, b.median);
      set->setValue(QBoxSet::UpperQuartile, b.q3);
      set->setValue(QBoxSet::UpperExtreme, b.max);
      means->append(i, b.mean);
      lo = std::min(lo, b.min), hi = std::max(hi, b.max);
    }
    series->append(set);
  }
  chart_->addSeries(series);
  chart_->addSeries(dots);
  chart_->addSeries(means);
  auto* x = new QBarCategoryAxis;
  x->append(cats);
  x->setTitleText("configuration");
  QCategoryAxis* y = value_axis(lo, hi, plotHeight(), font());
  y->setTitleText(metric);
  chart_->addAxis(x, Qt::AlignBottom), chart_->addAxis(y, Qt::AlignLeft);
  series->attachAxis(x), series->attachAxis(y);
  // The points sit on category indexes: a value axis over the same span, hidden.
  auto* xi = new QValueAxis;
  xi->setRange(-0.5, cats.size() - 0.5);
  xi->setVisible(false);
  chart_->addAxis(xi, Qt::AlignBottom);
  means->attachAxis(xi), means->attachAxis(y);
  dots->attachAxis(xi), dots->attachAxis(y);
  finish();
}

QString SweepChart::exportTo(const QString& file) {
  return export_now(file, [this](const QString& ext) { return chart_file(this, ext, title_, csv_); });
}

void SweepChart::contextMenuEvent(QContextMenuEvent* e) {
  QMenu menu(this);
  add_export_action(menu, this, {"chart", title_, true, [this](const QString& ext) {
                                   return chart_file(this, ext, title_, csv_);
                                 }});
  menu.exec(e->globalPos());
}

// ---- parallel coordinates ----

ParallelCoordinates::ParallelCoordinates(QWidget* parent) : QWidget(parent) {
  setMinimumHeight(240);
  setAutoFillBackground(true);
  QPalette p = palette();
  p.setColor(QPalette::Window, Qt::white);
  setPalette(p);
}

void ParallelCoordinates::setData(const std::vector<ParamAxis>& axes, const std::vector<TrialRow>& trials,
                                  const QString& metric, bool maximize) {
  axes_ = axes, metric_ = metric, maximize_ = maximize;
  lines_.clear();
  lo_ = INFINITY, hi_ = -INFINITY;
  csv_.clear();
  for (const ParamAxis& a : axes_) csv_ += QString::fromStdString(a.key) + ",";
  csv_ += metric + "\n";
  for (const TrialRow& t : trials) {
    if (!std::isfinite(t.value)) continue;
    Line l;
    for (const ParamAxis& a : axes_) {
      auto it = t.settings.find(a.key);
      l.pos.push_back(it == t.settings.end() ? kNone : a.position(it->second));
      csv_ += (it == t.settings.end() ? QString() : QString::fromStdString(display_value(it->second))) + ",";
    }
    l.value = t.value;
    csv_ += n(t.value) + "\n";
    lo_ = std::min(lo_, t.value), hi_ = std::max(hi_, t.value);
    lines_.push_back(l);
  }
  for (Line& l : lines_) l.pos.push_back(hi_ > lo_ ? (l.value - lo_) / (hi_ - lo_) : 0.5);
  // Best drawn last (on top).
  std::sort(lines_.begin(), lines_.end(),
            [&](const Line& a, const Line& b) { return maximize_ ? a.value < b.value : a.value > b.value; });
  update();
}

void ParallelCoordinates::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.fillRect(rect(), Qt::white);
  // Text in the widget's font (presentation mode enlarges it), room by its height.
  const QFontMetricsF fm(font());
  const double lh = fm.height();
  const int axes = static_cast<int>(axes_.size()) + 1;
  const QRectF area = QRectF(rect()).adjusted(60, 2.4 * lh + 8, -60, -(lh + 14));
  if (lines_.empty()) {
    p.setPen(Qt::gray);
    p.drawText(rect(), Qt::AlignCenter, "Parallel coordinates appear when trials have results.");
    return;
  }
  auto ax_x = [&](int i) { return axes == 1 ? area.center().x() : area.left() + area.width() * i / (axes - 1); };
  auto y_of = [&](double pos) { return area.bottom() - pos * area.height(); };
  // Lines: light (worst) to dark (best).
  for (const Line& l : lines_) {
    const double q = hi_ > lo_ ? (l.value - lo_) / (hi_ - lo_) : 1.0;
    const double good = maximize_ ? q : 1 - q;
    QColor c = QColor::fromHsvF(0.6 - 0.6 * good, 0.55 + 0.4 * good, 0.95 - 0.45 * good, 0.35 + 0.6 * good);
    p.setPen(QPen(c, 1.2 + 1.4 * good));
    QPainterPath path;
    bool started = false;
    for (int i = 0; i < axes; ++i) {
      if (!std::isfinite(l.pos[i])) {
        started = false;
        continue;
      }
      QPointF pt(ax_x(i), y_of(std::clamp(l.pos[i], 0.0, 1.0)));
      if (started) path.lineTo(pt);
      else path.moveTo(pt);
      started = true;
    }
    p.drawPath(path);
  }
  // Axes with their labels.
  p.setPen(QPen(QColor(60, 60, 60), 1.2));
  for (int i = 0; i < axes; ++i) {
    const double x = ax_x(i);
    p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
    QString name, top, bottom;
    if (i < static_cast<int>(axes_.size())) {
      const ParamAxis& a = axes_[i];
      name = QString::fromStdString(a.key).section('.', -1) + (a.log ? " (log)" : "");
      if (a.numeric) top = QString::number(a.hi, 'g', 4), bottom = QString::number(a.lo, 'g', 4);
      else {
        // Categories at their positions.
        for (size_t k = 0; k < a.categories.size(); ++k) {
          const double pos = a.categories.size() == 1 ? 0.5 : double(k) / (a.categories.size() - 1);
          p.drawText(QRectF(x + 4, y_of(pos) - lh / 2, 10 * lh, lh), Qt::AlignLeft | Qt::AlignVCenter,
                     QString::fromStdString(display_value(a.categories[k])));
        }
      }
    } else {
      name = metric_;
      top = QString::number(hi_, 'g', 4), bottom = QString::number(lo_, 'g', 4);
    }
    const double w = 14 * lh;
    p.drawText(QRectF(x - w / 2, area.top() - 2.2 * lh - 4, w, lh), Qt::AlignCenter, name);
    p.drawText(QRectF(x - w / 2, area.top() - 1.1 * lh - 2, w, lh), Qt::AlignCenter, top);
    p.drawText(QRectF(x - w / 2, area.bottom() + 4, w, lh), Qt::AlignCenter, bottom);
  }
}

QString ParallelCoordinates::exportTo(const QString& file) {
  return export_now(file, [this](const QString& ext) { return chart_file(this, ext, "Parallel coordinates", csv_); });
}

void ParallelCoordinates::contextMenuEvent(QContextMenuEvent* e) {
  QMenu menu(this);
  add_export_action(menu, this, {"chart", "parallel-coordinates", true, [this](const QString& ext) {
                                   return chart_file(this, ext, "Parallel coordinates", csv_);
                                 }});
  menu.exec(e->globalPos());
}

}  // namespace hyperlab

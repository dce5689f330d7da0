#include "ui/playground/contourview.h"

#include <QElapsedTimer>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

#include "ui/playground/contourmap.h"

namespace hyperlab {

using namespace playground;

namespace {

QPointF map_point(const Function& f, QRectF r, double x, double y) {
  return {r.left() + (x - f.x_lo) / (f.x_hi - f.x_lo) * r.width(),
          r.bottom() - (y - f.y_lo) / (f.y_hi - f.y_lo) * r.height()};
}

// The index of the last point at or before `step` (-1: the last point).
int last_index(const Trajectory& t, int step) {
  const int n = static_cast<int>(t.points.size());
  if (step < 0 || n == 0) return n - 1;
  const auto it = std::upper_bound(t.points.begin(), t.points.end(), step,
                                   [](int s, const Point& p) { return s < p.step; });
  return std::max(0, static_cast<int>(it - t.points.begin()) - 1);
}

}  // namespace

ContourView::ContourView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(360, 260);
  setMouseTracking(false);
  setCursor(Qt::CrossCursor);
  setAttribute(Qt::WA_OpaquePaintEvent);  // paintRace fills every pixel
  map_timer_.setSingleShot(true);
  map_timer_.setInterval(80);
  connect(&map_timer_, &QTimer::timeout, this, [this] {
    rebuildMap();
    update();
  });
}

QRectF ContourView::plotRect(QRectF area) const {
  const QFontMetricsF fm(font());
  double labels = 0;  // the widest y tick label
  for (int k = 0; k <= 4; ++k)
    labels = std::max(labels, fm.horizontalAdvance(QString::number(f_.y_lo + (f_.y_hi - f_.y_lo) * k / 4, 'g', 4)));
  return area.adjusted(std::max(52.0, labels + fm.height() + 16), 10, -12, -std::max(34.0, 2 * fm.height() + 8));
}

QPointF ContourView::toWidget(double x, double y) const { return map_point(f_, plotRect(rect()), x, y); }

QPointF ContourView::toFunction(QPointF p) const {
  const QRectF r = plotRect(rect());
  return {f_.x_lo + (p.x() - r.left()) / r.width() * (f_.x_hi - f_.x_lo),
          f_.y_lo + (r.bottom() - p.y()) / r.height() * (f_.y_hi - f_.y_lo)};
}

void ContourView::setFunction(const Function& f) {
  f_ = f;
  has_f_ = true;
  frame_size_ = QSize();
  rebuildMap();
  rebuildPaths();
  update();
}

void ContourView::setTrajectories(const std::vector<Trajectory>* t, const std::vector<QColor>& colors,
                                  const std::vector<int>& styles) {
  traj_ = t, colors_ = colors, styles_ = styles;
  int steps = 1;
  if (traj_)
    for (const Trajectory& tr : *traj_)
      if (!tr.points.empty()) steps = std::max(steps, tr.points.back().step);
  marker_every_ = marker_every(steps);
  frame_size_ = QSize();
  rebuildPaths();
  update();
}

void ContourView::setStart(double x, double y) {
  sx_ = x, sy_ = y;
  update();
}

void ContourView::setStep(int step) {
  step_ = step;
  update();
}

QPen ContourView::pathPen(int i) const {
  const QColor c = i < static_cast<int>(colors_.size()) ? colors_[i] : QColor(Qt::black);
  return path_pen(i < static_cast<int>(styles_.size()) ? styles_[i] : i, c);
}

void ContourView::changeEvent(QEvent* e) {
  QWidget::changeEvent(e);
  if (e->type() != QEvent::FontChange) return;
  frame_size_ = QSize();  // the margins follow the font
  rebuildPaths();
  if (!map_.isNull()) map_timer_.start();
}

void ContourView::resizeEvent(QResizeEvent*) {
  rebuildPaths();
  // A map takes tens of milliseconds: the first one at once, later ones when the resizing stops.
  if (map_.isNull()) rebuildMap();
  else map_timer_.start();
}

// Once per function and size: the paint events (while paths animate) only draw it.
void ContourView::rebuildMap() {
  if (!has_f_) return;
  map_timer_.stop();
  QElapsedTimer clock;
  clock.start();
  const qreal dpr = devicePixelRatioF();
  const QRectF r = plotRect(rect());
  map_ = contour_map(f_, QSize(std::max(2, int(r.width() * dpr)), std::max(2, int(r.height() * dpr))));
  map_.setDevicePixelRatio(dpr);
  map_ms_ = clock.nsecsElapsed() / 1e6;
}

void ContourView::rebuildPaths() { paths_ = has_f_ ? pathsFor(plotRect(rect())) : std::vector<Path>();}

// Every point, less those within 0.7 pixels of the last one kept.
std::vector<ContourView::Path> ContourView::pathsFor(QRectF plot) const {
  std::vector<Path> out;
  if (!traj_) return out;
  for (const Trajectory& t : *traj_) {
    Path p;
    const int n = static_cast<int>(t.points.size());
    QPointF prev;
    for (int k = 0; k < n; ++k) {
      const QPointF q = map_point(f_, plot, t.points[k].x, t.points[k].y);
      if (k > 0 && k + 1 < n && std::fabs(q.x() - prev.x()) + std::fabs(q.y() - prev.y()) < 0.7) continue;
      p.points.push_back(q), p.steps.push_back(t.points[k].step), prev = q;
    }
    out.push_back(std::move(p));
  }
  return out;
}

QImage ContourView::render(QSize size, int step, const QString& caption) const {
  QImage img(size, QImage::Format_ARGB32_Premultiplied);
  if (!has_f_ || size.width() < 100 || size.height() < 80) {
    img.fill(Qt::white);
    return img;
  }
  const QRectF area(QPointF(0, 0), QSizeF(size));
  if (frame_size_ != size) {
    const QRectF r = plotRect(area);
    frame_map_ = contour_map(f_, QSize(std::max(2, int(r.width())), std::max(2, int(r.height()))));
    frame_paths_ = pathsFor(r);
    frame_size_ = size;
  }
  QPainter p(&img);
  paintRace(p, area, frame_map_, frame_paths_, step, caption);
  return img;
}

void ContourView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  paintRace(p, rect(), map_, paths_, step_, QString());
}

void ContourView::paintRace(QPainter& p, QRectF area, const QImage& map, const std::vector<Path>& paths, int step,
                            const QString& caption) const {
  p.fillRect(area, Qt::white);
  p.setRenderHint(QPainter::Antialiasing);
  p.setFont(font());
  const QRectF r = plotRect(area);
  paintAxes(p, area, r, map);
  p.save();
  p.setClipRect(r);
  paintPaths(p, r, paths, step);
  p.setClipping(false);
  paintLegend(p, r, map, paths, caption);
  p.restore();
}

QColor ContourView::colorOf(int i) const {
  return i < static_cast<int>(colors_.size()) ? colors_[i] : QColor(Qt::black);
}

int ContourView::styleOf(int i) const { return i < static_cast<int>(styles_.size()) ? styles_[i] : i; }

// The map in the plot, its frame, the ticks and the axis names.
void ContourView::paintAxes(QPainter& p, QRectF area, QRectF r, const QImage& map) const {
  auto to = [&](double x, double y) { return map_point(f_, r, x, y); };
  if (!map.isNull()) p.drawImage(r, map);
  else {
    p.setPen(Qt::gray);
    p.drawText(r, Qt::AlignCenter, "f is not finite anywhere in this view");
  }
  p.setPen(QPen(QColor(90, 90, 90), 1));
  p.drawRect(r);
  // Ticks, in the widget's font (larger in presentation mode).
  const QFontMetricsF fm(p.font());
  const double th = fm.height();
  for (int k = 0; k <= 4; ++k) {
    const double x = f_.x_lo + (f_.x_hi - f_.x_lo) * k / 4, y = f_.y_lo + (f_.y_hi - f_.y_lo) * k / 4;
    const QPointF px = to(x, f_.y_lo), py = to(f_.x_lo, y);
    p.drawLine(px, px + QPointF(0, 4));
    p.drawText(QRectF(px.x() - 30, r.bottom() + 5, 60, th), Qt::AlignCenter, QString::number(x, 'g', 4));
    p.drawLine(py, py - QPointF(4, 0));
    p.drawText(QRectF(area.left() + th + 4, py.y() - th / 2, r.left() - area.left() - th - 10, th),
               Qt::AlignRight | Qt::AlignVCenter, QString::number(y, 'g', 4));
  }
  p.drawText(QRectF(r.left(), r.bottom() + 5 + th, r.width(), th), Qt::AlignCenter, "x");
  p.save();
  p.translate(area.left() + 2 + th / 2, r.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-20, -th / 2, 40, th), Qt::AlignCenter, "y");
  p.restore();
}

// The minima, each trajectory up to `step` (a white halo, its dashes, a
// marker every k steps, its head or where it diverged) and the start point.
void ContourView::paintPaths(QPainter& p, QRectF r, const std::vector<Path>& paths, int step) const {
  auto to = [&](double x, double y) { return map_point(f_, r, x, y); };
  const double th = QFontMetricsF(p.font()).height();
  // The known minima.
  for (auto [mx, my] : f_.minima) {
    const QPointF m = to(mx, my);
    for (const QPen& pen : {QPen(Qt::white, 3), QPen(Qt::black, 1.5)}) {
      p.setPen(pen);
      p.drawLine(m + QPointF(-6, -6), m + QPointF(6, 6));
      p.drawLine(m + QPointF(-6, 6), m + QPointF(6, -6));
    }
  }
  const int count = traj_ ? static_cast<int>(std::min(traj_->size(), paths.size())) : 0;
  for (int i = 0; i < count; ++i) {
    const Trajectory& t = (*traj_)[i];
    const Path& path = paths[i];
    if (t.points.empty() || path.points.empty()) continue;
    const QColor c = colorOf(i);
    const int style = styleOf(i);
    const int last = last_index(t, step);
    const int upto = step < 0 ? t.points[last].step : step;
    const int n = static_cast<int>(std::upper_bound(path.steps.begin(), path.steps.end(), upto) - path.steps.begin());
    QPolygonF line(path.points.mid(0, std::max(1, n)));
    const QPointF end = to(t.points[last].x, t.points[last].y);
    if (line.back() != end) line << end;
    p.setPen(QPen(QColor(255, 255, 255, 170), 4.5, Qt::SolidLine, Qt::SquareCap, Qt::BevelJoin));
    p.drawPolyline(line);
    p.setPen(path_pen(style, c, 2.2));
    p.drawPolyline(line);
    // Markers at the same steps on every path, so their spacing shows the speed.
    QPointF drawn(-1e9, -1e9);
    for (int s = marker_every_; s <= t.points[last].step; s += marker_every_) {
      const Point& q = t.points[last_index(t, s)];
      const QPointF m = to(q.x, q.y);
      if (std::fabs(m.x() - drawn.x()) + std::fabs(m.y() - drawn.y()) < 6) continue;  // converged: one marker
      draw_path_marker(p, style, m, 3.2, c);
      drawn = m;
    }
    if (t.diverged && last == static_cast<int>(t.points.size()) - 1) {
      // Where it left the view, if it did: the marker stays on the map.
      QPointF e = end;
      e.setX(std::clamp(e.x(), r.left() + 8, r.right() - 8));
      e.setY(std::clamp(e.y(), r.top() + 8, r.bottom() - 8));
      p.setPen(QPen(c, 3));
      p.drawLine(e + QPointF(-7, -7), e + QPointF(7, 7));
      p.drawLine(e + QPointF(-7, 7), e + QPointF(7, -7));
      const QString label = QString("diverged at step %1").arg(t.diverged_step);
      const bool right = e.x() > r.right() - 150;
      p.drawText(QRectF(right ? e.x() - 160 : e.x() + 10, e.y() + (e.y() < r.top() + 20 ? 6 : -18), 150, th),
                 right ? Qt::AlignRight : Qt::AlignLeft, label);
    } else {
      draw_path_marker(p, style, end, 5.5, c);
    }
  }
  // The start point.
  const QPointF s = to(sx_, sy_);
  p.setBrush(Qt::white);
  p.setPen(QPen(Qt::black, 1.5));
  p.drawEllipse(s, 5, 5);
  p.setBrush(Qt::NoBrush);
}

// Each path's line, marker and name, and the marker spacing (after the
// caption), where the legend hides least.
void ContourView::paintLegend(QPainter& p, QRectF r, const QImage& map, const std::vector<Path>& paths,
                              const QString& caption) const {
  const int count = traj_ ? static_cast<int>(std::min(traj_->size(), paths.size())) : 0;
  if (count == 0) return;
  auto to = [&](double x, double y) { return map_point(f_, r, x, y); };
  const QFontMetricsF fm(p.font());
  const double th = fm.height();
  const QPointF s = to(sx_, sy_);
  QStringList names;
  for (int i = 0; i < count; ++i) names << QString::fromStdString((*traj_)[i].optimizer.name());
  QString foot = marker_every_ == 1 ? QString("marker every step")
                                     : QString("marker every %1 steps").arg(QLocale::c().toString(marker_every_));
  if (!caption.isEmpty()) foot = caption + " · " + foot;
  const double sample = 40, row = std::max(th + 3, 15.0);
  double tw = fm.horizontalAdvance(foot);
  for (const QString& n : names) tw = std::max(tw, sample + 8 + fm.horizontalAdvance(n));
  const QSizeF box(std::min(tw + 16, r.width() - 12), row * (count + 1) + 8);
  // Where the legend hides least: no path, start or minimum under it, and
  // the map pale there (high f, away from the valleys).
  const double cx = r.center().x() - box.width() / 2;
  const QRectF places[] = {
      {r.right() - 6 - box.width(), r.top() + 6, box.width(), box.height()},
      {r.left() + 6, r.top() + 6, box.width(), box.height()},
      {cx, r.top() + 6, box.width(), box.height()},
      {r.right() - 6 - box.width(), r.bottom() - 6 - box.height(), box.width(), box.height()},
      {r.left() + 6, r.bottom() - 6 - box.height(), box.width(), box.height()},
      {cx, r.bottom() - 6 - box.height(), box.width(), box.height()}};
  int best = 0;
  double least = -1;
  for (int k = 0; k < 6; ++k) {
    double in = places[k].contains(s) ? 50 : 0;
    for (int i = 0; i < count; ++i)
      for (const QPointF& q : paths[i].points) in += places[k].contains(q);
    for (auto [mx, my] : f_.minima) in += places[k].contains(to(mx, my)) ? 50 : 0;
    if (!map.isNull()) {  // up to 20 for a box over the darkest (lowest) part of the map
      double dark = 0;
      for (int u = 0; u < 8; ++u)
        for (int w = 0; w < 8; ++w) {
          const double x = places[k].left() + places[k].width() * (u + 0.5) / 8,
                       y = places[k].top() + places[k].height() * (w + 0.5) / 8;
          const int px = std::clamp(int((x - r.left()) / r.width() * map.width()), 0, map.width() - 1);
          const int py = std::clamp(int((y - r.top()) / r.height() * map.height()), 0, map.height() - 1);
          dark += 1 - qGray(map.pixel(px, py)) / 255.0;
        }
      in += 20 * dark / 64;
    }
    if (least < 0 || in < least) least = in, best = k;
  }
  const QRectF b = places[best];
  p.setPen(QPen(QColor(120, 120, 120), 1));
  p.setBrush(QColor(255, 255, 255, 225));
  p.drawRoundedRect(b, 4, 4);
  p.setBrush(Qt::NoBrush);
  for (int i = 0; i < count; ++i) {
    const QColor c = colorOf(i);
    const int style = styleOf(i);
    const double y = b.top() + 4 + row * (i + 0.5);
    const QPointF a(b.left() + 8, y), z(b.left() + 8 + sample, y);
    p.setPen(path_pen(style, c, 2.2));
    p.drawLine(a, z);
    draw_path_marker(p, style, (a + z) / 2, 3.2, c);
    p.setPen(Qt::black);
    p.drawText(QRectF(z.x() + 8, y - row / 2, b.right() - z.x() - 10, row), Qt::AlignLeft | Qt::AlignVCenter,
               names[i]);
  }
  p.setPen(QColor(70, 70, 70));
  p.drawText(QRectF(b.left() + 8, b.top() + 4 + row * count, b.width() - 12, row), Qt::AlignLeft | Qt::AlignVCenter,
             foot);
}

// Kept inside the view (a drag may leave it), rounded to what a drag can aim at.
void ContourView::emitStart(QPointF pos, bool final) {
  const QRectF r = plotRect(rect());
  pos.setX(std::clamp(pos.x(), r.left(), r.right()));
  pos.setY(std::clamp(pos.y(), r.top(), r.bottom()));
  const QPointF q = toFunction(pos);
  Q_EMIT startMoved(round_to(q.x(), drag_decimals(f_.x_lo, f_.x_hi)), round_to(q.y(), drag_decimals(f_.y_lo, f_.y_hi)),
                    final);
}

void ContourView::mousePressEvent(QMouseEvent* e) {
  if (e->button() != Qt::LeftButton || !plotRect(rect()).contains(e->position())) return;
  dragging_ = true;
  emitStart(e->position(), false);
}

void ContourView::mouseMoveEvent(QMouseEvent* e) {
  if (!dragging_) return;
  emitStart(e->position(), false);
}

void ContourView::mouseReleaseEvent(QMouseEvent* e) {
  if (!dragging_) return;
  dragging_ = false;
  emitStart(e->position(), true);
}

}  // namespace hyperlab

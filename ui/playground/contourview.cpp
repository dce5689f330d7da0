#include "ui/playground/contourview.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace hyperlab {

using namespace playground;

namespace {

// A light perceptual ramp (low = dark blue, high = pale yellow), for the map.
QRgb ramp(double t) {
  t = std::clamp(t, 0.0, 1.0);
  static const double c[][3] = {{38, 70, 138}, {45, 123, 168}, {70, 170, 160}, {140, 205, 130}, {225, 230, 150},
                                {250, 245, 215}};
  const double p = t * 5;
  const int i = std::min(4, static_cast<int>(p));
  const double f = p - i;
  auto mix = [&](int k) { return static_cast<int>(c[i][k] + (c[i + 1][k] - c[i][k]) * f); };
  return qRgb(mix(0), mix(1), mix(2));
}

}  // namespace

ContourView::ContourView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(360, 280);
  setMouseTracking(false);
  setCursor(Qt::CrossCursor);
}

QRectF ContourView::plotRect() const { return QRectF(rect()).adjusted(52, 10, -12, -34); }

QPointF ContourView::toWidget(double x, double y) const {
  const QRectF r = plotRect();
  return {r.left() + (x - f_.x_lo) / (f_.x_hi - f_.x_lo) * r.width(),
          r.bottom() - (y - f_.y_lo) / (f_.y_hi - f_.y_lo) * r.height()};
}

QPointF ContourView::toFunction(QPointF p) const {
  const QRectF r = plotRect();
  return {f_.x_lo + (p.x() - r.left()) / r.width() * (f_.x_hi - f_.x_lo),
          f_.y_lo + (r.bottom() - p.y()) / r.height() * (f_.y_hi - f_.y_lo)};
}

void ContourView::setFunction(const Function& f) {
  f_ = f;
  has_f_ = true;
  rebuildMap();
  update();
}

void ContourView::setTrajectories(const std::vector<Trajectory>* t, const std::vector<QColor>& colors) {
  traj_ = t, colors_ = colors;
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

void ContourView::resizeEvent(QResizeEvent*) { rebuildMap(); }

// Log-spaced levels: log10(f - f_low + d), banded, with a line where the band changes.
void ContourView::rebuildMap() {
  if (!has_f_) return;
  const QRectF r = plotRect();
  const int w = std::max(8, static_cast<int>(r.width() / 2)), h = std::max(8, static_cast<int>(r.height() / 2));
  const std::vector<double> v = grid_values(f_, w, h);
  double lo = std::isfinite(f_.f_min) ? f_.f_min : INFINITY, hi = -INFINITY;
  for (double x : v)
    if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    map_ = QImage();
    return;
  }
  const double d = std::max((hi - lo) * 1e-6, 1e-12);
  const double zl = std::log10(d), zh = std::log10(hi - lo + d);
  const int bands = 16;
  std::vector<int> band(v.size(), -1);
  QImage img(w, h, QImage::Format_RGB32);
  for (int i = 0; i < h; ++i)
    for (int j = 0; j < w; ++j) {
      const double x = v[size_t(i) * w + j];
      if (!std::isfinite(x)) {
        img.setPixel(j, i, qRgb(200, 200, 200));  // undefined there
        continue;
      }
      const double t = (std::log10(x - lo + d) - zl) / std::max(zh - zl, 1e-12);
      const int b = std::clamp(static_cast<int>(t * bands), 0, bands - 1);
      band[size_t(i) * w + j] = b;
      img.setPixel(j, i, ramp((b + 0.5) / bands));
    }
  for (int i = 0; i + 1 < h; ++i)
    for (int j = 0; j + 1 < w; ++j) {
      const int b = band[size_t(i) * w + j];
      if (b < 0) continue;
      if (b != band[size_t(i) * w + j + 1] || b != band[size_t(i + 1) * w + j]) {
        QColor c(img.pixel(j, i));
        img.setPixel(j, i, c.darker(135).rgb());
      }
    }
  map_ = img;
}

void ContourView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  p.setRenderHint(QPainter::Antialiasing);
  const QRectF r = plotRect();
  if (!map_.isNull()) p.drawImage(r, map_);
  else {
    p.setPen(Qt::gray);
    p.drawText(r, Qt::AlignCenter, "f is not finite anywhere in this view");
  }
  p.setPen(QPen(QColor(90, 90, 90), 1));
  p.drawRect(r);
  // Ticks.
  QFont f = font();
  f.setPointSizeF(8.5);
  p.setFont(f);
  for (int k = 0; k <= 4; ++k) {
    const double x = f_.x_lo + (f_.x_hi - f_.x_lo) * k / 4, y = f_.y_lo + (f_.y_hi - f_.y_lo) * k / 4;
    const QPointF px = toWidget(x, f_.y_lo), py = toWidget(f_.x_lo, y);
    p.drawLine(px, px + QPointF(0, 4));
    p.drawText(QRectF(px.x() - 30, r.bottom() + 5, 60, 14), Qt::AlignCenter, QString::number(x, 'g', 4));
    p.drawLine(py, py - QPointF(4, 0));
    p.drawText(QRectF(r.left() - 50, py.y() - 7, 44, 14), Qt::AlignRight | Qt::AlignVCenter, QString::number(y, 'g', 4));
  }
  p.drawText(QRectF(r.left(), r.bottom() + 18, r.width(), 14), Qt::AlignCenter, "x");
  p.save();
  p.translate(10, r.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-20, -8, 40, 14), Qt::AlignCenter, "y");
  p.restore();
  p.setClipRect(r);
  // The known minima.
  for (auto [mx, my] : f_.minima) {
    const QPointF m = toWidget(mx, my);
    p.setPen(QPen(Qt::white, 3));
    p.drawLine(m + QPointF(-6, -6), m + QPointF(6, 6));
    p.drawLine(m + QPointF(-6, 6), m + QPointF(6, -6));
    p.setPen(QPen(Qt::black, 1.5));
    p.drawLine(m + QPointF(-6, -6), m + QPointF(6, 6));
    p.drawLine(m + QPointF(-6, 6), m + QPointF(6, -6));
  }
  // Trajectories, thinned to what the screen can show.
  if (traj_) {
    for (size_t i = 0; i < traj_->size(); ++i) {
      const Trajectory& t = (*traj_)[i];
      if (t.points.empty()) continue;
      const QColor c = i < colors_.size() ? colors_[i] : Qt::black;
      int last = static_cast<int>(t.points.size()) - 1;
      if (step_ >= 0)
        while (last > 0 && t.points[last].step > step_) --last;
      const int stride = std::max(1, last / 4000);
      QPainterPath path(toWidget(t.points[0].x, t.points[0].y));
      QPointF prev = path.currentPosition();
      for (int k = stride; k <= last; k += stride) {
        const QPointF q = toWidget(t.points[k].x, t.points[k].y);
        if (std::fabs(q.x() - prev.x()) + std::fabs(q.y() - prev.y()) < 0.7 && k + stride <= last) continue;
        path.lineTo(q), prev = q;
      }
      path.lineTo(toWidget(t.points[last].x, t.points[last].y));
      p.setPen(QPen(QColor(255, 255, 255, 160), 4));
      p.drawPath(path);
      p.setPen(QPen(c, 2));
      p.drawPath(path);
      QPointF end = toWidget(t.points[last].x, t.points[last].y);
      if (t.diverged && last == static_cast<int>(t.points.size()) - 1) {
        // Where it left the view, if it did: the marker stays on the map.
        end.setX(std::clamp(end.x(), r.left() + 8, r.right() - 8));
        end.setY(std::clamp(end.y(), r.top() + 8, r.bottom() - 8));
        p.setPen(QPen(c, 3));
        p.drawLine(end + QPointF(-7, -7), end + QPointF(7, 7));
        p.drawLine(end + QPointF(-7, 7), end + QPointF(7, -7));
        const QString label = QString("diverged at step %1").arg(t.diverged_step);
        const bool right = end.x() > r.right() - 150;
        p.drawText(QRectF(right ? end.x() - 160 : end.x() + 10, end.y() + (end.y() < r.top() + 20 ? 6 : -18), 150, 14),
                   right ? Qt::AlignRight : Qt::AlignLeft, label);
      } else {
        p.setBrush(c);
        p.setPen(QPen(Qt::white, 1.5));
        p.drawEllipse(end, 4.5, 4.5);
        p.setBrush(Qt::NoBrush);
      }
    }
  }
  // The start point.
  const QPointF s = toWidget(sx_, sy_);
  p.setBrush(Qt::white);
  p.setPen(QPen(Qt::black, 1.5));
  p.drawEllipse(s, 5, 5);
  p.setBrush(Qt::NoBrush);
}

void ContourView::mousePressEvent(QMouseEvent* e) {
  if (e->button() != Qt::LeftButton || !plotRect().contains(e->position())) return;
  dragging_ = true;
  const QPointF q = toFunction(e->position());
  Q_EMIT startMoved(q.x(), q.y(), false);
}

void ContourView::mouseMoveEvent(QMouseEvent* e) {
  if (!dragging_) return;
  QPointF pos = e->position();
  const QRectF r = plotRect();
  pos.setX(std::clamp(pos.x(), r.left(), r.right()));
  pos.setY(std::clamp(pos.y(), r.top(), r.bottom()));
  const QPointF q = toFunction(pos);
  Q_EMIT startMoved(q.x(), q.y(), false);
}

void ContourView::mouseReleaseEvent(QMouseEvent* e) {
  if (!dragging_) return;
  dragging_ = false;
  const QPointF q = toFunction(e->position());
  Q_EMIT startMoved(q.x(), q.y(), true);
}

}  // namespace hyperlab

#include "ui/playground/contourmap.h"

#include <QLineF>
#include <QPolygonF>
#include <QVector>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

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
  auto mix = [&](int k) { return static_cast<int>(std::lround(c[i][k] + (c[i + 1][k] - c[i][k]) * f)); };
  return qRgb(mix(0), mix(1), mix(2));
}

// The normalised log level t in [0, 1] at each node (NaN where f is undefined).
struct Field {
  int nx = 0, ny = 0, step = 1;
  std::vector<double> t;
  double at(int i, int j) const { return t[static_cast<size_t>(i) * nx + j]; }
};

bool field_of(const Function& f, int w, int h, Field& out) {
  // One node per pixel; big maps (a projector's full screen) every other pixel.
  out.step = static_cast<long>(w) * h > 700000 ? 2 : 1;
  const int s = out.step;
  out.nx = (w - 1) / s + 2, out.ny = (h - 1) / s + 2;  // the last node lies at or past the edge
  std::vector<double>& v = out.t;
  v.assign(static_cast<size_t>(out.nx) * out.ny, NAN);
  double lo = std::isfinite(f.f_min) ? f.f_min : INFINITY, hi = -INFINITY;
  for (int i = 0; i < out.ny; ++i) {
    const double y = f.y_hi - (i * s + 0.5) / h * (f.y_hi - f.y_lo);  // node = the pixel's centre
    for (int j = 0; j < out.nx; ++j) {
      const double x = f.x_lo + (j * s + 0.5) / w * (f.x_hi - f.x_lo);
      const double z = f.eval(x, y).f;
      if (!std::isfinite(z)) continue;
      v[static_cast<size_t>(i) * out.nx + j] = z;
      lo = std::min(lo, z), hi = std::max(hi, z);
    }
  }
  if (!std::isfinite(lo) || !std::isfinite(hi)) return false;
  // Log-spaced: log10(f - lo + d), d a millionth of the range, so a valley
  // (Rosenbrock's) shows many levels while the walls keep a few.
  const double d = std::max((hi - lo) * 1e-6, 1e-12);
  const double zl = std::log10(d), span = std::max(std::log10(hi - lo + d) - zl, 1e-12);
  for (double& z : v)
    if (std::isfinite(z)) z = std::clamp((std::log10(z - lo + d) - zl) / span, 0.0, 1.0);
  return true;
}

// The ramp, tabulated (finer than 8-bit colour steps).
QRgb ramp_of(double t) {
  static const std::vector<QRgb> table = [] {
    std::vector<QRgb> v(4097);
    for (size_t i = 0; i < v.size(); ++i) v[i] = ramp(double(i) / 4096);
    return v;
  }();
  return std::isfinite(t) ? table[static_cast<size_t>(std::clamp(t, 0.0, 1.0) * 4096 + 0.5)] : qRgb(200, 200, 200);
}

// The colours: t interpolated bilinearly between the four nodes around each
// pixel (grey where f is undefined).
void paint_colours(const Field& fl, QImage& img) {
  const int w = img.width(), h = img.height(), s = fl.step;
  for (int py = 0; py < h; ++py) {
    QRgb* line = reinterpret_cast<QRgb*>(img.scanLine(py));
    if (s == 1) {  // a node per pixel
      for (int px = 0; px < w; ++px) line[px] = ramp_of(fl.at(py, px));
      continue;
    }
    const int i = py / s;
    const double fy = double(py - i * s) / s;
    for (int px = 0; px < w; ++px) {
      const int j = px / s;
      const double fx = double(px - j * s) / s;
      const double a = fl.at(i, j), b = fl.at(i, j + 1), c = fl.at(i + 1, j), d = fl.at(i + 1, j + 1);
      double t;
      if (std::isfinite(a) && std::isfinite(b) && std::isfinite(c) && std::isfinite(d))
        t = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
      else
        t = a;  // at an edge of the undefined region: the nearest node
      line[px] = ramp_of(t);
    }
  }
}

// Marching squares over the nodes, every level in one pass (a cell is
// visited once and only for the levels between its corners): out[k] gets
// the segments of level k / kContourLevels, in pixels.
void iso_lines(const Field& fl, std::vector<QVector<QLineF>>& out) {
  const double s = fl.step;
  out.assign(kContourLevels, {});
  for (int i = 0; i + 1 < fl.ny; ++i)
    for (int j = 0; j + 1 < fl.nx; ++j) {
      const double a = fl.at(i, j), b = fl.at(i, j + 1), c = fl.at(i + 1, j + 1), d = fl.at(i + 1, j);
      if (!(std::isfinite(a) && std::isfinite(b) && std::isfinite(c) && std::isfinite(d))) continue;
      const double lo = std::min({a, b, c, d}), hi = std::max({a, b, c, d});
      const int k0 = std::max(1, static_cast<int>(std::floor(lo * kContourLevels)) + 1);
      const int k1 = std::min(kContourLevels - 1, static_cast<int>(std::floor(hi * kContourLevels)));
      for (int k = k0; k <= k1; ++k) {
        const double L = double(k) / kContourLevels;
        const bool ua = a >= L, ub = b >= L, uc = c >= L, ud = d >= L;
        if (ua == ub && ub == uc && uc == ud) continue;
        const double x0 = j * s + 0.5, y0 = i * s + 0.5;
        auto cut = [L](double p, double q) { return (L - p) / (q - p); };
        // The crossings on the top, right, bottom and left edges, in that order.
        std::array<QPointF, 4> e;
        const std::array<bool, 4> has{ua != ub, ub != uc, ud != uc, ua != ud};
        if (has[0]) e[0] = {x0 + s * cut(a, b), y0};
        if (has[1]) e[1] = {x0 + s, y0 + s * cut(b, c)};
        if (has[2]) e[2] = {x0 + s * cut(d, c), y0 + s};
        if (has[3]) e[3] = {x0, y0 + s * cut(a, d)};
        QVector<QLineF>& o = out[k];
        if (has[0] + has[1] + has[2] + has[3] == 2) {
          QPointF p[2];
          int n = 0;
          for (int m = 0; m < 4; ++m)
            if (has[m]) p[n++] = e[m];
          o.push_back({p[0], p[1]});
          continue;
        }
        // A saddle: the centre's value says which corners join.
        const bool centre = (a + b + c + d) / 4 >= L;
        if (centre == ua) {  // a's and c's sides join through the centre: cut off b and d
          o.push_back({e[0], e[1]});
          o.push_back({e[2], e[3]});
        } else {  // cut off a and c
          o.push_back({e[3], e[0]});
          o.push_back({e[1], e[2]});
        }
      }
    }
}

}  // namespace

QImage contour_map(const Function& f, QSize size) {
  const int w = size.width(), h = size.height();
  if (w < 2 || h < 2) return {};
  Field fl;
  if (!field_of(f, w, h, fl)) return {};
  QImage img(w, h, QImage::Format_RGB32);
  paint_colours(fl, img);
  QPainter p(&img);
  p.setRenderHint(QPainter::Antialiasing);
  std::vector<QVector<QLineF>> segments;
  iso_lines(fl, segments);
  for (int k = 1; k < kContourLevels; ++k) {
    QColor c = QColor(ramp(double(k) / kContourLevels)).darker(150);
    c.setAlpha(170);
    p.setPen(QPen(c, 1.0));
    p.drawLines(segments[k]);
  }
  return img;
}

int drag_decimals(double lo, double hi) {
  const double r = std::fabs(hi - lo);
  if (!(r > 0) || !std::isfinite(r)) return 2;
  return std::clamp(static_cast<int>(std::ceil(-std::log10(r / 500))), 0, 8);
}

double round_to(double v, int decimals) {
  const double k = std::pow(10.0, decimals);
  const double r = std::round(v * k) / k;
  return r == 0 ? 0 : r;  // no "-0"
}

Qt::PenStyle path_style(int i) {
  static const Qt::PenStyle s[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine, Qt::DashDotDotLine};
  return s[((i % 5) + 5) % 5];
}

QPen path_pen(int i, const QColor& c, double width) {
  QPen p(c, width, path_style(i));
  // Flat ends keep dots and dashes apart at this width; bevel joins (round
  // ones cost an arc at every vertex, and paths have hundreds).
  p.setCapStyle(path_style(i) == Qt::SolidLine ? Qt::SquareCap : Qt::FlatCap);
  p.setJoinStyle(Qt::BevelJoin);
  return p;
}

void draw_path_marker(QPainter& p, int i, QPointF at, double r, const QColor& c) {
  p.save();
  p.setBrush(c);
  p.setPen(QPen(Qt::white, 1.3));
  const double x = at.x(), y = at.y();
  switch (((i % 6) + 6) % 6) {
    case 0: p.drawEllipse(at, r, r); break;
    case 1: p.drawRect(QRectF(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7)); break;
    case 2: p.drawPolygon(QPolygonF({{x, y - r * 1.15}, {x + r, y + r * 0.75}, {x - r, y + r * 0.75}})); break;
    case 3: p.drawPolygon(QPolygonF({{x, y - r * 1.2}, {x + r * 1.2, y}, {x, y + r * 1.2}, {x - r * 1.2, y}})); break;
    case 4: p.drawPolygon(QPolygonF({{x, y + r * 1.15}, {x + r, y - r * 0.75}, {x - r, y - r * 0.75}})); break;
    default: {
      QPolygonF star;
      for (int k = 0; k < 10; ++k) {
        const double a = -M_PI / 2 + k * M_PI / 5, rr = k % 2 ? r * 0.55 : r * 1.25;
        star << QPointF(x + rr * std::cos(a), y + rr * std::sin(a));
      }
      p.drawPolygon(star);
    }
  }
  p.restore();
}

int marker_every(int steps) {
  const double target = std::max(1.0, steps / 10.0);
  double base = std::pow(10.0, std::floor(std::log10(target)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * base >= target * 0.999) return std::max(1, static_cast<int>(std::lround(m * base)));
  return std::max(1, static_cast<int>(std::lround(10 * base)));
}

}  // namespace hyperlab

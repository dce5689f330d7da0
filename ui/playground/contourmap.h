// The playground's map picture and the styles of its paths, apart from the
// widget so that the view and the animation frames paint the same thing.
// The map colours log10(f - f_low) continuously, interpolated between grid
// nodes (one per pixel, or every other pixel on big maps), and draws
// anti-aliased iso-lines at log-spaced levels (Rosenbrock's valley needs them).
#pragma once

#include <QColor>
#include <QImage>
#include <QPainter>
#include <QPen>
#include <QSize>

#include "playground/playground.h"

namespace hyperlab {

/// Levels (iso-lines) of the map: equally spaced in log10(f - f_low).
constexpr int kContourLevels = 16;

/// The map of f over its view, size pixels (row 0 = y_hi). Null when f is not
/// finite anywhere in the view; grey where it is undefined.
QImage contour_map(const playground::Function& f, QSize size);

/// How many decimals a point dragged over [lo, hi] keeps: about 1/500 of the
/// range (2 for -5..5 and -4..26, 3 for -2..2), so a drag gives 13.97, not 13.96561605.
int drag_decimals(double lo, double hi);
/// v rounded to that many decimals.
double round_to(double v, int decimals);

/// Optimizer i's line: its colour, a dash style of its own (solid, dashed,
/// dotted, dash-dot, dash-dot-dot, then again) and a marker shape of its own.
Qt::PenStyle path_style(int i);
QPen path_pen(int i, const QColor& c, double width = 2);
/// Draws optimizer i's marker (circle, square, triangle, diamond, triangle
/// down, star) of radius r, filled with c, with a white rim.
void draw_path_marker(QPainter& p, int i, QPointF at, double r, const QColor& c);

/// The step between markers on a race of `steps` steps: a 1-2-5 number giving
/// about 10 markers (10,000 for 100,000 steps).
int marker_every(int steps);

}  // namespace hyperlab

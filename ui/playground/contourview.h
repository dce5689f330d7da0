// The playground's contour map: the function on log-spaced levels, its known
// minima, the start point (click or drag to move it) and the trajectories,
// up to a chosen step, with divergences marked where they happen. Each
// optimizer's path has its colour, a dash style and a marker every k steps,
// and a legend in the map's emptiest corner shows them. The same painting
// makes the frames of the race animation, at any size.
#pragma once

#include <QImage>
#include <QTimer>
#include <QVector>
#include <QWidget>

#include <vector>

#include "playground/playground.h"

namespace hyperlab {

/// The contour map with the trajectories drawn over it.
class ContourView : public QWidget {
  Q_OBJECT
 public:
  explicit ContourView(QWidget* parent = nullptr);
  void setFunction(const playground::Function& f);
  /// styles[i]: trajectory i's line style and marker (path_style, draw_path_marker).
  void setTrajectories(const std::vector<playground::Trajectory>* t, const std::vector<QColor>& colors,
                       const std::vector<int>& styles);
  void setStart(double x, double y);
  /// Draw each trajectory up to this step (-1: all).
  void setStep(int step);
  bool hasMap() const { return !map_.isNull(); }
  /// The map as drawn (without paths), for checks.
  const QImage& mapImage() const { return map_; }
  /// How long the last map took to build, in milliseconds.
  double mapMilliseconds() const { return map_ms_; }
  /// Trajectory i's pen on the map.
  QPen pathPen(int i) const;
  /// The step between the paths' markers.
  int markerEvery() const { return marker_every_; }
  /// The map, paths up to `step` (-1: all) and legend at `size`, with a caption
  /// ("step 500 of 10000") in its corner: a frame of the race animation.
  QImage render(QSize size, int step, const QString& caption = QString()) const;
  QSize sizeHint() const override { return {620, 460}; }
  QPointF toWidget(double x, double y) const;
  QPointF toFunction(QPointF p) const;
  /// Where the plot lies in an area of this size (the margins hold the ticks, in the widget's font).
  QRectF plotRect(QRectF area) const;

 Q_SIGNALS:
  /// The user pressed or dragged (final = released) at a point of the plane,
  /// rounded to what a drag can aim at (drag_decimals of the view).
  void startMoved(double x, double y, bool final);

 protected:
  void paintEvent(QPaintEvent*) override;
  void resizeEvent(QResizeEvent*) override;
  void changeEvent(QEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;

 private:
  /// A trajectory thinned to what a plot of one size shows: vertices and their steps.
  struct Path {
    QVector<QPointF> points;
    QVector<int> steps;
  };
  void rebuildMap();
  void rebuildPaths();
  std::vector<Path> pathsFor(QRectF plot) const;
  void paintRace(QPainter& p, QRectF area, const QImage& map, const std::vector<Path>& paths, int step,
                 const QString& caption) const;
  void paintAxes(QPainter& p, QRectF area, QRectF plot, const QImage& map) const;
  void paintPaths(QPainter& p, QRectF plot, const std::vector<Path>& paths, int step) const;
  void paintLegend(QPainter& p, QRectF plot, const QImage& map, const std::vector<Path>& paths,
                   const QString& caption) const;
  QColor colorOf(int i) const;
  int styleOf(int i) const;
  void emitStart(QPointF pos, bool final);
  playground::Function f_;
  bool has_f_ = false;
  QImage map_;
  double map_ms_ = 0;
  QTimer map_timer_;  // while the view is being resized, the last map stretched; rebuilt when it rests
  std::vector<Path> paths_;  // for the widget's size
  const std::vector<playground::Trajectory>* traj_ = nullptr;
  std::vector<QColor> colors_;
  std::vector<int> styles_;
  int marker_every_ = 1;
  double sx_ = 0, sy_ = 0;
  int step_ = -1;
  bool dragging_ = false;
  // The last frame's size, map and paths: an export paints many frames at one size.
  mutable QSize frame_size_;
  mutable QImage frame_map_;
  mutable std::vector<Path> frame_paths_;
};

}  // namespace hyperlab

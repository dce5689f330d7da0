// The playground's contour map: the function on log-spaced levels, its known
// minima, the start point (click or drag to move it) and the trajectories,
// up to a chosen step, with divergences marked where they happen.
#pragma once

#include <QImage>
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
  void setTrajectories(const std::vector<playground::Trajectory>* t, const std::vector<QColor>& colors);
  void setStart(double x, double y);
  /// Draw each trajectory up to this step (-1: all).
  void setStep(int step);
  bool hasMap() const { return !map_.isNull(); }
  QSize sizeHint() const override { return {620, 460}; }
  QPointF toWidget(double x, double y) const;
  QPointF toFunction(QPointF p) const;

 Q_SIGNALS:
  /// The user pressed or dragged (final = released) at a point of the plane.
  void startMoved(double x, double y, bool final);

 protected:
  void paintEvent(QPaintEvent*) override;
  void resizeEvent(QResizeEvent*) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;

 private:
  void rebuildMap();
  QRectF plotRect() const;
  playground::Function f_;
  bool has_f_ = false;
  QImage map_;
  const std::vector<playground::Trajectory>* traj_ = nullptr;
  std::vector<QColor> colors_;
  double sx_ = 0, sy_ = 0;
  int step_ = -1;
  bool dragging_ = false;
};

}  // namespace hyperlab

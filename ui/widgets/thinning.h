// A line's points thinned for display: at most about four per pixel column
// (the first, the lowest, the highest and the last point of each column, in x
// order), so that a spike or the best value is never thinned away. The data
// itself is never thinned: this is only what a chart draws.
//
// LineThinner does it as points arrive, at a cost per point that does not grow
// with the line's length: points fall into buckets of one x width, and when
// there are more buckets than columns, neighbouring buckets merge (the width
// doubles). A live batch-loss curve of a long run then costs the same to
// redraw in its 100th epoch as in its first.
#pragma once

#include <QPointF>
#include <QVector>

#include <cstdint>
#include <vector>

namespace hyperlab {

/// All of `points` (in x order) thinned to about `columns` columns at once;
/// y <= 0 is dropped on a log axis (`log_y`), as are non-finite values.
QVector<QPointF> thin_points(const QVector<QPointF>& points, int columns, bool log_y);

class LineThinner {
 public:
  /// Starts over, for `columns` columns (at least 1) and a log axis or not.
  void reset(int columns, bool log_y);
  /// Adds points, in x order (a point left of the last one counts as at its x).
  void add(const QVector<QPointF>& points, int from = 0);
  /// What to draw: every point while there are few (at most 3 per column), else 1-4 per bucket.
  QVector<QPointF> shown() const;
  int columns() const { return columns_; }
  /// How many points were added and kept (finite, and y > 0 on a log axis).
  int64_t count() const { return count_; }
  /// Buckets in use (0 while every point is shown); at most columns().
  int buckets() const { return static_cast<int>(buckets_.size()); }

 private:
  struct Bucket {
    int64_t id;                   // floor((x - x0) / width)
    QPointF first, lo, hi, last;  // lo and hi: the lowest and highest y (the earlier one on a tie)
  };
  void bucket(const QPointF& p);
  void merge();  // width doubles: buckets 2k and 2k+1 become k
  int columns_ = 1;
  bool log_y_ = false;
  int64_t count_ = 0;
  QVector<QPointF> raw_;  // the points while there are few
  std::vector<Bucket> buckets_;
  double x0_ = 0, width_ = 0;
};

}  // namespace hyperlab

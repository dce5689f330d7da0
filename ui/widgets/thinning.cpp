#include "ui/widgets/thinning.h"

#include <algorithm>
#include <cmath>

namespace hyperlab {

QVector<QPointF> thin_points(const QVector<QPointF>& points, int columns, bool log_y) {
  LineThinner t;
  t.reset(columns, log_y);
  t.add(points);
  return t.shown();
}

void LineThinner::reset(int columns, bool log_y) {
  columns_ = std::max(1, columns);
  log_y_ = log_y;
  count_ = 0;
  raw_.clear();
  buckets_.clear();
  x0_ = 0, width_ = 0;
}

void LineThinner::add(const QVector<QPointF>& points, int from) {
  for (int i = std::max(0, from); i < points.size(); ++i) {
    const QPointF& p = points[i];
    if (!std::isfinite(p.x()) || !std::isfinite(p.y()) || (log_y_ && !(p.y() > 0))) continue;
    ++count_;
    if (width_ > 0) {
      bucket(p);
      continue;
    }
    raw_.push_back(p);
    if (raw_.size() <= 3 * columns_) continue;
    // Too many to draw each: into about `columns` buckets over the points' range.
    x0_ = raw_.front().x();
    width_ = (raw_.back().x() - x0_) / (columns_ - 0.5);  // the last point in bucket columns - 1
    if (!(width_ > 0)) {  // all at one x: nothing to bucket by yet
      width_ = 0;
      continue;
    }
    const QVector<QPointF> some = std::move(raw_);
    raw_.clear();
    for (const QPointF& q : some) bucket(q);
  }
}

void LineThinner::bucket(const QPointF& p) {
  int64_t id = static_cast<int64_t>(std::floor((p.x() - x0_) / width_));
  if (!buckets_.empty()) id = std::max(id, buckets_.back().id);  // out of order: where the line is now
  if (!buckets_.empty() && buckets_.back().id == id) {
    Bucket& b = buckets_.back();
    if (p.y() < b.lo.y()) b.lo = p;
    if (p.y() > b.hi.y()) b.hi = p;
    b.last = p;
    return;
  }
  buckets_.push_back({id, p, p, p, p});
  if (static_cast<int>(buckets_.size()) > columns_) merge();
}

void LineThinner::merge() {
  width_ *= 2;
  size_t out = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    Bucket b = buckets_[i];
    b.id = b.id >= 0 ? b.id / 2 : -((-b.id + 1) / 2);  // floor(id / 2)
    if (out > 0 && buckets_[out - 1].id == b.id) {
      Bucket& a = buckets_[out - 1];
      if (b.lo.y() < a.lo.y()) a.lo = b.lo;
      if (b.hi.y() > a.hi.y()) a.hi = b.hi;
      a.last = b.last;
    } else {
      buckets_[out++] = b;
    }
  }
  buckets_.resize(out);
}

QVector<QPointF> LineThinner::shown() const {
  if (buckets_.empty()) return raw_;
  QVector<QPointF> out;
  out.reserve(static_cast<int>(4 * buckets_.size()));
  for (const Bucket& b : buckets_) {
    // In x order; a point that is also the first or the last is drawn once.
    const bool lo_first = b.lo.x() <= b.hi.x();
    const QPointF& a = lo_first ? b.lo : b.hi;
    const QPointF& c = lo_first ? b.hi : b.lo;
    out.push_back(b.first);
    if (a != b.first && a != b.last) out.push_back(a);
    if (c != a && c != b.first && c != b.last) out.push_back(c);
    if (b.last != b.first) out.push_back(b.last);
  }
  return out;
}

}  // namespace hyperlab

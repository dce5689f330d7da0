// Thinning for display (ui/widgets/thinning.h): a line that grows point by
// point keeps its extremes, stays within a few points per column however long
// it gets, and draws the same as the line thinned at once; a chart fed by
// appending keeps every point for its data.
#include <gtest/gtest.h>

#include <QChart>
#include <QXYSeries>

#include <cmath>

#include "ui/widgets/metricchart.h"
#include "ui/widgets/thinning.h"

using namespace hyperlab;

namespace {

QVector<QPointF> wave(int n, double per_x = 844) {
  QVector<QPointF> p;
  for (int i = 0; i < n; ++i) p.push_back({i / per_x, 1.0 + 0.3 * std::sin(i * 0.013) + 0.05 * std::sin(i * 1.7)});
  return p;
}

double max_y(const QVector<QPointF>& p) {
  double m = -INFINITY;
  for (const QPointF& q : p) m = std::max(m, q.y());
  return m;
}

double min_y(const QVector<QPointF>& p) {
  double m = INFINITY;
  for (const QPointF& q : p) m = std::min(m, q.y());
  return m;
}

}  // namespace

TEST(Thinning, FewPointsAreAllShown) {
  LineThinner t;
  t.reset(100, false);
  const QVector<QPointF> p = wave(300);
  t.add(p);
  EXPECT_EQ(t.shown(), p);
  EXPECT_EQ(t.buckets(), 0);
}

TEST(Thinning, AGrowingLineStaysBoundedAndKeepsItsExtremes) {
  LineThinner t;
  const int columns = 300;
  t.reset(columns, false);
  QVector<QPointF> p = wave(250000);  // 300 epochs of 844 batches
  p[123457].setY(9.5);                // a spike
  p[200001].setY(-3.0);               // and a dip
  int most = 0;
  for (int from = 0; from < p.size(); from += 1000) {  // as a live run delivers them
    t.add(p.mid(from, 1000));
    most = std::max(most, int(t.shown().size()));
    ASSERT_LE(t.buckets(), columns);
  }
  EXPECT_EQ(t.count(), p.size());
  EXPECT_LE(most, 4 * columns) << "at most four points a column, however long the line";
  const QVector<QPointF> s = t.shown();
  EXPECT_GE(t.buckets(), columns / 2) << "merging halves the buckets, no more";
  EXPECT_DOUBLE_EQ(max_y(s), 9.5);
  EXPECT_DOUBLE_EQ(min_y(s), -3.0);
  EXPECT_EQ(s.front(), p.front());
  EXPECT_EQ(s.back(), p.back());
  for (int i = 1; i < s.size(); ++i) ASSERT_LE(s[i - 1].x(), s[i].x()) << "in x order, at " << i;
  // The same as thinning the whole line at once.
  EXPECT_EQ(s, thin_points(p, columns, false));
}

TEST(Thinning, LogAxesAndNonFiniteValuesDropPoints) {
  LineThinner t;
  t.reset(10, true);
  t.add({{1, 0.0}, {2, 0.1}, {3, NAN}, {4, -1}, {5, 0.01}, {6, INFINITY}});
  EXPECT_EQ(t.count(), 2);
  EXPECT_EQ(t.shown(), (QVector<QPointF>{{2, 0.1}, {5, 0.01}}));
}

TEST(Thinning, AChartFedByAppendingKeepsEveryPointAndDrawsTheThinnedOnes) {
  MetricChart chart("Loss", "epoch", "loss");
  chart.resize(600, 400);
  const int s = chart.addSeries("batch");
  QVector<QPointF> p = wave(60000);
  p[33333].setY(7.0);
  chart.setPoints(s, p.mid(0, 10));
  for (int from = 10; from < p.size(); from += 500) {
    QVector<QPointF> upto = p.mid(0, std::min<int>(from + 500, p.size()));
    chart.appendPoints(s, upto, from);
  }
  EXPECT_EQ(chart.points(s), p) << "the data: every point";
  EXPECT_LT(chart.shownPointCount(s), 4 * 600);
  EXPECT_GT(chart.shownPointCount(s), 100);
  const auto* line = static_cast<QXYSeries*>(chart.chart()->series().back());
  const QList<QPointF> drawn = line->points();
  EXPECT_DOUBLE_EQ(max_y(drawn), 7.0) << "the spike is drawn";
  EXPECT_TRUE(chart.csv().count('\n') > 60000) << "the CSV has every point";
}

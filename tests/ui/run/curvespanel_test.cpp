// The Curves tab's charts come from the metric table (train/metrics.h): the
// built-in charts with their titles and scales, and a chart for a metric that
// a run's callback declares, fed by name.
#include <gtest/gtest.h>

#include "train/metrics.h"
#include "ui/run/curvespanel.h"
#include "ui/widgets/metricchart.h"

using namespace hyperlab;

TEST(CurvesPanel, ItsChartsAreTheMetricTablesAndADeclaredMetricGetsOne) {
  CurvesPanel p;
  QStringList titles;
  for (MetricChart* c : p.charts()) titles << c->title();
  QStringList want;
  for (const MetricInfo& m : builtin_metrics())
    if (!m.chart.empty() && !want.contains(QString::fromStdString(m.chart))) want << QString::fromStdString(m.chart);
  titles.sort(), want.sort();
  EXPECT_EQ(titles, want);
  EXPECT_TRUE(p.ratioChart()->logY());  // the table says log scale
  EXPECT_TRUE(p.gradChart()->logY());
  EXPECT_FALSE(p.lossChart()->logY());
  EXPECT_EQ(p.lossChart()->seriesCount(), 4);  // batch, train, validation, test
  EXPECT_EQ(p.lossChart()->seriesName(2), "validation");

  RunStart s;
  s.layer_names = {"linear 1", "linear 2"};
  MetricInfo m;
  m.name = "sharpness", m.label = "sharpness", m.chart = "Sharpness", m.axis = "λ max", m.log_scale = true;
  s.metrics = {m};
  p.start(s);
  ASSERT_EQ(p.charts().size(), want.size() + 1);
  MetricChart* extra = p.charts().back();
  EXPECT_EQ(extra->title(), "Sharpness");
  EXPECT_TRUE(extra->logY());
  EXPECT_EQ(p.gradChart()->seriesCount(), 2);  // one per layer with weights
  for (int e = 1; e <= 3; ++e) {
    EpochEvent ev;
    ev.epoch = e, ev.train_loss = 1.0 / e, ev.grad_norms = {0.1 * e, 0.2 * e};
    set_metric(ev, "sharpness", 10.0 * e);
    p.addEpoch(ev);
  }
  EXPECT_EQ(extra->shownPointCount(0), 3);
  EXPECT_EQ(p.gradChart()->shownPointCount(1), 3);
  // A new run without the metric: its chart goes.
  p.reset();
  p.start(RunStart{});
  EXPECT_EQ(p.charts().size(), want.size());
}

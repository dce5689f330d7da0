// The shared chart code (ui/widgets/chartstyle.h) through MetricChart: axes
// fit the data and follow it, ticks are round (whole epochs on the x axis),
// the best-epoch marker stays inside the plot, log axes always carry at least
// three labels, 20 series get 20 colours, the legend wraps long names instead
// of eliding them, hovering near a curve reads out its nearest point, the
// fonts follow the widget's font, and History overlays name their runs.
#include <gtest/gtest.h>

#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChart>
#include <QtCharts/QLineSeries>

#include <cmath>
#include <cstdlib>

#include "store/runstore.h"
#include "ui/history/historyview.h"
#include "ui/run/curvespanel.h"
#include "ui/sweep/sweepcharts.h"
#include "ui/widgets/chartstyle.h"
#include "ui/widgets/metricchart.h"
#include "ui_helpers.h"

using namespace hyperlab;

namespace {

// A step is round if it is 1, 2 or 5 times a power of ten.
bool round_step(double step) {
  const double p = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  const double m = step / p;
  return std::abs(m - 1) < 1e-6 || std::abs(m - 2) < 1e-6 || std::abs(m - 5) < 1e-6;
}

// A loss curve falling from `top` over `epochs` epochs.
QVector<QPointF> falling(double top, int epochs) {
  QVector<QPointF> p;
  for (int e = 1; e <= epochs; ++e) p.push_back({double(e), top / std::sqrt(double(e))});
  return p;
}

}  // namespace

TEST(MetricChart, YRangeFitsTheDataAndFollowsNewPoints) {
  MetricChart c("Loss", "epoch", "loss");
  c.resize(600, 400);
  const int s = c.addSeries("train");
  c.setPoints(s, falling(2.3, 8));  // from 2.3 down to 0.81
  auto [lo, hi] = c.yRange();
  EXPECT_GT(hi, 2.3);  // every point inside...
  EXPECT_LT(lo, 2.3 / std::sqrt(8.0));
  EXPECT_LT(hi, 3.0);  // ...with a small margin, not up to 4
  EXPECT_GT(lo, 0.5);
  // A point above the range: the axis follows it.
  QVector<QPointF> more = falling(2.3, 8);
  more.push_back({9, 5.2});
  c.setPoints(s, more);
  std::tie(lo, hi) = c.yRange();
  EXPECT_GT(hi, 5.2);
  EXPECT_LT(hi, 6.0);
  // And back down when the data shrinks again.
  c.setPoints(s, falling(1.0, 8));
  std::tie(lo, hi) = c.yRange();
  EXPECT_GT(hi, 1.0);
  EXPECT_LT(hi, 1.3);
}

TEST(MetricChart, TicksAreRoundAndEpochsWhole) {
  MetricChart c("Loss", "epoch", "loss");
  c.resize(600, 400);
  const int s = c.addSeries("train");
  for (double top : {2.3, 0.0137, 873.0}) {
    c.setPoints(s, falling(top, 37));
    const QVector<double> y = c.yTicks();
    ASSERT_GE(y.size(), 3) << top;
    const double step = y[1] - y[0];
    EXPECT_TRUE(round_step(step)) << "step " << step << " for data up to " << top;
    for (int i = 1; i < y.size(); ++i) EXPECT_NEAR(y[i] - y[i - 1], step, step * 1e-6);
    for (double v : y) EXPECT_NEAR(std::round(v / step) * step, v, step * 1e-6) << "a multiple of the step";
    const auto [lo, hi] = c.yRange();
    for (double v : y) EXPECT_TRUE(v >= lo && v <= hi) << v;
    EXPECT_EQ(c.yTickLabels().size(), y.size());
  }
  // The x axis: whole epochs only, even with fractional points (the batch curve).
  c.setPoints(s, {{0.25, 1}, {1.5, 0.9}, {2.75, 0.8}});
  QVector<double> x = c.xTicks();
  ASSERT_GE(x.size(), 2);
  for (double v : x) EXPECT_EQ(v, std::round(v)) << v;
  for (const QString& l : c.xTickLabels()) EXPECT_FALSE(l.contains('.')) << l.toStdString();
  c.setPoints(s, falling(2, 37));
  x = c.xTicks();
  ASSERT_GE(x.size(), 2);
  for (double v : x) EXPECT_EQ(v, std::round(v)) << v;
  EXPECT_TRUE(round_step(x[1] - x[0])) << x[1] - x[0];
}

TEST(MetricChart, AFixedXStartHoldsForEveryChart) {
  MetricChart loss("Loss", "epoch", "loss"), acc("Accuracy", "epoch", "accuracy");
  for (MetricChart* c : {&loss, &acc}) c->resize(500, 300), c->setXStart(0);
  loss.setPoints(loss.addSeries("batch"), {{0.1, 2.3}, {4, 0.5}});
  acc.setPoints(acc.addSeries("train"), {{1, 0.5}, {4, 0.8}});
  for (MetricChart* c : {&loss, &acc}) {
    EXPECT_EQ(c->xTicks().front(), 0.0) << c->title().toStdString();
    EXPECT_LE(c->xRange().first, 0.0);  // 0, less the marker's room
    EXPECT_GT(c->xRange().first, -0.3);
  }
  // Without it, the axis starts at the data's first whole x.
  MetricChart free("Accuracy", "epoch", "accuracy");
  free.resize(500, 300);
  free.setPoints(free.addSeries("train"), {{1, 0.5}, {4, 0.8}});
  EXPECT_GT(free.xRange().first, 0.5);
}

TEST(MetricChart, TheMarkerLiesInsideThePlotWithRoomForItsRadius) {
  for (bool curves_tab : {false, true}) {
  SCOPED_TRACE(curves_tab ? "whole epochs from 0, as the Curves tab draws" : "free axes");
  MetricChart c("Accuracy", "epoch", "accuracy");
  if (curves_tab) c.setIntegerX(true), c.setXStart(0);
  c.resize(600, 400);
  c.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&c));
  const int s = c.addSeries("validation");
  QVector<QPointF> p;
  for (int e = 1; e <= 8; ++e) p.push_back({double(e), 0.5 + 0.05 * e});
  c.setPoints(s, p);
  c.setMarker(8, 0.9, "selected: epoch 8");  // the last epoch and the highest value: a corner
  QTest::qWait(50);                           // the axes update, the chart lays out
  const auto [x0, x1] = c.xRange();
  const auto [y0, y1] = c.yRange();
  EXPECT_GT(x1, 8);
  EXPECT_GT(y1, 0.9);
  EXPECT_LT(x0, 1);
  EXPECT_LT(y0, 0.55);
  const QRectF area = c.viewportPlotArea();
  const QPointF at = c.viewportPos(8, 0.9);
  ASSERT_TRUE(area.isValid());
  EXPECT_GE(area.right() - at.x(), c.markerRadius()) << "right edge";
  EXPECT_GE(at.y() - area.top(), c.markerRadius()) << "top edge";
  // Its legend entry says what it is.
  EXPECT_NE(c.legend()->rows().join(" | ").indexOf("selected: epoch 8"), -1);
  }
}

TEST(MetricChart, ALogAxisShowsAtLeastThreeLabels) {
  for (auto [lo, hi] : {std::pair{0.8, 3.0}, std::pair{1e-4, 1.0}, std::pair{0.011, 0.03}, std::pair{1e-9, 1e3}}) {
    MetricChart c("Gradient ratio", "epoch", "ratio");
    c.resize(600, 400);
    c.setLogY(true);
    QVector<QPointF> p;
    for (int e = 0; e <= 10; ++e) p.push_back({double(e + 1), lo * std::pow(hi / lo, e / 10.0)});
    c.setPoints(c.addSeries("first / last layer"), p);
    const QStringList labels = c.yTickLabels();
    const QVector<double> at = c.yTicks();
    EXPECT_GE(labels.size(), 3) << lo << ".." << hi << ": " << labels.join(" ").toStdString();
    EXPECT_EQ(QSet<QString>(labels.begin(), labels.end()).size(), labels.size()) << "distinct labels";
    const auto [y0, y1] = c.yRange();
    EXPECT_LE(y0, lo);
    EXPECT_GE(y1, hi);
    for (int i = 0; i < labels.size(); ++i) {
      EXPECT_TRUE(at[i] >= y0 && at[i] <= y1) << at[i];
      // The label is the value it stands at.
      EXPECT_NEAR(labels[i].toDouble(), at[i], at[i] * 1e-6) << labels[i].toStdString();
    }
  }
}

TEST(MetricChart, TwentySeriesHaveTwentyColours) {
  QSet<QRgb> colours;
  for (int i = 0; i < kPaletteSize; ++i) colours.insert(series_color(i).rgb());
  EXPECT_EQ(colours.size(), 20);
  MetricChart c("Overlay", "epoch", "loss");
  QSet<QRgb> drawn;
  for (int i = 0; i < 20; ++i) c.addSeries(QString("run %1").arg(i));
  for (const ChartLegend::Entry& e : c.legend()->entries()) drawn.insert(e.color.rgb());
  EXPECT_EQ(drawn.size(), 20);
  // Runs #3 and #13 (and any 20 run numbers) get colours of their own.
  QVector<qint64> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(3 + 10 * i);
  QSet<QRgb> by_id;
  for (const QColor& col : distinct_colors(ids)) by_id.insert(col.rgb());
  EXPECT_EQ(by_id.size(), 20);
  EXPECT_EQ(distinct_colors({3}).front(), series_color(3));  // a run keeps its own colour where it can
}

TEST(MetricChart, TheLegendWrapsLongNamesWithoutEliding) {
  MetricChart c("Accuracy", "epoch", "accuracy");
  c.resize(360, 420);
  c.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&c));
  const QStringList names = {"best (epoch 12 of 20, selected on validation accuracy)", "batch (smoothed)",
                             "validation accuracy of run #42 fashion-baseline", "test"};
  for (const QString& n : names) c.addSeries(n);
  QTest::qWait(20);
  const QStringList rows = c.legend()->rows();
  EXPECT_GE(rows.size(), 3) << rows.join("\n").toStdString();
  const QString all = rows.join(" | ");
  for (const QString& n : names) EXPECT_NE(all.indexOf(n), -1) << n.toStdString();
  EXPECT_EQ(all.indexOf(QChar(0x2026)), -1) << "no ellipsis";
  // Every entry lies inside the legend, which is as tall as its rows.
  for (int i = 0; i < names.size(); ++i) {
    const QRectF r = c.legend()->entryRect(i);
    EXPECT_TRUE(QRectF(c.legend()->rect()).contains(r)) << i;
  }
  // Clicking an entry hides its series, and again shows it.
  QTest::mouseClick(c.legend(), Qt::LeftButton, {}, c.legend()->entryRect(1).center().toPoint());
  EXPECT_FALSE(c.seriesVisible(1));
  EXPECT_FALSE(c.legend()->entries()[1].on);
  QTest::mouseClick(c.legend(), Qt::LeftButton, {}, c.legend()->entryRect(1).center().toPoint());
  EXPECT_TRUE(c.seriesVisible(1));
  // The exported picture is taller than the chart alone: the legend is in it.
  const ExportFile with = c.exportFile("svg", QSize(360, 420));
  ASSERT_TRUE(with.error.isEmpty());
  EXPECT_TRUE(with.bytes.contains("smoothed"));
  // Data just changed (the axes' update still pending): the picture has the new axes' labels.
  c.setPoints(0, falling(2.3, 8));
  c.setPoints(1, falling(1.9, 8));
  c.setMarker(8, 2.3 / std::sqrt(8.0), "selected: epoch 8");
  const QByteArray svg = c.exportFile("svg", QSize(360, 420)).bytes;
  for (const QString& l : c.yTickLabels() + c.xTickLabels())
    EXPECT_TRUE(svg.contains(">" + l.toUtf8() + "</text>")) << l.toStdString();
  if (const char* shots = std::getenv("HYPERLAB_SCREENSHOTS")) {
    EXPECT_EQ(c.exportTo(QString(shots) + "/metricchart-legend.png", QSize(360, 420)), QString());
    EXPECT_EQ(c.exportTo(QString(shots) + "/metricchart-legend.pdf", QSize(360, 420)), QString());
  }
}

TEST(MetricChart, HoveringNearACurveReadsOutItsNearestPoint) {
  MetricChart c("Loss", "epoch", "loss");
  c.resize(600, 400);
  c.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&c));
  c.setPoints(c.addSeries("train"), {{1, 2.0}, {2, 1.25}, {3, 0.75}, {4, 0.5}});
  c.setPoints(c.addSeries("validation"), {{1, 2.2}, {2, 1.7}, {3, 1.5}, {4, 1.45}});
  QTest::qWait(50);
  // Five pixels off the train curve's epoch-3 point: its values.
  const QPointF p = c.viewportPos(3, 0.75);
  QTest::mouseMove(c.viewport(), (p + QPointF(4, -3)).toPoint());
  EXPECT_NE(c.hoverText().indexOf("train"), -1) << c.hoverText().toStdString();
  EXPECT_NE(c.hoverText().indexOf("epoch = 3"), -1) << c.hoverText().toStdString();
  EXPECT_NE(c.hoverText().indexOf("loss = 0.75"), -1) << c.hoverText().toStdString();
  // Near the validation curve's epoch 2 instead.
  const QPointF q = c.viewportPos(2, 1.7);
  QTest::mouseMove(c.viewport(), (q + QPointF(-3, 4)).toPoint());
  EXPECT_NE(c.hoverText().indexOf("validation"), -1) << c.hoverText().toStdString();
  EXPECT_NE(c.hoverText().indexOf("loss = 1.7"), -1) << c.hoverText().toStdString();
  // Far from both: nothing.
  const QRectF area = c.viewportPlotArea();
  QTest::mouseMove(c.viewport(), QPoint(int(area.left() + area.width() * 0.9), int(area.bottom() - 5)));
  EXPECT_EQ(c.hoverText(), QString());
  // On a log axis the read-out is the real value.
  c.setLogY(true);
  QTest::qWait(50);
  QTest::mouseMove(c.viewport(), (c.viewportPos(4, 0.5) + QPointF(3, 3)).toPoint());
  EXPECT_NE(c.hoverText().indexOf("loss = 0.5"), -1) << c.hoverText().toStdString();
}

TEST(MetricChart, FontsFollowTheWidgetsFont) {
  MetricChart c("Loss", "epoch", "loss");
  c.setPoints(c.addSeries("train"), falling(2, 5));
  QFont f = c.font();
  const double before = c.chart()->axes().front()->labelsFont().pointSizeF();
  const double title_before = c.chart()->titleFont().pointSizeF();
  const int legend_before = c.legend()->heightForWidth(400);
  f.setPointSizeF(f.pointSizeF() * 1.5);
  c.setFont(f);
  for (QAbstractAxis* a : c.chart()->axes()) {
    EXPECT_GT(a->labelsFont().pointSizeF(), before * 1.3);
    EXPECT_GT(a->titleFont().pointSizeF(), before * 1.3);
  }
  EXPECT_GT(c.chart()->titleFont().pointSizeF(), title_before * 1.3);
  EXPECT_GT(c.legend()->heightForWidth(400), legend_before);
  // A parent's font (presentation mode sets one on the views) reaches it too.
  QWidget parent;
  auto* child = new MetricChart("Accuracy", "epoch", "accuracy", &parent);
  const double child_before = child->chart()->axes().front()->labelsFont().pointSizeF();
  QFont big = parent.font();
  big.setPointSizeF(big.pointSizeF() * 1.4);
  parent.setFont(big);
  EXPECT_GT(child->chart()->axes().front()->labelsFont().pointSizeF(), child_before * 1.2);
  // Presentation mode keeps its thicker lines.
  c.setPresentation(true);
  EXPECT_GT(c.markerRadius(), 6);
}

TEST(MetricChart, HistoryOverlaysNameEachRunAndTellNamesakesApart) {
  QTemporaryDir dir;
  const std::string db = dir.filePath("runs.db").toStdString();
  {
    RunStore st(db);
    for (int k = 1; k <= 23; ++k) {  // runs #1 to #23: #3 and #23 would share a colour by number
      ExperimentConfig c = ui_test::quick_spirals(2);
      c.name = k == 4 ? "wide" : "spirals";
      c.training.seed = k;
      if (k == 2) c.training.optimizer.lr = 0.1;
      const int64_t id = st.begin_run(c, RunStart{});
      for (int e = 1; e <= 2; ++e) {
        EpochEvent ev;
        ev.epoch = e, ev.train_loss = 1.0 / e, ev.val_accuracy = 0.5 + 0.1 * e, ev.best = true;
        st.add_epoch(id, ev, {1.f});
      }
      RunResult r;
      r.status = RunStatus::Completed, r.epochs_run = 2, r.best_epoch = 2;
      st.finish_run(id, r);
    }
  }
  HistoryView h;
  h.openDatabase(QString::fromStdString(db));
  ASSERT_TRUE(ui_test::settled(h));
  h.selectRuns({1, 2, 4});
  ASSERT_TRUE(ui_test::settled(h));
  MetricChart* acc = h.overlayChart();
  ASSERT_EQ(acc->seriesCount(), 3);
  QStringList names;
  for (int i = 0; i < acc->seriesCount(); ++i) names << acc->seriesName(i);
  names.sort();
  // The name, and for the two "spirals" runs the setting in which they differ.
  EXPECT_EQ(names, (QStringList{"#1 spirals: lr=0.01", "#2 spirals: lr=0.1", "#4 wide"})) << names.join(" | ").toStdString();
  // The same settings: the seed tells them apart.
  h.selectRuns({3, 5});
  ASSERT_TRUE(ui_test::settled(h));
  names.clear();
  for (int i = 0; i < acc->seriesCount(); ++i) names << acc->seriesName(i);
  names.sort();
  EXPECT_EQ(names, (QStringList{"#3 spirals: seed 3", "#5 spirals: seed 5"})) << names.join(" | ").toStdString();
  // #3 and #23 in one overlay: two colours.
  h.selectRuns({3, 23});
  ASSERT_TRUE(ui_test::settled(h));
  ASSERT_EQ(acc->legend()->entries().size(), 2);
  EXPECT_NE(acc->legend()->entries()[0].color, acc->legend()->entries()[1].color);
}

TEST(MetricChart, SweepChartsShareTheLookLegendAndFonts) {
  SweepChart c("Mean curves");
  c.resize(420, 360);
  // Trials #3 and #23 would share a colour by number: the Sweep view gives
  // the second another (distinct_colors, as the History does); the chart draws each in its own.
  std::vector<SweepChart::Band> bands;
  const QVector<QColor> given = distinct_colors({3, 23});
  for (int t : {3, 23}) {
    SweepChart::Band b;
    b.name = QString("dropout=0.2, lr=0.001, l2=0.0001, width=[500, 50] (trial %1)").arg(t);
    b.color = given[t == 3 ? 0 : 1];
    b.curve = band_curve({{0.5, 0.6, 0.7}, {0.52, 0.63, 0.69}});
    bands.push_back(b);
  }
  c.showBands(bands, "val_accuracy", false);
  const QStringList rows = c.legendRows();
  for (const SweepChart::Band& b : bands) EXPECT_NE(rows.join(" | ").indexOf(b.name), -1) << rows.join("\n").toStdString();
  EXPECT_GE(rows.size(), 2);
  QSet<QRgb> colours;
  for (QAbstractSeries* s : c.chart()->series())
    if (auto* line = qobject_cast<QLineSeries*>(s); line && !line->name().isEmpty()) colours.insert(line->pen().color().rgb());
  EXPECT_EQ(colours.size(), 2);
  // Epoch ticks are whole; the fonts follow the widget's.
  const double before = c.chart()->axes().front()->labelsFont().pointSizeF();
  QFont f = c.font();
  f.setPointSizeF(f.pointSizeF() * 1.5);
  c.setFont(f);
  for (QAbstractAxis* a : c.chart()->axes()) EXPECT_GT(a->labelsFont().pointSizeF(), before * 1.3);
  for (QAbstractAxis* a : c.chart()->axes(Qt::Horizontal)) {
    if (auto* x = qobject_cast<QCategoryAxis*>(a)) {
      EXPECT_GE(x->count(), 2);
      for (const QString& l : x->categoriesLabels()) EXPECT_FALSE(l.contains('.')) << l.toStdString();
    }
  }
}

TEST(MetricChart, ASweepLogAxisShowsAtLeastThreeLabels) {
  SweepChart c("Per setting");
  c.resize(500, 360);
  ParamAxis axis;
  axis.key = "training.optimizer.lr", axis.numeric = true, axis.log = true, axis.lo = 0.8, axis.hi = 3;
  c.showParameter(axis, {"0.8", "1.5", "3"}, {0.5, 0.6, 0.55}, "val_accuracy");
  QStringList labels;
  for (QAbstractAxis* a : c.chart()->axes(Qt::Horizontal))
    if (auto* x = qobject_cast<QCategoryAxis*>(a)) labels = x->categoriesLabels();
  EXPECT_GE(labels.size(), 3) << labels.join(" ").toStdString();
}

TEST(MetricChart, EveryCurvesChartStartsAtTheSameEpoch) {
  CurvesPanel p;
  RunStart s;
  s.layer_names = {"linear 1", "linear 2"};
  p.start(s);
  std::vector<BatchEvent> batches;
  for (int e = 1; e <= 3; ++e) {
    for (int b = 1; b <= 4; ++b) {
      BatchEvent be;
      be.epoch = e, be.batch = b, be.batches = 4, be.loss = 2.0 / (e + 0.25 * b);
      batches.push_back(be);
    }
    p.addBatches(batches);
    batches.clear();
    EpochEvent ev;
    ev.epoch = e, ev.train_loss = 1.0 / e, ev.val_loss = 1.1 / e, ev.train_accuracy = 0.5 + 0.1 * e;
    ev.val_accuracy = 0.45 + 0.1 * e, ev.lr = 0.1, ev.grad_ratio = 1.5 + e, ev.grad_norms = {0.1 * e, 0.2 * e};
    p.addEpoch(ev);
  }
  p.flush();
  for (MetricChart* c : p.charts()) {
    ASSERT_FALSE(c->xTicks().isEmpty()) << c->title().toStdString();
    EXPECT_EQ(c->xTicks().front(), p.lossChart()->xTicks().front()) << c->title().toStdString();
    EXPECT_DOUBLE_EQ(c->xRange().first, p.lossChart()->xRange().first) << c->title().toStdString();
  }
}

// While a run trains, each change of an axis's range lays the whole chart out
// again; a live chart keeps its ranges while the data stays inside them (with
// headroom), never cuts a point off, stops the x axis at the run's last epoch,
// and fits the data again when the run ends.
TEST(MetricChart, ALiveChartsAxesChangeSeldomAndFitTheDataWhenTheRunEnds) {
  auto feed = [](MetricChart& c, bool live, int* changes, bool* all_inside) {
    c.resize(600, 400);
    const int s = c.addSeries("batch");
    if (live) c.setLive(true, 50);
    QVector<QPointF> pts;
    std::pair<double, double> last_x{NAN, NAN}, last_y{NAN, NAN};
    *changes = 0, *all_inside = true;
    for (int e = 0; e < 50; ++e)
      for (int b = 1; b <= 10; ++b) {
        const double x = e + b / 10.0;
        pts.push_back({x, 2.3 / std::sqrt(1 + x) + 0.05 * std::sin(7 * x)});
        if (b % 5) continue;  // a redraw every 5 batches
        c.appendPoints(s, pts, int(pts.size()) - 5);
        const auto xr = c.xRange(), yr = c.yRange();
        *changes += xr != last_x || yr != last_y;
        last_x = xr, last_y = yr;
        for (const QPointF& p : pts)
          *all_inside = *all_inside && p.x() >= xr.first && p.x() <= xr.second && p.y() >= yr.first && p.y() <= yr.second;
      }
    return pts;
  };
  MetricChart fitted("Loss", "epoch", "loss"), live("Loss", "epoch", "loss");
  int fitted_changes = 0, live_changes = 0;
  bool fitted_inside = false, live_inside = false;
  feed(fitted, false, &fitted_changes, &fitted_inside);
  feed(live, true, &live_changes, &live_inside);
  EXPECT_TRUE(fitted_inside);
  EXPECT_TRUE(live_inside);
  EXPECT_GT(fitted_changes, 50);  // of 100 redraws: a curve that always moves its axes
  EXPECT_LT(live_changes, 25) << "live axes changed at " << live_changes << " of 100 redraws";
  EXPECT_LE(live.xRange().second, 51.0);  // not beyond the run's last epoch (plus the marker's room)
  live.setLive(false);
  EXPECT_EQ(live.xRange(), fitted.xRange());
  EXPECT_EQ(live.yRange(), fitted.yRange());
  EXPECT_EQ(live.yTickLabels(), fitted.yTickLabels());
}

// An epoch's end gives every chart of a run new points at once. Drawn in one
// pass of the event loop, they held it (and the user's clicks) for 30-60 ms;
// each chart now draws in a pass of its own, and whatever asks a chart for its
// state (ranges, ticks, painting) gets it drawn at once.
TEST(MetricChart, ChartsChangedTogetherAreDrawnOnePerEventLoopPass) {
  std::vector<std::unique_ptr<MetricChart>> charts;
  for (int i = 0; i < 5; ++i) {
    charts.push_back(std::make_unique<MetricChart>("Loss", "epoch", "loss"));
    charts.back()->resize(500, 300);
    charts.back()->addSeries("train");
  }
  for (int i = 0; i < 20; ++i) QCoreApplication::processEvents();
  auto drawn = [&] {
    int n = 0;
    for (auto& c : charts)
      for (QAbstractSeries* s : c->chart()->series())
        if (s->name() == "train") n += static_cast<QLineSeries*>(s)->count() == 8;
    return n;
  };
  for (auto& c : charts) c->setPoints(0, falling(2.3, 8));
  EXPECT_EQ(drawn(), 0);
  QCoreApplication::sendPostedEvents();  // one pass
  EXPECT_EQ(drawn(), 1);
  QCoreApplication::sendPostedEvents();
  EXPECT_EQ(drawn(), 2);
  EXPECT_GT(charts[4]->yRange().second, 2.3);  // asked: drawn now, out of turn
  EXPECT_EQ(drawn(), 3);
  for (int i = 0; i < 20; ++i) QCoreApplication::sendPostedEvents();
  EXPECT_EQ(drawn(), 5);
}

// On screen the grid and axis lines are cosmetic one-pixel pens (cheaper to
// repaint); an exported picture gets them one unit wide, not as hairlines.
TEST(MetricChart, ExportedGridLinesAreOneUnitWideNotHairlines) {
  MetricChart c("Loss", "epoch", "loss");
  c.resize(500, 300);
  c.setPoints(c.addSeries("train"), falling(2.3, 8));
  auto grid_width = [&] { return c.chart()->axes().front()->gridLinePen().widthF(); };
  EXPECT_EQ(grid_width(), 0.0);
  const QString svg = QString::fromUtf8(c.exportFile("svg", QSize(500, 300)).bytes);
  EXPECT_FALSE(svg.contains("non-scaling-stroke")) << "a cosmetic pen in the picture";
  EXPECT_EQ(grid_width(), 0.0);  // and cosmetic on screen again
}

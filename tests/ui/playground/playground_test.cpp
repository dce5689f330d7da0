// The Playground tab driven as a user drives it (offscreen): a homework
// preset, a typed-in function and its mistakes, clicking and dragging the
// start point, the step slider, and exports.
#include <gtest/gtest.h>

#include <QFileInfo>
#include <QMouseEvent>
#include <QTemporaryDir>
#include <QTest>
#include <QtCharts/QChart>

#include "ui/mainwindow.h"
#include "ui/widgets/metricchart.h"
#include "ui/playground/playgroundview.h"

using namespace hyperlab;

TEST(Playground, AHomeworkPresetRacesAndShowsTheDivergence) {
  PlaygroundView v;
  v.resize(1200, 800);
  v.show();
  v.loadPreset("rosenbrock-lr1e-3");
  ASSERT_EQ(v.trajectories().size(), 2u);
  EXPECT_TRUE(v.trajectories()[0].diverged) << "momentum at lr 1e-3 diverges";
  EXPECT_FALSE(v.trajectories()[1].diverged) << v.trajectories()[1].reason;
  EXPECT_EQ(v.trajectories()[1].steps_done, 100000);
  EXPECT_LT(v.trajectories()[1].points.back().f, 1e-10) << "Adam reaches the minimum (1, 1)";
  EXPECT_NE(v.legendText().indexOf("left the box"), -1) << v.legendText().toStdString();
  EXPECT_TRUE(v.contour()->hasMap());
  EXPECT_EQ(v.errorChart()->seriesCount(), 2);
  EXPECT_GT(v.errorChart()->shownPointCount(1), 10);
}

TEST(Playground, ATypedFunctionRunsAndMistakesSayWhere) {
  PlaygroundView v;
  v.show();
  EXPECT_NE(v.setExpression("(1 - x^2 + 100").indexOf("position 15"), -1);
  EXPECT_EQ(v.setExpression("(x - 1)^2 + 3 (y + 2)^2"), QString());
  v.setOptimizers({"gd,lr=0.1", "adam,lr=0.1"});
  v.setStart(4, 3);
  v.setSteps(2000);
  ASSERT_EQ(v.trajectories().size(), 2u);
  EXPECT_NEAR(v.trajectories()[0].points.back().x, 1, 1e-6);
  EXPECT_NEAR(v.trajectories()[0].points.back().y, -2, 1e-6);
  EXPECT_EQ(v.errorChart()->chart()->title(), "f against the step (no known minimum)");
  // Told where its minimum is, the charts show log10(f - f*).
  EXPECT_EQ(v.setExpression("(x - 1)^2 + 3 (y + 2)^2 + 5", "1, -2"), QString());
  EXPECT_EQ(v.errorChart()->chart()->title(), "log10(f - f*) against the step");
  EXPECT_NE(v.legendText().indexOf("log10(f - f*) = "), -1) << v.legendText().toStdString();
  EXPECT_NE(v.setExpression("x^2", "1;2").indexOf("two numbers"), -1);
  // Undefined somewhere: the trajectory stops there and says why.
  EXPECT_EQ(v.setExpression("log(x) + y^2"), QString());
  v.setOptimizers({"gd,lr=0.5"});
  v.setStart(0.3, 1);
  ASSERT_EQ(v.trajectories().size(), 1u);
  EXPECT_TRUE(v.trajectories()[0].diverged);
  EXPECT_NE(v.legendText().indexOf("undefined"), -1) << v.legendText().toStdString();
}

TEST(Playground, DraggingTheStartRecomputesAndExportsWork) {
  QTemporaryDir dir;
  PlaygroundView v;
  v.resize(1200, 800);
  v.show();
  v.loadPreset("rosenbrock-lr1e-4");
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&v));
  ContourView* c = v.contour();
  const QPointF a = c->toWidget(-2, 10), b = c->toWidget(2, 4);
  QMouseEvent press(QEvent::MouseButtonPress, a, c->mapToGlobal(a), Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(c, &press);
  QMouseEvent move(QEvent::MouseMove, b, c->mapToGlobal(b), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(c, &move);
  // While dragging: the first 10,000 steps from where the mouse is.
  ASSERT_EQ(v.trajectories().size(), 3u);
  EXPECT_EQ(v.trajectories()[2].steps_done, 10000);
  EXPECT_NEAR(v.trajectories()[2].points.front().x, 2, 0.05);
  EXPECT_NEAR(v.trajectories()[2].points.front().y, 4, 0.1);
  QMouseEvent release(QEvent::MouseButtonRelease, b, c->mapToGlobal(b), Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
  QApplication::sendEvent(c, &release);
  EXPECT_EQ(v.trajectories()[2].steps_done, 100000) << "released: every step";
  for (const char* ext : {"png", "svg", "pdf"}) {
    const QString f = dir.filePath(QString("figure.") + ext);
    EXPECT_EQ(v.exportFigure(f), QString());
    EXPECT_GT(QFileInfo(f).size(), 1000) << f.toStdString();
  }
  const QString csv = dir.filePath("t.csv");
  EXPECT_EQ(v.exportCsv(csv), QString());
  QFile in(csv);
  ASSERT_TRUE(in.open(QIODevice::ReadOnly));
  EXPECT_TRUE(in.readLine().startsWith("optimizer,step,x,y,f"));
}

TEST(Playground, IsATabOfTheWindow) {
  MainWindow w;
  int found = -1;
  for (int i = 0; i < w.views()->count(); ++i)
    if (w.views()->tabText(i) == "Playground") found = i;
  ASSERT_GE(found, 0);
  EXPECT_EQ(w.views()->widget(found), w.playground());
  EXPECT_FALSE(w.playground()->trajectories().empty());
}

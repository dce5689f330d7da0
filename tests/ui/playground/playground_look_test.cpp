// How the Playground looks at a projector (issue 14): a dragged start point
// is rounded and fits its field, the settings column is whole at 1280x800 and
// 1440x900, the map is smooth with iso-lines, each optimizer's path has a
// style of its own, and the race is an animation.
#include <gtest/gtest.h>

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPushButton>
#include <QScrollArea>
#include <QTableWidget>
#include <QTest>
#include <QtCharts/QChart>
#include <QtCharts/QLineSeries>

#include <algorithm>
#include <cmath>
#include <set>

#include "ui/mainwindow.h"
#include "ui/playground/contourmap.h"
#include "ui/playground/playgroundview.h"
#include "ui/widgets/metricchart.h"

using namespace hyperlab;

namespace {

void drag(ContourView* c, QPointF from, QPointF to) {
  QMouseEvent press(QEvent::MouseButtonPress, from, c->mapToGlobal(from), Qt::LeftButton, Qt::LeftButton,
                    Qt::NoModifier);
  QApplication::sendEvent(c, &press);
  QMouseEvent move(QEvent::MouseMove, to, c->mapToGlobal(to), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(c, &move);
  QMouseEvent release(QEvent::MouseButtonRelease, to, c->mapToGlobal(to), Qt::LeftButton, Qt::NoButton,
                      Qt::NoModifier);
  QApplication::sendEvent(c, &release);
}

// Decimals a number's text shows ("13.97" -> 2, "-4" -> 0).
int decimals_of(const QString& text) {
  const int dot = text.indexOf('.');
  return dot < 0 ? 0 : static_cast<int>(text.size()) - dot - 1;
}

QString shown_text(const QAbstractSpinBox* b) { return b->findChild<QLineEdit*>()->text(); }

int luminance(QRgb c) { return (qRed(c) * 299 + qGreen(c) * 587 + qBlue(c) * 114) / 1000; }

}  // namespace

TEST(PlaygroundLook, ADraggedStartIsRoundedAndFitsItsField) {
  PlaygroundView v;
  v.resize(1280, 760);
  v.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&v));
  v.loadPreset("rosenbrock-lr1e-4");
  ContourView* c = v.contour();
  // A point between pixels' worth of decimals, as a hand drags.
  const QPointF to = c->toWidget(1.2345678, 13.96561605) + QPointF(0.37, 0.29);
  drag(c, c->toWidget(-2.2, 7.7), to);
  auto* sx = v.findChild<QAbstractSpinBox*>("start_x");
  auto* sy = v.findChild<QAbstractSpinBox*>("start_y");
  ASSERT_TRUE(sx && sy);
  const double x = static_cast<QDoubleSpinBox*>(sx)->value(), y = static_cast<QDoubleSpinBox*>(sy)->value();
  const QPointF aimed = c->toFunction(to);
  const double px = 10.0 / c->width(), py = 30.0 / c->height();  // a pixel, in the function's units
  EXPECT_NEAR(x, aimed.x(), px) << "where the mouse was, to a pixel";
  EXPECT_NEAR(y, aimed.y(), py);
  const int dx = drag_decimals(-5, 5), dy = drag_decimals(-4, 26);
  EXPECT_GE(dx, 1);
  EXPECT_LE(dx, 3);
  EXPECT_LE(dy, 3);
  EXPECT_LE(decimals_of(shown_text(sx)), dx) << shown_text(sx).toStdString();
  EXPECT_LE(decimals_of(shown_text(sy)), dy) << shown_text(sy).toStdString();
  EXPECT_DOUBLE_EQ(x, round_to(aimed.x(), dx));
  EXPECT_DOUBLE_EQ(y, round_to(aimed.y(), dy));
  // The race starts exactly where the fields say.
  ASSERT_FALSE(v.trajectories().empty());
  EXPECT_EQ(v.trajectories()[0].points.front().x, x);
  EXPECT_EQ(v.trajectories()[0].points.front().y, y);
  // Let go outside the map: the start stays on its edge.
  drag(c, c->toWidget(0, 0), QPointF(c->width() + 40, -30));
  EXPECT_LE(static_cast<QDoubleSpinBox*>(sx)->value(), 5);
  EXPECT_LE(static_cast<QDoubleSpinBox*>(sy)->value(), 26);
  EXPECT_GE(static_cast<QDoubleSpinBox*>(sx)->value(), 4.9);
  // And the fields show their whole text.
  for (QAbstractSpinBox* b : {sx, sy}) {
    const QLineEdit* e = b->findChild<QLineEdit*>();
    EXPECT_GE(e->width(), e->fontMetrics().horizontalAdvance(e->text()) + 2) << e->text().toStdString();
  }
}

// Every label and field of the settings column lies inside the column's
// visible area, at its full width, with the six-optimizer preset.
TEST(PlaygroundLook, TheSettingsColumnIsWholeAt1280x800And1440x900) {
  for (QSize size : {QSize(1280, 800), QSize(1440, 900)})
    for (bool presentation : {false, true}) {
      SCOPED_TRACE(QString("%1x%2%3").arg(size.width()).arg(size.height()).arg(presentation ? " presenting" : "")
                       .toStdString());
      MainWindow w;
      w.resize(size);
      w.show();
      ASSERT_TRUE(QTest::qWaitForWindowExposed(&w));
      PlaygroundView* v = w.playground();
      v->loadPreset("all-six");  // then the font changes, as `hyperlab --playground all-six --presentation` does
      w.views()->setCurrentWidget(v);
      w.setPresentation(presentation);
      QTest::qWait(50);
      EXPECT_LE(w.height(), size.height()) << "the figure's minimum fits the screen";
      QScrollArea* area = v->settingsArea();
      QWidget* port = area->viewport();
      ASSERT_GT(port->width(), 100);
      int checked = 0;
      for (QWidget* c : area->widget()->findChildren<QWidget*>()) {
        if (!c->isVisible()) continue;
        // A spin box's or combo box's own parts are checked with it.
        if (qobject_cast<QAbstractSpinBox*>(c->parentWidget()) || qobject_cast<QComboBox*>(c->parentWidget()))
          continue;
        const bool field = qobject_cast<QLineEdit*>(c) || qobject_cast<QAbstractSpinBox*>(c) ||
                           qobject_cast<QComboBox*>(c) || qobject_cast<QPushButton*>(c);
        const auto* label = qobject_cast<QLabel*>(c);
        if (!field && !label && !qobject_cast<QGroupBox*>(c) && !qobject_cast<QTableWidget*>(c)) continue;
        const QString what = c->metaObject()->className() + QString(" ") + c->objectName() +
                             (label ? " \"" + label->text() + "\"" : QString());
        const QRect g(c->mapTo(port, QPoint(0, 0)), c->size());
        EXPECT_GE(g.left(), 0) << what.toStdString();
        EXPECT_LE(g.right(), port->width() - 1) << what.toStdString() << " ends at " << g.right()
                                                 << " of " << port->width();
        if (!presentation) {  // all of it in view, no scrolling (larger fonts may scroll up and down)
          EXPECT_GE(g.top(), 0) << what.toStdString();
          EXPECT_LE(g.bottom(), port->height() - 1) << what.toStdString() << " ends at " << g.bottom() << " of "
                                                    << port->height();
        }
        // In the table: inside its visible part, which never scrolls sideways.
        auto* table = qobject_cast<QTableWidget*>(c->parentWidget() ? c->parentWidget()->parentWidget() : nullptr);
        if (table) {
          const QRect t(c->mapTo(table->viewport(), QPoint(0, 0)), c->size());
          EXPECT_GE(t.left(), 0) << what.toStdString();
          EXPECT_LE(t.right(), table->viewport()->width() - 1) << what.toStdString();
        }
        EXPECT_GE(c->width(), c->minimumSizeHint().width()) << what.toStdString() << " is squeezed";
        if (label && !label->wordWrap() && !label->text().isEmpty() && !label->text().contains('\n')) {
          EXPECT_GE(c->width(), label->fontMetrics().horizontalAdvance(label->text())) << what.toStdString();
        }
        if (auto* e = qobject_cast<QLineEdit*>(c)) {
          EXPECT_EQ(e->cursorPosition(), 0) << what.toStdString() << ": shown from its start";
          if (!e->text().isEmpty() && e->text().size() <= 30) {
            EXPECT_GE(e->width(), e->fontMetrics().horizontalAdvance(e->text()) + 4) << what.toStdString();
          }
        }
        if (auto* b = qobject_cast<QAbstractSpinBox*>(c)) {
          const QLineEdit* e = b->findChild<QLineEdit*>();
          EXPECT_GE(e->width(), e->fontMetrics().horizontalAdvance(e->text()) + 2) << what.toStdString();
        }
        if (auto* b = qobject_cast<QComboBox*>(c)) {
          EXPECT_GE(b->width(), b->fontMetrics().horizontalAdvance(b->currentText()) + 20) << what.toStdString();
        }
        ++checked;
      }
      EXPECT_GT(checked, 30) << "the labels, fields and buttons were found";
    }
}

TEST(PlaygroundLook, TheMapIsSmoothWithIsoLinesAndRedrawsFast) {
  PlaygroundView v;
  v.resize(1280, 800);
  v.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&v));
  v.loadPreset("all-six");
  // The map follows the view's size (after a resize, once it rests).
  const QSize plot = v.contour()->plotRect(v.contour()->rect()).size().toSize();
  for (int i = 0; i < 50 && v.contour()->mapImage().size() != plot; ++i) QTest::qWait(20);
  EXPECT_EQ(v.contour()->mapImage().size(), plot);
  const QImage map = v.contour()->mapImage();
  ASSERT_FALSE(map.isNull());
  ASSERT_GT(map.width(), 300);
  // Along a row and a column: many colours changing in small steps (a banded
  // or blocky map has a few dozen, in jumps), and dips where iso-lines cross.
  auto check = [](const std::vector<QRgb>& line, const char* what, int flat) {
    std::set<QRgb> colours(line.begin(), line.end());
    int run = 1, longest = 1, dips = 0, changes = 0;
    for (size_t i = 1; i < line.size(); ++i) {
      run = line[i] == line[i - 1] ? run + 1 : 1;
      longest = std::max(longest, run);
      changes += line[i] != line[i - 1];
    }
    // An iso-line: a dark local minimum that the background's slope does
    // not explain (the second difference cancels a straight slope).
    size_t last_dip = 0;
    for (size_t i = 2; i + 2 < line.size(); ++i) {
      const int l = luminance(line[i]);
      const bool dip = 2 * l + 10 < luminance(line[i - 2]) + luminance(line[i + 2]) &&
                       l <= luminance(line[i - 1]) && l <= luminance(line[i + 1]);
      if (dip && (dips == 0 || i > last_dip + 2)) ++dips, last_dip = i;
    }
    std::printf("[ %s: %zu colours, longest run %d, %d iso-lines crossed ]\n", what, colours.size(), longest, dips);
    EXPECT_GT(colours.size(), line.size() / 4) << what << ": " << colours.size() << " colours in " << line.size();
    EXPECT_GT(changes, static_cast<int>(line.size()) / 2) << what << ": colour changes";
    EXPECT_LE(longest, flat) << what << ": a flat block";
    EXPECT_GE(dips, 8) << what << ": iso-lines (16 levels, crossed on both sides of a valley)";
  };
  std::vector<QRgb> row, col;
  for (int x = 0; x < map.width(); ++x) row.push_back(map.pixel(x, map.height() / 2));
  for (int y = 0; y < map.height(); ++y) col.push_back(map.pixel(map.width() / 3, y));
  // The row crosses Rosenbrock's ridge at x = 0, where f is flat across tens of
  // pixels; the column (x = -5/3) has no flat stretch.
  check(row, "row", 80);
  check(col, "column", 6);
  // The map is built once per function and size; a redraw (while paths animate) only paints over it.
  std::vector<double> ms;
  for (int i = 0; i < 15; ++i) {
    v.contour()->setStep(i * 6000);
    QElapsedTimer t;
    t.start();
    v.contour()->repaint();
    ms.push_back(t.nsecsElapsed() / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("[ map built in %.1f ms; redraw with 6 paths of 100,000 steps: median %.1f ms, max %.1f ms ]\n",
              v.contour()->mapMilliseconds(), ms[ms.size() / 2], ms.back());
  EXPECT_LT(ms[ms.size() / 2], 100) << "a redraw stays well within the animation's 30 ms tick on a normal machine";
}

TEST(PlaygroundLook, EachOptimizerHasItsOwnLineStyle) {
  PlaygroundView v;
  v.show();
  v.loadPreset("all-six");
  ASSERT_EQ(v.trajectories().size(), 6u);
  std::set<int> styles;
  for (int i = 0; i < 5; ++i) styles.insert(v.contour()->pathPen(i).style());
  EXPECT_EQ(styles.size(), 5u) << "the first five: solid, dashed, dotted, dash-dot, dash-dot-dot";
  EXPECT_NE(v.contour()->pathPen(0).style(), v.contour()->pathPen(1).style());
  EXPECT_NE(v.contour()->pathPen(0).color(), v.contour()->pathPen(5).color()) << "the sixth: another colour";
  // The charts use the same styles, and the legend shows each line.
  std::set<int> chart_styles;
  for (QAbstractSeries* s : v.errorChart()->chart()->series())
    if (auto* l = qobject_cast<QLineSeries*>(s); l && l->metaObject() == &QLineSeries::staticMetaObject)
      chart_styles.insert(l->pen().style());
  EXPECT_GE(chart_styles.size(), 5u);
  EXPECT_EQ(v.legendText().count("<img"), 6) << "a line sample per optimizer";
  // A marker every k steps, the same k for all: about ten along the race.
  EXPECT_GE(100000 / v.contour()->markerEvery(), 5);
  EXPECT_LE(100000 / v.contour()->markerEvery(), 20);
}

TEST(PlaygroundLook, TheRaceIsAnAnimationOfSteps) {
  auto* v = new PlaygroundView;
  v->resize(1100, 760);
  v->loadPreset("rosenbrock-lr1e-4");
  Animatable a = v->raceAnimation();
  EXPECT_EQ(a.unit, "step");
  EXPECT_FALSE(a.name.isEmpty());
  const int n = a.frames();
  ASSERT_GT(n, 1);
  EXPECT_EQ(v->raceFrameStep(0), 0);
  EXPECT_EQ(v->raceFrameStep(n - 1), v->trajectories()[0].points.back().step);
  for (int i = 1; i < n; ++i) EXPECT_GT(v->raceFrameStep(i), v->raceFrameStep(i - 1));
  const QImage first = a.frame(0, QSize(640, 480)), mid = a.frame(n / 2, QSize(640, 480)),
               last = a.frame(n - 1, QSize(640, 480));
  EXPECT_EQ(first.size(), QSize(640, 480));
  EXPECT_EQ(last.size(), QSize(640, 480));
  EXPECT_EQ(a.frame(1, QSize(320, 240)).size(), QSize(320, 240));
  auto differing = [](const QImage& p, const QImage& q) {
    int d = 0;
    for (int y = 0; y < p.height(); ++y)
      for (int x = 0; x < p.width(); ++x) d += p.pixel(x, y) != q.pixel(x, y);
    return d;
  };
  EXPECT_GT(differing(first, last), 500) << "the paths grow";
  EXPECT_GT(differing(first, mid), 100);
  EXPECT_GT(differing(mid, last), 100);
  // The frame shows the map: most of it is neither white nor one colour.
  std::set<QRgb> colours;
  for (int x = 60; x < 620; ++x) colours.insert(first.pixel(x, 300));
  EXPECT_GT(colours.size(), 100u);
  delete v;
  EXPECT_EQ(a.frames(), 0) << "an animation outliving its view has no frames";
}

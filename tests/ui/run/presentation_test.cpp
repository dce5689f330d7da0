// Presentation mode (F5) as a class sees it at a 1920x1080 projector: every
// tab's text and charts grow by the presentation factor, the Curves tab shows
// two large charts picked in their slots, and Esc or F5 leaves, restoring the
// window and the editor as they were.
#include <gtest/gtest.h>

#include <QAbstractAxis>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFontInfo>
#include <QImage>
#include <QLabel>
#include <QLegend>
#include <QScreen>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QTest>

#include <map>
#include <string>
#include <utility>

#include "train/metrics.h"
#include "ui/editor/experimenteditor.h"
#include "ui/mainwindow.h"
#include "ui/run/curvespanel.h"
#include "ui/widgets/metricchart.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

namespace {

// What shows text, and in which of its fonts: (widget, 0); (chart, 0 title,
// 1 legend); (axis, 0 tick labels, 1 title).
using FontKey = std::pair<const QObject*, int>;
struct FontSeen {
  int px;
  std::string what;
};
using Fonts = std::map<FontKey, FontSeen>;
struct TabFonts {
  Fonts text, charts;
};

int pixels(const QFont& f) { return QFontInfo(f).pixelSize(); }

// The pixel size of every font a tab shows text in: each widget under it
// (labels, tables, hints, legends, picture views) and each chart's title,
// legend, tick labels and axis titles.
TabFonts fonts_of(QWidget* tab) {
  TabFonts out;
  auto name = [](const QObject* o) {
    std::string s = o->metaObject()->className();
    if (!o->objectName().isEmpty()) s += " " + o->objectName().toStdString();
    if (auto* l = qobject_cast<const QLabel*>(o)) s += " '" + l->text().left(40).toStdString() + "'";
    return s;
  };
  for (QWidget* w : tab->findChildren<QWidget*>())
    if (w->window() == tab->window()) out.text[{w, 0}] = {pixels(w->font()), name(w)};  // not a popup's
  for (QChartView* v : tab->findChildren<QChartView*>()) {
    QChart* c = v->chart();
    if (!c) continue;
    const std::string chart = "chart '" + c->title().toStdString() + "'";
    out.charts[{c, 0}] = {pixels(c->titleFont()), chart + " title"};
    if (c->legend()->isVisible()) out.charts[{c, 1}] = {pixels(c->legend()->font()), chart + " legend"};
    for (QAbstractAxis* a : c->axes()) {
      out.charts[{a, 0}] = {pixels(a->labelsFont()), chart + " tick labels"};
      if (!a->titleText().isEmpty()) out.charts[{a, 1}] = {pixels(a->titleFont()), chart + " axis title"};
    }
  }
  return out;
}

// The fonts seen in both that grew less than `factor`, as "what: before -> after".
std::vector<std::string> too_small(const Fonts& before, const Fonts& after, double factor, int& compared) {
  std::vector<std::string> bad;
  for (const auto& [key, seen] : before) {
    auto it = after.find(key);
    if (it == after.end() || seen.px <= 0) continue;
    ++compared;
    if (it->second.px < factor * seen.px)
      bad.push_back(seen.what + ": " + std::to_string(seen.px) + " px -> " + std::to_string(it->second.px) + " px");
  }
  return bad;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += "\n  " + x;
  return s;
}

void show_active(MainWindow& w) {
  w.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&w));
  w.activateWindow();
  ASSERT_TRUE(QTest::qWaitForWindowActive(&w));
}

// A trained run, so that every tab has what a class would see: curves, samples,
// filters, the decision map, the confusion matrix.
void train_quick_run(MainWindow& w) {
  w.editor()->setConfig(quick_spirals(3));
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }, 30000)) << w.trainBlockedReason().toStdString();
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return !w.running(); }, 120000));
  QTest::qWait(100);
}

}  // namespace

// A window at a 1920x1080 projector after a short run: every tab's fonts
// (QFontInfo: what is drawn) in normal mode, then in presentation mode.
class PresentationAtAProjector : public ::testing::Test {
 protected:
  void SetUp() override {
    w.resize(1920, 1080);
    show_active(w);
    train_quick_run(w);
    tabs = w.views();
    curves = w.curves();
    for (int i = 0; i < tabs->count(); ++i) {
      tabs->setCurrentIndex(i);
      QTest::qWait(20);
      normal.push_back(fonts_of(tabs->widget(i)));
    }
    for (MetricChart* c : curves->charts()) grid[c] = c->geometry();
    tabs->setCurrentIndex(0);
    w.setPresentation(true);
    full_screen = w.windowState() & Qt::WindowFullScreen;
    // The offscreen platform's screen is smaller: once its full-screen
    // geometry has come, the projector's size (which ends the full-screen state).
    if (w.screen()->size() != QSize(1920, 1080)) {
      wait_for([&] { return w.size() != QSize(1920, 1080); }, 3000);
      w.resize(1920, 1080);
    }
    ASSERT_TRUE(wait_for([&] { return w.size() == QSize(1920, 1080); }, 3000));
    for (int i = 0; i < tabs->count(); ++i) {
      tabs->setCurrentIndex(i);
      QTest::qWait(50);
      QWidget* tab = tabs->widget(i);
      shots.push_back(tab->grab().toImage());
      if (const char* dir = std::getenv("HYPERLAB_SCREENSHOTS"))
        shots.back().save(QString("%1/presentation-%2.png").arg(dir).arg(i));
      presented.push_back(fonts_of(tab));
    }
    tabs->setCurrentIndex(0);
    QTest::qWait(50);
  }

  MainWindow w;
  bool full_screen = false;  // on entering
  QTabWidget* tabs = nullptr;
  CurvesPanel* curves = nullptr;
  std::vector<TabFonts> normal, presented;
  std::vector<QImage> shots;  // each tab, presented
  std::map<MetricChart*, QRect> grid;  // where each chart is in the normal grid
};

// Every tab's text (labels, hints, tables, legends, picture views) at least
// 1.4 times its normal size, and every tab grabs whole.
TEST_F(PresentationAtAProjector, EveryTabsTextGrows) {
  EXPECT_TRUE(w.presenting());
  EXPECT_TRUE(w.presentationAction()->isChecked());
  EXPECT_TRUE(full_screen);
  EXPECT_FALSE(w.editor()->isVisible());
  EXPECT_GE(w.presentationScale(), 1.5);
  int compared = 0;
  for (int i = 0; i < tabs->count(); ++i) {
    EXPECT_EQ(shots[i].size(), tabs->widget(i)->size() * shots[i].devicePixelRatio());
    const auto small = too_small(normal[i].text, presented[i].text, 1.4, compared);
    EXPECT_TRUE(small.empty()) << tabs->tabText(i).toStdString() << ": text that did not grow 1.4x:" << joined(small);
  }
  EXPECT_GT(compared, 100);
}

// Every chart's title, tick labels, axis titles and legend (the Curves', the
// Sweep's, the History's and the Playground's) at least 1.4 times its normal
// size: the charts take their fonts from their widget's, which presentation
// mode enlarges.
TEST_F(PresentationAtAProjector, EveryChartsFontsGrow) {
  int compared = 0;
  for (int i = 0; i < tabs->count(); ++i) {
    const auto small = too_small(normal[i].charts, presented[i].charts, 1.4, compared);
    EXPECT_TRUE(small.empty()) << tabs->tabText(i).toStdString() << ": chart fonts that did not grow 1.4x:" << joined(small);
  }
  EXPECT_GE(compared, 3 * int(curves->charts().size()));  // at least the Curves tab's: title and two axes each
}

// The Curves tab: Loss and Accuracy side by side, each at least 400 px tall,
// the other charts out of the way, the smoothing in reach.
TEST_F(PresentationAtAProjector, TheCurvesShowTwoLargeChartsAndTheSmoothing) {
  EXPECT_EQ(curves->slotChart(0), curves->lossChart());
  EXPECT_EQ(curves->slotChart(1), curves->accuracyChart());
  for (int k = 0; k < CurvesPanel::kSlots; ++k) {
    MetricChart* c = curves->slotChart(k);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->isVisible());
    EXPECT_GE(c->height(), 400) << "slot " << k;
    EXPECT_GE(c->width(), 600) << "slot " << k;
    EXPECT_TRUE(curves->slotPicker(k)->isVisible());
  }
  for (MetricChart* c : curves->charts())
    if (c != curves->slotChart(0) && c != curves->slotChart(1)) {
      EXPECT_FALSE(c->isVisible()) << c->title().toStdString();
    }
  auto* smoothing = curves->findChild<QSlider*>();
  ASSERT_TRUE(smoothing);
  EXPECT_TRUE(smoothing->isVisible());
}

// Leaving: every font as it was, the editor back, the grid as it was.
TEST_F(PresentationAtAProjector, LeavingGivesTheFontsTheEditorAndTheGridBack) {
  w.setPresentation(false);
  EXPECT_FALSE(w.presenting());
  EXPECT_FALSE(w.windowState() & Qt::WindowFullScreen);
  EXPECT_TRUE(w.editor()->isVisible());
  EXPECT_TRUE(wait_for([&] { return w.size() == QSize(1920, 1080); }, 3000)) << w.width() << "x" << w.height();
  QTest::qWait(50);
  int compared = 0;
  for (int i = 0; i < tabs->count(); ++i) {
    const TabFonts now = fonts_of(tabs->widget(i));
    const std::string tab = tabs->tabText(i).toStdString();
    for (const auto& [k, f] : normal[i].text)
      if (now.text.count(k)) {
        ++compared;
        EXPECT_EQ(now.text.at(k).px, f.px) << tab << ": " << f.what;
      }
    // A chart title may come back a little larger than before (bold, 1.2x
    // the tick labels): an empty sweep chart styles its title at its first
    // font change only. Never presentation-sized, though.
    for (const auto& [k, f] : normal[i].charts)
      if (now.charts.count(k)) {
        ++compared;
        if (k.second == 0 && qobject_cast<const QChart*>(k.first)) {
          EXPECT_LE(now.charts.at(k).px, 1.2 * f.px) << tab << ": " << f.what;
        } else {
          EXPECT_EQ(now.charts.at(k).px, f.px) << tab << ": " << f.what;
        }
      }
  }
  EXPECT_GT(compared, 100);
  EXPECT_FALSE(curves->slotChart(0));
  for (MetricChart* c : curves->charts()) {
    EXPECT_TRUE(c->isVisible()) << c->title().toStdString();
    EXPECT_EQ(c->geometry(), grid[c]) << c->title().toStdString();
  }
}

// F5 and Esc as keys: in, Esc out, the window's state, geometry and editor
// back; a maximized window with the editor hidden stays so after F5 twice.
TEST(Presentation, EscAndF5LeaveAndRestoreTheWindowAndTheEditor) {
  MainWindow w;
  w.setGeometry(60, 40, 1300, 820);
  show_active(w);
  const QRect geometry = w.geometry();
  ASSERT_TRUE(w.editor()->isVisible());
  const int font_px = pixels(w.views()->font());

  QTest::keyClick(&w, Qt::Key_F5);
  EXPECT_TRUE(w.presenting());
  EXPECT_TRUE(w.windowState() & Qt::WindowFullScreen);
  EXPECT_FALSE(w.editor()->isVisible());
  EXPECT_GE(pixels(w.views()->font()), 1.4 * font_px);
  QTest::keyClick(&w, Qt::Key_Escape);
  EXPECT_FALSE(w.presenting());
  EXPECT_FALSE(w.presentationAction()->isChecked());
  EXPECT_EQ(w.windowState() & (Qt::WindowFullScreen | Qt::WindowMaximized), Qt::WindowNoState);
  wait_for([&] { return w.geometry() == geometry; }, 3000);  // the platform answers later
  EXPECT_EQ(w.geometry(), geometry);
  EXPECT_TRUE(w.editor()->isVisible());
  EXPECT_EQ(pixels(w.views()->font()), font_px);
  // Esc outside presentation mode does nothing to the window.
  QTest::keyClick(&w, Qt::Key_Escape);
  EXPECT_FALSE(w.presenting());
  EXPECT_TRUE(w.editor()->isVisible());

  // Maximized, the editor hidden (Ctrl+E): F5 in and F5 out keep both.
  QTest::keyClick(&w, Qt::Key_E, Qt::ControlModifier);
  ASSERT_FALSE(w.editor()->isVisible());
  w.showMaximized();
  QTest::qWait(50);
  QTest::keyClick(&w, Qt::Key_F5);
  EXPECT_TRUE(w.presenting());
  EXPECT_TRUE(w.windowState() & Qt::WindowFullScreen);
  QTest::keyClick(&w, Qt::Key_F5);
  EXPECT_FALSE(w.presenting());
  EXPECT_EQ(w.windowState() & (Qt::WindowFullScreen | Qt::WindowMaximized), Qt::WindowMaximized);
  EXPECT_FALSE(w.editor()->isVisible());
  // Closing in presentation mode remembers the window as it was before it.
  QTest::keyClick(&w, Qt::Key_E, Qt::ControlModifier);
  w.showNormal();
  w.setGeometry(geometry);
  w.setPresentation(true);
  w.close();
  EXPECT_FALSE(w.presenting());
  EXPECT_EQ(w.windowState() & Qt::WindowFullScreen, Qt::WindowNoState);
}

// The slots' pickers list every chart of the run (a metric a callback
// declares too); picking shows that chart in the slot, picking the other
// slot's chart swaps them, and a pick whose chart went falls back to Loss.
TEST(Presentation, ThePickerChangesWhichChartASlotShows) {
  CurvesPanel p;
  p.resize(1600, 900);
  p.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&p));
  RunStart s;
  s.layer_names = {"linear 1", "linear 2"};
  MetricInfo m;
  m.name = "sharpness", m.label = "sharpness", m.chart = "Sharpness", m.axis = "λ max";
  s.metrics = {m};
  p.start(s);
  p.setPresentation(true);
  QTest::qWait(20);
  QComboBox* left = p.slotPicker(0);
  QComboBox* right = p.slotPicker(1);
  ASSERT_EQ(left->count(), int(p.charts().size()));
  for (MetricChart* c : p.charts()) EXPECT_GE(left->findText(c->title()), 0) << c->title().toStdString();
  EXPECT_EQ(left->currentText(), p.lossChart()->title());
  EXPECT_EQ(right->currentText(), p.accuracyChart()->title());

  left->setCurrentIndex(left->findText(p.lrChart()->title()));
  QTest::qWait(20);
  EXPECT_EQ(p.slotChart(0), p.lrChart());
  EXPECT_TRUE(p.lrChart()->isVisible());
  EXPECT_FALSE(p.lossChart()->isVisible());
  EXPECT_EQ(p.slotChart(1), p.accuracyChart());
  EXPECT_LT(p.lrChart()->geometry().right(), p.accuracyChart()->geometry().left());  // left of it

  // Picking with the keyboard, as a user does: the next chart in the list.
  left->setFocus();
  const int at = left->currentIndex();
  QTest::keyClick(left, Qt::Key_Down);
  ASSERT_EQ(left->currentIndex(), at + 1);
  EXPECT_EQ(p.slotChart(0)->title(), left->itemText(at + 1));

  // The other slot's chart: the two swap.
  MetricChart* was_left = p.slotChart(0);
  right->setCurrentIndex(right->findText(was_left->title()));
  EXPECT_EQ(p.slotChart(1), was_left);
  EXPECT_EQ(p.slotChart(0), p.accuracyChart());
  EXPECT_EQ(left->currentText(), p.accuracyChart()->title());

  // The declared metric's chart, then a run without it: back to Loss.
  right->setCurrentIndex(right->findText("Sharpness"));
  ASSERT_TRUE(p.slotChart(1));
  EXPECT_EQ(p.slotChart(1)->title(), "Sharpness");
  p.reset();
  p.start(RunStart{});
  QTest::qWait(20);
  EXPECT_EQ(right->findText("Sharpness"), -1);
  EXPECT_EQ(p.slotChart(0), p.accuracyChart());
  EXPECT_EQ(p.slotChart(1), p.lossChart());

  // Out of presentation mode every chart is back in the grid; the picks stay for next time.
  p.setPresentation(false);
  QTest::qWait(20);
  for (MetricChart* c : p.charts()) EXPECT_TRUE(c->isVisible()) << c->title().toStdString();
  EXPECT_FALSE(p.slotChart(0));
  p.setPresentation(true);
  EXPECT_EQ(p.slotChart(0), p.accuracyChart());

  // A run that declares it again, started while presenting: the pick comes
  // back to its slot, and its chart has the presentation pens.
  p.reset();
  p.start(s);
  QTest::qWait(20);
  ASSERT_TRUE(p.slotChart(1));
  EXPECT_EQ(p.slotChart(1)->title(), "Sharpness");
  EXPECT_TRUE(p.slotChart(1)->presentation());
}

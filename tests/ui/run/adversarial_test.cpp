// The Adversarial tab after a real (small) Fashion-MNIST run in the window:
// showing it attacks the run's weights on a worker thread; the chart has one
// point per epsilon, the triples were right before and are wrong after, and
// the slider picks the epsilon shown.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>

#include <cmath>

#include "ui/editor/experimenteditor.h"
#include "ui/run/adversarialview.h"
#include "ui/run/runcontroller.h"
#include "ui/widgets/metricchart.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

namespace {

ExperimentConfig small_fashion() {
  ExperimentConfig c = preset("fashion-baseline");
  c.name = "fashion-small";
  c.data.train_limit = 3000, c.data.test_limit = 500, c.data.validation_fraction = 0;
  c.model.mlp->hidden = {32};
  c.training.epochs = 2;
  return c;
}

}  // namespace

TEST(Adversarial, ShowingTheTabAfterARunAttacksItAndTheSliderPicksTheEpsilon) {
  MainWindow w;
  w.show();
  w.editor()->setConfig(small_fashion());
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); })) << w.trainBlockedReason().toStdString();
  QSignalSpy done(&w, &MainWindow::runFinished);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  ASSERT_EQ(w.lastResult().status, RunStatus::Completed) << w.lastResult().reason;

  AdversarialView* v = w.adversarial();
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->hasSource());
  EXPECT_FALSE(v->running()) << "hidden, it must not take the CPU";
  QSignalSpy attacked(v, &AdversarialView::attackFinished);
  w.views()->setCurrentWidget(v);
  EXPECT_TRUE(v->running());
  // The GUI thread keeps answering while the worker attacks (the wait runs its event loop).
  ASSERT_TRUE(wait_for([&] { return attacked.count() == 1; }, 120000));
  EXPECT_FALSE(v->running());

  const std::vector<AttackRow>& rows = v->rows();
  ASSERT_EQ(rows.size(), 5u) << v->statusText().toStdString();
  ASSERT_EQ(v->chart()->seriesCount(), 1);
  EXPECT_EQ(v->chart()->shownPointCount(0), 5);
  EXPECT_EQ(rows[0].epsilon, 0);
  EXPECT_EQ(rows[0].accuracy, w.lastResult().final_test_accuracy) << "epsilon 0 is the run's own test accuracy";
  EXPECT_LT(rows.back().accuracy, rows[0].accuracy);
  EXPECT_NE(v->statusText().indexOf("weights after epoch 2"), -1) << v->statusText().toStdString();
  EXPECT_NE(v->statusText().indexOf("on 500 test images"), -1) << v->statusText().toStdString();

  QSlider* s = v->epsilonSlider();
  ASSERT_EQ(s->maximum(), 4);
  s->setValue(0);
  EXPECT_EQ(v->shownEpsilon(), 0);
  EXPECT_EQ(v->triples()->count(), 0) << "nothing is changed at epsilon 0";
  EXPECT_NE(v->triples()->message().indexOf("nothing is changed"), -1);
  s->setValue(4);
  EXPECT_DOUBLE_EQ(v->shownEpsilon(), 0.1);
  EXPECT_NE(v->epsilonText().indexOf("ε = 0.1 "), -1) << v->epsilonText().toStdString();
  ASSERT_GT(v->triples()->count(), 0);
  EXPECT_LE(v->triples()->count(), 8);
  const QStringList classes = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                               "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  for (int k = 0; k < v->triples()->count(); ++k) {
    const AttackExample& e = v->triples()->examples()[size_t(k)];
    EXPECT_EQ(e.pred_before, e.label);
    EXPECT_NE(e.pred_after, e.label);
    ASSERT_EQ(e.adversarial.size(), 784u);
    const QStringList cap = v->triples()->captions(k);
    ASSERT_EQ(cap.size(), 2);
    EXPECT_TRUE(cap[1].endsWith("%")) << cap[1].toStdString();
    EXPECT_NE(cap[0], cap[1]);
  }
  s->setValue(2);
  EXPECT_DOUBLE_EQ(v->shownEpsilon(), 0.02);
  EXPECT_NE(v->epsilonText().indexOf("ε = 0.02 "), -1) << v->epsilonText().toStdString();
  for (const AttackExample& e : v->triples()->examples()) EXPECT_NE(e.pred_after, e.label);

  // Again with PGD: a second series, and at the largest epsilon at least as strong (within a margin).
  v->methodBox()->setCurrentIndex(1);
  v->stepsBox()->setValue(5);
  ASSERT_TRUE(v->start()) << v->statusText().toStdString();
  ASSERT_TRUE(wait_for([&] { return attacked.count() == 2; }, 120000));
  EXPECT_EQ(v->chart()->seriesCount(), 2);
  ASSERT_EQ(v->rows().size(), 5u);
  EXPECT_LE(v->rows().back().accuracy, rows.back().accuracy + 0.02);

  // A bad epsilon list is refused with its reason, nothing starts.
  v->epsilonsEdit()->setText("0, 0.1, lots");
  EXPECT_FALSE(v->start());
  EXPECT_NE(v->statusText().indexOf("\"lots\""), -1) << v->statusText().toStdString();

  // The History's Evaluate of the run's checkpoint: attacked at once, the tab being shown.
  v->epsilonsEdit()->setText("0, 0.05");
  const QString checkpoint = QString::fromStdString(w.controller()->checkpointFile());
  ASSERT_FALSE(checkpoint.isEmpty());
  ASSERT_TRUE(wait_for([&] { return w.lastRunId() > 0; }, 5000));
  ASSERT_TRUE(w.evaluateRun(w.lastRunId(), checkpoint));
  w.views()->setCurrentWidget(v);
  ASSERT_TRUE(wait_for([&] { return done.count() == 2; }));
  ASSERT_TRUE(wait_for([&] { return attacked.count() == 3; }, 120000)) << v->statusText().toStdString();
  ASSERT_EQ(v->rows().size(), 2u);
  EXPECT_EQ(v->rows()[0].accuracy, w.lastResult().final_test_accuracy);
}

TEST(Adversarial, ARunOnPointsSaysThereAreNoPixels) {
  MainWindow w;
  w.show();
  w.editor()->setConfig(quick_spirals(1));
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }));
  w.views()->setCurrentWidget(w.adversarial());
  QSignalSpy done(&w, &MainWindow::runFinished);
  QSignalSpy attacked(w.adversarial(), &AdversarialView::attackFinished);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  // Shown as the run ends: attacked at once, and refused.
  ASSERT_TRUE(wait_for([&] { return attacked.count() == 1; }, 30000));
  EXPECT_NE(w.adversarial()->statusText().indexOf("need a run on images"), -1)
      << w.adversarial()->statusText().toStdString();
}

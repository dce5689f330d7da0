// The run controller's delivery of snapshots: every epoch's snapshot reaches
// the recorders (the animations), while the views get only the newest of each
// delivery, so a GUI that falls behind does not redraw once per missed epoch.
#include <gtest/gtest.h>

#include <QTest>

#include "ui/run/runcontroller.h"
#include "ui/ui_helpers.h"

namespace hyperlab {

TEST(RunControllerSnapshots, EveryEpochIsRecordedTheViewsGetTheNewest) {
  ExperimentConfig c = ui_test::preset("spirals");
  c.training.epochs = 60;
  RunController rc;
  rc.setInterval(1000);  // a slow GUI: many epochs per delivery
  int every = 0, drawn = 0, finals = 0;
  std::vector<int> epochs;
  QObject::connect(&rc, &RunController::epochSnapshot, [&](const Snapshot& s) {
    ++every;
    if (!s.final) epochs.push_back(s.epoch);
  });
  QObject::connect(&rc, &RunController::snapshot, [&](const Snapshot& s) { ++drawn, finals += s.final; });
  bool done = false;
  QObject::connect(&rc, &RunController::finished, [&](const RunResult&) { done = true; });
  ASSERT_TRUE(rc.start(c, nullptr));
  ASSERT_TRUE(ui_test::wait_for([&] { return done; }, 120000));
  ASSERT_EQ(static_cast<int>(epochs.size()), 60);
  for (size_t i = 0; i < epochs.size(); ++i) EXPECT_EQ(epochs[i], static_cast<int>(i) + 1);
  EXPECT_LT(drawn, every / 2) << "the views drew " << drawn << " of " << every << " snapshots";
  EXPECT_GE(drawn, 1);
  EXPECT_EQ(finals, every - static_cast<int>(epochs.size()));  // the final one reaches the views too
}

}  // namespace hyperlab

// A run with model.init_from {"pretrain": FILE} in the window: the pretraining
// is trained first (its curves shown live), then the fine-tuning, whose curves
// start afresh; the transfer log is in the banner over the curves.
#include <gtest/gtest.h>

#include <QSignalSpy>
#include <QTemporaryDir>

#include <fstream>

#include "config/config_json.h"
#include "store/runstore.h"
#include "ui/editor/experimenteditor.h"
#include "ui/run/curvespanel.h"
#include "ui/run/runmodel.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

TEST(PretrainRun, ThePretrainingRunsFirstThenTheFineTuningWithItsTransferLogShown) {
  QTemporaryDir dir;
  MainWindow w;
  w.show();
  ASSERT_EQ(w.useDatabase(dir.filePath("runs.db")), QString());
  ExperimentConfig pre = quick_spirals(3);
  pre.name = "pre";
  const std::string pre_file = dir.filePath("pre.json").toStdString();
  std::ofstream(pre_file) << config_to_text(pre);
  ExperimentConfig c = quick_spirals(2);
  c.model.init_from.pretrain = pre_file;
  w.editor()->setConfig(c);
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); })) << w.trainBlockedReason().toStdString();
  QSignalSpy done(&w, &MainWindow::runFinished);
  QSignalSpy starts(w.runModel(), &RunModel::started);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  ASSERT_EQ(w.lastResult().status, RunStatus::Completed) << w.lastResult().reason;
  EXPECT_EQ(starts.count(), 2);
  EXPECT_EQ(w.curves()->epochCount(), 2) << "the fine-tuning's curves, not the pretraining's";
  EXPECT_EQ(w.runModel()->result().history.size(), 2u);
  const std::string banner = w.curves()->bannerText().toStdString();
  EXPECT_NE(banner.find("pretraining on synthetic first"), std::string::npos) << banner;
  EXPECT_NE(banner.find("init_from the pretraining " + pre_file), std::string::npos) << banner;
  EXPECT_EQ(banner.find("mapped: "), std::string::npos) << "the tensor names are in the tooltip: " << banner;
  RunStore store(dir.filePath("runs.db").toStdString());
  ASSERT_EQ(store.list().size(), 2u);
  EXPECT_EQ(store.list()[0].name, "pre");
  EXPECT_EQ(store.list()[0].status, "completed");
}

// mnist-cnn before MNIST is downloaded: the preset loads (no dialog), and Train says how to get the data.
TEST(PretrainRun, APresetWhoseDataIsNotDownloadedLoadsAndSaysHowToGetIt) {
  QTemporaryDir empty;
  const QByteArray before = qgetenv("XDG_DATA_HOME");
  qputenv("XDG_DATA_HOME", empty.path().toUtf8());
  {
    MainWindow w;
    w.show();
    EXPECT_TRUE(w.loadPreset("mnist-cnn"));
    EXPECT_EQ(w.editor()->config().name, "mnist-cnn");
    EXPECT_FALSE(w.trainAction()->isEnabled());
    EXPECT_NE(w.trainBlockedReason().indexOf("hyperlab-cli data download mnist"), -1)
        << w.trainBlockedReason().toStdString();
  }
  if (before.isEmpty()) qunsetenv("XDG_DATA_HOME");
  else qputenv("XDG_DATA_HOME", before);
}

// The workbench window driven as a user drives it (offscreen): forms to
// config and back, validation blocking Train, a real training run, Stop,
// divergence, closing during training, bad files and data, chart export.
#include <gtest/gtest.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QSignalSpy>
#include <QStatusBar>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTableWidget>
#include <QTreeWidget>
#include <QToolBar>
#include <QComboBox>
#include <QLineEdit>
#include <QSpinBox>
#include <QFileInfo>
#include <QXYSeries>
#include <QChart>
#include <QTimer>
#include <QSettings>
#include <QDir>
#include <QPainter>
#include <QTableView>
#include <QItemSelectionModel>

#include <cmath>

#include "config/config_json.h"
#include "config/presets.h"
#include "ui/run/curvespanel.h"
#include "ui/editor/experimenteditor.h"
#include "ui/widgets/fields.h"
#include "ui/widgets/metricchart.h"
#include "ui/mainwindow.h"
#include "ui/history/historyview.h"
#include "ui/run/reportwriter.h"
#include "ui/widgets/pictureviews.h"
#include "ui/run/runcontroller.h"
#include "store/runstore.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;


TEST(Editor, EveryPresetRoundTripsThroughTheForms) {
  for (const std::string& name : preset_names()) {
    ExperimentConfig c = preset(name);
    ExperimentEditor e;
    e.setConfig(c);
    EXPECT_EQ(config_to_text(e.config()), config_to_text(c)) << name;
    EXPECT_TRUE(e.valid()) << name << ": " << e.problems().join("; ").toStdString();
  }
}

TEST(Editor, AFileWithLayersAndPerLayerInitRoundTrips) {
  ConfigResult r = parse_config_text(R"({"version": 1, "name": "x",
    "data": {"dataset": "synthetic", "validation_fraction": 0.2, "synthetic": {"kind": "images", "image_size": 8, "classes": 3}},
    "model": {"layers": [{"type": "conv2d", "out": 6, "kernel": 3, "padding": 1,
                          "init": {"scheme": "kaiming_normal", "mode": "fan_out"}},
                         {"type": "leaky_relu", "slope": 0.2}, {"type": "maxpool2d"}, {"type": "flatten"},
                         {"type": "dropout", "p": 0.25}, {"type": "linear", "out": 3, "bias": false}],
              "init": {"scheme": "normal", "std": 0.02}},
    "training": {"optimizer": {"type": "rmsprop", "lr": 0.0003, "centered": true, "eps": 1e-7},
                 "scheduler": {"type": "cosine", "t_max": 7, "eta_min": 1e-5},
                 "early_stopping": {"enabled": true, "monitor": "val_accuracy", "patience": 3},
                 "l2": 0.0005, "seed": 42, "device": "cpu"}})");
  ASSERT_TRUE(r.ok()) << r.error_text();
  ExperimentEditor e;
  e.setConfig(r.config);
  EXPECT_EQ(e.layerTree()->topLevelItemCount(), 6);
  EXPECT_EQ(config_to_text(e.config()), config_to_text(r.config));
}

TEST(Editor, FormEditsProduceTheExpectedConfig) {
  ExperimentEditor e;
  e.setConfig(preset("fashion-baseline"));
  QSignalSpy changed(&e, &ExperimentEditor::changed);
  e.optimizerBox()->setCurrentText("adam");
  e.learningRateBox()->setValue(0.003);
  e.hiddenEdit()->setText("128, 64");
  e.epochsBox()->setValue(7);
  EXPECT_GE(changed.count(), 4);
  ExperimentConfig c = e.config();
  EXPECT_EQ(c.training.optimizer.type, "adam");
  EXPECT_DOUBLE_EQ(c.training.optimizer.lr, 0.003);
  ASSERT_TRUE(c.model.mlp);
  EXPECT_EQ(c.model.mlp->hidden, (std::vector<int>{128, 64}));
  EXPECT_EQ(c.training.epochs, 7);
  EXPECT_TRUE(e.valid());
  // The summary follows: flatten, 3 linear layers and 2 activations.
  ConfigResult r = check_config(c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(e.summaryTable()->rowCount(), 1 + static_cast<int>(expanded_layers(r.config).size()));
  // The learning rate steps on a log scale.
  e.learningRateBox()->stepBy(1);
  EXPECT_DOUBLE_EQ(e.learningRateBox()->value(), 0.005);
  e.learningRateBox()->stepBy(-2);
  EXPECT_DOUBLE_EQ(e.learningRateBox()->value(), 0.001);
}

TEST(Editor, MlpTurnsIntoAnEditableLayerList) {
  ExperimentEditor e;
  e.setConfig(preset("fashion-baseline"));
  std::vector<LayerConfig> expected = expanded_layers(check_config(e.config()).config);
  e.modelModeBox()->setCurrentIndex(1);
  EXPECT_EQ(e.layerTree()->topLevelItemCount(), static_cast<int>(expected.size()));
  ExperimentConfig c = e.config();
  EXPECT_FALSE(c.model.mlp);
  ASSERT_EQ(c.model.layers.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(c.model.layers[i].type, expected[i].type);
  EXPECT_TRUE(e.valid());
}

TEST(Window, AnInvalidFieldDisablesTrainWithItsReason) {
  MainWindow w;
  w.editor()->setConfig(quick_spirals(2));
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); })) << w.trainBlockedReason().toStdString();
  w.editor()->hiddenEdit()->setText("32, x");
  EXPECT_FALSE(w.trainAction()->isEnabled());
  EXPECT_NE(w.trainBlockedReason().indexOf("model.mlp.hidden: \"x\" is not a whole number"), -1)
      << w.trainBlockedReason().toStdString();
  w.editor()->hiddenEdit()->setText("32");
  EXPECT_TRUE(w.trainAction()->isEnabled()) << w.trainBlockedReason().toStdString();
  // A conv layer on 2-D points: the shape error names the layer.
  w.editor()->modelModeBox()->setCurrentIndex(1);
  LayerConfig conv;
  conv.type = "conv2d", conv.out = 4;
  w.editor()->addLayer(conv);
  EXPECT_FALSE(w.trainAction()->isEnabled());
  EXPECT_NE(w.trainBlockedReason().indexOf("conv2d needs [C,H,W] input"), -1) << w.trainBlockedReason().toStdString();
}

TEST(Window, TrainingThroughTheWindowUpdatesEveryViewAndCompletes) {
  MainWindow w;
  w.show();
  w.editor()->setConfig(quick_spirals(12));
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }));
  QSignalSpy done(&w, &MainWindow::runFinished);
  click_train(w);
  EXPECT_TRUE(w.running());
  EXPECT_FALSE(w.trainAction()->isEnabled());
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  const RunResult& r = w.lastResult();
  EXPECT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_EQ(w.curves()->epochCount(), 12);
  EXPECT_EQ(w.curves()->batchCount(), 12 * r.info.batches_per_epoch);
  MetricChart* loss = w.curves()->lossChart();
  for (int s = 0; s < 3; ++s) EXPECT_GT(loss->shownPointCount(s), 0) << loss->seriesName(s).toStdString();
  EXPECT_EQ(w.curves()->accuracyChart()->shownPointCount(0), 12);
  EXPECT_EQ(w.curves()->gradChart()->seriesCount(), static_cast<int>(r.info.layer_names.size()));
  EXPECT_TRUE(w.boundary()->hasMap());
  EXPECT_FALSE(w.confusion()->empty());
  EXPECT_NE(w.statusText().indexOf("completed"), -1) << w.statusText().toStdString();
  // The status bar's figures end at the run's last epoch, not at the last throttled batch update.
  QStringList labels;
  for (QLabel* l : w.statusBar()->findChildren<QLabel*>()) labels << l->text();
  EXPECT_TRUE(labels.contains("epoch 12/12")) << labels.join(" | ").toStdString();
  EXPECT_TRUE(w.trainAction()->isEnabled());
  EXPECT_FALSE(w.stopAction()->isEnabled());
  // ...and it is in the run history, epochs and all.
  ASSERT_TRUE(wait_for([&] { return w.lastRunId() > 0; }, 5000));
  RunStore store(w.databasePath().toStdString());
  auto rec = store.load(w.lastRunId());
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->summary.status, "completed");
  EXPECT_EQ(rec->history.size(), 12u);
  EXPECT_EQ(static_cast<int>(rec->batch_losses.back().size()), r.info.batches_per_epoch);
  EXPECT_NE(w.statusText().indexOf(QString("run %1 in the history").arg(w.lastRunId())), -1);
}

TEST(Window, ImageRunsShowSamplesPredictionsAndFilters) {
  MainWindow w;
  w.show();
  ExperimentConfig c = quick_spirals(2);
  c.data.synthetic.kind = "images";
  c.data.synthetic.image_size = 10;
  c.data.synthetic.classes = 3;
  w.editor()->setConfig(c);
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled() && w.trainImages()->shownCount() > 0; }));
  EXPECT_EQ(w.trainImages()->shownCount(), 64);
  QSignalSpy done(&w, &MainWindow::runFinished);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  EXPECT_EQ(w.lastResult().status, RunStatus::Completed) << w.lastResult().reason;
  EXPECT_EQ(w.filters()->tileCount(), c.model.mlp->hidden.front() < 64 ? c.model.mlp->hidden.front() : 64);
  EXPECT_EQ(w.testImages()->shownCount(), 500);
  // The filter keeps exactly the misclassified ones.
  const int wrong = w.testImages()->misclassifiedCount();
  w.testImages()->setMisclassifiedOnly(true);
  EXPECT_EQ(w.testImages()->shownCount(), wrong);
  EXPECT_NEAR(1.0 - double(wrong) / 500, w.lastResult().test_accuracy, 0.1);
}

TEST(Window, StopMidEpochKeepsTheCurves) {
  MainWindow w;
  w.show();
  w.editor()->setConfig(long_run());
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }));
  QSignalSpy done(&w, &MainWindow::runFinished);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return w.curves()->batchCount() > 0; }));
  auto* tb = w.findChild<QToolBar*>("runToolbar");
  QTest::mouseClick(tb->widgetForAction(w.stopAction()), Qt::LeftButton);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }, 10000));
  const RunResult& r = w.lastResult();
  EXPECT_EQ(r.status, RunStatus::Cancelled);
  EXPECT_EQ(r.epochs_run, 0);  // stopped inside the first epoch
  EXPECT_GT(w.curves()->batchCount(), 0);
  EXPECT_LT(w.curves()->batchCount(), r.info.batches_per_epoch);
  EXPECT_GT(w.curves()->lossChart()->shownPointCount(0), 0);
  EXPECT_NE(w.statusText().indexOf("cancelled"), -1);
  EXPECT_TRUE(w.trainAction()->isEnabled());
}

TEST(Window, PauseHoldsTheRunAndResumeFinishesIt) {
  MainWindow w;
  ExperimentConfig c = quick_spirals(3);
  c.data.synthetic.samples = 20000;
  c.training.batch_size = 8;
  w.editor()->setConfig(c);
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }));
  QSignalSpy done(&w, &MainWindow::runFinished);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return w.curves()->batchCount() > 0; }));
  w.pauseAction()->trigger();
  EXPECT_EQ(w.pauseAction()->text(), "Resume");
  QTest::qWait(200);
  const int held = w.curves()->batchCount();
  QTest::qWait(300);
  EXPECT_EQ(w.curves()->batchCount(), held);  // nothing trains while paused
  w.pauseAction()->trigger();
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  EXPECT_EQ(w.lastResult().status, RunStatus::Completed);
  EXPECT_EQ(w.curves()->epochCount(), 3);
}

TEST(Window, ADivergingRunStopsAndKeepsItsCurves) {
  MainWindow w;
  ExperimentConfig c = quick_spirals(5);
  c.training.optimizer.type = "sgd";
  c.training.optimizer.lr = 100;
  c.training.loss = "mse";
  w.editor()->setConfig(c);
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }));
  QSignalSpy done(&w, &MainWindow::runFinished);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  EXPECT_EQ(w.lastResult().status, RunStatus::Diverged);
  EXPECT_GT(w.curves()->batchCount(), 0);
  EXPECT_NE(w.statusText().indexOf("diverged"), -1);
}

TEST(Window, ClosingDuringTrainingStopsTheRunQuickly) {
  auto* w = new MainWindow;
  w->show();
  w->editor()->setConfig(long_run());
  ASSERT_TRUE(wait_for([&] { return w->trainAction()->isEnabled(); }));
  click_train(*w);
  ASSERT_TRUE(wait_for([&] { return w->curves()->batchCount() > 0; }));
  QElapsedTimer t;
  t.start();
  EXPECT_TRUE(w->close());
  EXPECT_FALSE(w->running());
  EXPECT_LT(t.elapsed(), 2000);
  delete w;
}

TEST(Window, ABadConfigFileChangesNothingAndSaysWhy) {
  MainWindow w;
  w.editor()->setConfig(quick_spirals(3));
  const std::string before = config_to_text(w.editor()->config());
  QString shown;
  QTimer::singleShot(300, [&] {
    if (QWidget* m = QApplication::activeModalWidget()) {
      shown = m->findChild<QLabel*>("qt_msgbox_label") ? m->findChild<QLabel*>("qt_msgbox_label")->text() : "";
      m->close();
    }
  });
  EXPECT_FALSE(w.openFile(HYPERLAB_TEST_DATA "/bad_config.json"));
  EXPECT_NE(shown.indexOf("model.layers[1].out: must be a positive integer, got -5"), -1) << shown.toStdString();
  EXPECT_EQ(config_to_text(w.editor()->config()), before);
}

TEST(Window, MissingDataBlocksTrainAndSaysWhatIsMissing) {
  QTemporaryDir dir;
  MainWindow w;
  ExperimentConfig c = preset("fashion-baseline");
  c.data.dataset = "mnist";
  c.data.path = dir.path().toStdString();
  w.editor()->setConfig(c);
  ASSERT_TRUE(wait_for([&] { return !w.dataLoader()->busy() && !w.trainAction()->isEnabled(); }));
  EXPECT_NE(w.trainBlockedReason().indexOf("train-images-idx3-ubyte"), -1) << w.trainBlockedReason().toStdString();
  EXPECT_NE(w.editor()->dataStatus().indexOf("train-images-idx3-ubyte"), -1);
}

TEST(Window, SaveThenOpenGivesTheSameExperiment) {
  QTemporaryDir dir;
  MainWindow w;
  ExperimentConfig c = quick_spirals(4);
  c.training.optimizer.type = "sgd", c.training.optimizer.momentum = 0.9, c.training.optimizer.nesterov = true;
  w.editor()->setConfig(c);
  // Save through the editor's config, as File > Save does (no dialog).
  const QString file = dir.filePath("e.json");
  QFile f(file);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly));
  f.write(QByteArray::fromStdString(config_to_text(w.editor()->config())));
  f.close();
  const ExperimentConfig fresh;  // a named default: gcc 12 warns (wrongly) on the temporary
  w.editor()->setConfig(fresh);
  ASSERT_TRUE(w.openFile(file));
  EXPECT_EQ(config_to_text(w.editor()->config()), config_to_text(c));
}

int main(int argc, char** argv) {
  // Test discovery runs this binary without the test's environment.
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
    qputenv("QT_QPA_PLATFORM", "offscreen");
  QStandardPaths::setTestModeEnabled(true);  // settings and recent files stay out of the user's
  QTemporaryDir data_home;                     // and so does the run history
  qputenv("XDG_DATA_HOME", data_home.path().toUtf8());
  // MNIST and CIFAR-10 "downloaded" (empty files: presets naming them load):
  // this sets XDG_DATA_HOME to its own folder once, before any window reads it.
  FakeDownloads downloads;
  // Settings of this process only: test mode keeps them in ~/.qttest, one file
  // shared by every test process running side by side, so one test's
  // useDatabase() pointed another's window at its database (runs recorded into
  // a sweep's history, "database is locked"). Its own home keeps them apart.
  qputenv("HOME", data_home.path().toUtf8());
  QApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// The Activations tab (ui/run/activationsview.h): one row per layer of the
// struct core sends, maps at whole pixels on the diverging scale, bars,
// classes with the prediction; picking another image asks for it (computed
// before training, asked of the run while it trains); fonts grow the rows;
// in the window a click in the Samples tab picks the image.
#include <gtest/gtest.h>

#include <QApplication>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "train/trainer.h"
#include "ui/editor/experimenteditor.h"
#include "ui/mainwindow.h"
#include "ui/run/activationrow.h"
#include "ui/run/activationsview.h"
#include "ui/run/runcontroller.h"
#include "ui/widgets/pictureviews.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

namespace {

// Maps 4 x 6x6 (map 0 strong and positive, map 1 weak), 10 values, 3 classes.
Activations three_layers() {
  Activations a;
  a.image = 2, a.label = 1, a.epoch = 3, a.predicted = 1;
  LayerActivation maps;
  maps.layer = "conv2d(4)", maps.type = "conv2d", maps.then = {"relu"};
  maps.shape = {4, 6, 6}, maps.maps = 4, maps.height = 6, maps.width = 6;
  maps.pixels.assign(4 * 36, 255);
  maps.map_min = {0, 0, 0, 0}, maps.map_max = {4, 0.4f, 2, 1};
  maps.min = 0, maps.max = 4;
  LayerActivation bars;
  bars.layer = "linear(10)", bars.type = "linear", bars.shape = {10};
  for (int k = 0; k < 10; ++k) bars.values.push_back(k - 4.5f);
  bars.min = -4.5f, bars.max = 4.5f;
  LayerActivation out;
  out.layer = "linear(3)", out.type = "linear", out.shape = {3}, out.values = {0.1f, 2.0f, -1.0f};
  out.min = -1, out.max = 2;
  a.layers = {maps, bars, out};
  a.probabilities = {0.13f, 0.82f, 0.05f};
  return a;
}

QImage grab(QWidget& w) { return w.grab().toImage().convertToFormat(QImage::Format_RGB32); }

ExperimentConfig tiny_cnn() {
  ConfigResult r = parse_config(nlohmann::json::parse(R"({
    "version": 1, "name": "tiny-cnn",
    "data": {"dataset": "synthetic", "synthetic": {"kind": "images", "classes": 3, "image_size": 12,
             "samples": 200, "test_samples": 30}},
    "model": {"layers": [{"type": "conv2d", "out": 4, "kernel": 3, "padding": 1}, {"type": "relu"},
                         {"type": "maxpool2d", "kernel": 2}, {"type": "flatten"}, {"type": "linear", "out": 3}]},
    "training": {"epochs": 1, "batch_size": 32, "seed": 3}
  })"));
  EXPECT_TRUE(r.ok()) << r.error_text();
  return check_config(r.config).config;
}

}  // namespace

TEST(ActivationsView, OneRowPerLayerWithMapsBarsAndClasses) {
  ActivationsView v;
  v.resize(900, 700);
  v.setImages({}, {"zero", "one", "two"});
  v.showActivations(three_layers());
  v.show();
  ASSERT_EQ(v.rowCount(), 3);
  ActivationRow* maps = v.row(0);
  EXPECT_EQ(maps->title(), QString::fromUtf8("1 · conv2d(4) → relu"));
  EXPECT_TRUE(maps->details().contains(QString::fromUtf8("4 × 6 × 6")));
  EXPECT_EQ(maps->tileCount(), 4);
  EXPECT_GE(maps->pixelsPerValue(), 2);
  EXPECT_EQ(maps->tileRect(0).width(), 6 * maps->pixelsPerValue());  // whole screen pixels per value
  EXPECT_EQ(v.row(1)->barCount(), 10);
  EXPECT_FALSE(v.row(1)->showsClasses());
  EXPECT_TRUE(v.row(2)->showsClasses());
  EXPECT_EQ(v.row(2)->barCount(), 3);
  // The predicted class's bar is the longest (0.82 of its track) and strong red.
  const QImage out = grab(*v.row(2));
  const QRect r1 = v.row(2)->barRect(1);
  const QRgb inside = out.pixel(r1.x() + r1.width() * 7 / 10, r1.center().y());
  EXPECT_GT(qRed(inside), 150);
  EXPECT_LT(qGreen(inside), 80);
  EXPECT_TRUE(v.caption().contains("predicted"));
  EXPECT_TRUE(v.caption().contains("one"));

  // One scale for the layer: the weak map (max 0.4 of 4) is pale; on its own scale it is as red as the strong one.
  const QImage shared = grab(*maps);
  const QRgb strong = shared.pixel(maps->tileRect(0).center()), weak = shared.pixel(maps->tileRect(1).center());
  EXPECT_GT(qGreen(weak), qGreen(strong) + 100);
  v.setOwnScale(true);
  const QImage own = grab(*maps);
  EXPECT_LT(std::abs(qGreen(own.pixel(maps->tileRect(1).center())) - qGreen(strong)), 5);

  // Fewer layers next time: fewer rows.
  Activations two = three_layers();
  two.layers.pop_back(), two.probabilities.clear();
  v.showActivations(two);
  EXPECT_EQ(v.rowCount(), 2);
}

// Presentation mode sets a larger font: the maps and the rows grow with it.
TEST(ActivationsView, RowsGrowWithTheFont) {
  ActivationsView v;
  v.resize(900, 700);
  v.showActivations(three_layers());
  const int scale = v.row(0)->pixelsPerValue(), height = v.row(0)->heightForWidth(800);
  QFont big = v.font();
  big.setPointSizeF(big.pointSizeF() * 2);
  v.setFont(big);
  EXPECT_GT(v.row(0)->pixelsPerValue(), scale);
  EXPECT_GT(v.row(0)->heightForWidth(800), height);
}

// Before training the view computes the starting network's layers itself; another image asks again.
TEST(ActivationsView, PickingAnotherImageChangesTheRequest) {
  const ExperimentConfig c = tiny_cnn();
  std::shared_ptr<const LoadedData> data = load_data(c.data, c.training.seed);
  const DataPreview p = preview_data(*data);
  ActivationsView v;
  QSignalSpy picked(&v, &ActivationsView::imageChanged);
  v.setImages(p.test_images, {"a", "b", "c"});
  v.previewConfig(c, data);
  ASSERT_TRUE(wait_for([&] { return !v.computing() && v.rowCount() > 0; }, 20000)) << v.caption().toStdString();
  EXPECT_EQ(v.rowCount(), 3);  // conv2d+relu, maxpool2d (+flatten), linear
  EXPECT_EQ(v.request().image, 0);
  EXPECT_EQ(v.shown().epoch, 0);
  EXPECT_TRUE(v.caption().contains("Before training"));

  v.imagePicker()->setValue(4);  // 1-based on screen: image 3
  ASSERT_EQ(picked.count(), 1);
  EXPECT_EQ(picked.at(0).at(0).toInt(), 3);
  ASSERT_TRUE(wait_for([&] { return !v.computing() && v.shown().image == 3; }, 20000)) << v.caption().toStdString();
  EXPECT_EQ(v.request().image, 3);
  EXPECT_EQ(v.shown().label, p.test_images.labels[3]);

  // While a run trains, a pick is the run's to answer: nothing is computed here.
  v.runStarted();
  v.setImage(7);
  EXPECT_FALSE(v.computing());
  EXPECT_EQ(v.request().image, 3);
  EXPECT_TRUE(v.caption().contains("when this epoch ends"));
  Snapshot s;
  s.epoch = 1;
  s.activations = three_layers();
  s.activations.image = 7, s.activations.epoch = 1;
  v.setSnapshot(s);
  EXPECT_EQ(v.rowCount(), 3);
  EXPECT_TRUE(v.caption().contains("After epoch 1"));
}

// An edit the model cannot be built from says why instead of showing stale layers.
TEST(ActivationsView, AProblemClearsTheRows) {
  ActivationsView v;
  v.showActivations(three_layers());
  v.previewProblem("model.layers[0]: conv2d needs [C,H,W] input");
  EXPECT_EQ(v.rowCount(), 0);
  EXPECT_TRUE(v.caption().contains("cannot be built"));
}

// In the window: the tab is there, a click on a test image in the Samples tab picks it,
// and the run controller is told which image each snapshot should carry.
TEST(ActivationsView, ClickingASampleInTheWindowPicksIt) {
  MainWindow w;
  w.resize(1400, 900);
  w.editor()->setConfig(tiny_cnn());
  w.show();
  int tab = -1;
  for (int i = 0; i < w.views()->count(); ++i)
    if (w.views()->tabText(i) == "Activations") tab = i;
  ASSERT_GE(tab, 0);
  ASSERT_TRUE(wait_for([&] { return w.testImages()->shownCount() > 0; }, 30000));
  ASSERT_TRUE(wait_for([&] { return w.activations()->rowCount() == 3 && !w.activations()->computing(); }, 30000))
      << w.activations()->caption().toStdString();
  w.views()->setCurrentIndex(1);  // Samples
  QApplication::processEvents();
  ImageGridView* grid = w.testImages();
  QTest::mouseClick(grid, Qt::LeftButton, {}, grid->cellRect(5).center());
  EXPECT_EQ(w.activations()->image(), 5);
  QTest::mouseDClick(grid, Qt::LeftButton, {}, grid->cellRect(6).center());
  EXPECT_EQ(w.activations()->image(), 6);
  EXPECT_EQ(w.views()->currentIndex(), tab);
  auto* controller = w.findChild<RunController*>();
  ASSERT_TRUE(controller);
  EXPECT_EQ(controller->activationImage(), 6);
}

// After a run the layers of another image come from the run's checkpoint (its trained weights).
TEST(ActivationsView, AfterARunAnotherImageComesFromTheCheckpoint) {
  const ExperimentConfig c = tiny_cnn();
  std::shared_ptr<const LoadedData> data = load_data(c.data, c.training.seed);
  QTemporaryDir dir;
  const QString checkpoint = dir.filePath("run.pt");
  Trainer t(c);
  t.set_data(data);
  t.set_checkpoint_file(checkpoint.toStdString());
  ASSERT_EQ(t.run().status, RunStatus::Completed);
  ActivationsView v;
  v.setImages(preview_data(*data).test_images, {"a", "b", "c"});
  v.runStarted();
  v.runFinished(c, data, checkpoint);
  v.setImage(2);
  ASSERT_TRUE(wait_for([&] { return !v.computing() && v.shown().image == 2; }, 20000)) << v.caption().toStdString();
  EXPECT_EQ(v.request().checkpoint, checkpoint.toStdString());
  EXPECT_TRUE(v.shown().final);
  EXPECT_EQ(v.shown().epoch, 1);
  EXPECT_TRUE(v.caption().contains("trained model"));
  // An edit afterwards shows the edited experiment's starting network again.
  v.previewConfig(c, data);
  ASSERT_TRUE(wait_for([&] { return !v.computing() && v.shown().epoch == 0; }, 20000)) << v.caption().toStdString();
  EXPECT_TRUE(v.request().checkpoint.empty());
}

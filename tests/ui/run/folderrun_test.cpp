// Training on your own images from the window: a folder of class subfolders
// (PNG files written here with QImage), chosen on the Data page, trained, its
// class names in the samples and the result.
#include <gtest/gtest.h>

#include <QColor>
#include <QImage>
#include <QSignalSpy>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"
#include "ui_helpers.h"
#include "ui/editor/experimenteditor.h"
#include "ui/widgets/pictureviews.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

TEST(FolderRun, TrainsOnAFolderOfImagesFromTheDataPage) {
  TempDir photos, cache;
  setenv("XDG_CACHE_HOME", cache.path.c_str(), 1);
  const std::pair<const char*, QColor> classes[] = {{"blue", QColor(20, 30, 230)}, {"green", QColor(30, 220, 40)},
                                                    {"red", QColor(230, 30, 20)}};
  for (const auto& [name, colour] : classes) {
    std::filesystem::create_directories(photos.file(name));
    for (int i = 0; i < 12; ++i) {
      QImage img(12 + i, 10, QImage::Format_RGB32);
      img.fill(colour.darker(100 + 4 * i));
      ASSERT_TRUE(img.save(QString::fromStdString(photos.file(std::string(name) + "/" + std::to_string(i) + ".png"))));
    }
  }
  std::ofstream(photos.file("red/broken.png")) << "not a picture";
  {
    MainWindow w;
    w.show();
    ExperimentConfig c = quick_spirals(3);
    c.data.dataset = "folder", c.data.path = photos.path, c.data.image_size = 8;
    c.model.layers.clear(), c.model.resnet.reset();
    c.model.mlp = MlpConfig{};
    c.model.mlp->hidden = {16};
    c.training.optimizer.type = "adam", c.training.optimizer.lr = 0.01, c.training.batch_size = 8;
    w.editor()->setConfig(c);
    EXPECT_TRUE(w.editor()->valid()) << w.editor()->problems().join("; ").toStdString();
    ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled() && w.trainImages()->shownCount() > 0; }));
    QSignalSpy done(&w, &MainWindow::runFinished);
    click_train(w);
    ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
    const RunResult& r = w.lastResult();
    ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
    EXPECT_EQ(r.info.class_names, (std::vector<std::string>{"blue", "green", "red"}));
    EXPECT_NE(r.info.data_note.find("red/broken.png"), std::string::npos) << r.info.data_note;
    EXPECT_GT(r.test_accuracy, 0.6);  // 6 test images of 3 colours: chance is 1/3
    const QString caption = w.testImages()->captionLines(0).join(" ");
    EXPECT_TRUE(caption.contains("blue") || caption.contains("green") || caption.contains("red"))
        << caption.toStdString();
  }
  unsetenv("XDG_CACHE_HOME");
}

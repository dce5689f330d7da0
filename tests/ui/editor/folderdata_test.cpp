// The Data page with dataset "folder": its own settings show, reach the config
// and come back; a folder with one class is a problem at data.path.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QGroupBox>
#include <QSpinBox>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"
#include "config/config_json.h"
#include "ui/editor/experimenteditor.h"

using namespace hyperlab;

TEST(FolderData, TheDataPageEditsTheFolderSettings) {
  TempDir photos;
  for (const char* c : {"cats", "dogs"}) {
    std::filesystem::create_directories(photos.file(c));
    for (int i = 0; i < 3; ++i) std::ofstream(photos.file(std::string(c) + "/" + std::to_string(i) + ".png")) << "x";
  }
  ExperimentEditor e;
  e.show();
  auto* box = e.findChild<QGroupBox*>("folderBox");
  auto* size = e.findChild<QSpinBox*>("folderImageSize");
  auto* channels = e.findChild<QComboBox*>("folderChannels");
  ASSERT_TRUE(box && size && channels);
  EXPECT_FALSE(box->isVisibleTo(&e));
  ASSERT_GE(e.datasetBox()->findText("folder"), 0);

  ExperimentConfig c = e.config();
  c.data.dataset = "folder", c.data.path = photos.path, c.data.image_size = 48, c.data.channels = 1;
  c.model.layers.clear(), c.model.resnet.reset();
  c.model.mlp = MlpConfig{};
  c.model.mlp->hidden = {8};
  e.setConfig(c);
  EXPECT_TRUE(box->isVisibleTo(&e));
  EXPECT_EQ(size->value(), 48);
  EXPECT_EQ(channels->currentIndex(), 1);
  EXPECT_TRUE(e.valid()) << e.problems().join("; ").toStdString();

  size->setValue(64);
  channels->setCurrentIndex(2);
  const ExperimentConfig back = e.config();
  EXPECT_EQ(back.data.dataset, "folder");
  EXPECT_EQ(back.data.image_size, 64);
  EXPECT_EQ(back.data.channels, 3);
  EXPECT_EQ(back.data.path, photos.path);

  std::filesystem::remove_all(photos.file("dogs"));
  c.training.epochs = 3;  // any edit makes the editor look again
  e.setConfig(c);
  EXPECT_FALSE(e.valid());
  EXPECT_NE(e.problems().join("; ").indexOf("data.path"), -1) << e.problems().join("; ").toStdString();
}

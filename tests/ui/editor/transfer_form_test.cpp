// The Model page's transfer-learning fields: start from (none / run / file)
// and one freeze check box per block of the model, both ways with the config.
#include <gtest/gtest.h>

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QSpinBox>

#include "config/config_json.h"
#include "ui/editor/experimenteditor.h"
#include "ui/editor/modeleditor.h"
#include "ui_helpers.h"

using namespace hyperlab;

namespace {

QStringList box_names(const ModelEditor* m) {
  QStringList out;
  for (QCheckBox* b : m->freezeBoxes()) out << b->text();
  return out;
}

}  // namespace

TEST(TransferForm, StartFromAndFreezeEditTheConfigBothWays) {
  ConfigResult r = parse_config_text(R"({"version": 1, "name": "finetune",
    "data": {"dataset": "synthetic", "synthetic": {"kind": "images", "image_size": 32, "classes": 10}},
    "model": {"resnet": {"depth": 18, "stem": "small"}, "init_from": {"file": "resnet18.pt"},
              "freeze": ["stem", "layer1"]}})");
  ASSERT_TRUE(r.ok()) << r.error_text();
  ExperimentEditor e;
  e.setConfig(r.config);
  EXPECT_EQ(config_to_text(e.config()), config_to_text(r.config));
  ModelEditor* m = e.modelEditor();
  EXPECT_EQ(m->startFromBox()->currentText(), "file");
  EXPECT_EQ(m->startFileEdit()->text(), "resnet18.pt");
  EXPECT_EQ(box_names(m), (QStringList{"stem", "layer1", "layer2", "layer3", "layer4", "head"}));
  ASSERT_EQ(m->freezeBoxes().size(), 6u);
  EXPECT_TRUE(m->freezeBoxes()[0]->isChecked());
  EXPECT_TRUE(m->freezeBoxes()[1]->isChecked());
  EXPECT_FALSE(m->freezeBoxes()[2]->isChecked());

  // Ticking a block freezes it; the config says so.
  m->freezeBoxes()[2]->setChecked(true);
  EXPECT_EQ(e.config().model.freeze, (std::vector<std::string>{"stem", "layer1", "layer2"}));
  EXPECT_TRUE(e.isModified());

  // Start from a run instead.
  m->startFromBox()->setCurrentText("run");
  m->startRunBox()->setValue(12);
  EXPECT_EQ(e.config().model.init_from.run, 12);
  EXPECT_TRUE(e.config().model.init_from.file.empty());
  // Or from a pretraining: a preset from the list, or a config file typed in.
  m->startFromBox()->setCurrentText("pretraining");
  EXPECT_TRUE(m->startPretrainBox()->isVisibleTo(m));
  EXPECT_FALSE(m->startRunBox()->isVisibleTo(m));
  m->startPretrainBox()->setCurrentText("fashion-cnn");
  EXPECT_EQ(e.config().model.init_from.pretrain, "fashion-cnn");
  EXPECT_EQ(e.config().model.init_from.run, 0);
  m->startPretrainBox()->lineEdit()->setText("pre.json");
  EXPECT_EQ(e.config().model.init_from.pretrain, "pre.json");
  EXPECT_TRUE(e.isModified());
  ExperimentEditor again;
  again.setConfig(e.config());
  EXPECT_EQ(again.modelEditor()->startFromBox()->currentText(), "pretraining");
  EXPECT_EQ(again.modelEditor()->startPretrainBox()->currentText(), "pre.json");
  EXPECT_EQ(config_to_text(again.config()), config_to_text(e.config()));
  m->startFromBox()->setCurrentText("none");
  EXPECT_TRUE(e.config().model.init_from.empty());

  // Another architecture: its own blocks, the ticks of the names that stay.
  m->resnetDepthBox()->setCurrentText("20");
  EXPECT_EQ(box_names(m), (QStringList{"stem", "layer1", "layer2", "layer3", "head"}));
  EXPECT_EQ(e.config().model.freeze, (std::vector<std::string>{"stem", "layer1", "layer2"}));
  EXPECT_TRUE(e.valid()) << e.problems().join("; ").toStdString();
}

// The Data page's augmentation panel: its fields are the augmentation table's
// (each type shows p and exactly its settings), edits reach data.augment and
// come back from it, and the preview shows 16 originals beside 16 augmented
// copies, the copies drawn again by Refresh while the originals stay.
#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QImage>
#include <QPushButton>
#include <QSpinBox>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "data/augment.h"
#include "ui/editor/augmentpanel.h"
#include "ui/editor/experimenteditor.h"
#include "ui/widgets/fields.h"

using namespace hyperlab;

namespace {

// n colour images 3 x s x s with a pattern that every turn, shift or noise changes.
ImageBatch pattern_images(int n, int s = 12) {
  ImageBatch b;
  b.channels = 3, b.height = s, b.width = s;
  for (int i = 0; i < n; ++i) {
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < s; ++y)
        for (int x = 0; x < s; ++x) b.pixels.push_back(uint8_t((i * 37 + c * 71 + y * 13 + x * x * 5) % 256));
    b.labels.push_back(i % 10);
  }
  return b;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::string augment_text(const ExperimentConfig& c) { return config_to_json(c)["data"]["augment"].dump(); }

}  // namespace

TEST(AugmentPanel, AddingAStepShowsItsFieldsFromTheTable) {
  AugmentPanel panel;
  panel.resize(500, 800);
  panel.show();
  EXPECT_EQ(panel.stepCount(), 0);
  // The add box offers every entry of the table.
  ASSERT_EQ(panel.addTypeBox()->count(), int(augment_kinds().size()));
  int i = 0;
  for (const AugmentKind& k : augment_kinds()) {
    panel.addTypeBox()->setCurrentText(QString::fromStdString(k.name));
    panel.addButton()->click();
    ASSERT_EQ(panel.stepCount(), i + 1) << k.name;
    EXPECT_EQ(panel.steps()[i].type, k.name);
    EXPECT_EQ(sorted(panel.shownKeys(i)), sorted(k.written_keys())) << k.name;
    // Each field starts at the table's default, p at the type's own.
    EXPECT_DOUBLE_EQ(static_cast<QDoubleSpinBox*>(panel.field(i, "p"))->value(), k.default_p) << k.name;
    const AugmentConfig defaults;
    for (const std::string& key : k.keys) {
      const AugmentSetting& s = *find_setting(augment_settings(), key);
      QWidget* w = panel.field(i, key);
      ASSERT_TRUE(w) << key;
      EXPECT_EQ(w->toolTip().toStdString(), s.doc) << key;
      if (s.kind == AugmentSetting::Number) EXPECT_DOUBLE_EQ(static_cast<QDoubleSpinBox*>(w)->value(), defaults.*s.number) << key;
      if (s.kind == AugmentSetting::Integer) EXPECT_EQ(static_cast<QSpinBox*>(w)->value(), defaults.*s.integer) << key;
      if (s.kind == AugmentSetting::Choice) EXPECT_EQ(combo_value(static_cast<QComboBox*>(w)), defaults.*s.text) << key;
    }
    ++i;
  }
  // The rotation's settings, one by one, as the table lists them.
  const int rot = int(std::find_if(augment_kinds().begin(), augment_kinds().end(),
                                   [](const AugmentKind& k) { return k.name == "rotate"; }) -
                      augment_kinds().begin());
  EXPECT_EQ(panel.shownKeys(rot), (std::vector<std::string>{"p", "degrees", "scale", "translate", "interpolation", "fill"}));
}

TEST(AugmentPanel, EditsReachTheConfigAndComeBackFromIt) {
  ConfigResult r = parse_config_text(R"({"version": 1, "data": {"dataset": "fashion-mnist",
      "augment": [{"type": "crop", "padding": 3, "mode": "reflect"},
                  {"type": "rotate", "degrees": 25, "scale": 0.1, "translate": 0.05, "interpolation": "nearest", "fill": 128},
                  {"type": "flip", "p": 0.3}]},
    "model": {"mlp": {"hidden": [16]}}})");
  ASSERT_TRUE(r.ok()) << r.error_text();
  ExperimentEditor e;
  e.setConfig(r.config);
  AugmentPanel* panel = e.augmentPanel();
  ASSERT_EQ(panel->stepCount(), 3);
  EXPECT_EQ(augment_text(e.config()), augment_text(r.config));
  EXPECT_EQ(static_cast<QDoubleSpinBox*>(panel->field(1, "degrees"))->value(), 25);
  EXPECT_EQ(combo_value(static_cast<QComboBox*>(panel->field(1, "interpolation"))), "nearest");
  EXPECT_FALSE(e.isModified());

  // Edited fields are the config's values, and read back they are the same.
  int changes = 0;
  QObject::connect(&e, &ExperimentEditor::changed, [&] { ++changes; });
  static_cast<QDoubleSpinBox*>(panel->field(1, "degrees"))->setValue(40);
  set_combo(static_cast<QComboBox*>(panel->field(1, "interpolation")), "bilinear");
  static_cast<QSpinBox*>(panel->field(0, "padding"))->setValue(5);
  static_cast<QDoubleSpinBox*>(panel->field(2, "p"))->setValue(0.75);
  EXPECT_GE(changes, 4);
  EXPECT_TRUE(e.isModified());
  ExperimentConfig c = e.config();
  ASSERT_EQ(c.data.augment.size(), 3u);
  EXPECT_EQ(c.data.augment[1].degrees, 40);
  EXPECT_EQ(c.data.augment[1].interpolation, "bilinear");
  EXPECT_EQ(c.data.augment[1].fill, 128);
  EXPECT_EQ(c.data.augment[0].padding, 5);
  EXPECT_EQ(c.data.augment[2].p, 0.75);
  ConfigResult back = parse_config_text(config_to_text(c));
  ASSERT_TRUE(back.ok()) << back.error_text();
  EXPECT_EQ(augment_text(back.config), augment_text(c));
  ExperimentEditor again;
  again.setConfig(back.config);
  EXPECT_EQ(augment_text(again.config()), augment_text(c));

  // Reordering and removing are the config's order.
  panel->moveStep(2, -1);  // crop, flip, rotate
  panel->removeStep(0);    // flip, rotate
  c = e.config();
  ASSERT_EQ(c.data.augment.size(), 2u);
  EXPECT_EQ(c.data.augment[0].type, "flip");
  EXPECT_EQ(c.data.augment[0].p, 0.75);
  EXPECT_EQ(c.data.augment[1].type, "rotate");
  EXPECT_EQ(c.data.augment[1].degrees, 40);
  EXPECT_EQ(static_cast<QDoubleSpinBox*>(panel->field(1, "degrees"))->value(), 40);  // the fields moved too
  panel->removeStep(0), panel->removeStep(0);
  EXPECT_TRUE(e.config().data.augment.empty());
  EXPECT_EQ(config_to_json(e.config())["data"].count("augment"), 0u);  // an empty list is not written
}

TEST(AugmentPanel, ThePreviewShows16OriginalsAnd16AugmentedAndRefreshDrawsAgain) {
  AugmentPanel panel;
  panel.resize(600, 900);
  panel.show();
  const ImageBatch images = pattern_images(24);
  panel.setImages(images);
  ASSERT_EQ(panel.originals().count(), 16);
  ASSERT_EQ(panel.augmented().count(), 16);
  ASSERT_EQ(panel.pairsView()->count(), 16);
  const std::vector<uint8_t> first16(images.pixels.begin(), images.pixels.begin() + 16 * 3 * 12 * 12);
  EXPECT_EQ(panel.originals().pixels, first16);
  EXPECT_EQ(panel.augmented().pixels, first16);  // no steps yet: the copies are the images

  panel.addStep("rotate");  // a change of the list augments again
  const std::vector<uint8_t> rotated = panel.augmented().pixels;
  EXPECT_NE(rotated, first16);
  EXPECT_EQ(panel.augmented().channels, 3);
  panel.addStep("noise");
  const std::vector<uint8_t> before = panel.augmented().pixels;
  EXPECT_NE(before, rotated);
  panel.refreshButton()->click();
  EXPECT_EQ(panel.originals().pixels, first16);
  EXPECT_EQ(panel.originals().labels, std::vector<int>(images.labels.begin(), images.labels.begin() + 16));
  EXPECT_NE(panel.augmented().pixels, before);
  EXPECT_EQ(panel.augmented().pixels.size(), first16.size());
  std::printf("16 colour 12x12 images, rotate + noise: %.2f ms\n", panel.lastPreviewMs());

  // Drawn in colour: an original's first pixel on the screen is its RGB.
  panel.removeStep(1), panel.removeStep(0);
  const QImage shot = panel.pairsView()->grab().toImage();
  const QRgb px = shot.pixel(1, 1);
  const int hw = 12 * 12;
  EXPECT_EQ(qRed(px), images.pixels[0]);
  EXPECT_EQ(qGreen(px), images.pixels[hw]);
  EXPECT_EQ(qBlue(px), images.pixels[2 * hw]);
  EXPECT_NE(qRed(px), qGreen(px));

  // HYPERLAB_SHOT_DIR=folder saves a picture of the panel with steps and preview, to look at.
  if (const char* dir = std::getenv("HYPERLAB_SHOT_DIR")) {
    panel.addStep("crop"), panel.addStep("flip"), panel.addStep("rotate");
    static_cast<QDoubleSpinBox*>(panel.field(2, "degrees"))->setValue(45);
    QApplication::processEvents();  // the new step boxes are shown by a queued call
    panel.resize(520, std::max(900, panel.sizeHint().height()));
    QApplication::processEvents();
    panel.grab().save(QString(dir) + "/augment-panel.png");
  }

  panel.clearImages("none");
  EXPECT_EQ(panel.originals().count(), 0);
  EXPECT_FALSE(panel.refreshButton()->isEnabled());
}

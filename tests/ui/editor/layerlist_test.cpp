// The layer tree of the editor: a residual block built by clicks and typing
// gives the config a file would, and the tree shows nested blocks.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QGroupBox>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>

#include <cstdlib>
#include <set>

#include "config/config_json.h"
#include "config/shapes.h"
#include "model/init.h"
#include "model/layers.h"
#include "ui/editor/experimenteditor.h"
#include "ui/editor/layerlist.h"
#include "ui/editor/modeleditor.h"
#include "ui_helpers.h"

using namespace hyperlab;

namespace {

// (A config whose shapes do not fit still reads, as the editor shows it.)
ExperimentConfig images_model(const std::string& layers, bool valid = true) {
  ConfigResult r = parse_config_text(R"({"version": 1, "name": "res",
    "data": {"dataset": "synthetic", "synthetic": {"kind": "images", "image_size": 8, "classes": 3}},
    "model": {"layers": )" + layers + R"(}})");
  if (valid) {
    EXPECT_TRUE(r.ok()) << r.error_text();
  }
  return r.config;
}

void set_type(LayerListEditor* list, const std::vector<int>& path, const QString& type) {
  auto* combo = qobject_cast<QComboBox*>(list->tree()->itemWidget(list->item(path), 0));
  ASSERT_TRUE(combo);
  combo->setCurrentText(type);
  QTest::qWait(20);  // the tree refills after the combo's signal
}

void click(LayerListEditor* list, const QString& button) {
  QToolButton* b = list->button(button);
  ASSERT_TRUE(b) << button.toStdString();
  ASSERT_TRUE(b->isEnabled()) << button.toStdString();
  b->click();
}

}  // namespace

TEST(LayerTree, BuildsAResidualBlockByHand) {
  ExperimentEditor e;
  e.resize(900, 1400);
  e.setConfig(images_model(R"([{"type": "conv2d", "out": 4, "padding": 1}, {"type": "relu"},
                               {"type": "flatten"}, {"type": "linear", "out": 3}])"));
  LayerListEditor* list = e.layerList();
  ASSERT_EQ(list->count(), 4);
  // After the relu: a new layer, made a residual block.
  list->select({1});
  click(list, "Add");
  set_type(list, {2}, "residual");
  EXPECT_TRUE(list->button("Add inside")->isEnabled());
  // Its body: conv2d(4, padding 1), then batchnorm.
  click(list, "Add inside");
  set_type(list, {2, 0}, "conv2d");
  QTreeWidgetItem* conv = list->item({2, 0});
  ASSERT_TRUE(conv);
  conv->setText(1, "4");
  conv->setText(4, "1");
  list->select({2, 0});
  click(list, "Add");
  set_type(list, {2, 1}, "batchnorm");
  // A relu after the block.
  list->select({2});
  click(list, "Add");
  set_type(list, {3}, "relu");

  ASSERT_EQ(list->tree()->topLevelItemCount(), 6);
  EXPECT_EQ(list->item({2})->childCount(), 2);
  const ExperimentConfig want = images_model(R"([{"type": "conv2d", "out": 4, "padding": 1}, {"type": "relu"},
      {"type": "residual", "body": [{"type": "conv2d", "out": 4, "padding": 1}, {"type": "batchnorm"}]},
      {"type": "relu"}, {"type": "flatten"}, {"type": "linear", "out": 3}])");
  EXPECT_EQ(config_to_text(e.config()), config_to_text(want));
  EXPECT_TRUE(e.valid()) << e.problems().join("; ").toStdString();
  // The summary shows the block and its body, one level in.
  QTableWidget* sum = e.summaryTable();
  ASSERT_EQ(sum->rowCount(), 1 + 6 + 2);
  EXPECT_EQ(sum->item(3, 0)->text(), "residual (identity)");
  EXPECT_EQ(sum->item(4, 0)->text(), "    conv2d(4, 3x3)");

  // A body that changes the shape: the shortcut becomes a projection.
  list->item({2, 0})->setText(1, "8");
  EXPECT_EQ(e.config().model.layers[2].body[0].out, 8);
  ASSERT_TRUE(e.valid()) << e.problems().join("; ").toStdString();
  EXPECT_EQ(sum->item(3, 0)->text(), "residual (projection)");
  // And one that cannot be the identity says where.
  auto* shortcut = qobject_cast<QComboBox*>(list->tree()->itemWidget(list->item({2}), 5));
  ASSERT_TRUE(shortcut);
  shortcut->setCurrentText("identity");
  EXPECT_FALSE(e.valid());
  EXPECT_EQ(e.problems().value(0).left(28), "model.layers[2]: residual bo");

  if (const char* shots = std::getenv("HYPERLAB_SCREENSHOTS")) {
    shortcut->setCurrentText("auto");
    e.show();
    e.tabs()->setCurrentIndex(1);
    QTest::qWait(200);
    e.grab().save(QString(shots) + "/editor-residual.png");
  }
}

TEST(LayerTree, ResNetShorthandRoundTripsAndExpandsIntoBlocks) {
  ConfigResult r = parse_config_text(R"({"version": 1, "name": "resnet",
    "data": {"dataset": "synthetic", "synthetic": {"kind": "images", "image_size": 32, "classes": 10}},
    "model": {"resnet": {"depth": 20}}})");
  ASSERT_TRUE(r.ok()) << r.error_text();
  const ExperimentConfig c = r.config;
  ExperimentEditor e;
  e.setConfig(c);
  EXPECT_EQ(config_to_text(e.config()), config_to_text(c));
  EXPECT_TRUE(e.valid()) << e.problems().join("; ").toStdString();
  e.modelEditor()->resnetDepthBox()->setCurrentText("32");
  EXPECT_EQ(e.config().model.resnet->depth, 32);
  // "Edit as layer list": stem (3), 15 blocks each followed by relu, pool, head.
  QPushButton* expand = nullptr;
  for (QPushButton* b : e.modelEditor()->findChildren<QPushButton*>())
    if (auto* box = qobject_cast<QGroupBox*>(b->parentWidget()); box && box->title().startsWith("ResNet")) expand = b;
  ASSERT_TRUE(expand);
  expand->click();
  EXPECT_FALSE(e.config().model.resnet);
  EXPECT_EQ(e.layerList()->count(), 3 + 30 + 2);
  EXPECT_EQ(e.layerList()->item({3})->childCount(), 5);
  EXPECT_EQ(summarize(e.config()).total_params, 466906 - 2 * 16 * 9);  // ResNet-32 (projection shortcuts) on 1-channel images
  EXPECT_TRUE(e.valid()) << e.problems().join("; ").toStdString();
}

// The editor's choices are the registries' own: no drift (selu was once
// allowed in a config but missing from the editor's nonlinearities).
TEST(LayerTree, TheFormsOfferWhatTheRegistriesHold) {
  ExperimentEditor e;
  std::set<std::string> nonlin, types;
  for (const Nonlinearity& n : nonlinearities()) nonlin.insert(n.name);
  for (const std::string& t : layer_type_names()) types.insert(t);
  bool found_nonlin = false;
  for (QComboBox* box : e.modelEditor()->findChildren<QComboBox*>()) {
    std::set<std::string> items;
    for (int i = 0; i < box->count(); ++i) items.insert(box->itemText(i).toStdString());
    if (items.count("leaky_relu") && items.count("linear") && !items.count("conv2d")) {  // not a layer-type box
      found_nonlin = true;
      EXPECT_EQ(items, nonlin);
    }
  }
  EXPECT_TRUE(found_nonlin);
  e.modelModeBox()->setCurrentIndex(1);
  LayerConfig l;
  l.type = "relu";
  e.addLayer(l);
  auto* combo = qobject_cast<QComboBox*>(e.layerTree()->itemWidget(e.layerTree()->topLevelItem(0), 0));
  ASSERT_TRUE(combo);
  std::set<std::string> offered;
  for (int i = 0; i < combo->count(); ++i) offered.insert(combo->itemText(i).toStdString());
  EXPECT_EQ(offered, types);
}

// A new type keeps the fields both types have with the same default (out,
// padding) and starts the others at its own defaults (a pool's kernel 2).
TEST(LayerTree, ChangingATypeKeepsTheSharedFields) {
  ExperimentEditor e;
  e.setConfig(images_model(R"([{"type": "linear", "out": 5}, {"type": "relu"}])", false));
  LayerListEditor* list = e.layerList();
  set_type(list, {0}, "conv2d");
  LayerConfig conv = e.config().model.layers[0];
  EXPECT_EQ(conv.type, "conv2d");
  EXPECT_EQ(conv.out, 5);
  EXPECT_EQ(conv.kernel, 3);
  list->item({0})->setText(2, "5");
  list->item({0})->setText(4, "1");
  set_type(list, {0}, "maxpool2d");
  LayerConfig pool = e.config().model.layers[0];
  EXPECT_EQ(pool.type, "maxpool2d");
  EXPECT_EQ(pool.kernel, 2);
  EXPECT_EQ(pool.stride, 2);
  EXPECT_EQ(pool.padding, 1);
  set_type(list, {0}, "sequential");
  EXPECT_EQ(e.config().model.layers[0].type, "sequential");
  EXPECT_TRUE(list->button("Add inside")->isEnabled());
}

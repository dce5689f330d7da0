// The Training tab's optimizer and schedule forms are made from the tables in
// train/optimizers.h: each type shows exactly the rows it uses, and every one
// of them reaches the config.
#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QTabWidget>

#include <cstdlib>

#include "config/config_json.h"
#include "train/optimizers.h"
#include "ui/editor/experimenteditor.h"

using namespace hyperlab;

namespace {

// The labels of the visible rows of the group box titled `title`.
QStringList visible_rows(ExperimentEditor& e, const QString& title) {
  QStringList rows;
  for (QGroupBox* g : e.findChildren<QGroupBox*>()) {
    if (g->title() != title) continue;
    auto* f = qobject_cast<QFormLayout*>(g->layout());
    for (int i = 0; f && i < f->rowCount(); ++i) {
      if (!f->isRowVisible(i)) continue;
      QLayoutItem* field = f->itemAt(i, QFormLayout::FieldRole);
      QLayoutItem* label = f->itemAt(i, QFormLayout::LabelRole);
      QString text = label && label->widget() ? qobject_cast<QLabel*>(label->widget())->text() : QString();
      if (text.isEmpty() && field && field->widget()) text = field->widget()->property("text").toString();
      rows << text;
    }
  }
  return rows;
}

QComboBox* combo_after(ExperimentEditor& e, const QString& title) {
  for (QGroupBox* g : e.findChildren<QGroupBox*>())
    if (g->title() == title) return g->findChild<QComboBox*>();
  return nullptr;
}

}  // namespace

TEST(TrainingTab, EachOptimizerShowsTheRowsItsTableEntryUses) {
  ExperimentEditor e;
  e.resize(700, 900);
  e.show();
  for (const OptimizerKind& k : optimizer_kinds()) {
    e.optimizerBox()->setCurrentText(QString::fromStdString(k.name));
    QStringList want = {"Type"};
    for (const OptimizerSetting& s : optimizer_settings())
      if (k.uses(s.key)) want << QString::fromStdString(s.label);
    EXPECT_EQ(visible_rows(e, "Optimizer"), want) << k.name;
  }
}

TEST(TrainingTab, EveryScheduleSettingReachesTheConfig) {
  ExperimentEditor e;
  ExperimentConfig c = e.config();
  c.data.validation_fraction = 0.1;
  c.training.scheduler.type = "plateau";
  c.training.scheduler.monitor = "val_accuracy", c.training.scheduler.factor = 0.25;
  c.training.scheduler.patience = 4, c.training.scheduler.threshold = 0.002, c.training.scheduler.min_lr = 1e-5;
  c.training.optimizer.type = "rmsprop", c.training.optimizer.alpha = 0.9, c.training.optimizer.centered = true;
  e.setConfig(c);
  EXPECT_EQ(visible_rows(e, "Learning-rate schedule"),
            (QStringList{"Type", "Monitor", "Factor", "Patience", "Threshold", "Floor"}));
  const ExperimentConfig back = e.config();
  EXPECT_EQ(config_to_text(back), config_to_text(c));
  // The monitors offered never include the test set's metrics.
  QComboBox* monitor = nullptr;
  for (QGroupBox* g : e.findChildren<QGroupBox*>())
    if (g->title() == "Learning-rate schedule")
      for (QComboBox* b : g->findChildren<QComboBox*>())
        if (b->findText("val_loss") >= 0) monitor = b;
  ASSERT_TRUE(monitor);
  EXPECT_EQ(monitor->findText("test_accuracy"), -1);
  ASSERT_TRUE(combo_after(e, "Learning-rate schedule"));

  if (const char* shots = std::getenv("HYPERLAB_SCREENSHOTS")) {
    e.resize(640, 1100);
    e.show();
    e.tabs()->setCurrentIndex(2);
    QApplication::processEvents();
    e.grab().save(QString(shots) + "/editor-training.png");
  }
}

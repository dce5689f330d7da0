// The forms at a projector's size: the editor and the charts both fit at
// 1280x800, the group boxes of a page share one label column, sweep setting
// names are shown whole, blocks of layers take one click, and the two kinds
// of weight penalty say how they differ.
#include <gtest/gtest.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStyleOptionComboBox>
#include <QTabWidget>
#include <QTest>
#include <QTreeWidget>

#include <set>

#include "config/config_json.h"
#include "config/shapes.h"
#include "model/layers.h"
#include "train/optimizers.h"
#include "ui/editor/experimenteditor.h"
#include "ui/editor/layerlist.h"
#include "ui/sweep/sweepform.h"
#include "ui/sweep/sweepview.h"
#include "ui_helpers.h"

using namespace hyperlab;
using hyperlab::ui_test::preset;

namespace {

// The x (in page coordinates) where the field of every visible labelled form
// row inside `page` starts; `forms` counts the forms they come from.
std::vector<int> field_starts(QWidget* page, int* forms = nullptr) {
  std::vector<int> xs;
  std::set<QFormLayout*> seen;
  for (QFormLayout* f : page->findChildren<QFormLayout*>()) {
    QWidget* owner = f->parentWidget();
    if (!owner || !owner->isVisibleTo(page)) continue;
    for (int r = 0; r < f->rowCount(); ++r) {
      QLayoutItem* label = f->itemAt(r, QFormLayout::LabelRole);
      QLayoutItem* field = f->itemAt(r, QFormLayout::FieldRole);
      if (!label || !field || !label->widget() || !label->widget()->isVisibleTo(page)) continue;
      xs.push_back(owner->mapTo(page, field->geometry().topLeft()).x());
      seen.insert(f);
    }
  }
  if (forms) *forms = static_cast<int>(seen.size());
  return xs;
}

void expect_one_column(QWidget* page, const std::string& what) {
  int forms = 0;
  const std::vector<int> xs = field_starts(page, &forms);
  ASSERT_GE(forms, 2) << what << ": a page with one form proves nothing";
  for (int x : xs) EXPECT_EQ(x, xs.front()) << what << ": a field starts at x " << x << ", not " << xs.front();
}

// The field of the form row whose label reads `label`, anywhere under `root`.
QWidget* field_labelled(QWidget* root, const QString& label) {
  for (QFormLayout* f : root->findChildren<QFormLayout*>())
    for (int r = 0; r < f->rowCount(); ++r) {
      QLayoutItem* l = f->itemAt(r, QFormLayout::LabelRole);
      auto* ql = l ? qobject_cast<QLabel*>(l->widget()) : nullptr;
      QLayoutItem* w = f->itemAt(r, QFormLayout::FieldRole);
      if (ql && ql->text() == label && w && w->widget()) return w->widget();
    }
  return nullptr;
}

QSplitter* editor_splitter(MainWindow& w) {
  for (QSplitter* s : w.findChildren<QSplitter*>())
    if (s->count() == 2 && s->widget(0)->isAncestorOf(w.editor())) return s;
  return nullptr;
}

void show_at(QWidget& w, int width, int height) {
  w.resize(width, height);
  w.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&w));
  QTest::qWait(50);
}

std::vector<LayerConfig> layers_of(const ExperimentEditor& e) { return e.config().model.layers; }

int last_conv_out(const std::vector<LayerConfig>& ls, size_t before) {
  int out = 0;
  for (size_t i = 0; i < before && i < ls.size(); ++i)
    if (ls[i].type == "conv2d") out = ls[i].out;
  return out;
}

size_t index_of(const std::vector<LayerConfig>& ls, const std::string& type) {
  for (size_t i = 0; i < ls.size(); ++i)
    if (ls[i].type == type) return i;
  return ls.size();
}

// The config is valid for core and its shapes fit all the way to the classes.
void expect_trains(const ExperimentEditor& e) {
  const ConfigResult r = check_config(e.config());
  ASSERT_TRUE(r.ok()) << r.error_text();
  const ModelSummary s = summarize(r.config);
  EXPECT_TRUE(s.ok()) << (s.errors.empty() ? std::string() : s.errors.front());
  EXPECT_TRUE(e.valid()) << e.problems().join("; ").toStdString();
}

}  // namespace

TEST(Forms, EditorAndChartsBothFitAt1280x800) {
  MainWindow w;
  show_at(w, 1280, 800);
  // The window can be that small: what the editor and the views need fits.
  EXPECT_LE(w.minimumSizeHint().width(), 1280);
  EXPECT_EQ(w.width(), 1280);
  ExperimentEditor* e = w.editor();
  for (const char* name : {"cnn-small", "fashion-baseline", "cifar10-resnet20", "spirals"}) {
    e->setConfig(preset(name));
    for (int i = 0; i < e->tabs()->count(); ++i) {
      e->tabs()->setCurrentIndex(i);
      const std::string at = std::string(name) + ", " + e->tabs()->tabText(i).toStdString();
      auto* scroll = qobject_cast<QScrollArea*>(e->tabs()->widget(i));
      ASSERT_TRUE(scroll && scroll->widget()) << at;
      // The settled layout (on a loaded machine the window may take more than 20 ms to lay out again).
      QTest::qWait(20);
      for (int t = 0; t < 100 && (scroll->viewport()->width() < scroll->widget()->minimumSizeHint().width() ||
                                  e->width() < e->minimumSizeHint().width());
           ++t)
        QTest::qWait(20);
      // The page's form gets at least the width it needs: nothing is cut off on the right.
      EXPECT_GE(scroll->viewport()->width(), scroll->widget()->minimumSizeHint().width()) << at;
      EXPECT_GE(e->width(), e->minimumSizeHint().width()) << at;
      EXPECT_LE(e->mapTo(&w, QPoint(e->width(), 0)).x(), w.views()->mapTo(&w, QPoint(0, 0)).x()) << at;
    }
  }
  // The charts keep a usable width: at least half the window, and what they need.
  EXPECT_GE(w.views()->width(), w.width() / 2);
  EXPECT_GE(w.views()->width(), w.views()->minimumSizeHint().width());
}

TEST(Forms, LayerTypesAreReadableInTheTreeAt1280x800) {
  MainWindow w;
  show_at(w, 1280, 800);
  ExperimentEditor* e = w.editor();
  e->tabs()->setCurrentIndex(1);
  for (const char* name : {"cnn-small", "cifar10-resnet20"}) {
    e->setConfig(preset(name));
    for (QPushButton* b : e->findChildren<QPushButton*>())
      if (b->isVisible() && b->text() == "Edit as layer list") b->click();  // the shorthand as its layers
    ASSERT_EQ(e->modelModeBox()->currentIndex(), 1) << name;
    QTest::qWait(50);
    QTreeWidget* tree = e->layerTree();
    int rows = 0;
    for (QTreeWidgetItemIterator i(tree); *i; ++i) {
      auto* type = qobject_cast<QComboBox*>(tree->itemWidget(*i, 0));
      ASSERT_TRUE(type);
      QStyleOptionComboBox opt;
      opt.initFrom(type);
      opt.editable = false;
      opt.frame = type->hasFrame();
      const QRect text = type->style()->subControlRect(QStyle::CC_ComboBox, &opt, QStyle::SC_ComboBoxEditField, type);
      EXPECT_LE(type->fontMetrics().horizontalAdvance(type->currentText()), text.width())
          << name << ": " << type->currentText().toStdString() << " cut off";
      ++rows;
    }
    EXPECT_GT(rows, 5) << name;
  }
}

TEST(Forms, ARestoredNarrowSplitterStillShowsTheWholeEditor) {
  MainWindow w;
  show_at(w, 1280, 800);
  QSplitter* split = editor_splitter(w);
  ASSERT_TRUE(split);
  // A state saved when the editor was dragged narrow (or collapsed) by an older version.
  for (int saved : {0, 120, 330}) {
    QSplitter old;
    old.addWidget(new QWidget);
    old.addWidget(new QWidget);
    old.resize(1280, 700);
    old.setSizes({saved, 1280 - saved});
    ASSERT_TRUE(split->restoreState(old.saveState()));
    QTest::qWait(20);
    EXPECT_GE(w.editor()->width(), w.editor()->minimumSizeHint().width()) << "saved width " << saved;
    EXPECT_EQ(w.width(), 1280);
    EXPECT_GE(w.views()->width(), w.width() / 2) << "saved width " << saved;
  }
}

TEST(Forms, TheGroupsOfEachEditorPageShareOneLabelColumn) {
  ExperimentEditor e;
  show_at(e, 620, 1800);
  for (const char* name : {"spirals", "cnn-small", "fashion-baseline"}) {
    e.setConfig(preset(name));
    for (int i = 0; i < e.tabs()->count(); ++i) {
      e.tabs()->setCurrentIndex(i);
      QTest::qWait(20);
      auto* scroll = qobject_cast<QScrollArea*>(e.tabs()->widget(i));
      ASSERT_TRUE(scroll);
      if (e.tabs()->tabText(i) == "Data" && std::string(name) != "spirals") continue;  // one group only
      expect_one_column(scroll->widget(), std::string(name) + ", " + e.tabs()->tabText(i).toStdString());
    }
  }
}

TEST(Forms, TheSweepFormsGroupsShareOneLabelColumnAtAnyFont) {
  SweepForm f;
  show_at(f, 430, 1400);
  expect_one_column(&f, "sweep form");
  QFont big = f.font();
  big.setPointSizeF(big.pointSizeF() * 1.3);  // presentation mode
  f.setFont(big);
  QTest::qWait(50);
  expect_one_column(&f, "sweep form, presentation font");
}

TEST(Forms, SweepSettingNamesAreShownWhole) {
  MainWindow w;
  show_at(w, 1280, 800);
  SweepView* view = w.findChild<SweepView*>();
  ASSERT_TRUE(view);
  w.views()->setCurrentWidget(view);
  SweepForm* form = view->form();
  form->addParam("training.optimizer.momentum", "linear", "0, 0.9", 4);
  form->addParam("training.l2", "values", "0, 0.0001");
  QTest::qWait(50);
  ASSERT_GE(form->paramRows().size(), 3u);
  std::set<QString> seen;
  for (const SweepForm::ParamRow& r : form->paramRows()) {
    QLineEdit* shown = r.key->lineEdit();
    ASSERT_TRUE(shown);
    const QString text = shown->text();
    seen.insert(text);
    // The whole key is the text, and it fits the line it is shown on.
    const QRect room = shown->contentsRect().marginsRemoved(shown->textMargins());
    EXPECT_LE(shown->fontMetrics().horizontalAdvance(text), room.width() - 4)
        << text.toStdString() << " in " << room.width() << " px";
  }
  EXPECT_TRUE(seen.count("training.optimizer.lr"));
  EXPECT_TRUE(seen.count("training.optimizer.momentum"));
  EXPECT_TRUE(seen.count("training.l2"));
  EXPECT_TRUE(form->sweep().ok()) << form->sweep().errors.front().str();
}

TEST(Forms, ConvBlockAddsConvActivationPoolSizedFromThePreviousConv) {
  ExperimentEditor e;
  e.setConfig(preset("cnn-small"));
  ASSERT_EQ(e.modelModeBox()->currentIndex(), 1);  // the layer list
  const std::vector<LayerConfig> before = layers_of(e);
  e.layerList()->convBlockButton()->click();
  const std::vector<LayerConfig> after = layers_of(e);
  ASSERT_EQ(after.size(), before.size() + 3);
  // The block sits where the image ends (before the flatten).
  const size_t at = index_of(before, "flatten");
  ASSERT_LT(at, before.size());
  const LayerConfig& conv = after[at];
  EXPECT_EQ(conv.type, "conv2d");
  EXPECT_EQ(conv.out, 2 * last_conv_out(before, at));
  EXPECT_EQ(conv.kernel, 3);
  EXPECT_EQ(conv.padding, 1);
  const LayerType* act = find_layer_type(after[at + 1].type);
  ASSERT_TRUE(act);
  EXPECT_TRUE(act->activation);
  EXPECT_EQ(after[at + 1].type, before[at - 2].type);  // the network's own activation
  EXPECT_EQ(after[at + 2].type, "maxpool2d");
  EXPECT_EQ(after[at + 3].type, "flatten");
  expect_trains(e);
  // Again and again: channels keep doubling, and once the image is too small to
  // pool the block leaves the pool out instead of breaking the shapes.
  for (int k = 0; k < 3; ++k) {
    const std::vector<LayerConfig> prev = layers_of(e);
    const size_t flat = index_of(prev, "flatten");
    e.layerList()->convBlockButton()->click();
    const std::vector<LayerConfig> now = layers_of(e);
    EXPECT_EQ(now[flat].out, 2 * last_conv_out(prev, flat));
    expect_trains(e);
  }
}

TEST(Forms, DenseBlockAddsLinearActivationDropoutBeforeTheOutput) {
  ExperimentEditor e;
  e.setConfig(preset("cnn-small"));
  EXPECT_TRUE(e.layerList()->denseDropoutBox()->isChecked());  // the network uses dropout
  const std::vector<LayerConfig> before = layers_of(e);
  e.layerList()->denseBlockButton()->click();
  const std::vector<LayerConfig> after = layers_of(e);
  ASSERT_EQ(after.size(), before.size() + 3);
  const size_t head = before.size() - 1;  // the output layer stays last
  EXPECT_EQ(after.back().type, "linear");
  EXPECT_EQ(after.back().out, before.back().out);
  EXPECT_EQ(after[head].type, "linear");
  EXPECT_EQ(after[head].out, before[head - 3].out);  // the previous dense layer's width
  EXPECT_EQ(after[head + 1].type, before[head - 2].type);
  EXPECT_EQ(after[head + 2].type, "dropout");
  EXPECT_DOUBLE_EQ(after[head + 2].p, before[head - 1].p);
  expect_trains(e);
  // Without dropout ticked: linear and activation only.
  e.layerList()->denseDropoutBox()->setChecked(false);
  e.layerList()->denseBlockButton()->click();
  EXPECT_EQ(layers_of(e).size(), after.size() + 2);
  expect_trains(e);
}

TEST(Forms, DenseBlockAfterConvsBringsItsFlatten) {
  ConfigResult r = parse_config_text(R"({"version": 1, "name": "convs",
    "data": {"dataset": "fashion-mnist"},
    "model": {"layers": [{"type": "conv2d", "out": 8, "kernel": 3, "padding": 1}, {"type": "elu"},
                         {"type": "maxpool2d"}, {"type": "linear", "out": 10}]}})");
  ASSERT_FALSE(r.ok());  // it still reads, as the editor shows it
  ExperimentEditor e;
  e.setConfig(r.config);
  EXPECT_FALSE(e.valid());  // the linear layer gets an image
  e.layerList()->denseDropoutBox()->setChecked(false);
  e.layerList()->denseBlockButton()->click();
  const std::vector<LayerConfig> after = layers_of(e);
  ASSERT_EQ(after.size(), 7u);
  EXPECT_EQ(after[3].type, "flatten");
  EXPECT_EQ(after[4].type, "linear");
  EXPECT_EQ(after[4].out, static_cast<int>(find_layer_type("linear")->fields.front().suggested));
  EXPECT_EQ(after[5].type, "elu");
  expect_trains(e);
}

TEST(Forms, WeightDecayAndL2SayHowTheyDiffer) {
  ExperimentEditor e;
  show_at(e, 620, 1800);
  e.tabs()->setCurrentIndex(2);
  const OptimizerSetting* wd = find_setting(optimizer_settings(), "weight_decay");
  ASSERT_TRUE(wd);
  for (const char* opt : {"sgd", "adamw"}) {
    e.optimizerBox()->setCurrentText(opt);
    QTest::qWait(20);
    QWidget* row = field_labelled(&e, QString::fromStdString(wd->label));
    ASSERT_TRUE(row);
    auto* decay = row->findChild<QDoubleSpinBox*>();
    ASSERT_TRUE(decay);
    EXPECT_EQ(decay->toolTip(), QString::fromStdString(wd->doc));
    // The line under the field says it too, in view: the optimizer table's doc.
    auto* hint = row->findChild<QLabel*>();
    ASSERT_TRUE(hint);
    EXPECT_TRUE(hint->isVisible()) << opt;
    EXPECT_EQ(hint->text(), QString::fromStdString(wd->doc));
    EXPECT_TRUE(hint->text().contains("adamw") && hint->text().contains("decoupled") && hint->text().contains("l2"));
    EXPECT_GE(hint->height(), hint->heightForWidth(hint->width())) << "the whole text in view";
  }
  QWidget* row = field_labelled(&e, "L2 coefficient");
  ASSERT_TRUE(row);
  auto* l2 = row->findChild<QDoubleSpinBox*>();
  auto* hint = row->findChild<QLabel*>();
  ASSERT_TRUE(l2 && hint);
  EXPECT_TRUE(hint->isVisible());
  EXPECT_EQ(l2->toolTip(), hint->text());
  EXPECT_TRUE(hint->text().contains("loss") && hint->text().contains("weight decay"));
  EXPECT_GE(hint->height(), hint->heightForWidth(hint->width()));
}

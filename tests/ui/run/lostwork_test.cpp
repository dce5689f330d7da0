// No lost work, no stale views (issue 14): another experiment replaces unsaved
// edits only after asking (Save / Discard / Cancel), clears every view of the
// last run, and the editor's experiment survives the window (the autosave).
// The question is answered through MainWindow::setUnsavedPrompt: no modal box.
#include <gtest/gtest.h>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTimer>

#include "config/config_json.h"
#include "ui/editor/experimenteditor.h"
#include "ui/history/historyview.h"
#include "ui/mainwindow.h"
#include "ui/run/curvespanel.h"
#include "ui/run/samplestab.h"
#include "ui/sweep/sweepview.h"
#include "ui/widgets/pictureviews.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

namespace {

// Answers the window's question and counts how often it was asked.
struct Prompt {
  MainWindow::Unsaved answer = MainWindow::Unsaved::Cancel;
  int asked = 0;
  QString question;
  void install(MainWindow& w) {
    w.setUnsavedPrompt([this](const QString& q) {
      ++asked, question = q;
      return answer;
    });
  }
};

std::string text_of(const ExperimentConfig& c) { return config_to_text(c); }

// A hand-built network: the edit a student must not lose.
void hand_edit(MainWindow& w) {
  w.editor()->hiddenEdit()->setText("77, 33");
  w.editor()->epochsBox()->setValue(3);
}

bool has_hand_edit(const ExperimentConfig& c) {
  return c.model.mlp && c.model.mlp->hidden == std::vector<int>{77, 33} && c.training.epochs == 3;
}

void write_file(const QString& file, const QByteArray& bytes) {
  QFile f(file);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  f.write(bytes);
}

QByteArray read_file(const QString& file) {
  QFile f(file);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Every figure the status bar shows on its right (epoch, speed, ETA, device).
QString status_figures(MainWindow& w) {
  QStringList t;
  for (QLabel* l : w.statusBar()->findChildren<QLabel*>())
    if (l->text() != w.statusText() && !l->text().isEmpty()) t << l->text();
  return t.join(" | ");
}

// The curves' banner, if it shows one.
QString banner(MainWindow& w) {
  for (QLabel* l : w.curves()->findChildren<QLabel*>())
    if (!l->isHidden() && l->text().contains(':')) return l->text();
  return {};
}

// The File menu's action with this text ("&New", "&Save").
QAction* file_action(MainWindow& w, const QString& text) {
  for (QAction* m : w.menuBar()->actions())
    if (m->menu() && m->text() == "&File")
      for (QAction* a : m->menu()->actions())
        if (a->text() == text) return a;
  return nullptr;
}

// Trains c to its end; with pictures, after their preview is there (it would replace the predictions).
void train_to_end(MainWindow& w, const ExperimentConfig& c) {
  w.editor()->setConfig(c);
  const bool pictures = c.data.synthetic.kind == "images";
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled() && (!pictures || w.trainImages()->shownCount() > 0); }))
      << w.trainBlockedReason().toStdString();
  QSignalSpy done(&w, &MainWindow::runFinished);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
}

}  // namespace

TEST(LostWork, AnEditMarksTheExperimentModifiedAndTheTitleShowsIt) {
  MainWindow w;
  EXPECT_FALSE(w.editor()->isModified());
  EXPECT_FALSE(w.isWindowModified());
  EXPECT_TRUE(w.windowTitle().contains("[*]")) << w.windowTitle().toStdString();
  const QString hidden = w.editor()->hiddenEdit()->text();
  hand_edit(w);
  EXPECT_TRUE(w.editor()->isModified());
  EXPECT_TRUE(w.isWindowModified());
  // Undone by hand: the experiment is as it was loaded again.
  w.editor()->hiddenEdit()->setText(hidden);
  w.editor()->epochsBox()->setValue(preset("fashion-baseline").training.epochs);
  EXPECT_FALSE(w.editor()->isModified());
  EXPECT_FALSE(w.isWindowModified());
}

TEST(LostWork, LoadingAPresetOverEditsAsksAndCancelKeepsThem) {
  MainWindow w;
  Prompt p;
  p.install(w);
  hand_edit(w);
  EXPECT_FALSE(w.loadPreset("spirals"));
  EXPECT_EQ(p.asked, 1);
  EXPECT_TRUE(p.question.contains("spirals")) << p.question.toStdString();
  EXPECT_TRUE(has_hand_edit(w.editor()->config()));
  EXPECT_TRUE(w.editor()->isModified());
  EXPECT_TRUE(w.isWindowModified());
}

TEST(LostWork, DiscardLoadsThePreset) {
  MainWindow w;
  Prompt p;
  p.answer = MainWindow::Unsaved::Discard;
  p.install(w);
  hand_edit(w);
  EXPECT_TRUE(w.loadPreset("spirals"));
  EXPECT_EQ(p.asked, 1);
  EXPECT_EQ(text_of(w.editor()->config()), text_of(preset("spirals")));
  EXPECT_FALSE(w.editor()->isModified());
  EXPECT_FALSE(w.isWindowModified());
}

TEST(LostWork, SaveWritesTheFileThenLoads) {
  QTemporaryDir dir;
  const QString file = dir.filePath("mine.json");
  write_file(file, QByteArray::fromStdString(text_of(preset("fashion-baseline"))));
  MainWindow w;
  Prompt p;
  p.answer = MainWindow::Unsaved::Save;
  p.install(w);
  ASSERT_TRUE(w.openFile(file));
  EXPECT_EQ(p.asked, 0);  // nothing was edited yet
  hand_edit(w);
  EXPECT_TRUE(w.loadPreset("spirals"));
  EXPECT_EQ(p.asked, 1);
  ConfigResult saved = parse_config_text(read_file(file).toStdString(), "mine.json");
  ASSERT_TRUE(saved.ok()) << saved.error_text();
  EXPECT_TRUE(has_hand_edit(saved.config));
  EXPECT_EQ(text_of(w.editor()->config()), text_of(preset("spirals")));
  EXPECT_TRUE(w.currentFile().isEmpty());  // a preset has no file: Save asks for one
}

// A preset has no file: Save asks for one, and cancelling that cancels the load.
TEST(LostWork, SavingAPresetAsksForAFileAndCancellingThatKeepsTheEdits) {
  QTemporaryDir dir;
  MainWindow w;
  Prompt p;
  p.answer = MainWindow::Unsaved::Save;
  p.install(w);
  int chosen = 0;
  QString file;  // "": the dialog was cancelled
  w.setSaveFileChooser([&] { return ++chosen, file; });
  hand_edit(w);
  EXPECT_FALSE(w.loadPreset("spirals"));
  EXPECT_EQ(chosen, 1);
  EXPECT_TRUE(has_hand_edit(w.editor()->config()));
  EXPECT_TRUE(w.editor()->isModified());
  file = dir.filePath("picked.json");
  EXPECT_TRUE(w.loadPreset("spirals"));
  EXPECT_EQ(chosen, 2);
  ConfigResult saved = parse_config_text(read_file(file).toStdString(), "picked.json");
  ASSERT_TRUE(saved.ok()) << saved.error_text();
  EXPECT_TRUE(has_hand_edit(saved.config));
  EXPECT_EQ(text_of(w.editor()->config()), text_of(preset("spirals")));
}

// The save fails (its folder is gone): the edits stay, nothing is loaded.
TEST(LostWork, AFailedSaveKeepsTheEditsAndLoadsNothing) {
  QTemporaryDir dir;
  const QString file = dir.filePath("gone/e.json");
  QDir().mkpath(dir.filePath("gone"));
  write_file(file, QByteArray::fromStdString(text_of(quick_spirals(2))));
  MainWindow w;
  Prompt p;
  p.answer = MainWindow::Unsaved::Save;
  p.install(w);
  ASSERT_TRUE(w.openFile(file));
  hand_edit(w);
  QDir(dir.filePath("gone")).removeRecursively();
  QString shown;
  QTimer::singleShot(300, [&] {  // the warning box says why
    if (QWidget* m = QApplication::activeModalWidget()) {
      if (auto* l = m->findChild<QLabel*>("qt_msgbox_label")) shown = l->text();
      m->close();
    }
  });
  EXPECT_FALSE(w.loadPreset("spirals"));
  EXPECT_TRUE(shown.contains("still in the editor")) << shown.toStdString();
  EXPECT_TRUE(has_hand_edit(w.editor()->config()));
  EXPECT_TRUE(w.editor()->isModified());
}

TEST(LostWork, NoEditsNoQuestion) {
  QTemporaryDir dir;
  const QString file = dir.filePath("e.json");
  write_file(file, QByteArray::fromStdString(text_of(quick_spirals(2))));
  MainWindow w;
  Prompt p;
  p.install(w);
  EXPECT_TRUE(w.loadPreset("spirals"));
  EXPECT_TRUE(w.openFile(file));
  EXPECT_TRUE(w.loadPreset("cnn-small"));
  EXPECT_EQ(p.asked, 0);
  EXPECT_EQ(text_of(w.editor()->config()), text_of(preset("cnn-small")));
}

TEST(LostWork, CloneAndTheSweepsBaseConfigAskToo) {
  MainWindow w;
  Prompt p;
  p.install(w);
  hand_edit(w);
  Q_EMIT w.history()->cloneRequested(quick_spirals(4));
  EXPECT_EQ(p.asked, 1);
  Q_EMIT w.sweep()->baseConfigLoaded(quick_spirals(5));
  EXPECT_EQ(p.asked, 2);
  EXPECT_TRUE(has_hand_edit(w.editor()->config()));  // both cancelled
  p.answer = MainWindow::Unsaved::Discard;
  Q_EMIT w.history()->cloneRequested(quick_spirals(4));
  EXPECT_EQ(p.asked, 3);
  EXPECT_EQ(text_of(w.editor()->config()), text_of(quick_spirals(4)));
  EXPECT_TRUE(w.windowTitle().contains("from the history")) << w.windowTitle().toStdString();
}

// The History's Resume puts the run's config into the editor: over edits, it asks first.
TEST(LostWork, ResumingARunOverEditsAsks) {
  MainWindow w;
  train_to_end(w, quick_spirals(2));
  ASSERT_TRUE(wait_for([&] { return w.lastRunId() > 0; }));
  const qint64 id = w.lastRunId();
  ASSERT_TRUE(settled(*w.history()));
  w.history()->selectRuns({id});
  ASSERT_TRUE(settled(*w.history()));
  const QString ckpt = w.history()->resumableCheckpoint();
  ASSERT_FALSE(ckpt.isEmpty());
  Prompt p;
  p.install(w);
  hand_edit(w);
  EXPECT_FALSE(w.resumeRun(id, ckpt));
  EXPECT_EQ(p.asked, 1);
  EXPECT_FALSE(w.running());
  EXPECT_TRUE(has_hand_edit(w.editor()->config()));
  p.answer = MainWindow::Unsaved::Discard;
  QSignalSpy done(&w, &MainWindow::runFinished);
  ASSERT_TRUE(w.resumeRun(id, ckpt));
  EXPECT_EQ(p.asked, 2);
  EXPECT_FALSE(has_hand_edit(w.editor()->config()));
  EXPECT_TRUE(w.currentFile().isEmpty());
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
}

// File > Save (written off the GUI thread) makes the experiment unmodified;
// File > New over edits asks like a preset.
TEST(LostWork, FileSaveClearsTheMarkAndFileNewAsks) {
  QTemporaryDir dir;
  const QString file = dir.filePath("e.json");
  write_file(file, QByteArray::fromStdString(text_of(quick_spirals(2))));
  MainWindow w;
  Prompt p;
  p.install(w);
  ASSERT_TRUE(w.openFile(file));
  hand_edit(w);
  ASSERT_TRUE(w.isWindowModified());
  QAction* save = file_action(w, "&Save");
  ASSERT_TRUE(save);
  save->trigger();
  ASSERT_TRUE(wait_for([&] { return !w.isWindowModified(); }, 10000));
  EXPECT_FALSE(w.editor()->isModified());
  EXPECT_TRUE(has_hand_edit(parse_config_text(read_file(file).toStdString(), "e.json").config));
  QAction* fresh = file_action(w, "&New");
  ASSERT_TRUE(fresh);
  fresh->trigger();
  EXPECT_EQ(p.asked, 0);  // saved: nothing to ask
  w.editor()->epochsBox()->setValue(7);
  fresh->trigger();
  EXPECT_EQ(p.asked, 1);
  EXPECT_EQ(w.editor()->config().training.epochs, 7);  // cancelled
}

// Samples' predictions, filters, confusion, curves and the status bar's run
// figures belong to the last run: another preset starts with none of them.
TEST(LostWork, AnotherPresetAfterARunClearsItsViews) {
  MainWindow w;
  w.show();
  ExperimentConfig c = quick_spirals(1);
  c.data.synthetic.kind = "images";
  c.data.synthetic.image_size = 8;
  c.data.synthetic.classes = 4;
  c.data.synthetic.noise = 2;
  c.training.optimizer.lr = 1e-5;  // a model that still errs: predictions framed in red
  train_to_end(w, c);
  // What the run left on screen (each a precondition the load must undo).
  auto* samples = w.findChild<SamplesTab*>();
  ASSERT_TRUE(samples);
  ASSERT_GT(w.testImages()->misclassifiedCount(), 0);
  ASSERT_TRUE(samples->predictionsCaption().contains("after epoch 1")) << samples->predictionsCaption().toStdString();
  ASSERT_GT(w.filters()->tileCount(), 0);
  ASSERT_FALSE(w.confusion()->empty());
  ASSERT_GT(w.curves()->epochCount(), 0);
  ASSERT_TRUE(w.statusText().contains("completed")) << w.statusText().toStdString();
  ASSERT_TRUE(status_figures(w).contains("epoch 1/1")) << status_figures(w).toStdString();
  ASSERT_TRUE(status_figures(w).contains("samples/s")) << status_figures(w).toStdString();

  ASSERT_TRUE(w.loadPreset("cnn-small"));
  EXPECT_EQ(w.testImages()->misclassifiedCount(), 0);
  EXPECT_TRUE(samples->predictionsCaption().contains("appear after the first epoch"))
      << samples->predictionsCaption().toStdString();
  EXPECT_EQ(w.filters()->tileCount(), 0);
  EXPECT_TRUE(w.confusion()->empty());
  EXPECT_EQ(w.curves()->epochCount(), 0);
  EXPECT_EQ(w.curves()->batchCount(), 0);
  EXPECT_FALSE(w.statusText().contains("completed")) << w.statusText().toStdString();
  EXPECT_EQ(status_figures(w), "");
  EXPECT_TRUE(w.lastResult().history.empty());  // Export metrics offers no old run as the new one's
}

TEST(LostWork, AnotherPresetAfterARunClearsTheDecisionMapAndTheBanner) {
  MainWindow w;
  w.show();
  train_to_end(w, quick_spirals(2));
  ASSERT_TRUE(w.boundary()->hasMap());
  ASSERT_FALSE(w.filters()->caption().isEmpty());  // "not pictures": of the last run too
  ASSERT_TRUE(w.loadPreset("spirals"));  // the same data: only the load clears the map
  EXPECT_FALSE(w.boundary()->hasMap());
  EXPECT_TRUE(w.filters()->caption().isEmpty());

  ExperimentConfig c = quick_spirals(5);  // as Window.ADivergingRunStopsAndKeepsItsCurves
  c.training.optimizer.type = "sgd";
  c.training.optimizer.lr = 100;
  c.training.loss = "mse";
  train_to_end(w, c);
  ASSERT_TRUE(banner(w).contains("iverged")) << banner(w).toStdString();
  ASSERT_TRUE(w.loadPreset("spirals"));
  EXPECT_EQ(banner(w), "");
  EXPECT_EQ(w.statusText(), "Ready");
}

TEST(LostWork, TheAutosaveIsWrittenAfterAnEditAndANewWindowRestoresIt) {
  QFile::remove(MainWindow::autosavePath());
  std::string edited;
  {
    MainWindow w;
    hand_edit(w);
    w.editor()->findChild<QLineEdit*>()->setText("my-own-mlp");  // the Name field comes first
    edited = text_of(w.editor()->config());
    ASSERT_NE(edited.find("my-own-mlp"), std::string::npos);
    EXPECT_FALSE(QFile::exists(MainWindow::autosavePath()));  // debounced: not at once
    ASSERT_TRUE(wait_for([&] { return read_file(MainWindow::autosavePath()).contains("my-own-mlp"); }, 10000));
  }
  MainWindow w2;
  EXPECT_NE(text_of(w2.editor()->config()), edited);  // the constructor alone restores nothing
  ASSERT_TRUE(w2.restoreAutosave()) << w2.statusText().toStdString();
  EXPECT_TRUE(w2.statusText().contains("unsaved changes")) << w2.statusText().toStdString();
  EXPECT_EQ(text_of(w2.editor()->config()), edited);
  EXPECT_TRUE(w2.editor()->isModified());
  EXPECT_TRUE(w2.isWindowModified());
  EXPECT_TRUE(w2.windowTitle().contains("fashion-baseline (preset)")) << w2.windowTitle().toStdString();
  // Still unsaved: loading another experiment asks.
  Prompt p;
  p.install(w2);
  EXPECT_FALSE(w2.loadPreset("spirals"));
  EXPECT_EQ(p.asked, 1);
}

TEST(LostWork, TheAutosaveKeepsTheFileNameAndClosingWritesItAtOnce) {
  QFile::remove(MainWindow::autosavePath());
  QTemporaryDir dir;
  const QString file = dir.filePath("homework.json");
  write_file(file, QByteArray::fromStdString(text_of(quick_spirals(2))));
  std::string edited;
  {
    MainWindow w;
    ASSERT_TRUE(w.openFile(file));
    hand_edit(w);
    edited = text_of(w.editor()->config());
    w.close();  // within the 2 s: the close writes it
    EXPECT_TRUE(read_file(MainWindow::autosavePath()).contains("homework.json"));
  }
  MainWindow w2;
  ASSERT_TRUE(w2.restoreAutosave());
  EXPECT_EQ(w2.currentFile(), file);
  EXPECT_EQ(text_of(w2.editor()->config()), edited);
  EXPECT_TRUE(w2.isWindowModified());
  EXPECT_TRUE(w2.windowTitle().contains("homework.json")) << w2.windowTitle().toStdString();
  // Undoing the edit by hand: as on disk, so unmodified (the saved state came back too).
  w2.editor()->hiddenEdit()->setText("16, 16");
  w2.editor()->epochsBox()->setValue(2);
  EXPECT_FALSE(w2.editor()->isModified());
}

TEST(LostWork, ACorruptAutosaveIsIgnoredAndSaysSo) {
  const QByteArray bad[] = {
      "{ \"autosave\": 1, \"config\": {\"version\": 1,",  // cut short
      "[1, 2, 3]",
      "{\"autosave\": 1}",
      R"({"autosave": 1, "modified": true, "config": {"version": 1, "name": "x",
          "data": {"dataset": "synthetic"}, "model": {"layers": [{"type": "linear", "out": -5}]}}})",
  };
  for (const QByteArray& bytes : bad) {
    QDir().mkpath(QFileInfo(MainWindow::autosavePath()).path());
    write_file(MainWindow::autosavePath(), bytes);
    MainWindow w;
    EXPECT_FALSE(w.restoreAutosave()) << bytes.toStdString();
    EXPECT_TRUE(w.statusText().contains("ignored")) << w.statusText().toStdString();
    EXPECT_EQ(text_of(w.editor()->config()), text_of(preset("fashion-baseline")));
    EXPECT_FALSE(w.editor()->isModified());
    // Ignored, not lost: the first autosave of this session moves it aside.
    const QString aside = QFileInfo(MainWindow::autosavePath()).path() + "/autosave-previous.json";
    QFile::remove(aside);
    w.close();  // writes the autosave, and waits for it
    QFile kept(aside);
    ASSERT_TRUE(kept.open(QIODevice::ReadOnly)) << bytes.toStdString();
    EXPECT_EQ(kept.readAll(), bytes);
  }
  QFile::remove(MainWindow::autosavePath());
}

// Unmodified, the experiment is its file: changed on disk since (by hand, in
// a text editor), it comes back as the file is now, not as it was.
TEST(LostWork, AnUnmodifiedAutosaveReopensItsFileAsItIsNow) {
  QFile::remove(MainWindow::autosavePath());
  QTemporaryDir dir;
  const QString file = dir.filePath("homework.json");
  write_file(file, QByteArray::fromStdString(text_of(quick_spirals(2))));
  {
    MainWindow w;
    ASSERT_TRUE(w.openFile(file));
    w.close();
  }
  write_file(file, QByteArray::fromStdString(text_of(quick_spirals(9))));
  MainWindow w2;
  ASSERT_TRUE(w2.restoreAutosave());
  EXPECT_EQ(w2.currentFile(), file);
  EXPECT_EQ(w2.editor()->config().training.epochs, 9);
  EXPECT_FALSE(w2.isWindowModified());
  QFile::remove(MainWindow::autosavePath());
}

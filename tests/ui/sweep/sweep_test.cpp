// The Sweep tab driven as a user drives it (offscreen): settings typed into
// the form become the sweep file's spec (bad ones named by key), a sweep
// started from the window fills the trial table and every chart, exports,
// writes its report, lands in the History tab, can be stopped and resumed
// without re-running finished trials, and a trial can be cancelled.
#include <gtest/gtest.h>

#include <QApplication>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QPushButton>
#include <QTabWidget>
#include <QTimer>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QtCharts/QChart>
#include <QtCharts/QXYSeries>

#include <QElapsedTimer>

#include "config/config_json.h"
#include "config/presets.h"
#include "ui/editor/experimenteditor.h"
#include "ui/widgets/fields.h"
#include "ui/history/historyview.h"
#include "ui/mainwindow.h"
#include "store/runstore.h"
#include "sweep/sweep.h"
#include "ui/sweep/sweepcharts.h"
#include "ui/sweep/sweepcontroller.h"
#include "ui/sweep/sweepform.h"
#include "ui/sweep/sweepview.h"
#include "ui/sweep/variantseditor.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

namespace {

ExperimentConfig small_spirals(int epochs) {
  ConfigResult r = parse_config_text(preset_text("spirals"), "spirals");
  ExperimentConfig c = r.config;
  c.training.epochs = epochs;
  c.data.synthetic.samples = 300;
  return c;
}

// A sweep spec as the Open button reads it (base: the given config).
SweepSpec spec_text(const std::string& body, const ExperimentConfig& base) {
  const std::string text = R"({"version": 1, "base": {"config": )" + config_to_text(base) + "}, " + body + "}";
  SweepResult r = parse_sweep_text(text, "test");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.errors[0].path + ": " + r.errors[0].message);
  return r.spec;
}

}  // namespace

TEST(Sweep, FormEntriesBecomeTheSpecAndErrorsNameTheirKey) {
  SweepView v;
  v.setBaseConfig(small_spirals(3));
  v.addParam("training.optimizer.type", "values", "adam, sgd");
  v.addParam("model.mlp.hidden", "values", "[8], [16, 16]");
  SweepResult r = v.sweepFromForm();
  ASSERT_TRUE(r.ok()) << r.errors[0].path << ": " << r.errors[0].message;
  ASSERT_EQ(r.spec.params.size(), 3u);  // the form starts with a learning-rate row
  EXPECT_EQ(r.spec.params[0].key, "training.optimizer.lr");
  EXPECT_EQ(r.spec.params[0].kind, ParamSpec::Kind::Log);
  EXPECT_DOUBLE_EQ(r.spec.params[0].lo, 0.001);
  EXPECT_DOUBLE_EQ(r.spec.params[0].hi, 0.1);
  EXPECT_EQ(r.spec.params[1].values, (std::vector<std::string>{"\"adam\"", "\"sgd\""}));
  EXPECT_EQ(r.spec.params[2].values, (std::vector<std::string>{"[8]", "[16,16]"}));
  // Round trip: the spec into the form and back.
  v.setSweep(r.spec);
  SweepResult again = v.sweepFromForm();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(sweep_identity(again.spec), sweep_identity(r.spec));

  v.addParam("training.optimizer.momentum", "linear", "zero, 0.9");
  SweepResult bad = v.sweepFromForm();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.errors[0].path, "params[3].linear");
  v.setSweep(r.spec);
  v.addParam("training.optimizer.lrr", "values", "0.1");
  bad = v.sweepFromForm();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.errors[0].path.find("training.optimizer.lrr"), std::string::npos) << bad.errors[0].path;
  EXPECT_NE(bad.errors[0].message.find("unknown key"), std::string::npos) << bad.errors[0].message;
  EXPECT_FALSE(v.start());
  EXPECT_NE(v.reason().indexOf("lrr"), -1) << v.reason().toStdString();
}

TEST(Sweep, ASweepFromTheWindowFillsTheDashboardExportsAndReports) {
  QTemporaryDir dir;
  MainWindow w;
  w.show();
  ASSERT_EQ(w.useDatabase(dir.filePath("runs.db")), QString());
  w.editor()->setConfig(small_spirals(12));
  SweepView* s = w.sweep();
  s->setSweep(spec_text(R"("name": "win", "params": [{"key": "training.optimizer.lr", "log": [0.003, 0.3], "points": 3}],
                           "repeats": 3, "run": {"workers": 2})", small_spirals(12)));
  QSignalSpy done(s, &SweepView::sweepFinished);
  ASSERT_TRUE(s->start()) << s->reason().toStdString();
  EXPECT_TRUE(s->running());
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  const SweepOutcome& o = s->controller()->outcome();
  ASSERT_EQ(o.status, "completed") << o.message;
  EXPECT_EQ(o.runs_trained, 9);
  EXPECT_EQ(s->trialTable()->rowCount(), 3);
  EXPECT_EQ(s->trialTable()->item(0, 2)->text(), "done");
  // Every chart has its data.
  EXPECT_EQ(s->bestChart()->seriesCount(), 2);
  EXPECT_GE(s->parameterChart()->seriesCount(), 2);
  EXPECT_EQ(s->parallel()->lineCount(), 3);
  EXPECT_GE(s->bandChart()->seriesCount(), 3);  // a mean line per configuration (and bands)
  EXPECT_EQ(s->boxChart()->csv().count('\n'), 4);
  EXPECT_NE(s->bandChart()->csv().indexOf(",12,3,"), -1) << "epoch 12, three seeds";
  EXPECT_NE(s->summaryMarkdown().indexOf("| best |"), -1) << s->summaryMarkdown().toStdString();
  // Exports.
  for (const char* ext : {"png", "svg", "pdf", "csv"}) {
    const QString f = dir.filePath(QString("best.") + ext);
    EXPECT_EQ(s->bestChart()->exportTo(f), QString());
    EXPECT_GT(QFileInfo(f).size(), 40) << f.toStdString();
    const QString p = dir.filePath(QString("parallel.") + ext);
    EXPECT_EQ(s->parallel()->exportTo(p), QString());
    EXPECT_GT(QFileInfo(p).size(), 50) << p.toStdString();
  }
  for (const char* ext : {"html", "pdf"}) {
    const QString f = dir.filePath(QString("report.") + ext);
    EXPECT_EQ(s->writeReport(f), QString());
    EXPECT_GT(QFileInfo(f).size(), 1000);
  }
  QFile html(dir.filePath("report.html"));
  ASSERT_TRUE(html.open(QIODevice::ReadOnly));
  const QString text = QString::fromUtf8(html.readAll());
  EXPECT_NE(text.indexOf("Summary per configuration"), -1);
  EXPECT_NE(text.indexOf("Best validation accuracy so far"), -1);
  // The runs are in the History tab, tagged with the sweep.
  ASSERT_TRUE(settled(*w.history()));
  w.history()->setFilterText("sweep:win");
  EXPECT_EQ(w.history()->visibleRunCount(), 9);
  // ...each showing its sweep, trial and seed.
  RunTableModel* m = w.history()->model();
  int linked = 0;
  for (int r = 0; r < m->rowCount(); ++r)
    linked += m->data(m->index(r, RunTableModel::Sweep), Qt::DisplayRole).toString().contains(" · trial ");
  EXPECT_EQ(linked, 9);
}

TEST(Sweep, StoppedInTheWindowItResumesWithoutRerunningFinishedTrials) {
  QTemporaryDir dir;
  SweepView s;
  s.setDatabasePath(dir.filePath("runs.db"));
  const ExperimentConfig base = small_spirals(60);
  s.setSweep(spec_text(R"("name": "resume", "params": [{"key": "training.optimizer.lr", "values": [0.001, 0.01, 0.1]}],
                          "run": {"workers": 1})", base));
  QSignalSpy done(&s, &SweepView::sweepFinished);
  ASSERT_TRUE(s.start());
  ASSERT_TRUE(wait_for([&] {
    for (const TrialRow& t : s.controller()->trials())
      if (t.status == "done") return true;
    return false;
  }));
  s.stop();
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  EXPECT_EQ(s.controller()->outcome().status, "stopped");
  const int first = s.controller()->outcome().trials_done;
  ASSERT_GE(first, 1);
  ASSERT_LT(first, 3);
  ASSERT_TRUE(s.start());
  ASSERT_TRUE(wait_for([&] { return done.count() == 2; }));
  const SweepOutcome& o = s.controller()->outcome();
  EXPECT_EQ(o.status, "completed");
  EXPECT_EQ(o.resumed_trials, first);
  EXPECT_EQ(o.runs_trained, 3 - first);
  EXPECT_EQ(s.trialTable()->rowCount(), 3);
}

TEST(Sweep, CancellingATrialFromTheTableLetsTheRestRun) {
  QTemporaryDir dir;
  SweepView s;
  s.setDatabasePath(dir.filePath("runs.db"));
  s.setSweep(spec_text(R"("name": "cancel", "params": [{"key": "training.optimizer.lr", "values": [0.001, 0.01]}],
                          "repeats": 2, "run": {"workers": 1})", small_spirals(150)));
  QSignalSpy done(&s, &SweepView::sweepFinished);
  ASSERT_TRUE(s.start());
  ASSERT_TRUE(wait_for([&] { return s.trialTable()->rowCount() >= 1 && s.trialTable()->item(0, 2) &&
                                      s.trialTable()->item(0, 2)->text() == "running"; }));
  s.trialTable()->selectRow(0);
  s.cancelSelectedTrial();
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  const SweepOutcome& o = s.controller()->outcome();
  EXPECT_EQ(o.status, "completed");
  ASSERT_EQ(o.trials.size(), 2u);
  EXPECT_EQ(o.trials[0].status, "cancelled");
  EXPECT_EQ(o.trials[1].status, "done");
  EXPECT_EQ(s.trialTable()->item(0, 2)->text(), "cancelled");
}

// Named variants: each edited in the experiment's own editor (what changes
// there is the variant), named on every row, box and legend; homework studies
// from the Presets menu; the number of runs shown before Start.
TEST(Sweep, NamedVariantsAreEditedInTheExperimentEditorAndNameEveryChart) {
  // The editor gives back the config it was given: no variant of spurious changes.
  for (const std::string& name : preset_names()) {
    ExperimentEditor e;
    const ExperimentConfig c = preset(name);
    e.setConfig(c);
    const Settings d = config_changes(c, e.config());
    EXPECT_TRUE(d.empty()) << name << ": " << (d.empty() ? "" : d.begin()->first + " = " + d.begin()->second);
  }

  QTemporaryDir dir;
  MainWindow w;
  w.show();
  ASSERT_EQ(w.useDatabase(dir.filePath("runs.db")), QString());
  SweepView* s = w.sweep();
  // A homework study from the Presets menu fills the form and the editor.
  ASSERT_TRUE(s->loadPreset("regularisation-study", true));
  EXPECT_EQ(s->form()->variantsEditor()->variants().size(), 7u);
  EXPECT_EQ(s->form()->planText(), "7 configurations × 3 seeds = 21 runs");
  EXPECT_EQ(w.editor()->config().name, "fashion-baseline");

  // Variants of a small experiment, one of them edited in the experiment editor.
  const ExperimentConfig base = small_spirals(6);
  w.editor()->setConfig(base);
  // A sweep read from a file comes back from the form as the same sweep: its
  // parameters in their order, a second set of variants kept as it was.
  const SweepSpec two = spec_text(R"("name": "two", "params": [{"key": "training.batch_size", "values": [25, 50]},
      {"key": "reg", "variants": {"none": {}, "l2": {"training.l2": 0.001}}},
      {"key": "act", "variants": {"tanh": {}, "relu": {"model.mlp.activation": "relu"}}}])", base);
  s->setSweep(two);
  const SweepResult back = s->form()->sweep();
  ASSERT_TRUE(back.ok()) << back.errors[0].str();
  EXPECT_EQ(sweep_identity(back.spec), sweep_identity(two));
  s->setSweep(spec_text(R"("name": "var", "params": [{"key": "training.batch_size", "values": [25]}],
                           "repeats": 2)", base));
  VariantsEditor* v = s->form()->variantsEditor();
  v->setBase(base);
  v->addVariant("none", {});
  v->addVariant("dropout 0.2", {{"model.mlp.dropout", "0.2"}});
  v->addVariant("faster", {});
  bool edited = false;
  QTimer::singleShot(300, [&] {
    QWidget* d = QApplication::activeModalWidget();
    ASSERT_TRUE(d);
    auto* e = d->findChild<ExperimentEditor*>();
    ASSERT_TRUE(e);
    EXPECT_DOUBLE_EQ(e->learningRateBox()->value(), base.training.optimizer.lr);  // the base, with nothing changed
    e->learningRateBox()->setValue(0.05);
    edited = true;
    d->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
  });
  ASSERT_TRUE(v->editVariant(2));
  ASSERT_TRUE(edited);
  const VariantsEditor::Variants got = v->variants();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].second, (Settings{{"training.optimizer.lr", "0.05"}}));
  EXPECT_EQ(s->form()->planText(), "3 configurations × 2 seeds = 6 runs");

  QSignalSpy done(s, &SweepView::sweepFinished);
  ASSERT_TRUE(s->start()) << s->reason().toStdString();
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  const SweepOutcome& o = s->controller()->outcome();
  ASSERT_EQ(o.status, "completed") << o.message;
  EXPECT_EQ(o.runs_trained, 6);
  // The variant's name labels the trial rows, the boxes (with each seed) and the bands.
  EXPECT_EQ(s->trialTable()->horizontalHeaderItem(1)->text(), "variant");
  QStringList rows;
  for (int r = 0; r < s->trialTable()->rowCount(); ++r) rows << s->trialTable()->item(r, 1)->text();
  EXPECT_EQ(rows, (QStringList{"none", "dropout 0.2", "faster"}));
  const QString box = s->boxChart()->csv();
  for (const char* name : {"\"none, batch_size=25\"", "\"dropout 0.2, batch_size=25\"", "\"faster, batch_size=25\""})
    EXPECT_NE(box.indexOf(name), -1) << name << " in\n" << box.toStdString();
  EXPECT_EQ(box.split('\n')[1].split(',').last().split(' ').size(), 2) << "two seeds' values: " << box.toStdString();
  EXPECT_NE(s->bandChart()->csv().indexOf("\"faster, batch_size=25\""), -1);
  EXPECT_NE(s->summaryMarkdown().indexOf("| faster |"), -1) << s->summaryMarkdown().toStdString();
  // Ticking configurations in the summary limits the band and box charts to them.
  QTableWidget* sum = s->summaryTable();
  ASSERT_EQ(sum->rowCount(), 3);
  EXPECT_EQ(sum->item(2, 0)->text(), "faster, batch_size=25");
  sum->item(2, 0)->setCheckState(Qt::Checked);
  QTest::qWait(50);  // the charts follow on the next turn of the event loop
  EXPECT_EQ(s->boxChart()->csv().count('\n'), 2) << s->boxChart()->csv().toStdString();  // the header and "faster"
  EXPECT_NE(s->boxChart()->csv().indexOf("faster"), -1);
  EXPECT_EQ(s->bandChart()->csv().indexOf("\"none, batch_size=25\""), -1);
  EXPECT_EQ(s->parameterChart()->csv().count('\n'), 1 + 2) << s->parameterChart()->csv().toStdString();  // its 2 seeds
  // Each run of the dropout variant trained with dropout.
  RunStore st(dir.filePath("runs.db").toStdString());
  int dropout_runs = 0;
  for (const RunSummary& r : st.list())
    if (auto rec = st.load(r.id); rec && rec->config.model.mlp && rec->config.model.mlp->dropout == 0.2) ++dropout_runs;
  EXPECT_EQ(dropout_runs, 2);
  if (const char* shots = std::getenv("HYPERLAB_SCREENSHOTS")) {
    w.resize(1600, 1000);
    for (QWidget* p = s->parentWidget(); p; p = p->parentWidget())
      if (auto* tabs = qobject_cast<QTabWidget*>(p)) tabs->setCurrentIndex(tabs->indexOf(s));
    s->dashboard()->setCurrentIndex(s->dashboard()->count() - 2);  // the box plots
    QTest::qWait(300);
    w.grab().save(QString(shots) + "/sweep-variants.png");
    s->dashboard()->setCurrentIndex(s->dashboard()->count() - 3);  // the bands
    QTest::qWait(300);
    s->grab().save(QString(shots) + "/sweep-bands.png");
    s->dashboard()->setCurrentIndex(s->dashboard()->count() - 1);  // the summary
    QTest::qWait(300);
    s->grab().save(QString(shots) + "/sweep-summary.png");
    w.setPresentation(true);  // F5
    s->dashboard()->setCurrentIndex(s->dashboard()->count() - 2);
    QTest::qWait(300);
    w.grab().save(QString(shots) + "/sweep-presentation.png");
    w.setPresentation(false);
  }
}

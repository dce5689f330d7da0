// The Sweep tab driven as a user drives it (offscreen): settings typed into
// the form become the sweep file's spec (bad ones named by key), a sweep
// started from the window fills the trial table and every chart, exports,
// writes its report, lands in the History tab, can be stopped and resumed
// without re-running finished trials, and a trial can be cancelled.
#include <gtest/gtest.h>

#include <QFileInfo>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QtCharts/QChart>
#include <QtCharts/QXYSeries>

#include <QElapsedTimer>

#include "config/config_json.h"
#include "config/presets.h"
#include "experimenteditor.h"
#include "historyview.h"
#include "mainwindow.h"
#include "store/runstore.h"
#include "sweepcharts.h"
#include "sweepcontroller.h"
#include "sweepview.h"
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

// The History tab, reports and chart export, driven offscreen: runs listed,
// compared, edited, deleted, cloned and resumed; PDF and HTML reports; an
// unusable database; chart thinning and export.
#include <gtest/gtest.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTableWidget>
#include <QToolBar>
#include <QComboBox>
#include <QLineEdit>
#include <QSpinBox>
#include <QLabel>
#include <QFileInfo>
#include <QXYSeries>
#include <QChart>
#include <QTimer>
#include <QSettings>
#include <QDir>
#include <QPainter>
#include <QTableView>
#include <QItemSelectionModel>

#include <cmath>

#include "config/config_json.h"
#include "config/presets.h"
#include "curvespanel.h"
#include "experimenteditor.h"
#include "fields.h"
#include "metricchart.h"
#include "mainwindow.h"
#include "historyview.h"
#include "reportwriter.h"
#include "pictureviews.h"
#include "runcontroller.h"
#include "store/runstore.h"
#include "sweepcharts.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

TEST(History, ListsComparesEditsDeletesAndClonesRuns) {
  QTemporaryDir dir;
  const std::string db = dir.filePath("runs.db").toStdString();
  std::vector<int64_t> ids;
  {
    RunStore st(db);
    const double accs[] = {0.80, 0.84, 0.70};
    for (int k = 0; k < 3; ++k) {
      ExperimentConfig c = quick_spirals(2);
      c.training.seed = k + 1;
      if (k == 2) c.training.optimizer.lr = 0.1;
      RunStart s;
      s.device = "cpu";
      int64_t id = st.begin_run(c, s);
      for (int e = 1; e <= 2; ++e) {
        EpochEvent ev;
        ev.epoch = e, ev.train_loss = 1.0 / e, ev.val_accuracy = accs[k] - 0.1 / e, ev.best = true;
        st.add_epoch(id, ev, {1.f, 0.5f});
      }
      RunResult r;
      r.status = RunStatus::Completed, r.test_accuracy = accs[k], r.epochs_run = 2, r.best_epoch = 2;
      st.finish_run(id, r);
      ids.push_back(id);
    }
  }
  HistoryView h;
  h.openDatabase(QString::fromStdString(db));
  EXPECT_TRUE(h.error().isEmpty());
  EXPECT_EQ(h.visibleRunCount(), 3);
  // Filtering.
  h.setFilterText("0.1");
  EXPECT_EQ(h.visibleRunCount(), 1);
  h.setFilterText("no such run");
  EXPECT_EQ(h.visibleRunCount(), 0);
  h.setFilterText("");
  // Sorting by test accuracy, as numbers.
  h.table()->sortByColumn(RunTableModel::TestAcc, Qt::DescendingOrder);
  EXPECT_EQ(h.table()->model()->index(0, RunTableModel::TestAcc).data().toString(), "84.00%");
  // Selecting runs overlays their curves and fills the comparison table.
  h.selectRuns(ids);
  EXPECT_EQ(h.selectedRuns(), ids);
  EXPECT_EQ(h.overlayChart()->seriesCount(), 3);
  EXPECT_EQ(h.overlayChart()->shownPointCount(0), 2);
  EXPECT_NE(h.comparisonMarkdown().indexOf("| 0.01 | 2 | 82.00 ± 2.83 | 2.00 |"), -1) << h.comparisonMarkdown().toStdString();
  EXPECT_NE(h.comparisonMarkdown().indexOf("| 0.1 | 1 | 70.00 | – |"), -1);
  EXPECT_NE(h.differences().indexOf("training.optimizer.lr"), -1);
  // The comparison's box plot: a box per group with each run's test accuracy as a dot.
  const QString box = h.spreadChart()->csv();
  EXPECT_EQ(box.count('\n'), 3) << box.toStdString();  // header, lr=0.01 (2 runs), lr=0.1 (1 run)
  EXPECT_NE(box.indexOf("\"lr=0.01\",2,0.8,"), -1) << box.toStdString();
  EXPECT_NE(box.indexOf(",0.8 0.84"), -1) << box.toStdString();
  // The settings that differ, as columns of the run list.
  h.setShowSettingColumns(true);
  ASSERT_EQ(h.model()->columnCount(), RunTableModel::ColumnCount + 1);
  EXPECT_EQ(h.model()->headerData(RunTableModel::ColumnCount, Qt::Horizontal, Qt::DisplayRole).toString(), "lr");
  QStringList lrs;
  for (int r = 0; r < h.model()->rowCount(); ++r)
    lrs << h.model()->data(h.model()->index(r, RunTableModel::ColumnCount), Qt::DisplayRole).toString();
  lrs.sort();
  EXPECT_EQ(lrs, (QStringList{"0.01", "0.01", "0.1"}));
  h.setShowSettingColumns(false);
  EXPECT_EQ(h.model()->columnCount(), RunTableModel::ColumnCount);
  // Renaming through the table goes to the store.
  h.selectRuns({ids[0]});
  QModelIndex name = h.table()->model()->index(h.table()->selectionModel()->selectedRows()[0].row(), RunTableModel::Name);
  ASSERT_TRUE(h.table()->model()->setData(name, "renamed run", Qt::EditRole));
  EXPECT_EQ(RunStore(db).load(ids[0])->summary.name, "renamed run");
  // Clone and edit hands the run's config over.
  ExperimentConfig cloned;
  QObject::connect(&h, &HistoryView::cloneRequested, [&](const ExperimentConfig& c) { cloned = c; });
  h.cloneSelected();
  EXPECT_EQ(cloned.training.seed, 1u);
  EXPECT_EQ(cloned.data.dataset, "synthetic");
  // Deleting one run leaves the others.
  h.deleteSelected(false);
  EXPECT_EQ(h.visibleRunCount(), 2);
  RunStore st(db);
  EXPECT_FALSE(st.load(ids[0]));
  EXPECT_TRUE(st.load(ids[1]));
  EXPECT_EQ(st.load(ids[2])->history.size(), 2u);
}

TEST(History, AStoppedWindowRunResumesToTheUninterruptedResult) {
  MainWindow w;
  ExperimentConfig c = quick_spirals(8);
  c.data.synthetic.samples = 3000;
  c.training.batch_size = 8;
  w.editor()->setConfig(c);
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }));
  QSignalSpy done(&w, &MainWindow::runFinished);
  // The reference, never interrupted.
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1 && w.lastRunId() > 0; }));
  const qint64 ref = w.lastRunId();
  // The same run, stopped after its third epoch...
  w.lastRunId();
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return w.curves()->epochCount() >= 3; }));
  w.stopAction()->trigger();
  ASSERT_TRUE(wait_for([&] { return done.count() == 2 && w.lastRunId() > ref; }));
  const qint64 id = w.lastRunId();
  ASSERT_EQ(w.lastResult().status, RunStatus::Cancelled);
  ASSERT_LT(w.lastResult().epochs_run, 8);
  // ...resumed from the History view.
  w.history()->selectRuns({id});
  const QString ckpt = w.history()->resumableCheckpoint();
  ASSERT_FALSE(ckpt.isEmpty());
  ASSERT_TRUE(w.resumeRun(id, ckpt));
  ASSERT_TRUE(wait_for([&] { return done.count() == 3; }));
  EXPECT_EQ(w.lastResult().status, RunStatus::Completed) << w.lastResult().reason;
  RunStore st(w.databasePath().toStdString());
  auto a = st.load(ref), b = st.load(id);
  ASSERT_EQ(b->summary.status, "completed");
  ASSERT_EQ(b->history.size(), 8u);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(a->history[i].train_loss, b->history[i].train_loss) << "epoch " << i + 1;
  EXPECT_EQ(a->summary.test_accuracy, b->summary.test_accuracy);
  EXPECT_EQ(w.curves()->epochCount(), 8);  // the curves show the whole run again
  // Its trained weights, evaluated again: the same test accuracy, predictions to browse.
  ASSERT_TRUE(w.evaluateRun(id, ckpt));
  ASSERT_TRUE(wait_for([&] { return done.count() == 4; }));
  EXPECT_EQ(w.lastResult().status, RunStatus::Completed) << w.lastResult().reason;
  EXPECT_EQ(w.lastResult().test_accuracy, b->summary.test_accuracy);
  EXPECT_FALSE(w.confusion()->empty());
  EXPECT_EQ(RunStore(w.databasePath().toStdString()).list().size(), st.list().size());  // nothing recorded
}

TEST(Report, PdfAndHtmlHoldTheTablesAndCharts) {
  std::vector<RunRecord> runs;
  const double accs[] = {0.80, 0.84, 0.70};
  for (int k = 0; k < 3; ++k) {
    RunRecord r;
    r.config = quick_spirals(5);
    r.config.training.seed = k + 1;
    if (k == 2) r.config.training.optimizer.lr = 0.1;
    r.config_json = config_to_text(r.config);
    r.summary.id = k + 1, r.summary.name = "run " + std::to_string(k + 1), r.summary.status = "completed";
    r.summary.test_accuracy = accs[k], r.summary.best_val_accuracy = accs[k], r.summary.epochs_run = 5;
    r.summary.best_epoch = 5;  // the best by validation: its test accuracy is the run's
    for (int e = 1; e <= 5; ++e) {
      EpochEvent ev;
      ev.epoch = e, ev.train_loss = 1.0 / e, ev.val_accuracy = accs[k] - 0.05 / e, ev.grad_ratio = 0.1 * e;
      r.history.push_back(ev);
    }
    r.confusion = {{40, 10}, {6, 44}};
    r.class_names = {"inner", "outer"};
    r.samples.channels = 1, r.samples.height = r.samples.width = 4, r.samples.labels = {0, 1};
    for (int i = 0; i < 32; ++i) r.samples.pixels.push_back(static_cast<uint8_t>(8 * i));
    r.sample_predicted = {1, 1}, r.sample_confidence = {0.6f, 0.9f};
    runs.push_back(r);
  }
  QTemporaryDir dir;
  EXPECT_EQ(write_report(runs, "Test report", dir.filePath("r.html")), QString());
  QFile html(dir.filePath("r.html"));
  ASSERT_TRUE(html.open(QIODevice::ReadOnly));
  const QString h = QString::fromUtf8(html.readAll());
  EXPECT_NE(h.indexOf("82.00 ± 2.83"), -1);  // the comparison row of the two lr 0.01 runs
  EXPECT_NE(h.indexOf("<svg"), -1);
  EXPECT_NE(h.indexOf("Validation accuracy"), -1);
  EXPECT_NE(h.indexOf("outer"), -1);  // confusion matrix labels
  EXPECT_EQ(h.count("data:image/png;base64,"), 6);  // two sample pictures per run
  EXPECT_NE(h.indexOf("true: inner"), -1);            // the misclassified one says what it was
  EXPECT_EQ(write_report(runs, "Test report", dir.filePath("r.pdf")), QString());
  EXPECT_GT(QFileInfo(dir.filePath("r.pdf")).size(), 20000);
  QFile pdf(dir.filePath("r.pdf"));
  ASSERT_TRUE(pdf.open(QIODevice::ReadOnly));
  const QByteArray pdf_bytes = pdf.readAll();
  EXPECT_TRUE(pdf_bytes.startsWith("%PDF-"));
  EXPECT_TRUE(pdf_bytes.contains("/Subtype /Image"));  // the sample pictures
  // Without samples there is no picture at all: the charts are vector drawings.
  std::vector<RunRecord> no_samples = runs;
  for (RunRecord& r : no_samples) r.samples = ImageBatch{}, r.sample_predicted.clear();
  ASSERT_EQ(write_report(no_samples, "Test report", dir.filePath("v.pdf")), QString());
  QFile vpdf(dir.filePath("v.pdf"));
  ASSERT_TRUE(vpdf.open(QIODevice::ReadOnly));
  EXPECT_FALSE(vpdf.readAll().contains("/Subtype /Image"));
  // The PDF's document: the same table values, and charts that are not blank.
  auto doc = report_document(runs, "Test report");
  EXPECT_NE(doc->toPlainText().indexOf("82.00 ± 2.83"), -1);
  EXPECT_NE(doc->toPlainText().indexOf("70.00"), -1);
  QImage page(900, 2400, QImage::Format_RGB32);
  page.fill(Qt::white);
  QPainter p(&page);
  doc->setTextWidth(880);
  doc->drawContents(&p);
  p.end();
  int inked = 0;
  for (int y = 0; y < page.height(); y += 3)
    for (int x = 0; x < page.width(); x += 3) inked += page.pixel(x, y) != qRgb(255, 255, 255);
  EXPECT_GT(inked, 5000);
  page.save(QDir::temp().filePath("hyperlab-report-preview.png"));
  EXPECT_NE(write_report(runs, "x", dir.filePath("r.docx")), QString());
}

TEST(History, ARunTheDatabaseCouldNotTakeIsSavedInAnotherOne) {
  QTemporaryDir dir;
  QFile bad(dir.filePath("bad.db"));
  ASSERT_TRUE(bad.open(QIODevice::WriteOnly));
  bad.write("not a database");
  bad.close();
  MainWindow w;
  ASSERT_EQ(w.useDatabase(dir.filePath("good.db")), QString());  // a fresh one works
  // Point the window at the unusable file by hand, as a damaged disk would.
  QSettings().setValue("history/database", dir.filePath("bad.db"));
  MainWindow broken;
  EXPECT_NE(broken.history()->error().indexOf("not a Hyperlab run database"), -1);
  broken.editor()->setConfig(quick_spirals(3));
  ASSERT_TRUE(wait_for([&] { return broken.trainAction()->isEnabled(); }));
  QSignalSpy done(&broken, &MainWindow::runFinished);
  click_train(broken);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  EXPECT_EQ(broken.lastResult().status, RunStatus::Completed);  // training did not care
  ASSERT_TRUE(wait_for([&] { return broken.curves()->epochCount() == 3; }));
  QTest::qWait(100);
  EXPECT_EQ(broken.lastRunId(), 0);
  // The way out: another file, and the run kept in memory goes into it.
  ASSERT_EQ(broken.useDatabase(dir.filePath("good.db")), QString());
  EXPECT_GT(broken.lastRunId(), 0);
  RunStore st(dir.filePath("good.db").toStdString());
  auto rec = st.load(broken.lastRunId());
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->summary.status, "completed");
  EXPECT_EQ(rec->history.size(), 3u);
  QSettings().remove("history/database");
}

TEST(History, AnUnusableDatabaseIsExplainedAndNothingBreaks) {
  QTemporaryDir dir;
  QFile f(dir.filePath("bad.db"));
  ASSERT_TRUE(f.open(QIODevice::WriteOnly));
  f.write("not a database");
  f.close();
  HistoryView h;
  h.openDatabase(dir.filePath("bad.db"));
  EXPECT_NE(h.error().indexOf("not a Hyperlab run database"), -1) << h.error().toStdString();
  EXPECT_EQ(h.visibleRunCount(), 0);
  h.refresh();  // still fine
}

TEST(Charts, ThinningKeepsExtremesAndExportWritesEveryFormat) {
  MetricChart chart("Loss test", "epoch", "loss");
  chart.resize(600, 400);
  int s = chart.addSeries("batch");
  QVector<QPointF> pts;
  for (int i = 0; i < 100000; ++i) pts.push_back({i / 1000.0, 1.0 + 0.1 * std::sin(i * 0.01)});
  pts[54321].setY(9.5);  // a spike
  chart.setPoints(s, pts);
  EXPECT_LT(chart.shownPointCount(s), 4 * 600);
  double top = 0;
  for (const QPointF& p : static_cast<QXYSeries*>(chart.chart()->series().back())->points()) top = std::max(top, p.y());
  EXPECT_DOUBLE_EQ(top, 9.5);
  // Log axes drop non-positive values instead of failing.
  chart.setPoints(s, {{1, 0.0}, {2, 0.1}, {3, 0.01}});
  chart.setLogY(true);
  EXPECT_EQ(chart.shownPointCount(s), 2);
  chart.setSeriesVisible(s, false);
  EXPECT_FALSE(chart.seriesVisible(s));
  chart.setSeriesVisible(s, true);

  QTemporaryDir dir;
  for (const char* ext : {"png", "svg", "pdf"}) {
    QString f = dir.filePath(QString("c.") + ext);
    EXPECT_EQ(chart.exportTo(f), QString()) << ext;
    EXPECT_GT(QFileInfo(f).size(), 500) << ext;
  }
  QFile svg(dir.filePath("c.svg"));
  ASSERT_TRUE(svg.open(QIODevice::ReadOnly));
  const QByteArray text = svg.readAll();
  EXPECT_TRUE(text.contains("Loss test"));
  // The data, every point (not the thinned ones), pgfplots-ready.
  chart.setLogY(false);
  chart.setPoints(s, pts);
  ASSERT_EQ(chart.exportTo(dir.filePath("c.csv")), QString());
  QFile csv(dir.filePath("c.csv"));
  ASSERT_TRUE(csv.open(QIODevice::ReadOnly));
  const QStringList rows = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
  ASSERT_EQ(rows.size(), 100001);
  EXPECT_EQ(rows[0], "epoch,batch");
  EXPECT_EQ(rows[54322], "54.321,9.5");
  EXPECT_NE(chart.exportTo(dir.filePath("c.bmpx")), QString());
}


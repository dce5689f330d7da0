// The History tab, reports and chart export, driven offscreen: runs listed,
// compared, edited, deleted, cloned and resumed; PDF and HTML reports; an
// unusable database; chart thinning and export.
#include <gtest/gtest.h>

#include <cstdlib>

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
#include <QRegularExpression>

#include <cmath>

#include "config/config_json.h"
#include "config/presets.h"
#include "ui/run/curvespanel.h"
#include "ui/editor/experimenteditor.h"
#include "ui/widgets/fields.h"
#include "ui/widgets/metricchart.h"
#include "ui/mainwindow.h"
#include "ui/history/historyview.h"
#include "ui/run/reportwriter.h"
#include "ui/widgets/pictureviews.h"
#include "ui/run/runcontroller.h"
#include "store/report.h"
#include "store/runstore.h"
#include "ui/sweep/sweepcharts.h"
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
  EXPECT_TRUE(h.busy());  // read off the GUI thread
  ASSERT_TRUE(settled(h));
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
  ASSERT_TRUE(settled(h));
  EXPECT_EQ(h.selectedRuns(), ids);
  EXPECT_EQ(h.overlayChart()->seriesCount(), 3);
  EXPECT_EQ(h.overlayChart()->shownPointCount(0), 2);
  // Mean ± SE by default (SE 2.00; CI 82 ± 12.706 · 2.00), ± SD when chosen (2.83).
  EXPECT_NE(h.comparisonMarkdown().indexOf("| 0.01 | 2 | 82.00 ± 2.00 | 56.59–107.41 |"), -1) << h.comparisonMarkdown().toStdString();
  EXPECT_NE(h.comparisonMarkdown().indexOf("| 0.1 | 1 | 70.00 | – |"), -1);
  QComboBox* spread = nullptr;
  for (QComboBox* b : h.findChildren<QComboBox*>())
    if (b->currentText() == "mean ± standard error") spread = b;
  ASSERT_TRUE(spread);
  spread->setCurrentIndex(1);
  EXPECT_NE(h.comparisonMarkdown().indexOf("| 0.01 | 2 | 82.00 ± 2.83 | 56.59–107.41 |"), -1) << h.comparisonMarkdown().toStdString();
  EXPECT_NE(h.comparisonMarkdown().indexOf("mean ± SD (standard deviation)"), -1);
  spread->setCurrentIndex(0);
  EXPECT_NE(h.differences().indexOf("training.optimizer.lr"), -1);
  // The comparison's box plot: a box per group with each run's test accuracy as a dot.
  const QString box = h.spreadChart()->csv();
  EXPECT_EQ(box.count('\n'), 3) << box.toStdString();  // header, lr=0.01 (2 runs), lr=0.1 (1 run)
  EXPECT_NE(box.indexOf("\"lr=0.01\",2,0.8,"), -1) << box.toStdString();
  EXPECT_NE(box.indexOf(",0.8 0.84"), -1) << box.toStdString();
  if (const char* shots = std::getenv("HYPERLAB_SCREENSHOTS")) {
    h.spreadChart()->resize(900, 560);
    h.spreadChart()->grab().save(QString(shots) + "/history-spread.png");
  }
  // The settings that differ, as columns of the run list.
  h.setShowSettingColumns(true);
  ASSERT_TRUE(settled(h));
  EXPECT_EQ(h.selectedRuns(), ids);  // kept over the new read of the list
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
  ASSERT_TRUE(settled(h));
  QModelIndex name = h.table()->model()->index(h.table()->selectionModel()->selectedRows()[0].row(), RunTableModel::Name);
  ASSERT_TRUE(h.table()->model()->setData(name, "renamed run", Qt::EditRole));
  ASSERT_TRUE(settled(h));
  EXPECT_EQ(RunStore(db).load(ids[0])->summary.name, "renamed run");
  // Clone and edit hands the run's config over.
  ExperimentConfig cloned;
  QObject::connect(&h, &HistoryView::cloneRequested, [&](const ExperimentConfig& c) { cloned = c; });
  h.cloneSelected();
  ASSERT_TRUE(settled(h));
  EXPECT_EQ(cloned.training.seed, 1u);
  EXPECT_EQ(cloned.data.dataset, "synthetic");
  // Deleting one run leaves the others.
  h.deleteSelected(false);
  ASSERT_TRUE(settled(h));
  EXPECT_EQ(h.visibleRunCount(), 2);
  RunStore st(db);
  EXPECT_FALSE(st.load(ids[0]));
  EXPECT_TRUE(st.load(ids[1]));
  EXPECT_EQ(st.load(ids[2])->history.size(), 2u);
}

TEST(History, AStoppedWindowRunResumesToTheUninterruptedResult) {
  MainWindow w;
  // Enough epochs that the stop lands mid-run even when a fast machine (the MLP
  // step trains this in milliseconds per epoch) is epochs ahead of the curves.
  const int epochs = 30;
  ExperimentConfig c = quick_spirals(epochs);
  c.data.synthetic.samples = 3000;
  c.training.batch_size = 8;
  w.editor()->setConfig(c);
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }));
  QSignalSpy done(&w, &MainWindow::runFinished);
  // The reference, never interrupted.
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1 && w.lastRunId() > 0; }))
      << done.count() << " runs ended; " << w.statusText().toStdString() << "; " << w.lastResult().reason;
  const qint64 ref = w.lastRunId();
  // The same run, stopped after its third epoch...
  w.lastRunId();
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return w.curves()->epochCount() >= 3; }));
  w.stopAction()->trigger();
  ASSERT_TRUE(wait_for([&] { return done.count() == 2 && w.lastRunId() > ref; }));
  const qint64 id = w.lastRunId();
  ASSERT_EQ(w.lastResult().status, RunStatus::Cancelled);
  ASSERT_LT(w.lastResult().epochs_run, epochs);
  // ...resumed from the History view.
  ASSERT_TRUE(settled(*w.history()));  // the list holds the run once it was read again
  w.history()->selectRuns({id});
  ASSERT_TRUE(settled(*w.history()));
  const QString ckpt = w.history()->resumableCheckpoint();
  ASSERT_FALSE(ckpt.isEmpty());
  ASSERT_TRUE(w.resumeRun(id, ckpt));
  ASSERT_TRUE(wait_for([&] { return done.count() == 3; }));
  EXPECT_EQ(w.lastResult().status, RunStatus::Completed) << w.lastResult().reason;
  RunStore st(w.databasePath().toStdString());
  auto a = st.load(ref), b = st.load(id);
  ASSERT_EQ(b->summary.status, "completed");
  ASSERT_EQ(b->history.size(), size_t(epochs));
  for (size_t i = 0; i < size_t(epochs); ++i) EXPECT_EQ(a->history[i].train_loss, b->history[i].train_loss) << "epoch " << i + 1;
  EXPECT_EQ(a->summary.test_accuracy, b->summary.test_accuracy);
  EXPECT_EQ(w.curves()->epochCount(), epochs);  // the curves show the whole run again
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
  EXPECT_NE(h.indexOf("82.00&nbsp;±&nbsp;2.00"), -1);  // the results row of the two lr 0.01 runs, mean ± SE
  EXPECT_NE(h.indexOf("mean ± SE (standard error of the mean) over 1–2 seeds"), -1);  // the table's caption
  EXPECT_NE(h.indexOf("<svg"), -1);
  EXPECT_NE(h.indexOf("Validation accuracy over epochs, mean ± SE"), -1);
  EXPECT_NE(h.indexOf("outer"), -1);  // confusion matrix labels
  EXPECT_EQ(h.count("data:image/png;base64,"), 2);  // the best configuration's first run's two samples
  EXPECT_NE(h.indexOf("true: inner"), -1);            // the misclassified one says what it was
  EXPECT_EQ(h.indexOf("Appendix"), -1);
  // With the appendix: every run's samples (and config) as well.
  ReportOptions with;
  with.appendix = true;
  EXPECT_EQ(write_report(runs, "Test report", dir.filePath("a.html"), with), QString());
  QFile ahtml(dir.filePath("a.html"));
  ASSERT_TRUE(ahtml.open(QIODevice::ReadOnly));
  const QString a = QString::fromUtf8(ahtml.readAll());
  EXPECT_EQ(a.count("data:image/png;base64,"), 2 + 6);
  EXPECT_NE(a.indexOf("Appendix: per-run details"), -1);
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
  EXPECT_NE(doc->toPlainText().indexOf("82.00 ± 2.00"), -1) << doc->toPlainText().toStdString();  // (nbsp as spaces)
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

namespace {

// A study as a student runs it: 4 configurations (dropout × lr) × 5 seeds of
// the Fashion-MNIST MLP, 10 epochs each, with confusion matrices and 64
// sample predictions per run, as the run history gives them back.
std::vector<RunRecord> study_runs() {
  const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  std::vector<RunRecord> runs;
  for (int cfg = 0; cfg < 4; ++cfg)
    for (int seed = 1; seed <= 5; ++seed) {
      RunRecord r;
      r.config = preset("fashion-baseline");
      r.config.training.seed = seed;
      r.config.training.optimizer.lr = cfg < 2 ? 0.01 : 0.1;
      r.config.model.mlp->dropout = cfg % 2 ? 0.2 : 0.0;
      r.config.training.epochs = 10;
      r.config_json = config_to_text(r.config);
      RunSummary& s = r.summary;
      s.id = static_cast<int64_t>(runs.size()) + 1, s.name = "study-" + std::to_string(s.id), s.status = "completed";
      s.created = "2025-03-0" + std::to_string(1 + cfg) + " 10:1" + std::to_string(seed) + ":00";
      s.dataset = "fashion-mnist", s.model = "mlp 500-50 relu", s.optimizer = "sgd", s.lr = r.config.training.optimizer.lr;
      s.seed = seed, s.epochs = s.epochs_run = 10, s.seconds = 40 + seed;
      const double top = 0.84 + 0.012 * cfg + 0.003 * ((seed * 7) % 5);
      for (int e = 1; e <= 10; ++e) {
        EpochEvent ev;
        ev.epoch = e, ev.epochs = 10, ev.train_loss = 0.9 / e + 0.01 * seed, ev.train_accuracy = top + 0.02 - 0.3 / e;
        ev.val_accuracy = top - 0.25 / e + 0.004 * ((e * seed) % 3), ev.val_loss = 1 - ev.val_accuracy;
        ev.test_accuracy = ev.val_accuracy - 0.008, ev.test_loss = 1.05 - ev.test_accuracy;
        ev.grad_ratio = 0.3 + 0.04 * e + 0.1 * cfg, ev.lr = s.lr;
        r.history.push_back(ev);
      }
      r.class_names = names;
      r.confusion.assign(10, std::vector<int64_t>(10, 0));
      for (int i = 0; i < 10; ++i)
        for (int j = 0; j < 10; ++j) r.confusion[i][j] = i == j ? 820 + 10 * cfg + 3 * ((i * seed) % 7) : (i + j + seed) % 9;
      ImageBatch& im = r.samples;
      im.channels = 1, im.height = im.width = 28;
      for (int k = 0; k < 64; ++k) {
        im.labels.push_back(k % 10);
        for (int y = 0; y < 28; ++y)
          for (int x = 0; x < 28; ++x) im.pixels.push_back(static_cast<uint8_t>(((x - 14) * (x - 14) + (y - 14) * (y - 14) < 40 + 3 * (k % 10)) ? 230 : 10));
        r.sample_predicted.push_back(k < 9 ? (k + 1) % 10 : k % 10);
        r.sample_confidence.push_back(0.55f + 0.005f * k);
      }
      runs.push_back(r);
    }
  return runs;
}

int pdf_pages(const QString& file) {
  QFile f(file);
  if (!f.open(QIODevice::ReadOnly)) return -1;
  return static_cast<int>(QString::fromLatin1(f.readAll()).count(QRegularExpression("/Type\\s*/Page[^s]")));
}

}  // namespace

TEST(Report, TwentyRunsReadLikeAShortPaperWithTheAppendixOnlyWhenAsked) {
  const std::vector<RunRecord> runs = study_runs();
  QTemporaryDir dir;
  // Short: the results table, the charts, one confusion matrix per configuration, samples.
  const QString pdf = dir.filePath("study.pdf");
  ASSERT_EQ(write_report(runs, "Regularisation study", pdf), QString());
  const int pages = pdf_pages(pdf);
  EXPECT_GE(pages, 3);
  EXPECT_LE(pages, 6) << "20 runs should need about 5 pages before the appendix";
  QFile::remove(QDir::temp().filePath("hyperlab-report-20-runs.pdf"));
  QFile::copy(pdf, QDir::temp().filePath("hyperlab-report-20-runs.pdf"));  // to look at
  const ReportParts parts = make_report(runs, "Regularisation study");
  const std::string& b = parts.body;
  auto count = [&](const std::string& what) {
    int n = 0;
    for (size_t at = b.find(what); at != std::string::npos; at = b.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<table class=\"cm\">"), 4);  // one per configuration, each summed over its 5 seeds
  EXPECT_NE(b.find("dropout=0.2, lr=0.01</b>: 5 runs"), std::string::npos) << b;
  EXPECT_EQ(b.find("Appendix"), std::string::npos);
  EXPECT_EQ(b.find("<pre>"), std::string::npos);  // no configs
  // The results table comes first, at full width: before any chart.
  EXPECT_LT(b.find("<table class=\"t\" width=\"100%\">"), b.find("<!--chart:0-->"));
  // Charts: validation accuracy and training loss with bands, gradient ratio, the box plot with every seed's dot.
  ASSERT_EQ(parts.charts.size(), 4u);
  EXPECT_NE(parts.charts[0].find("Validation accuracy over epochs, mean ± SE over 5 seeds per configuration"),
            std::string::npos);
  EXPECT_NE(parts.charts[0].find("<polygon"), std::string::npos);  // the bands
  EXPECT_EQ(QString::fromStdString(parts.charts[3]).count("<circle"), 20);  // 20 runs, 20 dots
  EXPECT_NE(parts.charts[3].find("dropout=0.2"), std::string::npos);
  // With the appendix: each run's confusion matrix and config after the rest.
  ReportOptions with;
  with.appendix = true;
  const ReportParts full = make_report(runs, "Regularisation study", with);
  EXPECT_NE(full.body.find("Appendix: per-run details"), std::string::npos);
  EXPECT_GT(full.body.find("Appendix"), full.body.find("<table class=\"samples\">"));
  size_t cms = 0;
  for (size_t at = full.body.find("<table class=\"cm\">"); at != std::string::npos; at = full.body.find("<table class=\"cm\">", at + 1)) ++cms;
  EXPECT_EQ(cms, 4u + 20u);
  const QString long_pdf = dir.filePath("study-appendix.pdf");
  ASSERT_EQ(write_report(runs, "Regularisation study", long_pdf, with), QString());
  EXPECT_GT(pdf_pages(long_pdf), pages);
  QFile::remove(QDir::temp().filePath("hyperlab-report-20-runs-appendix.pdf"));
  QFile::copy(long_pdf, QDir::temp().filePath("hyperlab-report-20-runs-appendix.pdf"));
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
  ASSERT_TRUE(settled(*broken.history()));
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
  ASSERT_TRUE(settled(h));
  EXPECT_NE(h.error().indexOf("not a Hyperlab run database"), -1) << h.error().toStdString();
  EXPECT_EQ(h.visibleRunCount(), 0);
  h.refresh();  // still fine
  ASSERT_TRUE(settled(h));
  EXPECT_EQ(h.visibleRunCount(), 0);
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


// Store reads off the GUI thread: jobs run in order on one thread that is not
// the GUI's, results come back on the GUI thread, an unusable database is
// reported in words; the GUI keeps running meanwhile. And the export helper:
// every picture format, and an unknown one refused.
#include <gtest/gtest.h>

#include <QApplication>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <vector>

#include "ui/widgets/export.h"
#include "ui/widgets/storeworker.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

TEST(StoreWorker, JobsRunInOrderOffTheGuiThreadAndAnswerOnIt) {
  QTemporaryDir dir;
  StoreWorker w;
  w.setPath(dir.filePath("runs.db"));
  QThread* gui = QThread::currentThread();
  std::vector<int> order;
  std::vector<QThread*> job_threads, answer_threads;
  for (int k = 0; k < 5; ++k)
    w.run(
        [k, &job_threads](RunStore& s) {
          job_threads.push_back(QThread::currentThread());
          if (k == 0) s.begin_run(ExperimentConfig{}, RunStart{});  // a change the next reads see
          QThread::msleep(20);
          return static_cast<int>(s.list().size()) * 100 + k;
        },
        [&](int v, const QString& error) {
          EXPECT_TRUE(error.isEmpty()) << error.toStdString();
          order.push_back(v);
          answer_threads.push_back(QThread::currentThread());
        });
  EXPECT_TRUE(w.busy());
  EXPECT_TRUE(order.empty());  // nothing answered before the event loop runs
  // The GUI thread keeps turning while the jobs run.
  int ticks = 0;
  QTimer tick;
  QObject::connect(&tick, &QTimer::timeout, [&] { ++ticks; });
  tick.start(5);
  QSignalSpy idle(&w, &StoreWorker::idle);
  ASSERT_TRUE(wait_for([&] { return !w.busy(); }, 10000));
  EXPECT_EQ(idle.count(), 1);
  EXPECT_EQ(order, (std::vector<int>{100, 101, 102, 103, 104}));
  EXPECT_GT(ticks, 3);
  for (QThread* t : job_threads) EXPECT_NE(t, gui);
  for (QThread* t : job_threads) EXPECT_EQ(t, job_threads.front());  // one connection, one thread
  for (QThread* t : answer_threads) EXPECT_EQ(t, gui);
}

TEST(StoreWorker, AnUnusableDatabaseComesBackAsItsReason) {
  QTemporaryDir dir;
  QFile f(dir.filePath("bad.db"));
  ASSERT_TRUE(f.open(QIODevice::WriteOnly));
  f.write("not a database");
  f.close();
  StoreWorker w;
  w.setPath(dir.filePath("bad.db"));
  QString error;
  bool ran = false;
  w.run([&ran](RunStore& s) { return ran = true, s.list().size(); },
        [&](size_t, const QString& e) { error = e; });
  ASSERT_TRUE(wait_for([&] { return !w.busy(); }, 10000));
  EXPECT_FALSE(ran);
  EXPECT_NE(error.indexOf("not a Hyperlab run database"), -1) << error.toStdString();
}

TEST(Export, EveryPictureFormatAndTheFileNames) {
  QWidget w;
  w.resize(120, 80);
  for (const char* ext : {"png", "svg", "pdf"}) {
    ExportFile f = render_widget(&w, ext, "A title");
    EXPECT_TRUE(f.error.isEmpty()) << ext;
    EXPECT_GT(f.bytes.size(), 100) << ext;
  }
  EXPECT_TRUE(render_widget(&w, "png", "t").bytes.startsWith("\x89PNG"));
  EXPECT_TRUE(render_widget(&w, "pdf", "t").bytes.startsWith("%PDF"));
  EXPECT_TRUE(render_widget(&w, "svg", "A title").bytes.contains("A title"));
  EXPECT_FALSE(render_widget(&w, "bmpx", "t").error.isEmpty());
  QTemporaryDir dir;
  EXPECT_EQ(export_widget(&w, dir.filePath("w.svg"), "t"), QString());
  EXPECT_TRUE(QFile::exists(dir.filePath("w.svg")));
  EXPECT_NE(export_widget(&w, dir.filePath("no/such/folder/w.png"), "t"), QString());
  EXPECT_EQ(file_name_of("Loss (per batch)"), "loss-per-batch");
}

// hyperlab-bench-gui: does watching a run in the window slow it down, and
// does the window stay responsive while it trains at full speed?
//
//   hyperlab-bench-gui [--preset NAME] [--epochs N] [--rounds R] [--set KEY=VALUE]... [--busy N]
//                                          --set: config overrides (as hyperlab-cli's), for both runs;
//                                          --busy N: N processes spin a core each meanwhile (a slower machine)
//   hyperlab-bench-gui --history RUNS      time the History view on RUNS x 100 generated epochs
//   hyperlab-bench-gui --playground        time dragging the start point in the Playground tab
//                                          (six optimizers: recompute 10,000 steps each, redraw)
//
// Each round trains the preset twice: headless in a child process (core's
// Trainer on the main thread, exactly as hyperlab-cli runs it) and through the
// workbench window in this process (Train clicked, every view live; the
// window loads the data itself, as it does for a user). It prints samples/s of both and their ratio
// (target >= 97 %: the median of the rounds' ratios), and the event loop's longest stall and 99th percentile
// tick gap during the GUI run (target <= 50 ms), measured with a 10 ms timer,
// and the GUI thread's CPU share early in the run and late in it: a window
// whose cost grows with the run's length shows it there. The longest event
// the GUI thread handled is timed in its CPU time too, which the machine's
// other load does not inflate: on a machine half as fast it takes twice that.
// Runs offscreen unless a display is set (xvfb-run works too).
#include <QAbstractButton>
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QMouseEvent>
#include <QTableView>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QToolBar>

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "config/presets.h"
#include "ui/editor/experimenteditor.h"
#include "ui/history/historyview.h"
#include "ui/mainwindow.h"
#include "ui/playground/playgroundview.h"
#include "store/runstore.h"
#include "train/trainer.h"
#include "busy_load.h"

using namespace hyperlab;

namespace {

// CPU seconds this thread has used (user + system).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// The GUI thread's CPU share (% of a core) between wall times a and b, from
// (wall, cpu) samples taken on the event loop's ticks.
double cpu_share(const std::vector<std::pair<double, double>>& at, double a, double b) {
  const std::pair<double, double>* lo = nullptr;
  const std::pair<double, double>* hi = nullptr;
  for (const auto& p : at) {
    if (!lo && p.first >= a) lo = &p;
    if (p.first <= b) hi = &p;
  }
  if (!lo || !hi || hi->first <= lo->first) return NAN;
  return 100 * (hi->second - lo->second) / (hi->first - lo->first);
}

// The application, timing each event it delivers on the GUI thread in CPU
// time (what a stall costs on an idle machine, whatever the load here): with
// --trace, the outermost deliveries over 5 ms are printed as they happen.
class TimedApp : public QApplication {
 public:
  using QApplication::QApplication;
  bool trace = false;
  double longest_ms = 0;  // the longest delivery since reset()
  std::string longest_what;
  void reset() { longest_ms = 0, longest_what.clear(), since_.start(), totals_.clear(); }
  /// With --trace: where the GUI thread's CPU went since reset(), the largest first.
  void printTotals() const {
    std::vector<std::pair<double, std::string>> by;
    for (const auto& [what, ms] : totals_) by.push_back({ms, what});
    std::sort(by.rbegin(), by.rend());
    for (size_t i = 0; i < by.size() && i < 8; ++i) std::printf("    %8.1f ms CPU  %s\n", by[i].first, by[i].second.c_str());
  }
  bool notify(QObject* o, QEvent* e) override {
    if (depth_ > 0 || QThread::currentThread() != thread()) return QApplication::notify(o, e);  // the GUI thread's only
    // Named before: the delivery may delete the object (a deferred delete).
    const char* cls = o->metaObject()->className();
    const QString name = o->objectName();
    const int type = int(e->type());
    const double t0 = thread_cpu_seconds();
    const qint64 w0 = since_.nsecsElapsed();
    ++depth_;
    const bool r = QApplication::notify(o, e);
    --depth_;
    const double ms = (thread_cpu_seconds() - t0) * 1e3;
    const double wall_ms = (since_.nsecsElapsed() - w0) / 1e6;
    if (trace) totals_[std::string(cls) + " event " + std::to_string(type)] += ms;
    if (ms >= 5 && (trace || ms > longest_ms)) {
      const std::string what = std::string(cls) + " " + name.toStdString() + " event " + std::to_string(type);
      if (trace)
        std::fprintf(stderr, "  %7.2f s  event %-58s %.1f ms CPU (%.1f ms wall)\n", since_.nsecsElapsed() / 1e9, what.c_str(), ms,
                     wall_ms);
      if (ms > longest_ms) longest_ms = ms, longest_what = what;
    }
    return r;
  }

 private:
  int depth_ = 0;
  QElapsedTimer since_;
  std::map<std::string, double> totals_;
};

double mean_speed(const RunResult& r) {
  double s = 0;
  for (const EpochEvent& e : r.history) s += e.samples_per_s;
  return r.history.empty() ? 0 : s / r.history.size();
}

}  // namespace

// Dragging the start point: each mouse move recomputes six optimizers x
// 10,000 steps and repaints the map and both charts. Target: < 100 ms.
int bench_playground() {
  hyperlab::PlaygroundView v;
  v.resize(1400, 900);
  v.show();
  if (!QTest::qWaitForWindowExposed(&v)) return 1;
  v.loadPreset("all-six");
  hyperlab::ContourView* c = v.contour();
  std::vector<double> ms;
  QElapsedTimer t;
  auto send = [&](QEvent::Type type, double x, double y, Qt::MouseButton b, Qt::MouseButtons bs) {
    const QPointF p = c->toWidget(x, y);
    QMouseEvent e(type, p, c->mapToGlobal(p), b, bs, Qt::NoModifier);
    QApplication::sendEvent(c, &e);
  };
  send(QEvent::MouseButtonPress, -3, 0, Qt::LeftButton, Qt::LeftButton);
  for (int i = 0; i < 40; ++i) {
    t.start();
    send(QEvent::MouseMove, -3 + 0.1 * i, 0.2 * i, Qt::NoButton, Qt::LeftButton);
    v.repaint();  // map, trajectories and both charts, synchronously
    QApplication::processEvents();
    ms.push_back(t.nsecsElapsed() / 1e6);
  }
  t.start();
  send(QEvent::MouseButtonRelease, 1, 8, Qt::LeftButton, Qt::NoButton);
  v.repaint();
  QApplication::processEvents();
  const double release = t.nsecsElapsed() / 1e6;
  std::sort(ms.begin(), ms.end());
  double sum = 0;
  for (double x : ms) sum += x;
  std::printf("playground drag, 6 optimizers x 10,000 steps per move, recompute + repaint (%zu moves):\n", ms.size());
  std::printf("  median %.1f ms, mean %.1f ms, max %.1f ms  (target < 100 ms: %s)\n", ms[ms.size() / 2],
              sum / ms.size(), ms.back(), ms.back() < 100 ? "met" : "MISSED");
  std::printf("  release: all 100,000 steps recomputed and repainted in %.1f ms\n", release);
  return 0;
}

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
    qputenv("QT_QPA_PLATFORM", "offscreen");
  QStandardPaths::setTestModeEnabled(true);
  // Both runs record into a run history, as they do for a user, but not the user's.
  QTemporaryDir data_home;
  if (!qEnvironmentVariableIsSet("HYPERLAB_BENCH_CHILD")) {
    qputenv("XDG_DATA_HOME", data_home.path().toUtf8());
    qputenv("HYPERLAB_BENCH_CHILD", "1");
  }
  TimedApp app(argc, argv);
  std::string preset = "fashion-baseline";
  int epochs = 3, rounds = 6;
  bool child = false;
  int history_runs = 0, busy = 0;
  std::vector<std::string> sets;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--child") child = true;
    else if (a == "--set" && i + 1 < argc) sets.push_back(argv[++i]);
    else if (a == "--busy" && i + 1 < argc) busy = std::atoi(argv[++i]);
    else if (a == "--trace") app.trace = true;
    else if (a == "--history" && i + 1 < argc) history_runs = std::atoi(argv[++i]);
    else if (a == "--playground") return bench_playground();
    else if (a == "--preset" && i + 1 < argc) preset = argv[++i];
    else if (a == "--epochs" && i + 1 < argc) epochs = std::atoi(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc) rounds = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(a == "--help" ? stdout : stderr,
                   "usage: hyperlab-bench-gui [--preset NAME] [--epochs N] [--rounds R] [--set KEY=VALUE]... [--busy N]\n"
                   "       hyperlab-bench-gui --history RUNS | --playground\n"
                   "  --set KEY=VALUE  a config override for both runs (e.g. data.train_limit=2000)\n"
                   "  --busy N         N processes spin a core each during both runs: a slower machine\n"
                   "  --trace          print each GUI event that takes 5 ms of CPU or more, and event-loop gaps over 30 ms\n");
      return a == "--help" ? 0 : 2;
    }
  }
  ConfigResult cr = parse_config_text(preset_text(preset), preset);
  if (cr.ok()) {
    nlohmann::json j = config_to_json(cr.config);
    j["training"]["epochs"] = epochs;
    for (const std::string& set : sets)
      if (std::string e = apply_override(j, set); !e.empty()) {
        std::fprintf(stderr, "error: %s\n", e.c_str());
        return 2;
      }
    cr = parse_config(j);
  }
  if (!cr.ok()) {
    std::fprintf(stderr, "error: %s\n", cr.error_text().c_str());
    return 2;
  }
  ExperimentConfig c = cr.config;
  std::string set_args;
  for (const std::string& set : sets) set_args += " --set '" + set + "'";
  if (history_runs > 0) {
    // A history of generated runs: open, sort, filter and select must stay under 1 s.
    QTemporaryDir dir;
    const std::string db = dir.filePath("runs.db").toStdString();
    QElapsedTimer t;
    t.start();
    {
      RunStore st(db);
      std::vector<float> losses(100, 0.5f);
      for (int r = 0; r < history_runs; ++r) {
        ExperimentConfig rc = c;
        rc.name = "run" + std::to_string(r);
        rc.training.seed = r % 10;
        rc.training.optimizer.lr = 0.001 * (1 + r / 10);
        int64_t id = st.begin_run(rc, RunStart{});
        for (int e = 1; e <= 100; ++e) {
          EpochEvent ev;
          ev.epoch = e, ev.train_loss = 1.0 / e, ev.val_accuracy = 0.5 + 0.004 * e + 0.0001 * (r % 37);
          ev.test_accuracy = ev.val_accuracy - 0.01, ev.grad_norms = {0.1, 0.2, 0.3}, ev.best = true;
          st.add_epoch(id, ev, losses);
        }
        RunResult res;
        res.status = RunStatus::Completed, res.epochs_run = 100, res.test_accuracy = 0.89 + 0.0001 * (r % 37);
        st.finish_run(id, res);
      }
    }
    std::printf("generated %d runs x 100 epochs (100 batch losses each) in %.1f s, %.1f MB\n", history_runs,
                t.elapsed() / 1000.0, QFileInfo(QString::fromStdString(db)).size() / 1e6);
    HistoryView h;
    h.resize(1200, 800);
    h.show();
    t.restart();
    // The history is read off the GUI thread: each figure is until its answer is shown.
    auto settle = [&h] {
      QCoreApplication::processEvents();
      while (h.busy()) QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    };
    h.openDatabase(QString::fromStdString(db));
    settle();
    const double open_ms = t.nsecsElapsed() / 1e6;
    t.restart();
    h.table()->sortByColumn(RunTableModel::TestAcc, Qt::DescendingOrder);
    QCoreApplication::processEvents();
    const double sort_ms = t.nsecsElapsed() / 1e6;
    t.restart();
    h.setFilterText("run99");
    QCoreApplication::processEvents();
    const double filter_ms = t.nsecsElapsed() / 1e6;
    const int shown = h.visibleRunCount();
    h.setFilterText("");
    std::vector<int64_t> ten;
    for (int i = 1; i <= 10; ++i) ten.push_back(i);
    t.restart();
    h.selectRuns(ten);
    settle();
    const double select_ms = t.nsecsElapsed() / 1e6;
    std::printf("History view: open %.0f ms, sort by test accuracy %.0f ms, filter %.0f ms (%d shown), "
                "select 10 runs (curves + comparison) %.0f ms; target: each under 1000 ms\n",
                open_ms, sort_ms, filter_ms, shown, select_ms);
    return 0;
  }
  if (child) {  // the headless run, in its own process as the CLI would be, recording as it does
    RunStore store(RunStore::default_path());
    RunRecorder rec(store, c);
    Trainer t(c);
    RunResult r = t.run(rec.wrap({}));
    rec.on_finish(r);
    std::printf("%.1f\n", mean_speed(r));
    return r.status == RunStatus::Completed ? 0 : 1;
  }
  std::printf("hyperlab-bench-gui: %s, %d epochs, %d rounds, platform %s%s%s\n", preset.c_str(), epochs, rounds,
              qPrintable(QApplication::platformName()), set_args.c_str(),
              busy > 0 ? (", " + std::to_string(busy) + " busy process" + (busy > 1 ? "es" : "")).c_str() : "");
  std::printf("BLAS: %s\n\n", blas_description().c_str());
  const std::string self = QCoreApplication::applicationFilePath().toStdString();

  std::vector<double> cli, gui, stalls, p99s, gui_cpu;
  BusyLoad load(busy);
  std::vector<double> ratios;
  for (int round = 1; round <= rounds; ++round) {
    // The headless run before the window's in odd rounds, after it in even ones: this
    // machine's speed drifts (2-thread runs alone vary 35k-73k samples/s from one minute
    // to the next, 1-thread ones +-5 %), and alternating keeps the drift out of the median.
    auto headless = [&]() -> bool {
      const std::string cmd = self + " --child --preset " + preset + " --epochs " + std::to_string(epochs) + set_args;
      FILE* p = popen(cmd.c_str(), "r");
      double head = 0;
      if (!p || std::fscanf(p, "%lf", &head) != 1 || pclose(p) != 0 || head <= 0) {
        std::fprintf(stderr, "error: the headless run failed (%s)\n", cmd.c_str());
        return false;
      }
      cli.push_back(head);
      return true;
    };
    if (round % 2 == 1 && !headless()) return 1;

    MainWindow w;
    w.resize(1440, 900);
    w.show();
    w.editor()->setConfig(c);
    QElapsedTimer wait;
    wait.start();
    while (!w.trainAction()->isEnabled() && wait.elapsed() < 30000) QTest::qWait(10);
    bool finished = false;
    QObject::connect(&w, &MainWindow::runFinished, [&] { finished = true; });
    std::vector<double> gaps;
    std::vector<std::pair<double, double>> cpu_at;  // (wall s, GUI thread CPU s) at each tick
    QElapsedTimer tick, wall;
    QTimer probe;
    probe.setInterval(10);
    QObject::connect(&probe, &QTimer::timeout, [&] {
      gaps.push_back(tick.nsecsElapsed() / 1e6);
      if (app.trace && gaps.back() > 30)
        std::fprintf(stderr, "  %7.2f s  event-loop gap of %.1f ms\n", wall.nsecsElapsed() / 1e9, gaps.back());
      tick.restart();
      cpu_at.push_back({wall.nsecsElapsed() / 1e9, thread_cpu_seconds()});
    });
    auto* tb = w.findChild<QToolBar*>("runToolbar");
    QTest::mouseClick(tb->widgetForAction(w.trainAction()), Qt::LeftButton);
    app.reset();
    tick.start();
    probe.start();
    const double cpu0 = thread_cpu_seconds();
    wall.start();
    QEventLoop loop;
    QObject::connect(&w, &MainWindow::runFinished, &loop, &QEventLoop::quit);
    if (!finished) loop.exec();
    probe.stop();
    const double run_s = wall.nsecsElapsed() / 1e9;
    gui_cpu.push_back(100 * (thread_cpu_seconds() - cpu0) / run_s);
    // Away from the start and the end (their one-off work): a cost that grows with the run shows as late > early.
    const double first = cpu_share(cpu_at, run_s * 0.1, run_s * 0.3), last = cpu_share(cpu_at, run_s * 0.7, run_s * 0.9);
    gui.push_back(mean_speed(w.lastResult()));
    std::sort(gaps.begin(), gaps.end());
    stalls.push_back(gaps.empty() ? 0 : gaps.back());
    p99s.push_back(gaps.empty() ? 0 : gaps[gaps.size() * 99 / 100]);
    if (round % 2 == 0 && !headless()) return 1;
    ratios.push_back(gui.back() / cli.back());
    std::printf("  longest event on the GUI thread: %.1f ms of CPU (%s)\n", app.longest_ms, app.longest_what.c_str());
    if (app.trace) app.printTotals();
    std::printf("round %d: headless %.0f samples/s, window %.0f samples/s (%.1f %%), event loop: longest gap %.1f ms, "
                "99th percentile %.1f ms; GUI thread busy %.1f %% of one core (%.1f %% at 10-30 %% of the run, %.1f %% at 70-90 %%)\n",
                round, cli.back(), gui.back(), 100 * gui.back() / cli.back(), stalls.back(), p99s.back(), gui_cpu.back(),
                first, last);
    std::fflush(stdout);
  }
  const double c_mean = std::accumulate(cli.begin(), cli.end(), 0.0) / cli.size();
  const double g_mean = std::accumulate(gui.begin(), gui.end(), 0.0) / gui.size();
  std::sort(ratios.begin(), ratios.end());
  const size_t n = ratios.size();
  const double median = n % 2 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
  std::sort(gui_cpu.begin(), gui_cpu.end());
  std::printf("\nsummary: headless %.0f samples/s, through the window %.0f samples/s (means)\n", c_mean, g_mean);
  std::printf("summary: through the window at %.1f %% of headless speed, the median of %zu rounds (%.1f-%.1f %%; "
              "target >= 97 %%); GUI thread %.1f %% of one core (median)\n",
              100 * median, n, 100 * ratios.front(), 100 * ratios.back(), gui_cpu[gui_cpu.size() / 2]);
  std::printf("summary: longest event-loop stall %.1f ms (target <= 50 ms), 99th percentile gap %.1f ms\n",
              *std::max_element(stalls.begin(), stalls.end()), *std::max_element(p99s.begin(), p99s.end()));
  return 0;
}

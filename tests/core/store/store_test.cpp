// The run history: round trip, filters, deletion isolation, bad databases,
// and crash safety with a real hyperlab-cli killed mid-run.
#include <gtest/gtest.h>

#include <signal.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "config/config_json.h"
#include "config/presets.h"
#include "common/spawn_cli.h"
#include "store/runstore.h"

using namespace hyperlab;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("hyperlab-store-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, ec);
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

ExperimentConfig preset(const std::string& name) {
  ConfigResult r = parse_config_text(preset_text(name), name);
  EXPECT_TRUE(r.ok());
  return r.config;
}

RunStart start_info() {
  RunStart s;
  s.device = "cpu", s.threads = 2, s.blas = "test blas", s.libtorch = "9.9.9", s.train_size = 100;
  s.batches_per_epoch = 3;
  s.class_names = {"a", "b"}, s.layer_names = {"linear(4) #1", "linear(2) #2"};
  return s;
}

EpochEvent epoch(int k, bool best) {
  EpochEvent e;
  e.epoch = k, e.epochs = 3, e.train_loss = 1.0 / k, e.train_accuracy = 0.5 + 0.1 * k, e.val_loss = 0.9 / k;
  e.val_accuracy = 0.45 + 0.1 * k, e.test_loss = kNone, e.test_accuracy = kNone, e.lr = 0.01 * k;
  e.grad_ratio = 0.25 * k, e.grad_norms = {0.1 * k, 0.2 * k}, e.weight_norms = {1.0, 2.0}, e.seconds = 1.5;
  e.best = best;
  return e;
}

int integrity(const std::string& file) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, nullptr);
  int ok = sqlite3_step(s) == SQLITE_ROW && std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0))) == "ok";
  sqlite3_finalize(s);
  sqlite3_close(db);
  return ok;
}

}  // namespace

TEST(RunStore, RoundTripKeepsEveryField) {
  TempDir d;
  ExperimentConfig c = preset("fashion-baseline");
  c.name = "round trip";
  c.data.validation_fraction = 0.1;  // epochs are selected by validation accuracy
  int64_t id;
  {
    RunStore st(d.file("runs.db"));
    id = st.begin_run(c, start_info());
    st.add_epoch(id, epoch(1, true), {2.5f, 2.0f, 1.5f});
    EpochEvent worse = epoch(2, false);
    worse.val_accuracy = 0.5;  // below epoch 1's 0.55: epoch 1 stays selected
    st.add_epoch(id, worse, {1.25f, 1.0f, 0.75f});
    RunResult r;
    r.status = RunStatus::EarlyStopped, r.reason = "no improvement", r.epochs_run = 2, r.best_epoch = 1;
    r.test_accuracy = 0.875, r.test_loss = 0.3, r.seconds = 3.25, r.device = "cpu";
    r.confusion = {{7, 1}, {1, 7}}, r.per_class_accuracy = {0.875, 0.875};
    st.finish_run(id, r);
  }
  RunStore st(d.file("runs.db"));  // reopened: it is all on disk
  std::optional<RunRecord> rec = st.load(id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->summary.name, "round trip");
  EXPECT_EQ(rec->summary.status, "early-stopped");
  EXPECT_EQ(rec->summary.reason, "no improvement");
  EXPECT_EQ(rec->summary.dataset, "fashion-mnist");
  EXPECT_EQ(rec->summary.model, "mlp 500-50 relu");
  EXPECT_EQ(rec->summary.optimizer, c.training.optimizer.type);
  EXPECT_DOUBLE_EQ(rec->summary.lr, c.training.optimizer.lr);
  EXPECT_EQ(rec->summary.epochs_run, 2);
  EXPECT_EQ(rec->summary.best_epoch, 1);
  EXPECT_DOUBLE_EQ(rec->summary.best_val_accuracy, epoch(1, true).val_accuracy);
  EXPECT_DOUBLE_EQ(rec->summary.test_accuracy, 0.875);
  EXPECT_EQ(config_to_text(rec->config), config_to_text(c));
  ASSERT_EQ(rec->history.size(), 2u);
  EXPECT_DOUBLE_EQ(rec->history[1].train_loss, 0.5);
  EXPECT_DOUBLE_EQ(rec->history[1].lr, 0.02);
  EXPECT_TRUE(std::isnan(rec->history[0].test_loss));  // "not computed" survives as NaN
  EXPECT_EQ(rec->history[1].grad_norms, (std::vector<double>{0.2, 0.4}));
  EXPECT_TRUE(rec->history[0].best);
  EXPECT_FALSE(rec->history[1].best);
  EXPECT_EQ(rec->batch_losses[1], (std::vector<float>{1.25f, 1.0f, 0.75f}));
  EXPECT_EQ(rec->confusion, (std::vector<std::vector<int64_t>>{{7, 1}, {1, 7}}));
  EXPECT_NE(rec->versions.find(HYPERLAB_VERSION), std::string::npos);
  EXPECT_NE(rec->versions.find("\"libtorch\":\"9.9.9\""), std::string::npos) << rec->versions;
  EXPECT_NE(run_json(*rec).find("\"early-stopped\""), std::string::npos);
  EXPECT_EQ(rec->samples.count(), 0);  // none kept
  // Sample predictions round trip, pixels and all.
  ImageBatch b;
  b.channels = 1, b.height = 2, b.width = 3, b.labels = {1, 0};
  b.pixels = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 255};
  st.set_samples(id, b, {0, 0}, {0.75f, 0.5f});
  rec = st.load(id);
  EXPECT_EQ(rec->samples.pixels, b.pixels);
  EXPECT_EQ(rec->samples.labels, b.labels);
  EXPECT_EQ(rec->samples.width, 3);
  EXPECT_EQ(rec->sample_predicted, (std::vector<int>{0, 0}));
  EXPECT_EQ(rec->sample_confidence, (std::vector<float>{0.75f, 0.5f}));
}

TEST(RunStore, AnOlderDatabaseIsMigratedAndKeepsItsRuns) {
  TempDir d;
  const std::string file = d.file("v1.db");
  {  // a version-1 database, as the first release wrote it
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    sqlite3_exec(db, R"(CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created TEXT NOT NULL,
      finished TEXT, status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', dataset TEXT NOT NULL DEFAULT '',
      model TEXT NOT NULL DEFAULT '', optimizer TEXT NOT NULL DEFAULT '', lr REAL, batch_size INTEGER, seed INTEGER,
      epochs INTEGER, epochs_run INTEGER NOT NULL DEFAULT 0, best_epoch INTEGER NOT NULL DEFAULT 0, best_val_accuracy REAL,
      test_accuracy REAL, test_loss REAL, seconds REAL NOT NULL DEFAULT 0, device TEXT NOT NULL DEFAULT '',
      versions TEXT NOT NULL DEFAULT '{}', config TEXT NOT NULL, info TEXT NOT NULL DEFAULT '{}',
      confusion TEXT NOT NULL DEFAULT '[]', per_class_accuracy TEXT NOT NULL DEFAULT '[]', tags TEXT NOT NULL DEFAULT '',
      notes TEXT NOT NULL DEFAULT '', pid INTEGER, host TEXT NOT NULL DEFAULT '');
      CREATE TABLE epochs (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER NOT NULL,
      train_loss REAL, train_accuracy REAL, val_loss REAL, val_accuracy REAL, test_loss REAL, test_accuracy REAL, lr REAL,
      penalty REAL, grad_ratio REAL, grad_norms TEXT, weight_norms TEXT, seconds REAL, train_seconds REAL,
      diag_seconds REAL, samples_per_s REAL, best INTEGER NOT NULL DEFAULT 0, batch_losses BLOB,
      PRIMARY KEY (run_id, epoch)) WITHOUT ROWID;
      INSERT INTO runs (name, created, status, config, test_accuracy) VALUES ('old run', '2026-01-01 10:00:00', 'completed', '{}', 0.5);
      PRAGMA user_version = 1;)",
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  {  // a run of the v4 days without a validation set: its epoch was chosen on the test set (epoch 1)
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO runs (name, created, status, config, best_epoch, test_accuracy) "
                           "VALUES ('test-chosen', '2026-01-02 10:00:00', 'completed', ?, 1, 0.6)", -1, &q, nullptr);
    ExperimentConfig old = preset("fashion-baseline");
    old.data.validation_fraction = 0;
    const std::string cfg = config_to_text(old);
    sqlite3_bind_text(q, 1, cfg.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(q);
    sqlite3_finalize(q);
    sqlite3_exec(db, "INSERT INTO epochs (run_id, epoch, train_loss, test_loss, test_accuracy, best) VALUES "
                     "(2, 1, 0.9, 0.4, 0.6, 1), (2, 2, 0.7, 0.45, 0.55, 0)", nullptr, nullptr, nullptr);
    // A run with a validation set and no per-epoch test metrics (evaluate_test false): its
    // test_accuracy column was the final model's, not its best epoch's.
    ExperimentConfig noeval = preset("fashion-baseline");
    noeval.training.evaluate_test = false;
    const std::string cfg3 = config_to_text(noeval);
    sqlite3_prepare_v2(db, "INSERT INTO runs (name, created, status, config, best_epoch, epochs_run, test_accuracy) "
                           "VALUES ('no per-epoch test', '2026-01-03 10:00:00', 'completed', ?, 2, 3, 0.7)", -1, &q,
                       nullptr);
    sqlite3_bind_text(q, 1, cfg3.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(q);
    sqlite3_finalize(q);
    sqlite3_exec(db, "INSERT INTO epochs (run_id, epoch, train_loss, val_accuracy, best) VALUES "
                     "(3, 1, 0.9, 0.5, 1), (3, 2, 0.7, 0.8, 1), (3, 3, 0.6, 0.75, 0)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  RunStore st(file);
  auto runs = st.list();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].name, "old run");
  EXPECT_DOUBLE_EQ(runs[0].test_accuracy, 0.5);  // no epochs to re-read: kept as it was
  // Re-read with today's definition: nothing selects without a validation set, so the last epoch.
  const RunSummary& tc = runs[1].name == "test-chosen" ? runs[1] : runs[0];
  EXPECT_EQ(tc.best_epoch, 2);
  EXPECT_DOUBLE_EQ(tc.test_accuracy, 0.55);
  EXPECT_DOUBLE_EQ(tc.final_test_accuracy, 0.55);
  EXPECT_EQ(tc.selected_by, "");
  std::optional<RunRecord> tr = st.load(tc.id);
  ASSERT_TRUE(tr && tr->history.size() == 2);
  EXPECT_TRUE(tr->history[1].best);  // the epoch flags follow the same rule
  EXPECT_EQ(run_numbers(*tr).selected_epoch, 2);
  // The no-per-epoch-test run: epoch 2 is selected (best validation), and its test accuracy is
  // unknown (the weights measured were the final ones): 0.7 is the final epoch's.
  const RunSummary* ne = nullptr;
  for (const RunSummary& r : runs)
    if (r.name == "no per-epoch test") ne = &r;
  ASSERT_TRUE(ne);
  EXPECT_EQ(ne->best_epoch, 2);
  EXPECT_TRUE(std::isnan(ne->test_accuracy));
  EXPECT_DOUBLE_EQ(ne->final_test_accuracy, 0.7);
  EXPECT_EQ(ne->selected_by, "val_accuracy");
  st.set_checkpoint(runs[0].id, "/x/checkpoint.pt");  // the v2 column exists now
  EXPECT_EQ(st.find_by_checkpoint("/x/checkpoint.pt"), runs[0].id);
  EXPECT_EQ(st.load(runs[0].id)->samples.count(), 0);  // and the v3 one
}

TEST(RunStore, ListFiltersAndEditsOnlyTouchTheirRun) {
  TempDir d;
  RunStore st(d.file("runs.db"));
  ExperimentConfig a = preset("spirals"), b = preset("deep-sigmoid");
  int64_t ia = st.begin_run(a, start_info()), ib = st.begin_run(b, start_info()), ic = st.begin_run(a, start_info());
  for (int64_t id : {ia, ib, ic}) st.add_epoch(id, epoch(1, true), {1.f});
  RunResult done;
  done.status = RunStatus::Completed;
  st.finish_run(ia, done), st.finish_run(ib, done);
  st.set_tags(ia, "lr-study, demo");
  st.set_notes(ib, "Vanishing gradient for the lecture");
  st.rename(ic, "third");
  EXPECT_EQ(st.list().size(), 3u);
  EXPECT_EQ(st.list({"", "", "synthetic", ""}).size(), 2u);
  EXPECT_EQ(st.list({"", "running", "", ""}).size(), 1u);
  ASSERT_EQ(st.list({"", "", "", "demo"}).size(), 1u);
  EXPECT_EQ(st.list({"", "", "", "demo"})[0].id, ia);
  EXPECT_EQ(st.list({"", "", "", "lr"}).size(), 0u);  // a tag matches whole
  ASSERT_EQ(st.list({"vanishing", "", "", ""}).size(), 1u);
  EXPECT_EQ(st.list({"vanishing", "", "", ""})[0].id, ib);
  EXPECT_EQ(st.load(ic)->summary.name, "third");

  // Deleting one run leaves the others, epochs included, untouched.
  const std::string before_a = run_json(*st.load(ia)), before_c = run_json(*st.load(ic));
  EXPECT_TRUE(st.remove(ib));
  EXPECT_FALSE(st.remove(ib));
  EXPECT_FALSE(st.load(ib));
  EXPECT_EQ(run_json(*st.load(ia)), before_a);
  EXPECT_EQ(run_json(*st.load(ic)), before_c);
  EXPECT_EQ(st.list().size(), 2u);
}

TEST(RunStore, BadDatabasesGetClearErrors) {
  TempDir d;
  {
    std::ofstream(d.file("garbage.db")) << "this is not a database, it is a shopping list\n";
    try {
      RunStore st(d.file("garbage.db"));
      FAIL() << "opened a garbage file";
    } catch (const StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("garbage.db: not a Hyperlab run database, or corrupt"), std::string::npos)
          << e.what();
    }
    // ...and the file is left as it was.
    std::ifstream in(d.file("garbage.db"));
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "this is not a database, it is a shopping list");
  }
  {
    // Another program's SQLite database is not taken over.
    sqlite3* db = nullptr;
    sqlite3_open(d.file("other.db").c_str(), &db);
    sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    EXPECT_THROW(RunStore st(d.file("other.db")), StoreError);
  }
  {
    // A newer schema than this build knows.
    { RunStore st(d.file("newer.db")); }
    sqlite3* db = nullptr;
    sqlite3_open(d.file("newer.db").c_str(), &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    try {
      RunStore st(d.file("newer.db"));
      FAIL();
    } catch (const StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("newer Hyperlab"), std::string::npos) << e.what();
    }
  }
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directories(d.path / "ro");
    fs::permissions(d.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_THROW(RunStore st(d.file("ro/runs.db")), StoreError);
  }
}

TEST(RunStore, ARunWhoseProcessDiedIsMarkedInterruptedWithItsEpochs) {
  TempDir d;
  const std::string file = d.file("runs.db");
  { RunStore st(file); }
  pid_t pid = ::fork();
  if (pid == 0) {  // the child records two epochs and dies without finishing
    RunStore st(file);
    int64_t id = st.begin_run(preset("spirals"), start_info());
    st.add_epoch(id, epoch(1, true), {1.f});
    st.add_epoch(id, epoch(2, false), {1.f});
    ::raise(SIGKILL);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  RunStore st(file);
  EXPECT_EQ(st.interrupted_on_open(), 1);
  auto runs = st.list();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "interrupted");
  EXPECT_EQ(runs[0].epochs_run, 2);
  EXPECT_EQ(st.load(runs[0].id)->history.size(), 2u);
  EXPECT_TRUE(integrity(file));
}

TEST(RunStore, KillingTheCliMidRunKeepsTheCompletedEpochs) {
  TempDir d;
  const std::string file = d.file("runs.db");
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1), ::dup2(devnull, 2);
    ::execl(HYPERLAB_CLI, HYPERLAB_CLI, "run", "--preset", "spirals", "--set", "training.epochs=100000", "--db",
            file.c_str(), "--out", d.file("out").c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait until it has committed a few epochs (a live run is left alone by an opener).
  int seen = 0;
  for (int i = 0; i < 600 && seen < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!fs::exists(file)) continue;
    try {
      RunStore st(file);
      auto runs = st.list();
      if (!runs.empty()) {
        EXPECT_EQ(runs[0].status, "running");
        seen = runs[0].epochs_run;
      }
    } catch (const StoreError&) {
    }
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_GE(seen, 5) << "the CLI did not record epochs";
  EXPECT_TRUE(integrity(file));
  RunStore st(file);
  auto runs = st.list();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "interrupted");
  EXPECT_GE(runs[0].epochs_run, seen);
  auto rec = st.load(runs[0].id);
  ASSERT_EQ(static_cast<int>(rec->history.size()), runs[0].epochs_run);
  for (size_t i = 0; i < rec->history.size(); ++i) {
    EXPECT_EQ(rec->history[i].epoch, static_cast<int>(i) + 1);
    EXPECT_TRUE(std::isfinite(rec->history[i].train_loss));
    EXPECT_EQ(rec->batch_losses[i].size(), 25u);  // 800 training points / batch 32
  }
}


TEST(Resume, AKilledCliRunResumesIntoTheSameHistoryRowAndResult) {
  TempDir d;
  const std::string db = d.file("runs.db"), out = d.file("run");
  auto cli = spawn_cli;
  const std::vector<std::string> common = {"--preset", "spirals", "--set", "training.epochs=400", "--db", db};
  // The reference: the same run, never interrupted.
  std::vector<std::string> ref = {"run"};
  ref.insert(ref.end(), common.begin(), common.end());
  ref.insert(ref.end(), {"--out", d.file("ref")});
  int status = 0;
  ::waitpid(cli(ref), &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  std::vector<std::string> run = {"run"};
  run.insert(run.end(), common.begin(), common.end());
  run.insert(run.end(), {"--out", out});
  pid_t pid = cli(run);
  int seen = 0;
  for (int i = 0; i < 600 && seen < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    try {
      RunStore st(db);
      auto runs = st.list();
      if (runs.size() == 2) seen = runs[1].epochs_run;
    } catch (const StoreError&) {
    }
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  ASSERT_GE(seen, 20);
  {
    RunStore st(db);
    auto runs = st.list();
    ASSERT_EQ(runs.size(), 2u);
    ASSERT_EQ(runs[1].status, "interrupted");
    ASSERT_LT(runs[1].epochs_run, 400) << "the run finished before it was killed";
  }
  ::waitpid(cli({"resume", out, "--db", db}), &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  RunStore st(db);
  auto runs = st.list();
  ASSERT_EQ(runs.size(), 2u);  // the same row, continued
  EXPECT_EQ(runs[1].status, "completed");
  EXPECT_EQ(runs[1].epochs_run, 400);
  auto a = st.load(runs[0].id), b = st.load(runs[1].id);
  ASSERT_EQ(b->history.size(), 400u);
  for (size_t i = 0; i < 400; ++i) {
    ASSERT_EQ(a->history[i].train_loss, b->history[i].train_loss) << "epoch " << i + 1;
    ASSERT_EQ(a->history[i].val_accuracy, b->history[i].val_accuracy) << "epoch " << i + 1;
  }
  EXPECT_EQ(a->summary.test_accuracy, b->summary.test_accuracy);
  EXPECT_EQ(a->confusion, b->confusion);
  EXPECT_TRUE(fs::exists(out + "/result.json"));
}

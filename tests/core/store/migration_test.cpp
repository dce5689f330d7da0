// Schema v6 (metrics by name): a v5 run history written by the hyperlab-cli
// of before the change (tests/data/store_v5: its runs.db and the run folder's
// config.json and result.json, from `hyperlab-cli run --preset spirals
// --set training.epochs=3 --set data.train_limit=300 --set data.test_limit=100`)
// opens migrated, and reads the same numbers as the run's own files.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <thread>

#include "common/temp_dir.h"
#include "store/runstore.h"
#include "train/metrics.h"
#include "train/report.h"

using namespace hyperlab;

namespace {

const std::string kV5 = std::string(HYPERLAB_TEST_DATA) + "/store_v5";

int user_version(const std::string& file) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr);
  const int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

}  // namespace

TEST(StoreMigration, AVersion5HistoryReadsTheSameNumbersAfterTheMove) {
  TempDir d;
  const std::string file = d.file("runs.db");
  std::filesystem::copy_file(kV5 + "/runs.db", file);
  ASSERT_EQ(user_version(file), 5);
  ExperimentConfig c;
  RunResult files;  // what the old build wrote into the run's folder
  read_run_files(kV5, c, files);
  ASSERT_EQ(files.history.size(), 3u);
  {
    RunStore st(file);
    std::optional<RunRecord> r = st.load(1);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->history.size(), files.history.size());
    for (size_t k = 0; k < files.history.size(); ++k) {
      const EpochEvent &a = r->history[k], &b = files.history[k];
      EXPECT_EQ(a.epoch, b.epoch);
      EXPECT_EQ(a.best, b.best);
      for (const MetricInfo& m : builtin_metrics()) {
        const std::vector<double> x = metric_values(a, m), y = metric_values(b, m);
        ASSERT_EQ(x.size(), y.size()) << m.name << " at epoch " << b.epoch;
        for (size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(same(x[i], y[i])) << m.name << " " << x[i] << " " << y[i];
      }
      EXPECT_FALSE(r->batch_losses[k].empty());  // the batches' losses came along
    }
    EXPECT_FALSE(r->history[0].grad_norms.empty());
    EXPECT_EQ(r->summary.status, "completed");
    EXPECT_TRUE(same(r->summary.test_accuracy, files.test_accuracy));
    EXPECT_EQ(r->summary.best_epoch, files.best_epoch);
    EXPECT_EQ(run_numbers(*r).selected_epoch, run_numbers(c, files.history, files).selected_epoch);
    EXPECT_TRUE(same(run_numbers(*r).test_accuracy, run_numbers(c, files.history, files).test_accuracy));
    // A new epoch with a metric no table had goes in without another migration.
    EpochEvent e = files.history.back();
    e.epoch = 4;
    set_metric(e, "sharpness", 12.5);
    st.add_epoch(1, e, {0.5f});
    EXPECT_EQ(metric_value(st.load(1)->history.back(), "sharpness"), 12.5);
  }
  EXPECT_EQ(user_version(file), kStoreSchemaVersion);
  EXPECT_EQ(kStoreSchemaVersion, 6);
}

// Several connections creating the same new database at once (a window's
// threads, a sweep's workers): one makes the schema, the others wait and find it.
TEST(StoreMigration, ConnectionsOpeningANewDatabaseAtOnceAllSucceed) {
  for (int round = 0; round < 10; ++round) {
    TempDir t;
    const std::string db = t.file("runs.db");
    std::vector<std::string> errors(4);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&, i] {
        try {
          RunStore s(db);
          s.list();
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    for (auto& th : threads) th.join();
    for (const std::string& e : errors) EXPECT_EQ(e, "") << "round " << round;
  }
}

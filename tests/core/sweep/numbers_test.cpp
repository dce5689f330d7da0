// One truth about a run's result: the Sweep summary, the History comparison,
// `hyperlab-cli runs compare`, the reports and result.json all give the same
// numbers for the same runs, and none of them let the test set choose.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "config/config_json.h"
#include "store/compare.h"
#include "store/report.h"
#include "store/runstore.h"
#include "sweep/analysis.h"
#include "sweep/runner.h"
#include "sweep/sweep.h"
#include "train/numbers.h"

using namespace hyperlab;

namespace {

std::string run_cli(const std::string& args, int* rc = nullptr) {
  const std::string cmd = std::string(HYPERLAB_CLI) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; p && (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = p ? ::pclose(p) : -1;
  if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == sep) out.emplace_back();
    else out.back().push_back(c);
  }
  return out;
}

// Noisy spirals and a large step: validation and test accuracy go up and down
// from epoch to epoch, so the epoch the test set would pick, the best-validation
// epoch and the last one are not all the same.
SweepSpec noisy_sweep() {
  const std::string text = R"({"version": 1, "name": "truth", "base": {"config": {
      "version": 1, "name": "s", "data": {"dataset": "synthetic", "validation_fraction": 0.25,
        "synthetic": {"kind": "spirals", "samples": 240, "test_samples": 120, "noise": 0.6, "classes": 2}},
      "model": {"mlp": {"hidden": [16], "activation": "tanh"}},
      "training": {"epochs": 8, "batch_size": 16, "threads": 1, "optimizer": {"type": "adam", "lr": 0.05}, "seed": 5}}},
    "params": [{"key": "training.optimizer.lr", "values": [0.005, 0.05]}],
    "strategy": {"type": "grid"}, "repeats": 3, "objective": {"metric": "val_accuracy", "mode": "max"}})";
  SweepResult r = parse_sweep_text(text, "test");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].str());
  return r.spec;
}

}  // namespace

TEST(OneTruth, SweepHistoryCliReportsAndResultFilesGiveTheSameNumbers) {
  TempDir d;
  const SweepSpec spec = noisy_sweep();
  SweepOptions o;
  o.store_path = d.file("runs.db");
  const SweepOutcome out = SweepRunner(spec, o).run();
  ASSERT_EQ(out.status, "completed") << out.message;
  ASSERT_EQ(out.trials.size(), 2u);

  RunStore st(o.store_path);
  RunFilter f;
  f.sweep_id = out.sweep_id;
  std::vector<RunRecord> recs;
  for (const RunSummary& s : st.list(f)) recs.push_back(*st.load(s.id));
  ASSERT_EQ(recs.size(), 6u);

  // 1. Each run: the sweep's value and test accuracy, the history list's
  //    columns and run_numbers() agree; and the test set chose nothing.
  int test_would_differ = 0;
  std::map<int, const TrialRow*> trial;
  for (const TrialRow& t : out.trials) trial[t.id] = &t;
  for (const RunRecord& r : recs) {
    const RunNumbers n = run_numbers(r);
    const TrialRow& t = *trial.at(r.summary.trial);
    EXPECT_EQ(n.selected_by, "val_accuracy");
    EXPECT_EQ(t.values[r.summary.repeat], n.value("val_accuracy"));
    EXPECT_EQ(t.tests[r.summary.repeat], n.test_accuracy);
    EXPECT_EQ(r.summary.best_epoch, n.selected_epoch);
    EXPECT_EQ(r.summary.best_val_accuracy, n.selected.val_accuracy);
    EXPECT_EQ(r.summary.test_accuracy, n.test_accuracy);
    EXPECT_EQ(r.summary.final_test_accuracy, n.final_test_accuracy);
    // The selected epoch is the best by validation accuracy, never by test accuracy.
    double best_val = -1, best_test = -1;
    for (const EpochEvent& e : r.history) best_val = std::max(best_val, e.val_accuracy), best_test = std::max(best_test, e.test_accuracy);
    EXPECT_EQ(n.selected.val_accuracy, best_val);
    if (n.test_accuracy != best_test) ++test_would_differ;
  }
  EXPECT_GT(test_would_differ, 0) << "in no run did the test set's best epoch differ from the selected one: "
                                     "the data does not show that the test set chooses nothing";

  // 2. The Sweep summary and the History comparison: the same means, the same best.
  const std::vector<ConfigSummary> sum = summarize_sweep(out.trials, spec.maximize);
  const Comparison cmp = compare_runs(recs);
  ASSERT_EQ(sum.size(), 2u);
  ASSERT_EQ(cmp.groups.size(), 2u);
  EXPECT_EQ(cmp.ranked_by, "val_accuracy");
  for (const ConfigSummary& cs : sum) {
    const std::string lr = display_value(cs.settings.at("training.optimizer.lr"));
    const RunGroup* g = nullptr;
    for (const RunGroup& x : cmp.groups)
      if (x.values == std::vector<std::string>{lr}) g = &x;
    ASSERT_TRUE(g) << "no History group for lr " << lr;
    EXPECT_NEAR(g->best_val_accuracy.mean, cs.stats.mean, 1e-12) << lr;
    EXPECT_NEAR(g->best_val_accuracy.sd, cs.stats.sd, 1e-12) << lr;
    EXPECT_NEAR(g->test_accuracy.mean, cs.test.mean, 1e-12) << lr;
    EXPECT_EQ(g->best, cs.best) << lr;
    if (!cs.best) {
      EXPECT_NEAR(g->p_vs_best, cs.p_vs_best, 1e-9) << lr;
    }
  }

  // 3. The command line's comparison prints the same means.
  int rc = 0;
  const std::string csv = run_cli("runs compare --sweep " + std::to_string(out.sweep_id) + " --db " + o.store_path +
                                  " --format csv", &rc);
  ASSERT_EQ(rc, 0) << csv;
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  const std::vector<std::string> head = split(line, ',');
  auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(head.begin(), head.end(), name) - head.begin());
  };
  int rows = 0;
  while (std::getline(lines, line) && !line.empty()) {
    const std::vector<std::string> cells = split(line, ',');
    for (const RunGroup& g : cmp.groups)
      if (cells[0] == g.values[0]) {
        ++rows;
        EXPECT_NEAR(std::stod(cells.at(column("test_accuracy_mean"))), g.test_accuracy.mean, 1e-5) << line;
        EXPECT_NEAR(std::stod(cells.at(column("best_val_accuracy_mean"))), g.best_val_accuracy.mean, 1e-5) << line;
      }
  }
  EXPECT_EQ(rows, 2) << csv;

  // 4. The sweep's report shows each configuration's test accuracy mean.
  const std::string html = report_html(make_sweep_report(spec, out.trials, recs));
  for (const ConfigSummary& cs : sum) {
    char b[32];
    std::snprintf(b, sizeof b, "%.4f", cs.test.mean);
    EXPECT_NE(html.find(b), std::string::npos) << "the report lacks " << b;
  }

  // 5. result.json of the same run, trained again by `hyperlab-cli run`: the same numbers.
  const RunRecord& r = recs.front();
  {
    std::ofstream(d.file("trial.json")) << config_to_text(r.config);
  }
  const std::string log = run_cli("run " + d.file("trial.json") + " --out " + d.file("out") + " --no-db", &rc);
  ASSERT_EQ(rc, 0) << log;
  std::ifstream in(d.file("out/result.json"));
  const nlohmann::json j = nlohmann::json::parse(in);
  const RunNumbers n = run_numbers(r);
  EXPECT_EQ(j["best_epoch"].get<int>(), n.selected_epoch);
  EXPECT_EQ(j["selected_by"].get<std::string>(), "val_accuracy");
  EXPECT_EQ(j["val_accuracy"].get<double>(), n.selected.val_accuracy);
  EXPECT_EQ(j["test_accuracy"].get<double>(), n.test_accuracy);
  EXPECT_EQ(j["final_test_accuracy"].get<double>(), n.final_test_accuracy);
}

TEST(OneTruth, NothingMayMonitorTheTestSet) {
  const std::string base = R"({"version": 1, "name": "t", "base": {"config": {"version": 1, "name": "s",
      "data": {"dataset": "synthetic"}, "model": {"mlp": {"hidden": [4]}}}},
    "params": [{"key": "training.optimizer.lr", "values": [0.01, 0.1]}], )";
  for (const char* m : {"test_accuracy", "test_loss"}) {
    SweepResult r = parse_sweep_text(base + R"("objective": {"metric": ")" + m + R"("}})", "test");
    ASSERT_EQ(r.errors.size(), 1u) << m;
    EXPECT_EQ(r.errors[0].path, "objective.metric");
    EXPECT_NE(r.errors[0].message.find("would let the test set choose"), std::string::npos) << r.errors[0].message;
    EXPECT_NE(r.errors[0].message.find("validation_fraction"), std::string::npos) << r.errors[0].message;
  }
  // A validation metric needs a validation set in the base config.
  SweepResult r = parse_sweep_text(base + R"("objective": {"metric": "val_loss", "mode": "min"}})", "test");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(), "objective.metric: val_loss needs a validation set: set data.validation_fraction in "
                               "the base config (e.g. 0.1, or --set data.validation_fraction=0.1)");
  // A training metric is fine without one.
  EXPECT_TRUE(parse_sweep_text(base + R"("objective": {"metric": "train_loss", "mode": "min"}})", "test").ok());
}

// Running sweeps for real (small synthetic data): trials in parallel, every
// run in the history and linked to its sweep, resuming after a stop, a time
// budget or kill -9 without re-running finished trials, failing and diverging
// trials, cancelling one trial, and planning/collecting jobs run elsewhere.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "common/spawn_cli.h"
#include "config/config_json.h"
#include "store/recording.h"
#include "store/runstore.h"
#include "sweep/runner.h"
#include "sweep/sweep.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace {

// Spirals, small and quick: `epochs` epochs of 250 samples.
SweepSpec small_sweep(const std::string& params, const std::string& strategy = R"({"type": "grid"})",
                      int repeats = 1, int epochs = 15) {
  const std::string text = R"({"version": 1, "name": "t", "base": {"config": {
      "version": 1, "name": "s", "data": {"dataset": "synthetic", "validation_fraction": 0.2,
        "synthetic": {"kind": "spirals", "samples": 250, "test_samples": 100, "noise": 0.1, "classes": 2}},
      "model": {"mlp": {"hidden": [8], "activation": "tanh"}},
      "training": {"epochs": )" + std::to_string(epochs) + R"(, "batch_size": 25, "threads": 1,
                   "optimizer": {"type": "adam", "lr": 0.01}, "seed": 3}}},
    "params": )" + params + R"(, "strategy": )" + strategy + R"(, "repeats": )" + std::to_string(repeats) + "}";
  SweepResult r = parse_sweep_text(text, "test");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].path + ": " + r.errors[0].message);
  return r.spec;
}

const char* kLrs = R"([{"key": "training.optimizer.lr", "values": [0.001, 0.01, 0.03, 0.1]}])";

// Runs the sweep until `n` trials are done, then stops it (as Stop or Ctrl-C would).
SweepOutcome run_until_done(const SweepSpec& s, const SweepOptions& o, int n) {
  SweepRunner runner(s, o);
  SweepCallbacks cb;
  int done = 0;
  cb.on_event = [&](const SweepEvent& e) {
    if (e.kind == SweepEvent::Kind::Trial && e.trial.status == "done" && ++done == n) runner.request_stop();
  };
  return runner.run(cb);
}

// The trial values of an outcome, by trial id.
std::map<int, double> values(const SweepOutcome& o) {
  std::map<int, double> v;
  for (const TrialRow& r : o.trials) v[r.id] = r.value;
  return v;
}

}  // namespace

TEST(SweepRunner, RunsTrialsInParallelAndRecordsEachRunLinkedToItsSweep) {
  TempDir d;
  SweepSpec s = small_sweep(kLrs, R"({"type": "grid"})", 2);
  SweepOptions o;
  o.store_path = d.file("runs.db");
  o.workers = 2;
  std::atomic<int> running{0}, most{0}, epochs{0};
  SweepCallbacks cb;
  std::map<int, std::string> last;
  cb.on_event = [&](const SweepEvent& e) {
    if (e.kind == SweepEvent::Kind::Epoch) {
      ++epochs;
      return;
    }
    if (e.trial.status == "running" && last[e.trial.id] != "running") most = std::max(most.load(), ++running);
    if (e.trial.status == "done" && last[e.trial.id] == "running") --running;
    last[e.trial.id] = e.trial.status;
  };
  SweepOutcome out = SweepRunner(s, o).run(cb);
  ASSERT_EQ(out.status, "completed") << out.message;
  EXPECT_EQ(out.trials_done, 4);
  EXPECT_EQ(planned_trials(s), 4);
  EXPECT_EQ(out.runs_trained, 8);
  EXPECT_EQ(most.load(), 2) << "two trials should have run at once";
  EXPECT_EQ(epochs.load(), 8 * 15);
  RunStore st(o.store_path);
  RunFilter f;
  f.sweep_id = out.sweep_id;
  auto runs = st.list(f);
  ASSERT_EQ(runs.size(), 8u);
  std::map<int, std::vector<double>> per_trial;
  for (const RunSummary& r : runs) {
    EXPECT_EQ(r.tags, "sweep:t");
    EXPECT_EQ(r.status, "completed");
    auto rec = st.load(r.id);
    double best = -1;
    for (const EpochEvent& e : rec->history) best = std::max(best, e.val_accuracy);
    per_trial[r.trial].push_back(best);
    EXPECT_EQ(rec->config.training.seed, 3u + r.repeat);
  }
  // Each trial's value is the mean over its seeds of the best validation accuracy.
  for (const TrialRow& t : out.trials) {
    ASSERT_EQ(per_trial[t.id].size(), 2u);
    EXPECT_NEAR(t.value, (per_trial[t.id][0] + per_trial[t.id][1]) / 2, 1e-12);
  }
  auto sweeps = st.list_sweeps();
  ASSERT_EQ(sweeps.size(), 1u);
  EXPECT_EQ(sweeps[0].status, "completed");
  EXPECT_EQ(sweeps[0].runs, 8);
}

TEST(SweepRunner, AStoppedSweepResumesWithoutRerunningFinishedTrials) {
  TempDir d;
  SweepSpec s = small_sweep(kLrs);
  // The reference: never interrupted.
  SweepOptions ref_o;
  ref_o.store_path = d.file("ref.db");
  SweepOutcome ref = SweepRunner(s, ref_o).run();
  ASSERT_EQ(ref.status, "completed");

  SweepOptions o;
  o.store_path = d.file("runs.db");
  SweepOutcome a = run_until_done(s, o, 2);
  EXPECT_EQ(a.status, "stopped");
  EXPECT_EQ(a.trials_done, 2);

  SweepOutcome b = SweepRunner(s, o).run();
  ASSERT_EQ(b.status, "completed") << b.message;
  EXPECT_EQ(b.sweep_id, a.sweep_id);
  EXPECT_EQ(b.resumed_trials, 2);
  EXPECT_EQ(b.runs_trained, 2) << "only the two trials without a result run again";
  EXPECT_EQ(b.trials_done, 4);
  EXPECT_EQ(values(b), values(ref)) << "the resumed sweep ends where the uninterrupted one does";
  RunStore st(o.store_path);
  RunFilter f;
  f.sweep_id = b.sweep_id;
  EXPECT_EQ(st.list(f).size(), 4u);

  // Once complete, running it again trains nothing; --fresh starts anew.
  SweepOutcome c = SweepRunner(s, o).run();
  EXPECT_EQ(c.status, "completed");
  EXPECT_EQ(c.runs_trained, 0);
  EXPECT_EQ(c.trials_done, 4);
  o.fresh = true;
  SweepOutcome fresh = SweepRunner(s, o).run();
  EXPECT_NE(fresh.sweep_id, b.sweep_id);
  EXPECT_EQ(fresh.runs_trained, 4);
}

TEST(SweepRunner, ResumesAdaptiveStrategiesToTheSameTrials) {
  TempDir d;
  // Successive halving asks depend on results: the replayed log must lead to the same promotions.
  SweepSpec s = small_sweep(R"([{"key": "training.optimizer.lr", "log_uniform": [0.0005, 0.2]}])",
                            R"({"type": "halving", "trials": 6, "eta": 2, "min_epochs": 2, "max_epochs": 8, "seed": 5})");
  SweepOptions ref_o;
  ref_o.store_path = d.file("ref.db");
  SweepOutcome ref = SweepRunner(s, ref_o).run();
  ASSERT_EQ(ref.status, "completed") << ref.message;
  int promoted = 0;
  for (const TrialRow& r : ref.trials) promoted += r.rung > 0;
  EXPECT_GE(promoted, 3) << "halving promotes the better half";

  SweepOptions o;
  o.store_path = d.file("runs.db");
  run_until_done(s, o, 4);
  SweepOutcome b = SweepRunner(s, o).run();
  ASSERT_EQ(b.status, "completed") << b.message;
  EXPECT_EQ(b.resumed_trials, 4);
  ASSERT_EQ(b.trials.size(), ref.trials.size());
  for (size_t i = 0; i < b.trials.size(); ++i) {
    EXPECT_EQ(b.trials[i].settings, ref.trials[i].settings);
    EXPECT_EQ(b.trials[i].resource, ref.trials[i].resource);
    EXPECT_DOUBLE_EQ(b.trials[i].value, ref.trials[i].value);
  }
}

TEST(SweepRunner, TimeBudgetStopsTheSweepAndTheNextSessionFinishesIt) {
  TempDir d;
  SweepSpec s = small_sweep(kLrs, R"({"type": "grid"})", 1, 200);
  SweepOptions o;
  o.store_path = d.file("runs.db");
  o.time_limit_s = 0.3;  // about one trial of four
  SweepOutcome a = SweepRunner(s, o).run();
  EXPECT_EQ(a.status, "budget");
  EXPECT_LT(a.seconds, 2.0) << "running trials stop at the deadline";
  EXPECT_LT(a.trials_done, 4);
  o.time_limit_s = 0;
  SweepOutcome b = SweepRunner(s, o).run();
  EXPECT_EQ(b.status, "completed");
  EXPECT_EQ(b.trials_done, 4);
  EXPECT_EQ(b.runs_trained, 4 - a.trials_done);
}

TEST(SweepRunner, FailingAndDivergingTrialsAreRecordedAndNeverStopTheSweep) {
  TempDir d;
  // lr 1e30 with MSE diverges; a hidden size of 0 is an invalid trial config.
  SweepSpec s = small_sweep(R"([{"key": "training.optimizer.lr", "values": [0.01, 1e30]},
                                 {"key": "model.mlp.hidden", "values": [[8], [0]]}])");
  s.base_text = [&] {
    nlohmann::json j = nlohmann::json::parse(s.base_text);
    j["training"]["loss"] = "mse";
    return j.dump();
  }();
  SweepOptions o;
  o.store_path = d.file("runs.db");
  o.workers = 2;
  SweepOutcome out = SweepRunner(s, o).run();
  ASSERT_EQ(out.status, "completed") << out.message;
  ASSERT_EQ(out.trials.size(), 4u);
  std::map<std::pair<bool, bool>, const TrialRow*> by;  // (huge lr, empty layer) -> trial
  for (const TrialRow& r : out.trials)
    by[{std::stod(r.settings.at("training.optimizer.lr")) > 1, r.settings.at("model.mlp.hidden") == "[0]"}] = &r;
  const TrialRow* good = by[std::make_pair(false, false)];
  const TrialRow* diverging = by[std::make_pair(true, false)];
  const TrialRow* invalid = by[std::make_pair(false, true)];
  ASSERT_TRUE(good && diverging && invalid);
  EXPECT_EQ(good->status, "done");
  EXPECT_EQ(diverging->status, "diverged");
  EXPECT_EQ(invalid->status, "failed");
  EXPECT_NE(invalid->reason.find("model.mlp.hidden"), std::string::npos) << invalid->reason;
  EXPECT_EQ(out.best_trial, good->id);
  RunStore st(o.store_path);
  int diverged = 0;
  for (const RunSummary& r : st.list()) diverged += r.status == "diverged";
  EXPECT_EQ(diverged, 1) << "the diverged run is in the history";
}

TEST(SweepRunner, CancelledTrialCountsAsFailedAndTheRestRun) {
  TempDir d;
  SweepSpec s = small_sweep(kLrs, R"({"type": "grid"})", 2, 100);
  SweepOptions o;
  o.store_path = d.file("runs.db");
  SweepRunner runner(s, o);
  SweepCallbacks cb;
  bool cancelled = false;
  cb.on_event = [&](const SweepEvent& e) {
    if (!cancelled && e.kind == SweepEvent::Kind::Epoch && e.trial.id == 1 && e.epoch.epoch == 3) {
      cancelled = true;
      std::thread([&runner] { runner.cancel_trial(1); }).detach();  // as the GUI would, from another thread
    }
  };
  SweepOutcome out = runner.run(cb);
  ASSERT_EQ(out.status, "completed");
  ASSERT_TRUE(cancelled);
  for (const TrialRow& r : out.trials) {
    if (r.id == 1) {
      EXPECT_EQ(r.status, "cancelled");
      EXPECT_LT(r.repeats_done, 3);
    } else {
      EXPECT_EQ(r.status, "done");
    }
  }
}

TEST(SweepRunner, MissingDataFailsTheSweepWithTheReason) {
  TempDir d;
  SweepSpec s = small_sweep(kLrs);
  s.base_text = [&] {
    nlohmann::json j = nlohmann::json::parse(s.base_text);
    j["data"] = {{"dataset", "mnist"}, {"path", d.file("nothing-here")}};
    return j.dump();
  }();
  SweepOptions o;
  o.store_path = d.file("runs.db");
  SweepOutcome out = SweepRunner(s, o).run();
  EXPECT_EQ(out.status, "failed");
  EXPECT_NE(out.message.find("nothing-here"), std::string::npos) << out.message;
  EXPECT_EQ(out.runs_trained, 0);
}

TEST(SweepRunner, PlannedJobsRunElsewhereAreCollectedIntoTheSweep) {
  TempDir d;
  SweepSpec s = small_sweep(R"([{"key": "training.optimizer.lr", "log_uniform": [0.001, 0.1]}])",
                            R"({"type": "halving", "trials": 4, "eta": 2, "min_epochs": 2, "max_epochs": 4})");
  SweepOptions o;
  o.store_path = d.file("runs.db");
  int rounds = 0, collected = 0;
  for (; rounds < 5; ++rounds) {
    SweepRunner r(s, o);  // each step in a new process, as the CLI does
    std::string err;
    auto jobs = r.plan(0, err);
    ASSERT_TRUE(err.empty()) << err;
    if (jobs.empty()) break;
    for (const SweepRunner::Job& j : jobs) {  // "the cluster": train each job on its own
      Trainer t(j.config);
      RunResult res = t.run();
      ASSERT_TRUE(r.collect(j, j.config, res, err)) << err;
      ++collected;
      EXPECT_FALSE(r.collect(j, j.config, res, err)) << "a job is collected once";
    }
  }
  EXPECT_EQ(rounds, 2) << "four configurations at 2 epochs, then the best two at 4";
  EXPECT_EQ(collected, 6);
  SweepRunner r(s, o);
  std::string err;
  EXPECT_TRUE(r.plan(0, err).empty());
  SweepOutcome out = r.outcome();
  EXPECT_EQ(out.status, "completed");
  EXPECT_EQ(out.trials_done, 6);
  RunStore st(o.store_path);
  RunFilter f;
  f.sweep_id = out.sweep_id;
  EXPECT_EQ(st.list(f).size(), 6u);

  // A result whose config is not the job's is refused.
  SweepSpec s2 = small_sweep(kLrs);
  s2.name = "other";
  SweepRunner r2(s2, o);
  auto jobs = r2.plan(0, err);
  ASSERT_EQ(jobs.size(), 4u);
  ExperimentConfig wrong = jobs[0].config;
  wrong.training.optimizer.lr = 0.5;
  RunResult res;
  EXPECT_FALSE(r2.collect(jobs[0], wrong, res, err));
  EXPECT_NE(err.find("not this trial's config"), std::string::npos) << err;
}

TEST(SweepRunner, AKilledCliSweepResumes) {
  TempDir d;
  const std::string db = d.file("runs.db"), file = d.file("sweep.json");
  {
    std::ofstream f(file);
    f << sweep_to_text(small_sweep(R"([{"key": "training.optimizer.lr", "values": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]}])",
                                   R"({"type": "grid"})", 1, 150));
  }
  auto cli = spawn_cli;
  pid_t pid = cli({"sweep", file, "--db", db});
  int seen = 0;
  for (int i = 0; i < 1500 && seen < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    try {
      RunStore st(db);
      RunFilter f;
      f.sweep_id = 1;
      seen = static_cast<int>(st.list(f).size());
    } catch (const StoreError&) {
    }
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_GE(seen, 2);
  int done_before = 0;
  {
    RunStore st(db);
    auto sw = st.list_sweeps();
    ASSERT_EQ(sw.size(), 1u);
    EXPECT_EQ(sw[0].status, "interrupted");
    done_before = sw[0].runs;
    ASSERT_LT(done_before, 6) << "the sweep finished before it was killed";
  }
  ::waitpid(cli({"sweep", file, "--db", db}), &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  RunStore st(db);
  auto sw = st.list_sweeps();
  ASSERT_EQ(sw.size(), 1u);
  EXPECT_EQ(sw[0].status, "completed");
  EXPECT_EQ(sw[0].runs, 6) << "each trial once: none re-run";
  int interrupted = 0;
  for (const RunSummary& r : st.list()) interrupted += r.status == "interrupted";
  EXPECT_LE(interrupted, 1) << "the run killed mid-way stays in the history as interrupted";
}

// A base config with model.init_from {"run": ID}: every trial starts from that run's weights
// (the sweep's own history finds its checkpoint), and the trials may vary model.freeze and
// the blocks' learning rates. With rates of 1e-9 nothing moves, so every trial measures
// what the starting run measured, which a fresh initialisation would not.
TEST(SweepRunner, TrialsStartFromTheBaseConfigsInitFromRun) {
  TempDir d;
  const std::string data = R"("data": {"dataset": "synthetic", "validation_fraction": 0.2,
        "synthetic": {"kind": "blobs", "samples": 300, "test_samples": 150, "noise": 0.2, "classes": 3}},
      "model": {"mlp": {"hidden": [16], "activation": "tanh"})";
  ConfigResult pre = parse_config_text(R"({"version": 1, "name": "pre", )" + data + R"(},
      "training": {"epochs": 40, "batch_size": 25, "threads": 1, "optimizer": {"type": "adam", "lr": 0.03}, "seed": 3}})");
  ASSERT_TRUE(pre.ok()) << pre.error_text();
  RunStore store(d.file("runs.db"));
  RecordingOptions ro;
  ro.checkpoint = d.file("pre.pt");
  Trainer t(pre.config);
  t.set_checkpoint_file(ro.checkpoint);
  RunRecording rec(&store, pre.config, ro);
  const RunResult p = rec.run(t, {});
  ASSERT_EQ(p.status, RunStatus::Completed) << p.reason;
  const double start_acc = p.history.back().test_accuracy;
  // What a trial would measure from a fresh initialisation: the check below must tell them apart.
  ConfigResult fresh = parse_config_text(R"({"version": 1, "name": "fresh", )" + data + R"(},
      "training": {"epochs": 1, "batch_size": 25, "threads": 1, "optimizer": {"type": "adam", "lr": 1e-9}, "seed": 3}})");
  ASSERT_TRUE(fresh.ok()) << fresh.error_text();
  const RunResult f = Trainer(fresh.config).run();
  ASSERT_GT(std::abs(f.history.back().test_accuracy - start_acc), 0.05) << "a fresh start would look the same";

  SweepResult sr = parse_sweep_text(R"({"version": 1, "name": "from-run", "base": {"config": {
      "version": 1, "name": "ft", )" + data + R"(, "init_from": {"run": )" + std::to_string(rec.run_id()) + R"(}},
      "training": {"epochs": 1, "batch_size": 25, "threads": 1, "optimizer": {"type": "adam", "lr": 1e-9}, "seed": 3}}},
    "params": [{"key": "model.freeze", "values": [[], ["body"]]},
               {"key": "training.optimizer.lr_groups.head", "values": [1e-9, 2e-9]}],
    "strategy": {"type": "grid"}})", "test");
  ASSERT_TRUE(sr.ok()) << (sr.errors.empty() ? "" : sr.errors[0].path + ": " + sr.errors[0].message);
  SweepOptions o;
  o.store_path = d.file("runs.db");
  o.workers = 2;
  const SweepOutcome out = SweepRunner(sr.spec, o).run();
  ASSERT_EQ(out.status, "completed") << out.message;
  ASSERT_EQ(out.trials.size(), 4u);
  for (const TrialRow& r : out.trials) {
    EXPECT_EQ(r.status, "done") << r.reason;
    ASSERT_EQ(r.tests.size(), 1u);
    EXPECT_NEAR(r.tests[0], start_acc, 0.007) << "trial " << r.id << " did not start from run " << rec.run_id();
  }
}

// model.init_from {"pretrain": FILE}: the fine-tuning finds the newest completed
// run of the pretraining config in the history, trains it first (recorded like
// any run) when there is none, and a config that differs finds nothing. Tiny
// generated data, a temporary history.
#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "config/config_json.h"
#include "config/presets.h"
#include "store/pretraining.h"
#include "store/recording.h"
#include "store/runstore.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace {

// Blobs through a small MLP; `extra` is merged in.
nlohmann::json tiny(const std::string& name, const std::string& extra = "{}") {
  nlohmann::json j = nlohmann::json::parse(R"({"version": 1, "name": ")" + name + R"(",
    "data": {"dataset": "synthetic", "synthetic": {"kind": "blobs", "classes": 3, "samples": 150, "test_samples": 60}},
    "model": {"mlp": {"hidden": [8]}},
    "training": {"epochs": 2, "batch_size": 30, "threads": 1, "optimizer": {"type": "adam", "lr": 0.01}}})");
  j.merge_patch(nlohmann::json::parse(extra));
  return j;
}

ExperimentConfig config_of(const nlohmann::json& j) {
  ConfigResult r = parse_config(j);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config;
}

// A fine-tuning of `pre_file`, trained and recorded into `store`; `starts` gets every RunStart's transfer text.
RunResult fine_tune(RunStore& store, const std::string& pre_file, std::vector<std::string>& starts, int64_t& id) {
  const ExperimentConfig c = config_of(tiny("fine", R"({"model": {"init_from": {"pretrain": ")" + pre_file + R"("}}})"));
  Trainer t(c);
  RunRecording rec(&store, c);
  RunCallbacks cb;
  cb.on_start = [&](const RunStart& s) { starts.push_back(s.transfer); };
  RunResult r = rec.run(t, cb);
  id = rec.run_id();
  return r;
}

}  // namespace

TEST(Pretraining, TrainedFirstWhenAbsentThenFoundInTheHistory) {
  TempDir d;
  RunStore store(d.file("runs.db"));
  const std::string pre = d.write("pre.json", tiny("pre").dump());
  std::vector<std::string> starts;
  int64_t id = 0;
  RunResult r = fine_tune(store, pre, starts, id);
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  // Two runs started: the pretraining (which says why), then the fine-tuning from its checkpoint.
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0].rfind("pretraining on synthetic first (no earlier run of " + pre + " found)", 0), 0u) << starts[0];
  EXPECT_NE(r.info.transfer.find("trained as run 1"), std::string::npos) << r.info.transfer;
  EXPECT_NE(r.info.transfer.find("init_from the pretraining " + pre), std::string::npos) << r.info.transfer;
  EXPECT_EQ(id, 2);
  const ExperimentConfig pre_cfg = pretraining_config(pre).config;
  EXPECT_EQ(find_completed_run(store, pre_cfg), 1);
  EXPECT_EQ(store.load(1)->summary.status, "completed");
  EXPECT_EQ(store.checkpoint(1), pretraining_checkpoint_file(store, pre_cfg));

  // Again: found, nothing trained first.
  starts.clear();
  r = fine_tune(store, pre, starts, id);
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_EQ(starts.size(), 1u);
  EXPECT_NE(r.info.transfer.find("run 1 of " + pre + " (found in the history"), std::string::npos) << r.info.transfer;
  EXPECT_EQ(id, 3);
  EXPECT_EQ(store.list().size(), 3u);

  // The name does not matter, everything else does.
  ExperimentConfig renamed = pre_cfg;
  renamed.name = "another name", renamed.description = "words";
  EXPECT_EQ(find_completed_run(store, renamed), 1);
  ExperimentConfig other = pre_cfg;
  other.training.seed = 2;
  EXPECT_EQ(find_completed_run(store, other), 0);
  // A changed pretraining file: no run of it yet, so it trains first.
  d.write("pre.json", tiny("pre", R"({"training": {"epochs": 3}})").dump());
  starts.clear();
  r = fine_tune(store, pre, starts, id);
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_EQ(starts.size(), 2u);
  EXPECT_EQ(store.list().size(), 5u);
  EXPECT_EQ(store.load(4)->config.training.epochs, 3);
  // Its checkpoint gone: that run is not found (and would be trained again).
  std::filesystem::remove(store.checkpoint(4));
  EXPECT_EQ(find_completed_run(store, pretraining_config(pre).config), 0);
}

TEST(Pretraining, StoppingDuringThePretrainingStopsBoth) {
  TempDir d;
  RunStore store(d.file("runs.db"));
  const std::string pre = d.write("pre.json", tiny("pre", R"({"training": {"epochs": 50}})").dump());
  const ExperimentConfig c = config_of(tiny("fine", R"({"model": {"init_from": {"pretrain": ")" + pre + R"("}}})"));
  Trainer t(c);
  RunRecording rec(&store, c);
  RunCallbacks cb;
  int batches = 0;
  cb.on_batch = [&](const BatchEvent&) {
    if (++batches == 3) t.request_stop();  // as the window's Stop does, from the fine-tuning's trainer
    return true;
  };
  const RunResult r = rec.run(t, cb);
  EXPECT_EQ(r.status, RunStatus::Cancelled) << r.reason;
  EXPECT_NE(r.reason.find("pretraining"), std::string::npos) << r.reason;
  EXPECT_LT(batches, 10) << "the pretraining went on after the stop";
  EXPECT_EQ(store.load(1)->summary.status, "cancelled");
  EXPECT_EQ(find_completed_run(store, pretraining_config(pre).config), 0);
}

TEST(Pretraining, WithoutAHistoryTheRunSaysWhichKey) {
  TempDir d;
  const std::string pre = d.write("pre.json", tiny("pre").dump());
  const ExperimentConfig c = config_of(tiny("fine", R"({"model": {"init_from": {"pretrain": ")" + pre + R"("}}})"));
  Trainer t(c);
  RunRecording rec(std::string(), c);  // records nothing: no history to look in
  const RunResult r = rec.run(t, {});
  EXPECT_EQ(r.status, RunStatus::Failed);
  EXPECT_EQ(r.reason.rfind("model.init_from.pretrain: ", 0), 0u) << r.reason;
}

TEST(Pretraining, ConfigNamesAPresetOrAFileAndRoundTrips) {
  TempDir d;
  ConfigResult r = parse_config(tiny("fine", R"({"model": {"init_from": {"pretrain": "spirals"}}})"));
  // spirals has 2-d points and this model too: it reads; which tensors map is the run's business.
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.config.model.init_from.pretrain, "spirals");
  EXPECT_FALSE(r.config.model.init_from.empty());
  const std::string text = config_to_text(r.config);
  EXPECT_NE(text.find(R"("init_from": {
      "pretrain": "spirals"
    })"), std::string::npos) << text;
  EXPECT_EQ(config_to_text(parse_config_text(text).config), text);

  auto first_error = [](const std::string& extra) {
    ConfigResult e = parse_config(tiny("fine", extra));
    return e.errors.empty() ? std::string() : e.errors.front().str();
  };
  EXPECT_EQ(first_error(R"({"model": {"init_from": {"pretrain": "no-such-preset"}}})"),
            "model.init_from.pretrain: no preset or file called no-such-preset");
  EXPECT_EQ(first_error(R"({"model": {"init_from": {"pretrain": ""}}})"),
            "model.init_from.pretrain: must not be empty: a preset's name or a config file");
  EXPECT_EQ(first_error(R"({"model": {"init_from": {"run": 3, "pretrain": "spirals"}}})"),
            "model.init_from.pretrain: give one of \"run\", \"file\" and \"pretrain\", not more");
  // A broken file says what is wrong in it.
  const std::string bad = d.write("bad.json", tiny("bad", R"({"training": {"epochs": -1}})").dump());
  EXPECT_EQ(first_error(R"({"model": {"init_from": {"pretrain": ")" + bad + R"("}}})")
                .rfind("model.init_from.pretrain: " + bad + ": training.epochs: ", 0), 0u);
  // One level only (a file naming itself would never end), and the pretraining must keep a checkpoint.
  const std::string self = d.file("self.json");
  d.write("self.json", tiny("self", R"({"model": {"init_from": {"pretrain": ")" + self + R"("}}})").dump());
  EXPECT_EQ(first_error(R"({"model": {"init_from": {"pretrain": ")" + self + R"("}}})"),
            "model.init_from.pretrain: " + self + " starts from a pretraining itself (model.init_from.pretrain): one level only");
  const std::string none = d.write("none.json", tiny("none", R"({"training": {"checkpoint_every": 0}})").dump());
  EXPECT_NE(first_error(R"({"model": {"init_from": {"pretrain": ")" + none + R"("}}})").find("keeps no checkpoint"),
            std::string::npos);
}

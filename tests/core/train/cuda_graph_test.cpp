// CUDA graphs for the training step (train/cuda_graph.h), end to end: on the
// CPU the setting changes nothing; on a GPU whose LibTorch has CUDA graphs
// (packaging/gpu-check.sh runs these there) the full batches are replayed and
// the run trains as the uncaptured one does. The decision itself is tested
// without a GPU in graphplan_test.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include "config/config_json.h"
#include "train/graphplan.h"
#include "train/metrics.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace {

// 480 training samples (600 less a fifth for validation).
ExperimentConfig config(const std::string& extra_json) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "version": 1, "name": "graphs",
    "data": {"dataset": "synthetic", "validation_fraction": 0.2,
             "synthetic": {"kind": "blobs", "classes": 3, "samples": 600, "test_samples": 300, "noise": 0.3}},
    "model": {"mlp": {"hidden": [32, 16], "activation": "relu"}},
    "training": {"epochs": 4, "batch_size": 32, "optimizer": {"type": "sgd", "lr": 0.05, "momentum": 0.9},
                 "threads": 1, "seed": 5}
  })");
  j.merge_patch(nlohmann::json::parse(extra_json));
  ConfigResult r = parse_config(j);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config;
}

RunResult train(ExperimentConfig c, bool graphs) {
  c.training.cuda_graphs = graphs;
  Trainer t(c);
  return t.run({});
}

bool declares(const RunResult& r, const std::string& metric) { return find_metric(r.info.metrics, metric) != nullptr; }

// Largest relative difference of the training and validation losses, epoch by epoch.
double loss_difference(const RunResult& a, const RunResult& b) {
  double worst = 0;
  for (size_t e = 0; e < a.history.size() && e < b.history.size(); ++e)
    for (auto f : {&EpochEvent::train_loss, &EpochEvent::val_loss})
      worst = std::max(worst, std::abs(a.history[e].*f - b.history[e].*f) / std::max(std::abs(b.history[e].*f), 1e-9));
  return worst;
}

}  // namespace

TEST(CudaGraphs, OnTheCpuTheSettingChangesNothing) {
  const ExperimentConfig c = config(R"({"training": {"device": "cpu"}})");
  const RunResult on = train(c, true), off = train(c, false);
  ASSERT_EQ(on.status, RunStatus::Completed) << on.reason;
  ASSERT_EQ(on.history.size(), off.history.size());
  for (size_t e = 0; e < on.history.size(); ++e) {
    EXPECT_EQ(on.history[e].train_loss, off.history[e].train_loss) << "epoch " << e + 1;
    EXPECT_EQ(on.history[e].val_accuracy, off.history[e].val_accuracy) << "epoch " << e + 1;
  }
  EXPECT_EQ(on.info.device.find("CUDA graphs"), std::string::npos) << on.info.device;
  EXPECT_FALSE(declares(on, "graph_batches"));
}

TEST(CudaGraphs, OnAGpuFullBatchesReplayAndTrainAsUncaptured) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  if (!cuda_graphs_built()) GTEST_SKIP() << "this build's LibTorch has no CUDA graphs";
  // SGD inside the graph with a new rate every epoch (the tail is recaptured),
  // clipping in the tail; Adam stepping after the replay; a smaller last batch (480 = 9 x 50 + 30).
  const char* cases[] = {
      R"({"training": {"device": "cuda", "clip_grad_norm": 1.0, "l2": 0.0001,
          "scheduler": {"type": "exponential", "gamma": 0.7}}})",
      R"({"training": {"device": "cuda", "optimizer": {"type": "adam", "lr": 0.01}}})",
      R"({"training": {"device": "cuda", "batch_size": 50}})"};
  for (const char* extra : cases) {
    const ExperimentConfig c = config(extra);
    const RunResult on = train(c, true), off = train(c, false);
    ASSERT_EQ(on.status, RunStatus::Completed) << extra << on.reason;
    ASSERT_EQ(off.status, RunStatus::Completed) << extra << off.reason;
    EXPECT_NE(on.info.device.find("CUDA graphs on"), std::string::npos) << on.info.device;
    EXPECT_EQ(on.info.device.find("off from"), std::string::npos) << on.info.device;  // no capture failed
    ASSERT_TRUE(declares(on, "graph_batches")) << extra;
    EXPECT_FALSE(declares(off, "graph_batches")) << extra;
    // From the second epoch every full batch replays: all 15 of 32, or 9 of the 10 of 50.
    const int64_t B = c.training.batch_size, N = on.info.train_size;
    const double full_share = double(N / B) / double((N + B - 1) / B);
    for (size_t e = 1; e < on.history.size(); ++e)
      EXPECT_DOUBLE_EQ(metric_value(on.history[e], "graph_batches"), full_share) << extra << " epoch " << e + 1;
    // The same kernels on the same data: the curves agree to rounding.
    EXPECT_LT(loss_difference(on, off), 1e-3) << extra;
    EXPECT_NEAR(on.history.back().val_accuracy, off.history.back().val_accuracy, 0.01) << extra;
  }
}

TEST(CudaGraphs, OnAGpuDropoutKeepsThemOffAndSaysWhy) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const RunResult r = train(config(R"({"model": {"mlp": {"dropout": 0.3}}, "training": {"device": "cuda", "epochs": 1}})"), true);
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_NE(r.info.device.find("CUDA graphs off: "), std::string::npos) << r.info.device;
  EXPECT_FALSE(declares(r, "graph_batches"));
}

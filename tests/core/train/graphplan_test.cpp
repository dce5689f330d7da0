// Whether a run's step is captured into CUDA graphs (train/graphplan.h): the
// decision over the config, the device and the build, and training.cuda_graphs
// read and written. Torch-free; the capture itself needs a GPU
// (packaging/gpu-check.sh compares graphs on and off there).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "train/graphplan.h"

using namespace hyperlab;
using json = nlohmann::json;

namespace {

ExperimentConfig parsed(const json& training, const json& model = json::parse(R"({"mlp": {"hidden": [8]}})")) {
  json j = {{"version", 1},
            {"data", {{"dataset", "synthetic"}, {"synthetic", {{"kind", "blobs"}, {"classes", 3}}}}},
            {"model", model},
            {"training", training}};
  ConfigResult r = parse_config(j);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config;
}

// A CUDA run of a build with graphs: what the plan then depends on is the config.
GraphNeeds on_cuda(const ExperimentConfig& c, int64_t train_size = 1000) {
  GraphNeeds n = graph_needs(c, train_size);
  n.cuda = true, n.available = true;
  return n;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(GraphPlan, OnForAPlainCudaRunWithTheSgdStepInside) {
  const GraphPlan p = plan_cuda_graphs(on_cuda(parsed({{"epochs", 2}, {"batch_size", 100}})));
  EXPECT_TRUE(p.on);
  EXPECT_TRUE(p.optimizer);  // sgd, the default
  EXPECT_TRUE(contains(p.note, "CUDA graphs on")) << p.note;
  EXPECT_FALSE(contains(p.note, "smaller last batch")) << p.note;  // 1000 = 10 x 100
}

TEST(GraphPlan, OtherOptimizersStepAfterTheReplay) {
  for (const char* type : {"adam", "adamw", "rmsprop", "adagrad"}) {
    const GraphPlan p = plan_cuda_graphs(on_cuda(parsed({{"optimizer", {{"type", type}}}})));
    EXPECT_TRUE(p.on) << type;
    EXPECT_FALSE(p.optimizer) << type;
    EXPECT_TRUE(contains(p.note, std::string("the ") + type + " step runs after the replay")) << p.note;
  }
}

TEST(GraphPlan, NothingOnTheCpuAndNoNote) {
  GraphNeeds n = graph_needs(parsed({{"epochs", 2}}), 1000);
  n.available = true;  // a CUDA build, but the run is on the CPU
  const GraphPlan p = plan_cuda_graphs(n);
  EXPECT_FALSE(p.on);
  EXPECT_TRUE(p.note.empty()) << p.note;
}

TEST(GraphPlan, OffWithTheReason) {
  auto off = [](const GraphNeeds& n, const std::string& why) {
    const GraphPlan p = plan_cuda_graphs(n);
    EXPECT_FALSE(p.on) << why;
    EXPECT_TRUE(contains(p.note, "CUDA graphs off: ")) << p.note;
    EXPECT_TRUE(contains(p.note, why)) << p.note;
  };
  off(on_cuda(parsed({{"cuda_graphs", false}})), "training.cuda_graphs is false");
  GraphNeeds old = on_cuda(parsed({{"epochs", 2}}));
  old.available = false;  // LibTorch 1.13, or 2.x without CUDA
  off(old, "no CUDA graphs");
  off(on_cuda(parsed({{"grad_noise_std", 0.01}})), "gradient noise");
  // Dropout, also inside a block; p = 0 draws nothing and keeps the graphs on.
  const json nested = json::parse(R"({"layers": [{"type": "flatten"},
      {"type": "sequential", "body": [{"type": "linear", "out": 8}, {"type": "dropout", "p": 0.3}]},
      {"type": "linear", "out": 3}]})");
  off(on_cuda(parsed({{"epochs", 2}}, nested)), "dropout");
  json zero = nested;
  zero["layers"][1]["body"][1]["p"] = 0.0;
  EXPECT_TRUE(plan_cuda_graphs(on_cuda(parsed({{"epochs", 2}}, zero))).on);
  EXPECT_TRUE(graph_needs(parsed(json::object(), json::parse(R"({"mlp": {"hidden": [8], "dropout": 0.5}})")), 1000).dropout);
}

TEST(GraphPlan, NeedsMoreFullBatchesThanTheWarmUp) {
  // 250 samples of 64: 3 full batches and a smaller one per epoch.
  const ExperimentConfig one = parsed({{"epochs", 1}, {"batch_size", 64}});
  const GraphPlan p1 = plan_cuda_graphs(on_cuda(one, 250));
  EXPECT_FALSE(p1.on);
  EXPECT_TRUE(contains(p1.note, "3 full batches")) << p1.note;
  // Two epochs have 6: the graphs carry over epochs, so they are worth it.
  const GraphPlan p2 = plan_cuda_graphs(on_cuda(parsed({{"epochs", 2}, {"batch_size", 64}}), 250));
  EXPECT_TRUE(p2.on) << p2.note;
  EXPECT_TRUE(contains(p2.note, "the smaller last batch runs uncaptured")) << p2.note;
  // Fewer samples than a batch: no full batch at all.
  EXPECT_FALSE(plan_cuda_graphs(on_cuda(parsed({{"epochs", 50}, {"batch_size", 64}}), 63)).on);
}

TEST(GraphPlan, SettingIsReadWrittenAndChecked) {
  EXPECT_TRUE(parsed(json::object()).training.cuda_graphs);  // on by default
  const ExperimentConfig off = parsed({{"cuda_graphs", false}});
  EXPECT_FALSE(off.training.cuda_graphs);
  const json written = json::parse(config_to_json(off).dump());
  EXPECT_EQ(written["training"]["cuda_graphs"], false);
  EXPECT_FALSE(config_to_json(parsed(json::object()))["training"].contains("cuda_graphs"));  // the default is left out
  json bad = written;
  bad["training"]["cuda_graphs"] = "yes";
  const ConfigResult r = parse_config(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error_text(), "training.cuda_graphs")) << r.error_text();
}

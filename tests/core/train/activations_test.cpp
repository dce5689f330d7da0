// What each layer makes of one image (train/activations.h): a tiny CNN's rows
// have its layers' shapes and names, the last row is the network's forward
// output, the caps hold, the network's mode is kept, the run's snapshots
// carry the asked image's layers and bad requests say why.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "config/config_json.h"
#include "config/shapes.h"
#include "data/dataset.h"
#include "model/network.h"
#include "train/activations.h"
#include "train/evaluate.h"
#include "train/snapshot.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace {

// 12x12 grey images, 3 classes; conv2d(40) has more channels than are sent,
// linear(80) more values; batch norm and dropout must run in evaluation mode.
ExperimentConfig tiny_cnn() {
  ConfigResult r = parse_config(nlohmann::json::parse(R"({
    "version": 1, "name": "tiny-cnn",
    "data": {"dataset": "synthetic", "synthetic": {"kind": "images", "classes": 3, "image_size": 12,
             "samples": 300, "test_samples": 40}},
    "model": {"layers": [
      {"type": "conv2d", "out": 4, "kernel": 3, "padding": 1}, {"type": "relu"}, {"type": "maxpool2d", "kernel": 2},
      {"type": "conv2d", "out": 40, "kernel": 3}, {"type": "batchnorm"}, {"type": "tanh"},
      {"type": "flatten"}, {"type": "linear", "out": 80}, {"type": "relu"}, {"type": "dropout", "p": 0.5},
      {"type": "linear", "out": 3}]},
    "training": {"epochs": 2, "batch_size": 32, "optimizer": {"type": "adam", "lr": 0.01}, "seed": 7}
  })"));
  EXPECT_TRUE(r.ok()) << r.error_text();
  return check_config(r.config).config;
}

ActivationRequest request(const ExperimentConfig& c, int image) {
  ActivationRequest q;
  q.config = c;
  q.data = load_data(c.data, c.training.seed);
  q.image = image;
  return q;
}

}  // namespace

TEST(Activations, RowsHaveTheLayersShapesAndTheLastIsTheForwardOutput) {
  const ExperimentConfig c = tiny_cnn();
  const ActivationRequest q = request(c, 5);
  const Activations A = compute_activations(q);
  ASSERT_TRUE(A.error.empty()) << A.error;
  // conv+relu, pool (then flatten), conv+batchnorm+tanh, linear+relu+dropout, linear.
  ASSERT_EQ(A.layers.size(), 5u);
  EXPECT_EQ(A.layers[0].layer, "conv2d(4, 3x3)");  // the model summary's name
  EXPECT_EQ(A.layers[0].then, (std::vector<std::string>{"relu"}));
  EXPECT_EQ(A.layers[0].shape, (std::vector<int64_t>{4, 12, 12}));
  EXPECT_EQ(A.layers[1].type, "maxpool2d");
  EXPECT_TRUE(A.layers[1].then.empty());
  EXPECT_EQ(A.layers[1].shape, (std::vector<int64_t>{4, 6, 6}));
  EXPECT_EQ(A.layers[2].then, (std::vector<std::string>{"batchnorm", "tanh", "flatten"}));
  EXPECT_EQ(A.layers[2].shape, (std::vector<int64_t>{40, 4, 4}));  // the maps the flatten flattens
  EXPECT_EQ(A.layers[2].maps, kMaxActivationMaps);
  EXPECT_EQ(A.layers[2].left_out, 40 - kMaxActivationMaps);
  EXPECT_EQ(A.layers[2].pixels.size(), size_t(kMaxActivationMaps) * 16);
  EXPECT_EQ(A.layers[3].shape, (std::vector<int64_t>{80}));
  EXPECT_EQ(A.layers[3].values.size(), size_t(kMaxActivationValues));
  EXPECT_EQ(A.layers[3].left_out, 80 - kMaxActivationValues);
  for (float v : A.layers[3].values) EXPECT_GE(v, 0.f);  // after the relu
  for (int k = 0; k < A.layers[0].maps; ++k) EXPECT_GE(A.layers[0].map_min[k], 0.f);
  EXPECT_GE(A.layers[2].min, -1.f);  // tanh
  EXPECT_LE(A.layers[2].max, 1.f);

  // The same network, built as a run builds it, in evaluation mode: its output for the image.
  at::Generator gen = at::detail::createCPUGenerator(c.training.seed);
  Network net(expanded_layers(c), model_input(c.data), c.model.init, gen);
  net.train(false);
  const BatchMath math(*q.data, at::kCPU, c.training.loss, q.data->spec.classes);
  at::NoGradGuard ng;
  const at::Tensor out = net.forward(math.input(q.data->test.x.narrow(0, 5, 1)))[0];
  const LayerActivation& last = A.layers.back();
  ASSERT_EQ(last.values.size(), 3u);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(last.values[k], out[k].item<float>(), 1e-5);
  ASSERT_EQ(A.probabilities.size(), 3u);
  EXPECT_EQ(A.predicted, out.argmax().item<int64_t>());
  EXPECT_NEAR(A.probabilities[0] + A.probabilities[1] + A.probabilities[2], 1.0, 1e-5);
  EXPECT_EQ(A.image, 5);
  EXPECT_EQ(A.label, q.data->test.y[5].item<int64_t>());
  EXPECT_EQ(A.epoch, 0);
}

// A map's bytes stretch it to its own range; the range and a value come back within a byte's step.
TEST(Activations, MapsAreStretchedToTheirOwnRange) {
  const ExperimentConfig c = tiny_cnn();
  const Activations A = compute_activations(request(c, 0));
  ASSERT_FALSE(A.empty()) << A.error;
  const LayerActivation& a = A.layers[2];
  float lo = 1e30f, hi = -1e30f;
  for (int k = 0; k < a.maps; ++k) {
    uint8_t pmin = 255, pmax = 0;
    for (int i = 0; i < a.height * a.width; ++i) {
      pmin = std::min(pmin, a.pixels[size_t(k) * 16 + i]), pmax = std::max(pmax, a.pixels[size_t(k) * 16 + i]);
      EXPECT_GE(a.map_value(k, i), a.map_min[k] - 1e-6f);
      EXPECT_LE(a.map_value(k, i), a.map_max[k] + 1e-6f);
    }
    if (a.map_max[k] > a.map_min[k]) {
      EXPECT_EQ(pmin, 0);
      EXPECT_EQ(pmax, 255);
    }
    lo = std::min(lo, a.map_min[k]), hi = std::max(hi, a.map_max[k]);
  }
  EXPECT_GE(lo, a.min);  // the shown maps lie within the whole output's range
  EXPECT_LE(hi, a.max);
}

// Evaluation mode meanwhile (batch norm's statistics untouched, no dropout), the mode restored after,
// no gradient recorded (a parameter's gradient stays as it was) and grad mode on again.
TEST(Activations, EvaluationModeNoGradAndTheModeRestored) {
  const ExperimentConfig c = tiny_cnn();
  std::shared_ptr<const LoadedData> data = load_data(c.data, c.training.seed);
  at::Generator gen = at::detail::createCPUGenerator(3);
  const std::vector<LayerConfig> layers = expanded_layers(c);
  Network net(layers, model_input(c.data), c.model.init, gen);
  const BatchMath math(*data, at::kCPU, c.training.loss, data->spec.classes);
  at::Tensor x = math.input(data->test.x.narrow(0, 2, 1)).clone().set_requires_grad(true);
  const std::vector<at::Tensor> before = [&] {
    std::vector<at::Tensor> b;
    for (at::Tensor& t : net.buffers()) b.push_back(t.clone());
    return b;
  }();
  net.train(true);
  const Activations a1 = layer_activations(net, layers, x, 3);
  EXPECT_TRUE(net.training());
  const Activations a2 = layer_activations(net, layers, x, 3);
  EXPECT_EQ(a1.layers[3].values, a2.layers[3].values);  // no dropout mask drawn
  const std::vector<at::Tensor> after = net.buffers();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(before[i].equal(after[i])) << "buffer " << i;
  EXPECT_FALSE(x.grad().defined());
  EXPECT_EQ(net.flat_grad().abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(at::GradMode::is_enabled());
  net.train(false);
  layer_activations(net, layers, x, 3);
  EXPECT_FALSE(net.training());
}

// Each epoch's snapshot carries the asked image's layers, and the image can change while the run goes;
// the final snapshot's last layer is what the checkpoint's weights give (compute_activations).
TEST(Activations, RunSnapshotsCarryTheAskedImage) {
  const ExperimentConfig c = tiny_cnn();
  TempDir dir;
  Trainer t(c);
  t.set_checkpoint_file(dir.file("run.pt"));
  std::atomic<int> image{4};
  std::vector<Activations> seen;
  RunCallbacks cb;
  cb.on_epoch = [&](const EpochEvent&) {
    image = 9;  // the next snapshot (this epoch's) shows image 9
    return true;
  };
  cb.on_snapshot = [&](const Snapshot& s) { seen.push_back(s.activations); };
  cb.activation_image = [&] { return image.load(); };
  const RunResult r = t.run(cb);
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  ASSERT_EQ(seen.size(), 3u);  // two epochs and the final
  EXPECT_EQ(seen[0].image, 9);
  EXPECT_EQ(seen[0].epoch, 1);
  EXPECT_EQ(seen[1].epoch, 2);
  EXPECT_TRUE(seen[2].final);
  EXPECT_EQ(seen[2].layers.size(), 5u);

  ActivationRequest q = request(c, 9);
  q.checkpoint = dir.file("run.pt");
  const Activations from_file = compute_activations(q);
  ASSERT_TRUE(from_file.error.empty()) << from_file.error;
  EXPECT_EQ(from_file.epoch, 2);
  ASSERT_EQ(from_file.layers.back().values.size(), seen[2].layers.back().values.size());
  for (size_t k = 0; k < from_file.layers.back().values.size(); ++k)
    EXPECT_NEAR(from_file.layers.back().values[k], seen[2].layers.back().values[k], 1e-4);

  // Nobody asks: no activations.
  Trainer quiet(c);
  RunCallbacks none;
  bool any = false;
  none.on_snapshot = [&](const Snapshot& s) { any = any || !s.activations.empty(); };
  quiet.run(none);
  EXPECT_FALSE(any);
}

TEST(Activations, BadRequestsSayWhy) {
  const ExperimentConfig c = tiny_cnn();
  ActivationRequest q = request(c, 40);  // 40 test images: 0..39
  EXPECT_NE(compute_activations(q).error.find("out of range"), std::string::npos);
  q.image = 0;
  q.data.reset();
  EXPECT_NE(compute_activations(q).error.find("no data"), std::string::npos);
  q = request(c, 0);
  q.checkpoint = "/nonexistent/run.pt";
  EXPECT_NE(compute_activations(q).error.find("/nonexistent/run.pt"), std::string::npos);
}

// A block is one row (its output), global average pooling's output is flat (bars).
TEST(Activations, BlocksAreOneRowEach) {
  ExperimentConfig c = tiny_cnn();
  ConfigResult r = parse_config(nlohmann::json::parse(R"({
    "version": 1, "name": "tiny-res",
    "data": {"dataset": "synthetic", "synthetic": {"kind": "images", "classes": 3, "image_size": 12,
             "samples": 100, "test_samples": 10}},
    "model": {"layers": [
      {"type": "conv2d", "out": 6, "kernel": 3, "padding": 1},
      {"type": "residual", "body": [{"type": "conv2d", "out": 6, "kernel": 3, "padding": 1}, {"type": "batchnorm"},
                                    {"type": "relu"}]},
      {"type": "relu"}, {"type": "global_avgpool"}, {"type": "linear", "out": 3}]},
    "training": {"epochs": 1, "seed": 2}
  })"));
  ASSERT_TRUE(r.ok()) << r.error_text();
  c = check_config(r.config).config;
  const Activations A = compute_activations(request(c, 1));
  ASSERT_TRUE(A.error.empty()) << A.error;
  ASSERT_EQ(A.layers.size(), 4u);
  EXPECT_EQ(A.layers[1].type, "residual");
  EXPECT_EQ(A.layers[1].then, (std::vector<std::string>{"relu"}));
  EXPECT_EQ(A.layers[1].shape, (std::vector<int64_t>{6, 12, 12}));
  EXPECT_EQ(A.layers[2].type, "global_avgpool");
  EXPECT_EQ(A.layers[2].values.size(), 6u);
  EXPECT_FALSE(A.layers[2].has_maps());
  EXPECT_EQ(A.probabilities.size(), 3u);
}

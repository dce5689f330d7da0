// Config parsing, validation messages, overrides, shape inference, presets.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "config/presets.h"
#include "common/fake_downloads.h"
#include "common/temp_dir.h"
#include "data/download.h"
#include "config/resources.h"
#include "config/shapes.h"

using namespace hyperlab;
using json = nlohmann::json;

namespace {

json minimal() {
  return json::parse(R"({
    "version": 1,
    "data": {"dataset": "synthetic", "synthetic": {"kind": "blobs", "classes": 3}},
    "model": {"mlp": {"hidden": [8]}},
    "training": {"epochs": 2}
  })");
}

std::vector<std::string> errors_of(const json& j) {
  std::vector<std::string> out;
  for (const auto& e : parse_config(j).errors) out.push_back(e.str());
  return out;
}

int count_layers(const std::vector<LayerConfig>& layers, const std::string& type) {
  return static_cast<int>(std::count_if(layers.begin(), layers.end(), [&](const LayerConfig& l) { return l.type == type; }));
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST(Config, MinimalIsValidWithDefaults) {
  ConfigResult r = parse_config(minimal());
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.config.training.batch_size, 64);
  EXPECT_EQ(r.config.training.optimizer.type, "sgd");
  EXPECT_EQ(r.config.data.synthetic.classes, 3);
}

TEST(Config, ReportsEveryProblemWithItsPath) {
  json j = json::parse(R"({
    "version": 1,
    "data": {"dataset": "synthetic"},
    "model": {"layers": [{"type": "flatten"}, {"type": "linear", "out": 4},
                         {"type": "relu"}, {"type": "linear", "out": -5}]},
    "training": {"epochs": 0, "batch_size": "big", "optimizer": {"type": "adam", "lr": -1, "momentum": 0.9}}
  })");
  auto e = errors_of(j);
  EXPECT_TRUE(has(e, "model.layers[3].out: must be a positive integer, got -5"));
  EXPECT_TRUE(has(e, "training.epochs: must be an integer in [1, 100000], got 0"));
  EXPECT_TRUE(has(e, "training.batch_size: must be an integer, got \"big\""));
  EXPECT_TRUE(has(e, "training.optimizer.lr: must be a number > 0, got -1"));
  EXPECT_TRUE(has(e, "training.optimizer.momentum: not used by the adam optimizer"));
  EXPECT_EQ(e.size(), 5u) << ::testing::PrintToString(e);
}

TEST(Config, UnknownKeysAreErrorsWithASuggestion) {
  json j = minimal();
  j["training"]["optimizer"] = {{"type", "sgd"}, {"momentun", 0.9}};
  j["trainig"] = json::object();
  auto e = errors_of(j);
  EXPECT_TRUE(has(e, "training.optimizer.momentun: unknown key (did you mean \"momentum\"?)"))
      << ::testing::PrintToString(e);
  EXPECT_TRUE(has(e, "trainig: unknown key (did you mean \"training\"?)"));
}

TEST(Config, VersionIsRequired) {
  json j = minimal();
  j.erase("version");
  EXPECT_TRUE(has(errors_of(j), "version: required (this Hyperlab reads version 1)"));
  j["version"] = 7;
  EXPECT_TRUE(has(errors_of(j), "version: must be 1, got 7"));
}

TEST(Config, ShapeInferenceNamesTheLayer) {
  json j = minimal();
  j["data"] = {{"dataset", "fashion-mnist"}};
  j["model"] = {{"layers", {{{"type", "flatten"}}, {{"type", "linear"}, {"out", 500}},
                            {{"type", "conv2d"}, {"out", 8}}, {{"type", "linear"}, {"out", 10}}}}};
  auto e = errors_of(j);
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], "model.layers[2]: conv2d needs [C,H,W] input, got [500]");

  j["model"] = {{"layers", {{{"type", "linear"}, {"out", 10}}}}};
  EXPECT_EQ(errors_of(j).at(0),
            "model.layers[0]: linear needs a flat [features] input, got [1,28,28] (add a flatten layer before it)");
  j["model"] = {{"layers", {{{"type", "flatten"}}, {{"type", "linear"}, {"out", 7}}}}};
  EXPECT_EQ(errors_of(j).at(0), "model.layers[1]: the model must end with [10] outputs (one per class), got [7]");
}

TEST(Config, SummaryCountsParametersAndShapes) {
  ConfigResult r = parse_config_text(preset_text("cnn-small"));
  ASSERT_TRUE(r.ok()) << r.error_text();
  ModelSummary s = summarize(r.config);
  ASSERT_TRUE(s.ok());
  // conv 1->16 3x3: 16*9+16; conv 16->32: 32*16*9+32; fc 1568->256; fc 256->10.
  EXPECT_EQ(s.total_params, 160 + 4640 + (1568 * 256 + 256) + (256 * 10 + 10));
  EXPECT_EQ(s.layers[5].output, (Shape{32, 7, 7}));
  EXPECT_EQ(s.layers[6].output, (Shape{1568}));
}

TEST(Config, MlpShorthandExpands) {
  json j = minimal();
  j["model"]["mlp"] = {{"hidden", {16, 8}}, {"activation", "tanh"}, {"dropout", 0.2}, {"batchnorm", true}};
  ConfigResult r = parse_config(j);
  ASSERT_TRUE(r.ok()) << r.error_text();
  std::vector<std::string> types;
  for (const auto& l : expanded_layers(r.config)) types.push_back(l.type);
  EXPECT_EQ(types, (std::vector<std::string>{"flatten", "linear", "batchnorm", "tanh", "dropout", "linear",
                                             "batchnorm", "tanh", "dropout", "linear"}));
  EXPECT_EQ(expanded_layers(r.config).back().out, 3);  // one output per class
}

TEST(Config, CrossFieldRules) {
  json j = minimal();
  j["training"]["early_stopping"] = {{"monitor", "val_loss"}};
  EXPECT_TRUE(has(errors_of(j), "training.early_stopping.monitor: val_loss needs a validation set: set "
                                "data.validation_fraction, e.g. 0.1"));
  j["data"]["validation_fraction"] = 0.2;
  EXPECT_TRUE(errors_of(j).empty());
  // The test set never chooses: not for early stopping, not for a plateau schedule.
  for (const char* m : {"test_accuracy", "test_loss"}) {
    j["training"]["early_stopping"] = {{"monitor", m}};
    auto errs = errors_of(j);
    ASSERT_EQ(errs.size(), 1u) << m;
    EXPECT_EQ(errs[0].rfind("training.early_stopping.monitor: " + std::string(m) + " would let the test set choose", 0), 0u)
        << errs[0];
    EXPECT_NE(errs[0].find("data.validation_fraction"), std::string::npos) << errs[0];
    j["training"]["early_stopping"] = {{"enabled", false}};
    j["training"]["scheduler"] = {{"type", "plateau"}, {"monitor", m}};
    errs = errors_of(j);
    ASSERT_EQ(errs.size(), 1u) << m;
    EXPECT_EQ(errs[0].rfind("training.scheduler.monitor: " + std::string(m) + " would let the test set choose", 0), 0u)
        << errs[0];
    j["training"].erase("scheduler");
  }
  j["training"]["early_stopping"] = {{"monitor", "train_loss"}};
  EXPECT_TRUE(errors_of(j).empty());
  j["training"]["early_stopping"] = {{"monitor", "val_loss"}};
  j["training"]["optimizer"] = {{"type", "sgd"}, {"nesterov", true}};
  EXPECT_TRUE(has(errors_of(j), "training.optimizer.nesterov: needs momentum > 0 and dampening 0"));
  j = minimal();
  j["training"]["device"] = "gpu";
  EXPECT_TRUE(has(errors_of(j), "training.device: must be auto, cpu, cuda or cuda:N, got \"gpu\""));
  j = minimal();
  j["data"] = {{"dataset", "mnist"}};
  j["model"]["mlp"]["hidden"] = {8};
  // Without a path, mnist is read from where a download puts it, once it is there.
  TempDir xdg;
  setenv("XDG_DATA_HOME", xdg.path.c_str(), 1);
  EXPECT_EQ(errors_of(j).at(0).rfind("data.path: required for mnist unless it is downloaded (hyperlab-cli data "
                                     "download mnist", 0), 0u);
  const std::string folder = xdg.path + "/hyperlab/datasets/mnist";
  std::filesystem::create_directories(folder);
  for (const std::string& f : dataset_download("mnist")->contents) std::ofstream(folder + "/" + f) << "x";
  EXPECT_TRUE(errors_of(j).empty());
  EXPECT_EQ(default_data_path("mnist"), folder);
  unsetenv("XDG_DATA_HOME");
}

TEST(Config, JsonRoundTripIsStable) {
  FakeDownloads downloads;  // the mnist and cifar10 presets find their data where a download puts it
  for (const std::string& name : preset_names()) {
    ConfigResult a = parse_config_text(preset_text(name), name);
    ASSERT_TRUE(a.ok()) << name << ": " << a.error_text();
    std::string text = config_to_text(a.config);
    ConfigResult b = parse_config_text(text, name);
    ASSERT_TRUE(b.ok()) << name << ": " << b.error_text() << text;
    EXPECT_EQ(config_to_text(b.config), text) << name;
  }
}

TEST(Config, PresetsReproduceTheCoursework) {
  FakeDownloads downloads;
  auto load = [](const std::string& n) {
    ConfigResult r = parse_config_text(preset_text(n), n);
    EXPECT_TRUE(r.ok()) << r.error_text();
    return r.config;
  };
  ExperimentConfig b = load("fashion-baseline");
  EXPECT_EQ(b.model.mlp->hidden, (std::vector<int>{500, 50}));
  EXPECT_EQ(b.training.optimizer.lr, 0.1);
  EXPECT_EQ(b.training.batch_size, 64);
  EXPECT_EQ(b.training.epochs, 15);
  ExperimentConfig s = load("shallow-sigmoid");
  EXPECT_EQ(s.training.batch_size, 10);
  EXPECT_TRUE(s.training.optimizer.nesterov);
  EXPECT_EQ(s.training.optimizer.momentum, 0.8);
  EXPECT_EQ(s.training.optimizer.weight_decay, 1e-5);
  EXPECT_EQ(s.model.init.scheme, "xavier_normal");
  EXPECT_EQ(load("deep-sigmoid").model.mlp->hidden.size(), 8u);
  EXPECT_EQ(load("best-mlp").training.optimizer.type, "rmsprop");
  EXPECT_EQ(summarize(load("fashion-baseline")).total_params, 784 * 500 + 500 + 500 * 50 + 50 + 50 * 10 + 10);

  // The image half: data from the download folder (no data.path), CIFAR-10 with crops and flips.
  const ExperimentConfig m = load("mnist-cnn");
  EXPECT_EQ(m.data.dataset, "mnist");
  EXPECT_TRUE(m.data.path.empty());
  EXPECT_EQ(count_layers(m.model.layers, "conv2d"), 2);
  EXPECT_EQ(count_layers(m.model.layers, "batchnorm"), 2);
  const ExperimentConfig r = load("cifar10-resnet20");
  EXPECT_TRUE(r.data.path.empty());
  ASSERT_EQ(r.data.augment.size(), 2u);
  EXPECT_EQ(r.data.augment[0].type, "crop");
  EXPECT_EQ(r.data.augment[0].padding, 4);
  EXPECT_EQ(r.data.augment[1].type, "flip");
  EXPECT_EQ(preset_text("resnet20-cifar"), preset_text("cifar10-resnet20")) << "the former name still loads";
  EXPECT_TRUE(load("cifar10-resnet18-finetune").data.path.empty());
  // Fashion-MNIST to MNIST: the same network, so every tensor of the pretraining maps.
  const ExperimentConfig f = load("fashion-to-mnist");
  EXPECT_EQ(f.model.init_from.pretrain, "fashion-cnn");
  const ExperimentConfig pre = load("fashion-cnn");
  EXPECT_EQ(pre.data.dataset, "fashion-mnist");
  EXPECT_EQ(config_to_json(pre)["model"]["layers"], config_to_json(f)["model"]["layers"]);
}

TEST(Config, OverridesSetNestedKeysAndIndexes) {
  json j = minimal();
  EXPECT_EQ(apply_override(j, "training.optimizer.lr=0.5"), "");
  EXPECT_EQ(apply_override(j, "model.mlp.hidden=[4,4]"), "");
  EXPECT_EQ(apply_override(j, "training.device=cpu"), "");  // bare word = string
  ConfigResult r = parse_config(j);
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.config.training.optimizer.lr, 0.5);
  EXPECT_EQ(r.config.model.mlp->hidden, (std::vector<int>{4, 4}));
  EXPECT_EQ(r.config.training.device, "cpu");
  j["model"] = {{"layers", {{{"type", "linear"}, {"out", 3}}}}};
  EXPECT_EQ(apply_override(j, "model.layers[0].out=5"), "");
  EXPECT_EQ(j["model"]["layers"][0]["out"], 5);
  EXPECT_NE(apply_override(j, "model.layers[3].out=5"), "");
  EXPECT_NE(apply_override(j, "no_equals_sign"), "");
}

TEST(Config, NotJsonSaysSo) {
  ConfigResult r = parse_config_text("{\"version\": 1,", "x.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors[0].message.find("x.json is not valid JSON"), std::string::npos);
}

// ---- Memory: the estimate, the check against a given machine, absurd sizes ----

namespace {

// fashion-mnist (input [1,28,28], 10 classes) with an mlp, adjusted by `extra`.
ExperimentConfig fashion_mlp(const std::vector<int>& hidden, const std::string& extra = "{}") {
  json j = json::parse(R"({"version": 1, "data": {"dataset": "fashion-mnist"}, "training": {}})");
  j["model"] = {{"mlp", {{"hidden", hidden}}}};
  j.merge_patch(json::parse(extra));
  ConfigResult r = parse_config(j);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config;
}

std::vector<std::string> resource_errors(const ExperimentConfig& c, double available, bool cuda = false,
                                         bool count_data = true) {
  std::vector<std::string> out;
  for (const auto& e : check_resources(c, MachineMemory{available, cuda}, count_data)) out.push_back(e.str());
  return out;
}

}  // namespace

TEST(ConfigMemory, EstimateCountsParametersOptimizerStateActivationsAndData) {
  // 784*100+100 + 100*10+10 parameters.
  const double P = 79510;
  MemoryEstimate e = estimate_memory(fashion_mlp({100}));
  EXPECT_EQ(e.parameters, P);
  EXPECT_EQ(e.state_copies, 2);  // plain sgd: weights and gradients
  EXPECT_EQ(e.model_bytes, 4 * P * 2);
  EXPECT_EQ(e.build_bytes, 4 * P * 3);
  // Evaluation batches of 1000 (input 784 + 2 x the widest output, 100) outweigh a training batch of 64.
  EXPECT_EQ(e.batch, 64);
  EXPECT_EQ(e.activation_bytes, 4.0 * 1000 * (784 + 2 * 100));
  EXPECT_EQ(e.data_bytes, 70000.0 * (784 + 8));  // the standard files: 60000 + 10000 images and int64 labels

  e = estimate_memory(fashion_mlp({100}, R"({"training": {"batch_size": 10000}})"));
  EXPECT_EQ(e.activation_bytes, 4.0 * 10000 * (784 + 2 * (100 + 100 + 10)));  // linear, relu, linear
  e = estimate_memory(fashion_mlp({100}, R"({"training": {"batch_size": 1000000}})"));
  EXPECT_EQ(e.batch, 60000) << "a batch is at most the training set";

  struct Case {
    const char* training;
    int copies;
  } cases[] = {
      {R"({"optimizer": {"type": "sgd", "momentum": 0.9}})", 2 + 1 + 1},  // momentum, a step temporary
      {R"({"optimizer": {"type": "adam"}})", 2 + 2 + 1},
      {R"({"optimizer": {"type": "adamw", "amsgrad": true}})", 2 + 3 + 1},
      {R"({"optimizer": {"type": "rmsprop", "momentum": 0.5, "centered": true}})", 2 + 3 + 1},
      {R"({"optimizer": {"type": "adagrad"}})", 2 + 1 + 1},
      {R"({"l2": 0.001})", 2 + 0 + 1},
      {R"({"optimizer": {"type": "adam"}, "grad_noise_std": 0.1, "early_stopping": {"monitor": "train_loss"}})",
       2 + 2 + 1 + 2},  // + the noise buffer, + the best epoch's copy
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.training);
    e = estimate_memory(fashion_mlp({100}, std::string(R"({"training": )") + k.training + "}"));
    EXPECT_EQ(e.state_copies, k.copies);
    EXPECT_EQ(e.model_bytes, 4 * P * k.copies);
  }

  // Data: a validation split copies the training set.
  e = estimate_memory(fashion_mlp({100}, R"({"data": {"validation_fraction": 0.1}})"));
  EXPECT_EQ(e.data_bytes, (70000.0 + 60000) * (784 + 8));
  ExperimentConfig big = fashion_mlp({8}, R"({"data": {"dataset": "synthetic",
      "synthetic": {"kind": "images", "samples": 10000000, "image_size": 256}}})");
  e = estimate_memory(big);
  EXPECT_EQ(e.data_bytes, 10000500.0 * (256 * 256 + 8));
  EXPECT_EQ(e.data_what, "10000000 + 500 images of 256x256");
}

TEST(ConfigMemory, RefusesWhatTheMachineCannotHoldNamingTheKeyAndTheNumbers) {
  const double machine = 23e9;
  // 1.6e12 parameters: 784e6 + 1e6 + 1.6e12 + 1.6e6 + 16e6 + 10; built, they take 12 bytes each.
  ExperimentConfig huge = fashion_mlp({1000000, 1600000});
  EXPECT_EQ(estimate_memory(huge).parameters, 1600802600010.0);
  EXPECT_EQ(resource_errors(huge, machine),
            (std::vector<std::string>{"model: 1.6e12 parameters need about 19 TB (while it is built: the layers' "
                                      "tensors, then flat weights and gradients); this machine has 23 GB of "
                                      "memory available"}));
  ExperimentConfig huge_adam = fashion_mlp({1000000, 1600000}, R"({"training": {"optimizer": {"type": "adam"}}})");
  EXPECT_EQ(resource_errors(huge_adam, machine),
            (std::vector<std::string>{"model: 1.6e12 parameters need about 32 TB (weights, gradients, adam state); "
                                      "this machine has 23 GB of memory available"}));
  EXPECT_EQ(resource_errors(huge_adam, machine, true),
            (std::vector<std::string>{"model: 1.6e12 parameters need about 19 TB (host memory while the model is "
                                      "built, before it moves to the CUDA device); this machine has 23 GB of "
                                      "memory available"}));

  ExperimentConfig images = fashion_mlp({8}, R"({"data": {"dataset": "synthetic",
      "synthetic": {"kind": "images", "samples": 10000000, "image_size": 256}}})");
  EXPECT_EQ(resource_errors(images, machine),
            (std::vector<std::string>{"data.synthetic: 10000000 + 500 images of 256x256 need about 655 GB; this "
                                      "machine has 23 GB of memory available"}));
  EXPECT_TRUE(resource_errors(images, machine, false, false).empty()) << "data already loaded is not counted again";

  // 1024 channels of 28x28 for each of 60000 samples in one batch: 4 x 60000 x (784 + 2 x 1605642) bytes.
  json cnn = json::parse(R"({"version": 1, "data": {"dataset": "fashion-mnist"}, "training": {"batch_size": 1000000},
      "model": {"layers": [{"type": "conv2d", "out": 1024, "padding": 1}, {"type": "relu"}, {"type": "flatten"},
                           {"type": "linear", "out": 10}]}})");
  ConfigResult r = parse_config(cnn);
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(resource_errors(r.config, machine),
            (std::vector<std::string>{"training.batch_size: a batch of 60000 needs about 771 GB for its activations "
                                      "(forward and backward); this machine has 23 GB of memory available"}));
  EXPECT_TRUE(resource_errors(r.config, machine, true).empty()) << "on CUDA the activations are the device's";

  // Every part fits alone, not all together: the largest (here the data) is named.
  ExperimentConfig small = fashion_mlp({100});
  EXPECT_EQ(resource_errors(small, 58e6),
            (std::vector<std::string>{"data: the run needs about 60 MB in all (model 954 kB, activations of a batch "
                                      "of 64 3.9 MB, data 55 MB); this machine has 58 MB of memory available"}));
  EXPECT_TRUE(resource_errors(small, 61e6).empty());
  EXPECT_TRUE(resource_errors(huge, 0).empty()) << "unknown memory: nothing to compare with";
  FakeDownloads downloads;
  for (const std::string& name : preset_names()) {
    ConfigResult p = parse_config_text(preset_text(name));
    EXPECT_TRUE(resource_errors(p.config, 4e9).empty()) << name << " fits in 4 GB";
  }
}

TEST(ConfigMemory, ParsingStaysMachineIndependentCheckConfigChecksThisMachine) {
  ExperimentConfig huge = fashion_mlp({1000000, 1600000});  // parse_config accepts it (EXPECTed inside)
  ConfigResult r = check_config(huge);
  ASSERT_EQ(r.errors.size(), 1u) << r.error_text();
  EXPECT_EQ(r.errors[0].path, "model");
  EXPECT_EQ(r.errors[0].message.rfind("1.6e12 parameters need about 19 TB (", 0), 0u) << r.errors[0].message;
  EXPECT_NE(r.errors[0].message.find("; this machine has "), std::string::npos);
  EXPECT_TRUE(check_config(fashion_mlp({100})).ok());
}

TEST(ConfigMemory, ShapeArithmeticSaturatesInsteadOfWrappingAround) {
  // conv 1->2e9 1024x1024 (2.1e15 parameters), then 2e9->2e9 1024x1024: 4.2e24, past int64.
  json j = json::parse(R"({"version": 1, "data": {"dataset": "fashion-mnist"}, "training": {},
      "model": {"layers": [{"type": "conv2d", "out": 2000000000, "kernel": 1024, "padding": 1000},
                           {"type": "conv2d", "out": 2000000000, "kernel": 1024, "padding": 1000},
                           {"type": "flatten"}, {"type": "linear", "out": 10}]}})");
  ConfigResult r = parse_config(j);
  ASSERT_TRUE(r.ok()) << r.error_text();
  ModelSummary s = summarize(r.config);
  const int64_t top = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(s.layers[0].params, int64_t(2000000000) * 1024 * 1024 + 2000000000);
  EXPECT_EQ(s.layers[1].params, top);
  EXPECT_EQ(s.total_params, top);
  EXPECT_EQ(s.forward_flops, top);
  EXPECT_EQ(s.layers[2].output, (Shape{int64_t(2000000000) * 1982 * 1982}));
  std::vector<std::string> e = resource_errors(r.config, 23e9);
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e[0].rfind("model: more than 9.2e18 parameters need about ", 0), 0u) << e[0];
}

TEST(ConfigMemory, SizesReadAsPeopleWriteThem) {
  EXPECT_EQ(human_bytes(7840), "7840 bytes");
  EXPECT_EQ(human_bytes(12000), "12 kB");
  EXPECT_EQ(human_bytes(1.2e6), "1.2 MB");
  EXPECT_EQ(human_bytes(47.04e9), "47 GB");
  EXPECT_EQ(human_bytes(19.2e12), "19 TB");
  EXPECT_EQ(human_bytes(999.7e9), "1.0 TB");
  EXPECT_EQ(human_count(60000000), "60000000");
  EXPECT_EQ(human_count(1.6008e12), "1.6e12");
}

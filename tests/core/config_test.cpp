// Config parsing, validation messages, overrides, shape inference, presets.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "config/presets.h"
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
  EXPECT_TRUE(has(errors_of(j), "training.early_stopping.monitor: val_loss needs data.validation_fraction > 0"));
  j["data"]["validation_fraction"] = 0.2;
  EXPECT_TRUE(errors_of(j).empty());
  j["training"]["optimizer"] = {{"type", "sgd"}, {"nesterov", true}};
  EXPECT_TRUE(has(errors_of(j), "training.optimizer.nesterov: needs momentum > 0 and dampening 0"));
  j = minimal();
  j["training"]["device"] = "gpu";
  EXPECT_TRUE(has(errors_of(j), "training.device: must be auto, cpu, cuda or cuda:N, got \"gpu\""));
  j = minimal();
  j["data"] = {{"dataset", "mnist"}};
  j["model"]["mlp"]["hidden"] = {8};
  EXPECT_EQ(errors_of(j).at(0).rfind("data.path: required for mnist", 0), 0u);
}

TEST(Config, JsonRoundTripIsStable) {
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

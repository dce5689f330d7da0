// The `torchscript` layer (model/scripted.h): a TorchScript file made here
// (conv, batch norm, linear) trained as it is with a new head; its parameters
// are views of the network's flat tensor; freezing keeps it bit for bit, batch
// norm included; checkpoints resume; export, attack and activations work;
// bad files are errors naming the key and the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>
#include <torch/script.h>

#include "config/config_json.h"
#include "config/shapes.h"
#include "data/dataset.h"
#include "export/pytorch_script.h"
#include "export/torchscript.h"
#include "model/network.h"
#include "model/scripted.h"
#include "model/transfer.h"
#include "train/activations.h"
#include "train/attack.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

using namespace hyperlab;
namespace fs = std::filesystem;
namespace jit = torch::jit;

namespace {

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("hyperlab-scripted-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

// conv(channels -> 6, 3x3, padding 1), batch norm, relu, 2x2 max pool, flatten, linear(96 -> 12), for
// 8x8 images; named as torch.jit.script names a module's tensors (conv.weight, bn.running_mean, fc.bias).
std::string write_scripted(const std::string& name, int64_t channels) {
  auto cu = std::make_shared<jit::CompilationUnit>();
  at::Generator g = at::detail::createCPUGenerator(11);
  auto module = [&](const std::string& cls) {
    jit::Module m(c10::QualifiedName("__torch__.test." + cls), cu);
    m.register_attribute("training", c10::BoolType::get(), true);
    return m;
  };
  jit::Module conv = module("Conv");
  conv.register_parameter("weight", at::randn({6, channels, 3, 3}, g) * 0.4, false);
  conv.register_parameter("bias", at::zeros({6}), false);
  conv.define("def forward(self, x):\n    return torch.conv2d(x, self.weight, self.bias, [1, 1], [1, 1])\n");
  jit::Module bn = module("Norm");
  bn.register_parameter("weight", at::ones({6}), false);
  bn.register_parameter("bias", at::zeros({6}), false);
  bn.register_buffer("running_mean", at::zeros({6}));
  bn.register_buffer("running_var", at::ones({6}));
  bn.define("def forward(self, x):\n    return torch.batch_norm(x, self.weight, self.bias, self.running_mean, "
            "self.running_var, self.training, 0.1, 1e-05, False)\n");
  jit::Module fc = module("Linear");
  fc.register_parameter("weight", at::randn({12, 96}, g) * 0.1, false);
  fc.register_parameter("bias", at::zeros({12}), false);
  fc.define("def forward(self, x):\n    return torch.linear(x, self.weight, self.bias)\n");
  jit::Module net = module("Net");
  net.register_module("conv", conv);
  net.register_module("bn", bn);
  net.register_module("fc", fc);
  net.define(
      "def forward(self, x):\n    x = torch.relu(self.bn.forward(self.conv.forward(x)))\n"
      "    x = torch.max_pool2d(x, [2, 2], [2, 2], [0, 0])\n    return self.fc.forward(torch.flatten(x, 1))\n");
  const std::string file = (temp_dir() / name).string();
  net.save(file);
  return file;
}
const std::string& scripted_file() {
  static const std::string f = write_scripted("net.pt", 1);
  return f;
}

// 8x8 one-channel images of 3 classes; model: the file, then a new linear head.
nlohmann::json config_json(const std::string& file, const std::string& extra = "{}") {
  nlohmann::json j = nlohmann::json::parse(R"({
    "version": 1, "name": "scripted",
    "data": {"dataset": "synthetic",
             "synthetic": {"kind": "images", "classes": 3, "samples": 300, "test_samples": 150, "noise": 0.3,
                           "image_size": 8}},
    "model": {"layers": [{"type": "torchscript", "file": "FILE"}, {"type": "linear", "out": 3}]},
    "training": {"epochs": 8, "batch_size": 32, "optimizer": {"type": "sgd", "lr": 0.05, "momentum": 0.9},
                 "seed": 3, "threads": 1, "cache_features": false}
  })");
  j["model"]["layers"][0]["file"] = file;
  j.merge_patch(nlohmann::json::parse(extra));
  return j;
}
ExperimentConfig config(const std::string& extra = "{}") {
  ConfigResult r = parse_config(config_json(scripted_file(), extra));
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config;
}
std::string errors_of(const nlohmann::json& j) {
  const ConfigResult r = parse_config(j);
  return r.ok() ? "" : r.error_text();
}

Network build(const ExperimentConfig& c) {
  return Network(expanded_layers(c), model_input(c.data), c.model.init, at::detail::createCPUGenerator(7));
}
ScriptedImpl& scripted_of(Network& net) { return *net.modules()->ptr(0)->as<ScriptedImpl>(); }
at::Tensor jit_tensor(const ScriptedImpl& s, const std::string& sub, const std::string& name) {
  return s.script().attr(sub).toModule().attr(name).toTensor();
}

// The network's tensors of layer 0 (the file's module), by the file's own names, from a checkpoint.
std::map<std::string, at::Tensor> trained_tensors(const std::string& checkpoint) {
  Network net = build(checkpoint_config(checkpoint));
  load_checkpoint_weights(checkpoint, net);
  std::map<std::string, at::Tensor> out;
  for (const auto& [name, t] : net.named_tensors()) out[name] = t.detach().clone();
  return out;
}

struct Trained {
  std::string checkpoint;
  RunResult result;
};
Trained train(const std::string& name, const std::string& extra = "{}") {
  Trained t;
  t.checkpoint = (temp_dir() / name).string();
  Trainer tr(config(extra));
  tr.set_checkpoint_file(t.checkpoint);
  t.result = tr.run();
  return t;
}
const Trained& fine_tuned() {
  static const Trained t = train("tuned.pt");
  return t;
}

}  // namespace

TEST(Scripted, ShapesComeFromOneForward) {
  const ModelSummary s = summarize(config());
  ASSERT_TRUE(s.ok());
  ASSERT_GE(s.layers.size(), 2u);
  EXPECT_EQ(s.layers[0].output, (Shape{12}));
  EXPECT_EQ(s.layers[0].name, "torchscript(net.pt)");
  EXPECT_EQ(s.layers[0].params, 6 * 9 + 6 + 12 + 12 * 96 + 12);
  EXPECT_EQ(s.total_params, s.layers[0].params + 12 * 3 + 3);
  EXPECT_EQ(layers_brief(config().model.layers), "torchscript(net.pt)-linear(3)");
}

TEST(Scripted, ItsParametersAreViewsOfTheFlatTensor) {
  Network net = build(config());
  ScriptedImpl& s = scripted_of(net);
  const at::Tensor flat = net.flat();
  EXPECT_EQ(flat.numel(), summarize(config()).total_params);
  const float* lo = flat.data_ptr<float>();
  for (const auto& p : s.script().named_parameters(true)) {
    const float* at = p.value.data_ptr<float>();
    EXPECT_TRUE(at >= lo && at + p.value.numel() <= lo + flat.numel()) << p.name << " is not in the flat tensor";
  }
  // A step on the flat tensor is what the jit module's forward then uses.
  const at::Tensor x = at::randn({4, 1, 8, 8}, at::detail::createCPUGenerator(1));
  net.train(false);
  const at::Tensor before = net.forward(x).detach().clone();
  net.forward(x).pow(2).sum().backward();
  EXPECT_GT(net.flat_grad().abs().sum().item<double>(), 0);
  const at::Tensor conv_grad = jit_tensor(s, "conv", "weight").grad();
  ASSERT_TRUE(conv_grad.defined());
  EXPECT_GT(conv_grad.abs().sum().item<double>(), 0) << "no gradient reached the scripted conv";
  {
    at::NoGradGuard ng;
    net.flat().sub_(net.flat_grad() * 0.01);
  }
  EXPECT_FALSE(at::equal(net.forward(x), before)) << "the jit forward did not see the step";
  at::NoGradGuard ng;
  net.flat().zero_();
  EXPECT_EQ(jit_tensor(s, "conv", "weight").abs().sum().item<double>(), 0);
  EXPECT_EQ(net.forward(x).abs().sum().item<double>(), 0);
}

TEST(Scripted, TrainModeFollowsTheNetworkAndFreezing) {
  Network net = build(config());
  ScriptedImpl& s = scripted_of(net);
  net.train(true);
  EXPECT_TRUE(s.script().is_training());
  EXPECT_TRUE(s.script().attr("bn").toModule().is_training());
  net.freeze({true, false});
  net.train(true);
  EXPECT_FALSE(s.script().attr("bn").toModule().is_training());
  EXPECT_FALSE(jit_tensor(s, "conv", "weight").requires_grad());
  const at::Tensor mean = jit_tensor(s, "bn", "running_mean").clone();
  net.forward(at::randn({8, 1, 8, 8}, at::detail::createCPUGenerator(2)) + 3);
  EXPECT_TRUE(at::equal(jit_tensor(s, "bn", "running_mean"), mean));
  net.freeze({false, false});
  net.train(true);
  net.forward(at::randn({8, 1, 8, 8}, at::detail::createCPUGenerator(2)) + 3);
  EXPECT_FALSE(at::equal(jit_tensor(s, "bn", "running_mean"), mean)) << "an unfrozen batch norm must update";
}

TEST(Scripted, TrainsWithANewHead) {
  const Trained& t = fine_tuned();
  ASSERT_EQ(t.result.status, RunStatus::Completed) << t.result.reason;
  const auto& h = t.result.history;
  ASSERT_EQ(h.size(), 8u);
  EXPECT_LT(h.back().train_loss, 0.6 * h.front().train_loss);
  EXPECT_GT(t.result.test_accuracy, 0.7);  // chance: 1/3
  // The file's own weights and statistics trained too.
  const auto file = torchscript_tensors(scripted_file());
  const auto trained = trained_tensors(t.checkpoint);
  for (const auto& [name, v] : file) {
    ASSERT_TRUE(trained.count("0." + name)) << name;
    if (name != "conv.bias") { EXPECT_FALSE(at::equal(trained.at("0." + name), v)) << name << " did not move"; }
  }
}

TEST(Scripted, AFrozenModuleStaysBitIdenticalBatchNormIncluded) {
  for (const bool cached : {false, true}) {
    const Trained t = train(cached ? "frozen-cached.pt" : "frozen.pt",
                            std::string(R"({"model": {"freeze": ["body"]}, "training": {"epochs": 3, "cache_features": )") +
                                (cached ? "true" : "false") + "}}");
    ASSERT_EQ(t.result.status, RunStatus::Completed) << t.result.reason;
    const auto trained = trained_tensors(t.checkpoint);
    for (const auto& [name, v] : torchscript_tensors(scripted_file()))
      EXPECT_TRUE(at::equal(trained.at("0." + name), v)) << name << " moved while frozen (cached " << cached << ")";
    Network fresh = build(config());
    for (const auto& [name, v] : fresh.named_tensors())
      if (name.rfind("1.", 0) == 0) { EXPECT_FALSE(at::equal(trained.at(name), v)) << "the head " << name << " did not train"; }
    EXPECT_GT(t.result.test_accuracy, 0.5);
  }
}

TEST(Scripted, ACheckpointResumesIdentically) {
  const ExperimentConfig c = config(R"({"training": {"epochs": 4}})");
  Trainer whole_t(c);
  const RunResult whole = whole_t.run();
  ASSERT_EQ(whole.status, RunStatus::Completed) << whole.reason;
  const std::string file = (temp_dir() / "resume.pt").string();
  {
    Trainer t(c);
    t.set_checkpoint_file(file);
    RunCallbacks cb;
    cb.on_epoch = [](const EpochEvent& e) { return e.epoch < 2; };
    ASSERT_EQ(t.run(cb).status, RunStatus::Cancelled);
  }
  Trainer t(c);
  t.resume_from(file);
  const RunResult rest = t.run();
  ASSERT_EQ(rest.status, RunStatus::Completed) << rest.reason;
  ASSERT_EQ(rest.history.size(), whole.history.size());
  for (size_t i = 0; i < whole.history.size(); ++i)
    EXPECT_EQ(rest.history[i].train_loss, whole.history[i].train_loss) << "epoch " << i + 1;
  EXPECT_EQ(rest.test_loss, whole.test_loss);
  EXPECT_EQ(rest.confusion, whole.confusion);
}

TEST(Scripted, TheTrainedRunExportsAttacksAndShowsActivations) {
  const Trained& t = fine_tuned();
  ASSERT_EQ(t.result.status, RunStatus::Completed) << t.result.reason;
  const ExperimentConfig c = checkpoint_config(t.checkpoint);
  // TorchScript export: the file's module inside, trained weights included.
  ModelExportOptions o;
  o.checkpoint = t.checkpoint, o.torchscript = (temp_dir() / "export.pt").string();
  const ModelExportResult r = export_model(o);
  ASSERT_TRUE(r.ok) << r.error;
  jit::Module m = jit::load(o.torchscript);
  const auto data = load_data(c.data, c.training.seed);
  at::NoGradGuard ng;
  const at::Tensor pred = m.forward({data->test.x}).toTensor().argmax(1);
  const double acc = pred.eq(data->test.y).to(at::kDouble).mean().item<double>();
  EXPECT_NEAR(acc, t.result.test_accuracy, 1e-9);
  // export-pytorch refuses, naming the layer (on data its script generates: it refuses synthetic images first).
  ExperimentConfig points = c;
  points.data.synthetic.kind = "spirals";
  try {
    pytorch_script(points);
    ADD_FAILURE() << "export-pytorch wrote a script for a torchscript layer";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("torchscript " + scripted_file()), std::string::npos) << e.what();
  }
  AttackOptions a;
  a.checkpoint = t.checkpoint, a.epsilons = {0, 0.1}, a.limit = 40, a.data = data;
  const AttackResult ar = Attack(a).run();
  ASSERT_TRUE(ar.ok) << ar.error;
  EXPECT_GE(ar.rows.front().accuracy, ar.rows.back().accuracy);
  ActivationRequest q;
  q.config = c, q.data = data, q.checkpoint = t.checkpoint;
  const Activations act = compute_activations(q);
  EXPECT_TRUE(act.error.empty()) << act.error;
  EXPECT_EQ(act.layers.size(), 2u);
}

TEST(Scripted, BadFilesAreErrorsNamingTheKeyAndTheFile) {
  const std::string missing = (temp_dir() / "nothing.pt").string();
  std::string e = errors_of(config_json(missing));
  EXPECT_NE(e.find("model.layers[0].file"), std::string::npos) << e;
  EXPECT_NE(e.find(missing + ": no such file"), std::string::npos) << e;

  const std::string text = (temp_dir() / "text.pt").string();
  std::ofstream(text) << "not a module";
  e = errors_of(config_json(text));
  EXPECT_NE(e.find("model.layers[0].file"), std::string::npos) << e;
  EXPECT_NE(e.find(text + ": not a TorchScript file"), std::string::npos) << e;

  const std::string rgb = write_scripted("rgb.pt", 3);  // wants 3 channels, the data has 1
  e = errors_of(config_json(rgb));
  EXPECT_NE(e.find("model.layers[0].file"), std::string::npos) << e;
  EXPECT_NE(e.find("its forward fails on a [1,1,8,8] input"), std::string::npos) << e;

  jit::Module wide("Wide");  // float64 parameters: the flat tensor is float32
  wide.register_parameter("w", at::ones({2}, at::kDouble), false);
  wide.define("def forward(self, x):\n  return x\n");
  const std::string doubles = (temp_dir() / "double.pt").string();
  wide.save(doubles);
  e = errors_of(config_json(doubles));
  EXPECT_NE(e.find(doubles + ": parameter w is Double; Hyperlab trains float32"), std::string::npos) << e;

  nlohmann::json no_file = config_json(scripted_file());
  no_file["model"]["layers"][0].erase("file");
  e = errors_of(no_file);
  EXPECT_NE(e.find("model.layers[0].file"), std::string::npos) << e;

  // init_from with a file of an architecture Hyperlab does not know: the error says how to train it as it is.
  nlohmann::json mlp = config_json(scripted_file());
  mlp["model"] = {{"mlp", {{"hidden", {16}}}}, {"init_from", {{"file", scripted_file()}}}};
  Trainer tr(parse_config(mlp).config);
  const RunResult r = tr.run();
  ASSERT_EQ(r.status, RunStatus::Failed);
  EXPECT_NE(r.reason.find("model.init_from.file"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("{\"type\": \"torchscript\", \"file\": \"" + scripted_file() + "\"}, {\"type\": \"linear\", "
                          "\"out\": 3}"),
            std::string::npos)
      << r.reason;
}

// torch.jit.freeze makes the weights constants: such a file runs as a fixed feature extractor.
TEST(Scripted, AJitFrozenFileIsAFixedFeatureExtractor) {
  jit::Module to_freeze = jit::load(scripted_file());
  to_freeze.eval();
  const std::string frozen = (temp_dir() / "jit-frozen.pt").string();
  jit::freeze(to_freeze).save(frozen);
  ConfigResult r = parse_config(config_json(frozen, R"({"training": {"epochs": 4}})"));
  ASSERT_TRUE(r.ok()) << r.error_text();
  const ModelSummary s = summarize(r.config);
  EXPECT_EQ(s.layers[0].params, 0);
  EXPECT_EQ(s.layers[0].output, (Shape{12}));
  Trainer tr(r.config);
  const RunResult res = tr.run();
  ASSERT_EQ(res.status, RunStatus::Completed) << res.reason;
  EXPECT_GT(res.test_accuracy, 0.5);  // chance: 1/3
}

// A file PyTorch itself scripted (tests/data/scripted/make_tiny_net.py): torch.nn's batch norm
// counts its batches in training mode only, so the count shows the mode the module was in.
TEST(Scripted, APythonScriptedFileTrainsAndFreezes) {
  const std::string file = std::string(HYPERLAB_TEST_DATA) + "/scripted/tiny_net.pt";
  const auto original = torchscript_tensors(file);
  for (const bool frozen : {false, true}) {
    ConfigResult r = parse_config(config_json(file, frozen ? R"({"model": {"freeze": ["body"]}, "training": {"epochs": 6}})"
                                                           : R"({"training": {"epochs": 6}})"));
    ASSERT_TRUE(r.ok()) << r.error_text();
    const std::string ckpt = (temp_dir() / (frozen ? "py-frozen.pt" : "py.pt")).string();
    Trainer tr(r.config);
    tr.set_checkpoint_file(ckpt);
    const RunResult res = tr.run();
    ASSERT_EQ(res.status, RunStatus::Completed) << res.reason;
    if (!frozen) { EXPECT_GT(res.test_accuracy, 0.6); }  // chance: 1/3 (frozen: a head on 8 random features)
    const auto trained = trained_tensors(ckpt);
    const int64_t batches = trained.at("0.bn.num_batches_tracked").item<int64_t>();
    if (frozen) EXPECT_EQ(batches, 0) << "a frozen batch norm counted batches: it was in training mode";
    else EXPECT_TRUE(batches >= 6 * 8 && batches % 6 == 0) << batches << " batches counted in 6 epochs";
    for (const auto& [name, v] : original)
      if (frozen) { EXPECT_TRUE(at::equal(trained.at("0." + name), v)) << name << " moved while frozen"; }
  }
}

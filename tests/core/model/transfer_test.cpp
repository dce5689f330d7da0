// Transfer learning (model/transfer.h): starting weights from a TorchScript
// file with torchvision's ResNet names and from a run's checkpoint, mapped by
// name and shape; frozen blocks (no gradient, batch-norm statistics fixed);
// per-block learning rates; the config errors that name their key.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>
#include <torch/script.h>

#include "config/config_json.h"
#include "config/shapes.h"
#include "data/dataset.h"
#include "model/network.h"
#include "model/shorthands.h"
#include "model/transfer.h"
#include "train/loop.h"
#include "train/trainer.h"

using namespace hyperlab;
namespace fs = std::filesystem;

namespace {

// A CIFAR-family resnet8 (stem, layer1..3 with one block each, head) on 8x8 one-channel images.
nlohmann::json base_json(int classes) {
  return nlohmann::json::parse(R"({
    "version": 1, "name": "transfer",
    "data": {"dataset": "synthetic",
             "synthetic": {"kind": "images", "classes": )" + std::to_string(classes) + R"(, "samples": 240,
                           "test_samples": 120, "noise": 0.3, "image_size": 8}},
    "model": {"resnet": {"depth": 8}},
    "training": {"epochs": 2, "batch_size": 32, "optimizer": {"type": "sgd", "lr": 0.05, "momentum": 0.9},
                 "seed": 5, "threads": 1}
  })");
}

ConfigResult parse(const nlohmann::json& base, const std::string& extra) {
  nlohmann::json j = base;
  j.merge_patch(nlohmann::json::parse(extra));
  return parse_config(j);
}

ExperimentConfig config(int classes, const std::string& extra = "{}") {
  ConfigResult r = parse(base_json(classes), extra);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config;
}

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("hyperlab-transfer-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

// A run trained once for the whole suite, with its checkpoint: the "pretrained" weights.
struct Pretrained {
  std::string checkpoint;
  RunResult result;
};
const Pretrained& pretrained() {
  static const Pretrained p = [] {
    Pretrained out;
    out.checkpoint = (temp_dir() / "pretrained.pt").string();
    Trainer t(config(3));
    t.set_checkpoint_file(out.checkpoint);
    out.result = t.run();
    return out;
  }();
  return p;
}

std::map<std::string, at::Tensor> as_map(const std::vector<std::pair<std::string, at::Tensor>>& v) {
  return {v.begin(), v.end()};
}

// torchvision's ResNet layout (names written out here, not derived from Hyperlab's),
// for the CIFAR resnet8 above: conv1/bn1, layerN.0.{conv1,bn1,conv2,bn2,downsample.0/1}, fc.
torch::jit::Module torchvision_like(int fc_out, int64_t seed) {
  at::Generator g = at::detail::createCPUGenerator(seed);
  auto rnd = [&](at::IntArrayRef s) { return at::randn(s, g); };
  auto conv = [&](int64_t out, int64_t in, int64_t k) {
    torch::jit::Module m("Conv2d");
    m.register_parameter("weight", rnd({out, in, k, k}), false);
    return m;
  };
  auto bn = [&](int64_t c) {
    torch::jit::Module m("BatchNorm2d");
    m.register_parameter("weight", rnd({c}), false);
    m.register_parameter("bias", rnd({c}), false);
    m.register_buffer("running_mean", rnd({c}));
    m.register_buffer("running_var", at::rand({c}, g) + 0.5);
    m.register_buffer("num_batches_tracked", at::full({}, 7, at::kLong));
    return m;
  };
  torch::jit::Module root("ResNet");
  root.register_module("conv1", conv(16, 1, 3));
  root.register_module("bn1", bn(16));
  const int64_t widths[] = {16, 32, 64};
  int64_t in = 16;
  for (int s = 0; s < 3; ++s) {
    const int64_t w = widths[s];
    torch::jit::Module block("BasicBlock");
    block.register_module("conv1", conv(w, in, 3));
    block.register_module("bn1", bn(w));
    block.register_module("conv2", conv(w, w, 3));
    block.register_module("bn2", bn(w));
    if (w != in) {
      torch::jit::Module down("Sequential");
      down.register_module("0", conv(w, in, 1));
      down.register_module("1", bn(w));
      block.register_module("downsample", down);
    }
    torch::jit::Module layer("Sequential");
    layer.register_module("0", block);
    root.register_module("layer" + std::to_string(s + 1), layer);
    in = w;
  }
  torch::jit::Module fc("Linear");
  fc.register_parameter("weight", rnd({fc_out, 64}), false);
  fc.register_parameter("bias", rnd({fc_out}), false);
  root.register_module("fc", fc);
  root.define("def forward(self, x):\n  return x\n");
  return root;
}

}  // namespace

TEST(Transfer, BlocksOfAResNetAndOfAnMlp) {
  ExperimentConfig c = config(3);
  EXPECT_EQ(block_names(c.model, expanded_layers(c)), (std::vector<std::string>{"stem", "layer1", "layer2", "layer3", "head"}));
  c.model.resnet->depth = 18;
  EXPECT_EQ(block_names(c.model, expanded_layers(c)),
            (std::vector<std::string>{"stem", "layer1", "layer2", "layer3", "layer4", "head"}));
  ConfigResult m = parse(base_json(3), R"({"model": {"resnet": null, "mlp": {"hidden": [8, 8]}}})");
  ASSERT_TRUE(m.ok()) << m.error_text();
  EXPECT_EQ(block_names(m.config.model, expanded_layers(m.config)), (std::vector<std::string>{"body", "head"}));
}

TEST(Transfer, ConfigReadsWritesAndNamesTheKeyOfEachError) {
  ConfigResult r = parse(base_json(3), R"({"model": {"init_from": {"file": "w.pt"}, "freeze": {"up_to": "layer2"}},
                                          "training": {"optimizer": {"lr_groups": {"head": 0.1}}}})");
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.config.model.init_from.file, "w.pt");
  EXPECT_EQ(r.config.model.freeze, (std::vector<std::string>{"stem", "layer1", "layer2"}));
  ASSERT_EQ(r.config.training.optimizer.lr_groups.size(), 1u);
  EXPECT_EQ(r.config.training.optimizer.lr_groups[0].second, 0.1);
  // Written and read back to the same config.
  ConfigResult again = parse_config(config_to_json(r.config));
  ASSERT_TRUE(again.ok()) << again.error_text();
  EXPECT_EQ(config_to_json(again.config).dump(), config_to_json(r.config).dump());
  // Nothing of it is written when unset (older configs keep their text).
  EXPECT_FALSE(config_to_json(config(3))["model"].contains("init_from"));

  auto first_error = [&](const std::string& extra) {
    ConfigResult e = parse(base_json(3), extra);
    return e.errors.empty() ? std::string("(none)") : e.errors.front().path + ": " + e.errors.front().message;
  };
  EXPECT_EQ(first_error(R"({"model": {"freeze": ["stem", "layer9"]}})").rfind("model.freeze[1]: \"layer9\" is not a block", 0), 0u);
  EXPECT_EQ(first_error(R"({"model": {"freeze": {"up_to": "neck"}}})").rfind("model.freeze.up_to:", 0), 0u);
  EXPECT_EQ(first_error(R"({"model": {"init_from": {}}})").rfind("model.init_from:", 0), 0u);
  EXPECT_EQ(first_error(R"({"model": {"init_from": {"run": 2, "file": "x.pt"}}})").rfind("model.init_from.file:", 0), 0u);
  EXPECT_EQ(first_error(R"({"training": {"optimizer": {"lr_groups": {"layer7": 0.1}}}})")
                .rfind("training.optimizer.lr_groups.layer7:", 0), 0u);
  EXPECT_EQ(first_error(R"({"training": {"optimizer": {"lr_groups": {"head": -1}}}})")
                .rfind("training.optimizer.lr_groups.head:", 0), 0u);

  // Errors only a run can find: a missing file, a run without a checkpoint.
  Trainer missing(config(3, R"({"model": {"init_from": {"file": "/nonexistent/resnet18.pt"}}})"));
  RunResult m = missing.run();
  EXPECT_TRUE(m.input_error);
  EXPECT_EQ(m.reason.rfind("model.init_from.file:", 0), 0u) << m.reason;
  Trainer no_ckpt(config(3, R"({"model": {"init_from": {"run": 42}}})"));
  no_ckpt.set_run_checkpoints([](int64_t) { return std::string(); });
  RunResult n = no_ckpt.run();
  EXPECT_TRUE(n.input_error);
  EXPECT_EQ(n.reason.rfind("model.init_from.run: run 42 has no checkpoint", 0), 0u) << n.reason;
}

TEST(Transfer, TorchvisionNamesMapByNameAndShapeAndTheHeadIsReplaced) {
  const std::string file = (temp_dir() / "tv.pt").string();
  torchvision_like(1000, 11).save(file);
  ExperimentConfig c = config(3, R"({"model": {"init_from": {"file": ")" + file + R"("}}})");
  const std::vector<LayerConfig> layers = expanded_layers(c);
  Network net(layers, data_spec(c.data).input, c.model.init, at::detail::createCPUGenerator(1));
  TransferReport r = load_initial_weights(c, layers, net, "");
  const auto src = as_map(torchscript_tensors(file));
  const auto dst = as_map(transfer_names(c.model, layers, net));
  // Every tensor but the head's: 2 stem, 3 blocks x (2 convs + 2 norms) + 2 projections, each norm with 5.
  const size_t convs = 1 + 3 * 2 + 2, norms = 1 + 3 * 2 + 2;
  EXPECT_EQ(r.mapped.size(), convs + norms * 5) << r.text();
  for (const std::string& name : r.mapped) {
    ASSERT_TRUE(src.count(name)) << name;
    EXPECT_TRUE(at::equal(dst.at(name), src.at(name).to(dst.at(name).scalar_type()))) << name;
  }
  for (const char* name : {"conv1.weight", "bn1.running_var", "layer1.0.conv2.weight", "layer2.0.downsample.0.weight",
                           "layer3.0.downsample.1.running_mean", "layer3.0.bn2.bias"})
    EXPECT_NE(std::find(r.mapped.begin(), r.mapped.end(), name), r.mapped.end()) << name << "\n" << r.text();
  // The 1000-class head does not fit 3 classes: reported, not crashed, and not copied.
  ASSERT_EQ(r.mismatched.size(), 2u) << r.text();
  EXPECT_EQ(r.mismatched[0], "fc.weight: [3, 64] in the network, [1000, 64] in the source");
  EXPECT_NE(r.head_note.find("head replaced: 1000 classes in the source, 3 here"), std::string::npos) << r.head_note;
  EXPECT_NE(r.text().find("shape differs: fc.bias"), std::string::npos);

  // A file whose names are all foreign maps nothing: a config error naming the key.
  torch::jit::Module other("Other");
  other.register_parameter("w", at::ones({2}), false);
  other.define("def forward(self, x):\n  return x\n");
  const std::string foreign = (temp_dir() / "other.pt").string();
  other.save(foreign);
  c.model.init_from.file = foreign;
  try {
    load_initial_weights(c, layers, net, "");
    ADD_FAILURE() << "no error";
  } catch (const TransferError& e) {
    EXPECT_EQ(e.key, "model.init_from.file");
    // ... and says how to train the file as it is instead (its identity forward keeps [C,H,W]: a flatten first).
    EXPECT_NE(std::string(e.what()).find("no tensor maps by name and shape"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("\"layers\": [{\"type\": \"torchscript\", \"file\": \"" + foreign +
                                         "\"}, {\"type\": \"flatten\"}, {\"type\": \"linear\", \"out\": 3}]"),
              std::string::npos)
        << e.what();
  }
}

// A run started from the pretrained checkpoint with every block frozen measures what it measured.
TEST(Transfer, InitFromARunReproducesItsTestAccuracy) {
  const Pretrained& p = pretrained();
  ASSERT_EQ(p.result.status, RunStatus::Completed) << p.result.reason;
  ExperimentConfig c = config(3, R"({"model": {"init_from": {"run": 7},
                                                "freeze": ["stem", "layer1", "layer2", "layer3", "head"]},
                                     "training": {"epochs": 1}})");
  Trainer t(c);
  int64_t asked = 0;
  t.set_run_checkpoints([&](int64_t id) {
    asked = id;
    return p.checkpoint;
  });
  RunResult r = t.run();
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_EQ(asked, 7);
  EXPECT_NE(r.info.transfer.find("run 7"), std::string::npos) << r.info.transfer;
  ASSERT_EQ(r.history.size(), 1u);
  EXPECT_EQ(r.history[0].test_accuracy, p.result.history.back().test_accuracy);
  EXPECT_NEAR(r.history[0].test_loss, p.result.history.back().test_loss, 1e-6);
}

// Fine-tuning the head on 4 classes with the backbone frozen: the backbone (parameters and
// batch-norm statistics) stays bit-identical to the loaded weights; the head moves; the loss falls.
TEST(Transfer, FrozenBackboneStaysBitIdenticalWhileTheHeadLearns) {
  const Pretrained& p = pretrained();
  ASSERT_EQ(p.result.status, RunStatus::Completed) << p.result.reason;
  ExperimentConfig c = config(4, R"({"model": {"init_from": {"run": 1}, "freeze": {"up_to": "layer3"}},
                                     "training": {"epochs": 4}})");
  const std::string ckpt = (temp_dir() / "finetuned.pt").string();
  Trainer t(c);
  t.set_run_checkpoints([&](int64_t) { return p.checkpoint; });
  t.set_checkpoint_file(ckpt);
  RunResult r = t.run();
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_NE(r.info.transfer.find("head replaced: 3 classes in the source, 4 here"), std::string::npos) << r.info.transfer;
  EXPECT_NE(r.info.transfer.find("frozen: stem, layer1, layer2, layer3"), std::string::npos) << r.info.transfer;
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);

  const auto before = as_map(checkpoint_tensors(p.checkpoint));
  const auto after = as_map(checkpoint_tensors(ckpt));
  int checked = 0, stats = 0;
  for (const auto& [name, t_after] : after) {
    if (name.rfind("fc.", 0) == 0) continue;
    ASSERT_TRUE(before.count(name)) << name;
    EXPECT_TRUE(at::equal(t_after, before.at(name))) << name << " moved";
    ++checked;
    stats += name.find("running_") != std::string::npos;
  }
  EXPECT_EQ(checked, 9 + 9 * 5);
  EXPECT_EQ(stats, 2 * 9);
  // The head: freshly initialised (as the trainer does, from the seed) and then trained.
  const std::vector<LayerConfig> layers = expanded_layers(c);
  Network fresh(layers, data_spec(c.data).input, c.model.init, at::detail::createCPUGenerator(c.training.seed));
  const auto init = as_map(transfer_names(c.model, layers, fresh));
  ASSERT_EQ(after.at("fc.weight").sizes(), init.at("fc.weight").sizes());
  EXPECT_GT((after.at("fc.weight") - init.at("fc.weight")).abs().max().item<double>(), 1e-3);
}

namespace {
// Reads the optimizer's param groups during the first batch (after the schedule set their rates).
struct GroupProbe : Callback {
  std::vector<double> lrs;
  std::vector<int64_t> numels;
  int64_t total = 0;
  void batch_end(Loop& l) override {
    if (!lrs.empty()) return;
    total = l.flat.numel();
    for (auto& g : l.opt.param_groups()) {
      lrs.push_back(g.options().get_lr());
      int64_t n = 0;
      for (const at::Tensor& p : g.params()) n += p.numel();
      numels.push_back(n);
    }
  }
};
}  // namespace

TEST(Transfer, PerBlockLearningRatesReachTheOptimizersParamGroups) {
  ExperimentConfig c = config(3, R"({"model": {"freeze": ["stem"]},
                                     "training": {"epochs": 1, "optimizer": {"lr_groups": {"layer3": 0.001, "head": 0.2}}}})");
  Trainer t(c);
  auto probe = std::make_shared<GroupProbe>();
  t.add_callback(probe);
  RunResult r = t.run();
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  // The first group: the blocks without a rate of their own; then one per lr_groups entry (in the
  // order read: a JSON object's keys sorted).
  ASSERT_EQ(probe->lrs.size(), 3u);
  EXPECT_DOUBLE_EQ(probe->lrs[0], 0.05);
  std::map<double, int64_t> numel_at;
  for (size_t g = 1; g < 3; ++g) numel_at[probe->lrs[g]] = probe->numels[g];
  // layer3: conv 64x32x3x3, conv 64x64x3x3, projection 64x32x1x1, three norms of 64 (weight and bias).
  const int64_t layer3 = 64 * 32 * 9 + 64 * 64 * 9 + 64 * 32 + 3 * 128;
  const int64_t head = 64 * 3 + 3, stem = 16 * 1 * 9 + 32;
  EXPECT_EQ(numel_at[0.001], layer3);
  EXPECT_EQ(numel_at[0.2], head);
  EXPECT_EQ(probe->numels[0], probe->total - stem - layer3 - head);
}

// data.resize and data.normalization "imagenet": per batch, in BatchMath::input, as torchvision's
// Normalize then Resize would (bilinear, no corner alignment); the shapes follow the resized input.
TEST(Transfer, ResizeAndImagenetNormalisationPerBatch) {
  ExperimentConfig c = config(3, R"({"data": {"resize": 12, "normalization": "imagenet"}})");
  EXPECT_EQ(model_input(c.data), (Shape{1, 12, 12}));
  EXPECT_EQ(summarize(c).layers.front().output, (Shape{16, 12, 12}));
  std::shared_ptr<const LoadedData> D = load_data(c.data, c.training.seed);
  const BatchMath math(*D, at::kCPU, "cross_entropy", 3, 12);
  const at::Tensor xb = D->train.x.narrow(0, 0, 4);
  const double base = xb.scalar_type() == at::kByte ? 1.0 / 255 : 1.0;
  // Grey images: the mean of ImageNet's three channel statistics.
  const double mean = (0.485 + 0.456 + 0.406) / 3, sd = (0.229 + 0.224 + 0.225) / 3;
  const at::Tensor expected =
      at::upsample_bilinear2d((xb.to(at::kDouble) * base - mean) / sd, {12, 12}, false).to(at::kFloat);
  const at::Tensor got = math.input(xb);
  ASSERT_EQ(got.sizes(), expected.sizes());
  EXPECT_TRUE(at::allclose(got, expected, 1e-5, 1e-5)) << (got - expected).abs().max().item<double>();
  // A run trains on the resized images.
  c.training.epochs = 1;
  Trainer t(c);
  RunResult r = t.run();
  EXPECT_EQ(r.status, RunStatus::Completed) << r.reason;
  // Points cannot be resized.
  ConfigResult e = parse(base_json(3), R"({"data": {"resize": 32, "synthetic": {"kind": "blobs"}}, "model": {"resnet": null, "mlp": {"hidden": [4]}}})");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.errors.front().path, "data.resize");
}

// With the whole backbone frozen the head trains on features computed once per split: the
// same head as through the whole network each batch (float tolerance), in less time.
TEST(Transfer, CachedFeaturesTrainTheSameHeadFaster) {
  const Pretrained& p = pretrained();
  ASSERT_EQ(p.result.status, RunStatus::Completed) << p.result.reason;
  auto fine_tune = [&](bool cache, const std::string& ckpt) {
    ExperimentConfig c = config(4, R"({"model": {"init_from": {"run": 1}, "freeze": {"up_to": "layer3"}},
                                       "training": {"epochs": 6}})");
    c.training.cache_features = cache;
    Trainer t(c);
    t.set_run_checkpoints([&](int64_t) { return p.checkpoint; });
    t.set_checkpoint_file(ckpt);
    return t.run();
  };
  const std::string a = (temp_dir() / "cached.pt").string(), b = (temp_dir() / "uncached.pt").string();
  const RunResult cached = fine_tune(true, a);
  const RunResult whole = fine_tune(false, b);
  ASSERT_EQ(cached.status, RunStatus::Completed) << cached.reason;
  ASSERT_EQ(whole.status, RunStatus::Completed) << whole.reason;
  EXPECT_NE(cached.info.transfer.find("features cached"), std::string::npos) << cached.info.transfer;
  EXPECT_EQ(whole.info.transfer.find("features cached"), std::string::npos) << whole.info.transfer;
  const auto ta = as_map(checkpoint_tensors(a)), tb = as_map(checkpoint_tensors(b));
  for (const char* name : {"fc.weight", "fc.bias"})
    EXPECT_TRUE(at::allclose(ta.at(name), tb.at(name), 1e-4, 1e-5))
        << name << ": " << (ta.at(name) - tb.at(name)).abs().max().item<double>();
  ASSERT_EQ(cached.history.size(), whole.history.size());
  EXPECT_NEAR(cached.history.back().train_loss, whole.history.back().train_loss, 1e-4);
  double tc = 0, tw = 0;
  for (const EpochEvent& e : cached.history) tc += e.train_seconds;
  for (const EpochEvent& e : whole.history) tw += e.train_seconds;
  std::printf("feature cache: training %.3f s cached vs %.3f s whole network (%.1fx), whole runs %.3f vs %.3f s\n", tc,
              tw, tw / std::max(tc, 1e-9), cached.seconds, whole.seconds);
  EXPECT_LT(cached.seconds, whole.seconds);
  EXPECT_LT(tc, tw);
}

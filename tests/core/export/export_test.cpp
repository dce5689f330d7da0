// Export to plain PyTorch (export/torchscript.h, export/pytorch_script.h),
// checked by the real PyTorch: /usr/bin/python3 with torch (python3-torch);
// every test that needs it skips, saying so, where it is not installed.
// Runs the real hyperlab-cli (HYPERLAB_CLI) as a user would.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/torch.h>

#include "common/temp_dir.h"
#include "config/config_json.h"
#include "config/presets.h"
#include "config/shapes.h"
#include "data/dataset.h"
#include "model/network.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace {

struct Output {
  int rc = -1;
  std::string text;
};

Output run(const std::string& cmd) {
  Output o;
  FILE* p = ::popen(("(" + cmd + ") 2>&1").c_str(), "r");
  if (!p) return o;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) o.text.append(buf, n);
  const int st = ::pclose(p);
  o.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

std::string cli(const std::string& args) { return std::string(HYPERLAB_CLI) + " " + args; }

bool python_torch() {
  static const bool ok = run("/usr/bin/python3 -c 'import torch'").rc == 0;
  return ok;
}
#define NEED_PYTHON_TORCH() \
  if (!python_torch()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch (install python3-torch to run this test)"

void write_bytes(const std::string& file, const std::vector<char>& b) {
  std::ofstream(file, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
}
std::vector<char> read_bytes(const std::string& file) {
  std::ifstream f(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// What `evaluate` computes on the first 100 test images of the run in `dir`: the network's logits,
// with the last epoch's weights or (`selected`) the selected epoch's, which the checkpoint keeps.
at::Tensor hyperlab_logits(const std::string& dir, at::Tensor& images, bool selected = false) {
  const std::string ckpt = dir + "/checkpoint.pt";
  torch::serialize::InputArchive in;
  const ExperimentConfig cfg = read_checkpoint(ckpt, &in).config;
  auto data = load_data(cfg.data, cfg.training.seed);
  Network net(expanded_layers(cfg), model_input(cfg.data), cfg.model.init,
              at::detail::createCPUGenerator(cfg.training.seed));
  read_checkpoint_weights(in, net, ckpt);
  if (selected) {
    at::Tensor best;
    in.read("best_flat", best);
    at::NoGradGuard ng;
    net.flat().copy_(best);
    for (size_t i = 0; i < net.buffers().size(); ++i) {
      at::Tensor b;
      in.read("best_buffer." + std::to_string(i), b);
      net.buffers()[i].copy_(b);
    }
  }
  net.train(false);
  BatchMath math(*data, at::kCPU, cfg.training.loss, data->spec.classes, cfg.data.resize);
  images = data->test.x.narrow(0, 0, 100).contiguous();
  at::NoGradGuard ng;
  return net.forward(math.input(images));
}

// Trains a run of `config` (a file) in DIR/run, exports it and the script, runs them in Python,
// and compares the module's outputs (uint8 and float input) and the .pth in the script's model
// with Hyperlab's (`selected`: the selected epoch's weights, not the last's).
void check_export_matches(const TempDir& t, const std::string& config, bool selected = false) {
  const std::string dir = t.file("run");
  Output o = run(cli("run " + config + " --out " + dir + " --no-db"));
  ASSERT_EQ(o.rc, 0) << o.text;
  const Output exported = run(cli("export " + dir + " --torchscript " + t.file("model.pt") + " --weights " + t.file("model.pth")));
  ASSERT_EQ(exported.rc, 0) << exported.text;
  EXPECT_NE(exported.text.find("wrote " + t.file("model.pt")), std::string::npos) << exported.text;
  o = run(cli("export-pytorch " + dir + "/config.json > " + t.file("train.py")));
  ASSERT_EQ(o.rc, 0) << o.text;
  at::Tensor images;
  const at::Tensor ours = hyperlab_logits(dir, images, selected);
  if (selected) {  // the selected epoch's outputs are not the last's: the test tells them apart
    at::Tensor last_images;
    EXPECT_GT((hyperlab_logits(dir, last_images) - ours).abs().max().item<double>(), 1e-3);
    EXPECT_NE(exported.text.find("weights of epoch 1 (the selected one)"), std::string::npos) << exported.text;
  }
  write_bytes(t.file("x.pt"), torch::jit::pickle_save(c10::IValue(images)));
  t.write("check.py", R"py(import importlib.util, json, sys, torch
d = sys.argv[1]
extra = {"config.json": "", "class_names.json": "", "input.json": ""}
m = torch.jit.load(d + "/model.pt", _extra_files=extra)
x = torch.load(d + "/x.pt")
spec = importlib.util.spec_from_file_location("train", d + "/train.py")
t = importlib.util.module_from_spec(spec)
spec.loader.exec_module(t)
model = t.build_model()
model.load_state_dict(torch.load(d + "/model.pth"))
model.eval()
train, _, _ = t.load_data(t.DATA_PATH, t.TRAIN_LIMIT)
scale, shift = t.normalisation(train[0])
with torch.no_grad():
    out = {"uint8": m(x), "float": m(x.float()), "pth": model(t.network_input(x, scale, shift))}
torch.save(out, d + "/out.pt")
print("classes", len(json.loads(extra["class_names.json"])), "config", json.loads(extra["config.json"])["name"])
)py");
  o = run("/usr/bin/python3 " + t.file("check.py") + " " + t.path);
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("classes 10 config"), std::string::npos) << o.text;
  const c10::impl::GenericDict out = torch::jit::pickle_load(read_bytes(t.file("out.pt"))).toGenericDict();
  ASSERT_EQ(ours.sizes(), (std::vector<int64_t>{100, 10}));
  for (const char* k : {"uint8", "float", "pth"}) {
    const at::Tensor theirs = out.at(k).toTensor();
    ASSERT_EQ(theirs.sizes(), ours.sizes()) << k;
    EXPECT_LT((theirs - ours).abs().max().item<double>(), 1e-5) << k;
  }
}

}  // namespace

TEST(PyTorchExport, TorchScriptOfAnMlpEqualsEvaluateInPython) {
  NEED_PYTHON_TORCH();
  TempDir t;
  ExperimentConfig c = parse_config_text(preset_text("fashion-baseline"), "preset").config;
  c.data.train_limit = 1000, c.data.test_limit = 200, c.data.validation_fraction = 0, c.training.epochs = 1;
  c.model.mlp->hidden = {64, 32};
  check_export_matches(t, t.write("mlp.json", config_to_text(c)));
}

// A validation set selects epoch 1 of 2 (early stopping's min_delta is too large for any later epoch
// to count as better, and restore_best is off): the export has epoch 1's weights, as evaluate's
// "selected epoch" line measures them.
TEST(PyTorchExport, TheSelectedEpochsWeightsAreExported) {
  NEED_PYTHON_TORCH();
  TempDir t;
  ExperimentConfig c = parse_config_text(preset_text("fashion-baseline"), "preset").config;
  c.data.train_limit = 1000, c.data.test_limit = 200, c.data.validation_fraction = 0.2, c.training.epochs = 2;
  c.model.mlp->hidden = {32};
  EarlyStoppingConfig& es = c.training.early_stopping;
  es.enabled = true, es.monitor = "val_accuracy", es.min_delta = 1.0, es.patience = 5, es.restore_best = false;
  check_export_matches(t, t.write("mlp.json", config_to_text(c)), true);
}

// Every layer type of the registry, blocks nested, both shortcuts, a layer's own init.
TEST(PyTorchExport, TorchScriptOfEveryLayerTypeEqualsEvaluateInPython) {
  NEED_PYTHON_TORCH();
  TempDir t;
  const std::string config = t.write("cnn.json", R"({
  "version": 1,
  "name": "every-layer",
  "data": {"dataset": "fashion-mnist", "train_limit": 256, "test_limit": 100, "normalization": "standardize"},
  "model": {"layers": [
    {"type": "conv2d", "out": 8, "kernel": 3, "padding": 1}, {"type": "batchnorm"}, {"type": "leaky_relu", "slope": 0.1},
    {"type": "residual", "body": [{"type": "conv2d", "out": 8, "padding": 1, "bias": false}, {"type": "batchnorm"},
                                  {"type": "elu", "alpha": 0.5}]},
    {"type": "maxpool2d"},
    {"type": "residual", "body": [{"type": "conv2d", "out": 12, "stride": 2, "padding": 1}, {"type": "gelu"}]},
    {"type": "avgpool2d", "kernel": 2, "stride": 1},
    {"type": "sequential", "init": {"scheme": "xavier_uniform"},
     "body": [{"type": "conv2d", "out": 6, "kernel": 1}, {"type": "selu"}]},
    {"type": "layernorm"}, {"type": "global_avgpool"}, {"type": "flatten"}, {"type": "batchnorm"}, {"type": "tanh"},
    {"type": "dropout", "p": 0.2}, {"type": "linear", "out": 16}, {"type": "sigmoid"}, {"type": "relu"},
    {"type": "linear", "out": 10, "bias": false}
  ]},
  "training": {"epochs": 1, "batch_size": 32, "optimizer": {"type": "adam", "lr": 0.003}}
})");
  check_export_matches(t, config);
}

TEST(PyTorchExport, RefusesWhatItCannotExport) {
  TempDir t;
  Output o = run(cli("export " + t.file("nothing")));
  EXPECT_EQ(o.rc, 2) << o.text;
  EXPECT_NE(o.text.find("--torchscript"), std::string::npos) << o.text;
  o = run(cli("export " + t.file("nothing") + " --weights " + t.file("w.pth")));
  EXPECT_EQ(o.rc, 2) << o.text;
  EXPECT_NE(o.text.find("nothing/checkpoint.pt"), std::string::npos) << o.text;
  o = run(cli("export-pytorch --preset fashion-baseline --set data.dataset=synthetic --set data.synthetic.kind=images"));
  EXPECT_EQ(o.rc, 2) << o.text;
  EXPECT_NE(o.text.find("error: data.synthetic.kind:"), std::string::npos) << o.text;
}

// A CIFAR-10 binary folder of a few random images per batch file.
std::string tiny_cifar(const TempDir& t) {
  const std::string dir = t.file("cifar");
  std::filesystem::create_directories(dir);
  std::mt19937 rng(7);
  auto batch = [&](const std::string& name) {
    std::ofstream f(dir + "/" + name, std::ios::binary);
    for (int i = 0; i < 40; ++i)
      for (int b = 0; b < 3073; ++b) f.put(static_cast<char>(b == 0 ? rng() % 10 : rng() % 256));
  };
  for (int i = 1; i <= 5; ++i) batch("data_batch_" + std::to_string(i) + ".bin");
  batch("test_batch.bin");
  return dir;
}

// An MNIST folder of a few random 28x28 images (plain IDX files; readers also take .gz).
std::string tiny_mnist(const TempDir& t) {
  const std::string dir = t.file("mnist");
  std::filesystem::create_directories(dir);
  std::mt19937 rng(11);
  auto be32 = [](std::ofstream& f, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) f.put(static_cast<char>((v >> s) & 255));
  };
  auto part = [&](const std::string& prefix, uint32_t n) {
    std::ofstream x(dir + "/" + prefix + "-images-idx3-ubyte", std::ios::binary);
    be32(x, 0x803), be32(x, n), be32(x, 28), be32(x, 28);
    for (uint32_t i = 0; i < n * 784; ++i) x.put(static_cast<char>(rng() % 256));
    std::ofstream y(dir + "/" + prefix + "-labels-idx1-ubyte", std::ios::binary);
    be32(y, 0x801), be32(y, n);
    for (uint32_t i = 0; i < n; ++i) y.put(static_cast<char>(rng() % 10));
  };
  part("train", 200), part("t10k", 100);
  return dir;
}

// Every preset's script runs an epoch in PyTorch, with summary's parameter count.
TEST(PyTorchExport, EveryPresetsScriptTrainsAnEpochWithSummarysParameterCount) {
  NEED_PYTHON_TORCH();
  TempDir t;
  const std::string cifar = tiny_cifar(t), mnist = tiny_mnist(t);
  for (const EmbeddedPreset& p : embedded_presets()) {
    SCOPED_TRACE(p.name);
    const ExperimentConfig c = parse_config_text(p.json, p.name).config;
    const int64_t params = summarize(c).total_params;
    const std::string script = t.file(std::string(p.name) + ".py");
    // Downloadable datasets: the presets find them in the download folder; here, tiny ones of the test's own.
    const std::string dir = c.data.dataset == "cifar10" ? cifar : c.data.dataset == "mnist" ? mnist : "";
    const std::string data = dir.empty() ? "" : " --data " + dir;
    Output o = run(cli("export-pytorch --preset " + std::string(p.name) + " --set data.test_limit=100" +
                       (dir.empty() ? "" : " --set data.path=" + dir) + " > " + script));
    ASSERT_EQ(o.rc, 0) << o.text;
    o = run("/usr/bin/python3 " + script + " --epochs 1 --train-limit 64 --device cpu" + data);
    ASSERT_EQ(o.rc, 0) << o.text;
    EXPECT_NE(o.text.find(", " + std::to_string(params) + " parameters\n"), std::string::npos) << o.text;
    EXPECT_TRUE(std::regex_search(o.text, std::regex("epoch 1/1  train loss [0-9.]+ acc [0-9.]+"))) << o.text;
  }
}

// From Hyperlab's starting weights, the script's first batch (same shuffling) has Hyperlab's loss.
TEST(PyTorchExport, ScriptsFirstBatchLossFromOurWeightsIsOurs) {
  NEED_PYTHON_TORCH();
  TempDir t;
  for (const char* preset : {"fashion-baseline", "deep-relu-kaiming", "cnn-small", "augmented"}) {
    SCOPED_TRACE(preset);
    const bool augmented = std::string(preset) == "augmented";
    ExperimentConfig c = parse_config_text(preset_text(augmented ? "cnn-small" : preset), preset).config;
    c.data.train_limit = 600, c.data.test_limit = 100, c.training.epochs = 1;
    for (LayerConfig& l : c.model.layers) l.p = 0;  // cnn-small's dropout: its masks are PyTorch's draws
    if (augmented) {  // every augmentation, some on a share of the images: the script draws Hyperlab's numbers
      nlohmann::json j = nlohmann::json::parse(config_to_text(c));
      j["data"]["augment"] = nlohmann::json::parse(R"([
        {"type": "crop", "padding": 3, "mode": "reflect"}, {"type": "flip"}, {"type": "crop", "p": 0.7},
        {"type": "rotate", "degrees": 20, "scale": 0.1, "translate": 0.1, "interpolation": "bilinear", "fill": 10.5},
        {"type": "rotate", "p": 0.5}, {"type": "noise", "std": 6}, {"type": "cutout", "size": 7, "p": 0.8},
        {"type": "jitter", "brightness": 0.3, "contrast": 0.3}])");
      const ConfigResult r = parse_config(j);
      ASSERT_TRUE(r.ok()) << r.error_text();
      c = r.config;
    }
    double ours = NAN;
    RunCallbacks cb;
    cb.on_batch = [&](const BatchEvent& e) {
      ours = e.loss;
      return false;
    };
    Trainer(c).run(cb);
    ASSERT_TRUE(std::isfinite(ours));
    const std::string config = t.write("c.json", config_to_text(c));
    Output o = run(cli("export-pytorch " + config + " --weights " + t.file("init.pth") + " > " + t.file("train.py")));
    ASSERT_EQ(o.rc, 0) << o.text;
    o = run("/usr/bin/python3 " + t.file("train.py") + " --epochs 1 --device cpu --weights " + t.file("init.pth"));
    ASSERT_EQ(o.rc, 0) << o.text;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(o.text, m, std::regex("first batch loss ([0-9.]+)"))) << o.text;
    EXPECT_NEAR(std::stod(m[1]), ours, 1e-4) << o.text;
  }
}

// The MLP step by hand (train/mlp_step.h) against autograd: the same logits, loss and
// gradients to the bit for every layer it takes, whole runs with the same history, weights
// and test numbers either way, and autograd for what it does not take.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "model/network.h"
#include "train/loop.h"
#include "train/mlp_step.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace {

LayerConfig step_layer(const std::string& type, int out = 0, double p = 0, bool bias = true) {
  LayerConfig l;
  l.type = type, l.out = out, l.p = p, l.bias = bias;
  return l;
}

// Two networks from the same seed (so the same weights and the same dropout draws), one trained
// a few steps through autograd and one through the step: after each, the same numbers exactly.
void expect_same_steps(const std::vector<LayerConfig>& layers, const std::string& what) {
  const std::vector<int64_t> input = {1, 6, 6};
  at::Generator ga = at::detail::createCPUGenerator(11), gb = at::detail::createCPUGenerator(11);
  Network a(layers, input, InitConfig{}, ga), b(layers, input, InitConfig{}, gb);
  a.train(true), b.train(true);
  std::unique_ptr<MlpStep> step = MlpStep::make(b, "cross_entropy");
  ASSERT_TRUE(step) << what << ": a plain MLP";
  at::Generator data = at::detail::createCPUGenerator(3);
  for (int64_t rows : {16, 16, 5}) {  // a smaller last batch uses part of the kept buffers
    const at::Tensor x = at::randn({rows, 1, 6, 6}, data), y = at::randint(0, 4, {rows}, data);
    at::Tensor logits_a = a.forward(x), loss_a = at::cross_entropy_loss(logits_a, y);
    a.flat_grad().zero_();
    loss_a.backward();
    at::Tensor logits_b, loss_b;
    b.flat_grad().fill_(NAN);  // the step writes every gradient
    step->run(x, y, logits_b, loss_b);
    EXPECT_TRUE(at::equal(logits_a.detach(), logits_b)) << what << ", rows " << rows << ": logits";
    EXPECT_EQ(loss_a.item<float>(), loss_b.item<float>()) << what << ", rows " << rows << ": loss";
    EXPECT_TRUE(at::equal(a.flat_grad(), b.flat_grad()))
        << what << ", rows " << rows << ": gradients differ by up to "
        << (a.flat_grad() - b.flat_grad()).abs().max().item<float>();
    at::NoGradGuard ng;  // a plain SGD step on both, so the next batch sees moved weights
    a.flat().sub_(a.flat_grad(), 0.5), b.flat().sub_(b.flat_grad(), 0.5);
  }
}

ExperimentConfig step_config(const std::string& extra) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "version": 1, "name": "mlp-step",
    "data": {"dataset": "synthetic", "validation_fraction": 0.2, "normalization": "unit",
             "synthetic": {"kind": "images", "classes": 3, "samples": 300, "test_samples": 90, "image_size": 8}},
    "model": {"layers": [{"type": "flatten"}, {"type": "linear", "out": 12}, {"type": "sigmoid"},
                         {"type": "dropout", "p": 0.2}, {"type": "linear", "out": 8}, {"type": "relu"},
                         {"type": "linear", "out": 3}]},
    "training": {"epochs": 3, "batch_size": 32, "l2": 1e-4, "seed": 7, "threads": 1,
                 "optimizer": {"type": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": true, "weight_decay": 1e-4}}
  })");
  j.merge_patch(nlohmann::json::parse(extra));
  ConfigResult r = parse_config(j);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config;
}

// At run_begin: whether the loop has the step, and (when told) turns it off.
class StepProbe : public Callback {
 public:
  explicit StepProbe(bool turn_off) : off_(turn_off) {}
  void run_begin(Loop& l) override {
    had_ = l.mlp != nullptr;
    if (off_) l.mlp = nullptr;
  }
  bool had() const { return had_; }

 private:
  bool off_, had_ = false;
};

struct StepRun {
  RunResult r;
  bool had_step = false;
};
StepRun train_run(const ExperimentConfig& c, bool autograd) {
  Trainer t(c);
  auto probe = std::make_shared<StepProbe>(autograd);
  t.add_callback(probe);
  StepRun out;
  out.r = t.run();
  out.had_step = probe->had();
  return out;
}

}  // namespace

TEST(MlpStep, GivesAutogradsLogitsLossAndGradientsBitForBit) {
  using L = std::vector<LayerConfig>;
  expect_same_steps(L{step_layer("flatten"), step_layer("linear", 10), step_layer("relu"), step_layer("linear", 7),
                      step_layer("sigmoid"), step_layer("linear", 4)},
                    "relu, sigmoid");
  expect_same_steps(L{step_layer("flatten"), step_layer("linear", 9), step_layer("tanh"), step_layer("dropout", 0, 0.3),
                      step_layer("linear", 4)},
                    "tanh, dropout");
  expect_same_steps(L{step_layer("flatten"), step_layer("dropout", 0, 0.25), step_layer("linear", 8, 0, false),
                      step_layer("sigmoid"), step_layer("tanh"), step_layer("linear", 8), step_layer("linear", 4),
                      step_layer("relu")},
                    "input dropout, no bias, two activations and two linear layers in a row, relu last");
}

TEST(MlpStep, IsOnlyForWhatItComputesAsAutogradDoes) {
  using L = std::vector<LayerConfig>;
  at::Generator g = at::detail::createCPUGenerator(1);
  Network plain(L{step_layer("flatten"), step_layer("linear", 8), step_layer("relu"), step_layer("linear", 4)},
                {1, 6, 6}, InitConfig{}, g);
  EXPECT_TRUE(MlpStep::make(plain, "cross_entropy"));
  EXPECT_FALSE(MlpStep::make(plain, "mse"));
  Network leaky(L{step_layer("flatten"), step_layer("linear", 8), step_layer("leaky_relu"), step_layer("linear", 4)},
                {1, 6, 6}, InitConfig{}, g);
  EXPECT_FALSE(MlpStep::make(leaky, "cross_entropy")) << "an activation it does not know";
  LayerConfig conv = step_layer("conv2d", 2);
  conv.kernel = 3;
  Network cnn(L{conv, step_layer("relu"), step_layer("flatten"), step_layer("linear", 4)}, {1, 6, 6}, InitConfig{}, g);
  EXPECT_FALSE(MlpStep::make(cnn, "cross_entropy"));
  plain.freeze({false, true});
  EXPECT_FALSE(MlpStep::make(plain, "cross_entropy")) << "a frozen layer";
}

// Whole runs (uint8 images converted by the step, dropout, momentum, L2, a last batch of 16):
// the same epochs, gradient norms and final numbers as the autograd loop.
TEST(MlpStep, ARunTrainsExactlyAsWithAutograd) {
  for (const std::string extra : {"{}", R"({"training": {"batch_size": 10, "shuffle": false}})"}) {
    const ExperimentConfig c = step_config(extra);
    const StepRun fast = train_run(c, false), slow = train_run(c, true);
    ASSERT_EQ(fast.r.status, RunStatus::Completed) << fast.r.reason;
    EXPECT_TRUE(fast.had_step) << extra;
    ASSERT_EQ(fast.r.history.size(), slow.r.history.size());
    for (size_t k = 0; k < fast.r.history.size(); ++k) {
      const EpochEvent &f = fast.r.history[k], &s = slow.r.history[k];
      EXPECT_EQ(f.train_loss, s.train_loss) << extra << " epoch " << k + 1;
      EXPECT_EQ(f.train_accuracy, s.train_accuracy) << extra << " epoch " << k + 1;
      EXPECT_EQ(f.val_loss, s.val_loss) << extra << " epoch " << k + 1 << ": the same weights";
      EXPECT_EQ(f.grad_norms, s.grad_norms) << extra << " epoch " << k + 1;
      EXPECT_EQ(f.weight_norms, s.weight_norms) << extra << " epoch " << k + 1;
      EXPECT_EQ(f.penalty, s.penalty) << extra << " epoch " << k + 1;
    }
    EXPECT_EQ(fast.r.test_loss, slow.r.test_loss) << extra;
    EXPECT_EQ(fast.r.confusion, slow.r.confusion) << extra;
  }
}

TEST(MlpStep, OtherRunsTrainThroughAutograd) {
  EXPECT_FALSE(train_run(step_config(R"({"training": {"loss": "mse"}})"), false).had_step);
  EXPECT_FALSE(train_run(step_config(R"({"model": {"freeze": ["body"]}})"), false).had_step);
}

// Stopped after epoch 2 with a checkpoint and resumed (both through the step): the epochs and the
// final numbers of the uninterrupted run.
TEST(MlpStep, AResumedRunEndsAsTheUninterruptedOne) {
  ExperimentConfig c = step_config(R"({"training": {"epochs": 4}})");
  const StepRun whole = train_run(c, false);
  ASSERT_EQ(whole.r.status, RunStatus::Completed) << whole.r.reason;
  ASSERT_TRUE(whole.had_step);
  const std::string file =
      (std::filesystem::temp_directory_path() / ("hl-mlp-step-" + std::to_string(::getpid()) + ".pt")).string();
  {
    Trainer t(c);
    t.set_checkpoint_file(file);
    RunCallbacks cb;
    cb.on_epoch = [](const EpochEvent& e) { return e.epoch < 2; };
    ASSERT_EQ(t.run(cb).epochs_run, 2);
  }
  Trainer t(c);
  t.resume_from(file);
  auto probe = std::make_shared<StepProbe>(false);
  t.add_callback(probe);
  const RunResult rest = t.run();
  std::remove(file.c_str());
  ASSERT_EQ(rest.status, RunStatus::Completed) << rest.reason;
  EXPECT_TRUE(probe->had());
  ASSERT_EQ(rest.history.size(), whole.r.history.size());
  for (size_t k = 0; k < rest.history.size(); ++k) {
    EXPECT_EQ(rest.history[k].train_loss, whole.r.history[k].train_loss) << "epoch " << k + 1;
    EXPECT_EQ(rest.history[k].val_loss, whole.r.history[k].val_loss) << "epoch " << k + 1;
  }
  EXPECT_EQ(rest.test_loss, whole.r.test_loss);
  EXPECT_EQ(rest.confusion, whole.r.confusion);
}

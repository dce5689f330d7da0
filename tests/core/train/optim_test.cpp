// Every optimizer's first steps against values computed independently:
// tests/data/optim_reference.py implements PyTorch's documented update rules in
// plain numpy (no torch) and printed the table below.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "train/optim.h"
#include "train/regularise.h"

using namespace hyperlab;

namespace {

struct OptCase {
  const char* name;
  const char* json;
  double expected[3];
};

const OptCase kCases[] = {
    {"sgd", R"({"type":"sgd","lr":0.1})", {0.59049000000000007, -1.547561875, 0.16384000000000001}},
    {"sgd_momentum", R"({"type":"sgd","lr":0.1,"momentum":0.9})", {-0.029159999999999964, -0.83431187499999981, -0.29021000000000008}},
    {"sgd_dampening", R"({"type":"sgd","lr":0.1,"momentum":0.9,"dampening":0.1})", {0.023058188999999951, -0.90440007118749965, -0.26682137600000011}},
    {"sgd_nesterov_wd", R"({"type":"sgd","lr":0.1,"momentum":0.9,"nesterov":true,"weight_decay":0.01})", {-0.11079058945899664, -0.61039037839437171, -0.2081800369068551}},
    {"adam", R"({"type":"adam","lr":0.1})", {0.50796366192722098, -1.5029557851889337, 0.027814451370609533}},
    {"adam_amsgrad_wd", R"({"type":"adam","lr":0.1,"amsgrad":true,"weight_decay":0.1,"beta1":0.8})", {0.51346769764159417, -1.5055246423006767, 0.040018801378281746}},
    {"adamw", R"({"type":"adamw","lr":0.1,"weight_decay":0.1})", {0.46995265961880694, -1.415566483794352, 0.015330359408832941}},
    {"rmsprop", R"({"type":"rmsprop","lr":0.01})", {0.69646579928103303, -1.6854815995930683, 0.22157100005208941}},
    {"rmsprop_centered_momentum", R"({"type":"rmsprop","lr":0.01,"centered":true,"momentum":0.9,"alpha":0.9})", {0.6655627966925125, -1.6597965028365216, 0.17870687785071068}},
    {"adagrad", R"({"type":"adagrad","lr":0.1,"lr_decay":0.01,"weight_decay":0.01,"initial_accumulator_value":0.1})", {0.70967223411268809, -1.699230879495482, 0.2329247236004634}},
};

OptimizerConfig optimizer_from(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(R"({"version": 1,
      "data": {"dataset": "synthetic"}, "model": {"mlp": {"hidden": [2]}}, "training": {}})");
  j["training"]["optimizer"] = nlohmann::json::parse(text);
  ConfigResult r = parse_config(j);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config.training.optimizer;
}

}  // namespace

TEST(Optimizers, FirstStepsMatchIndependentReference) {
  const at::Tensor a = at::tensor({1.0, 0.5, 2.0}, at::kDouble);
  for (const OptCase& c : kCases) {
    SCOPED_TRACE(c.name);
    at::Tensor w = at::tensor({1.0, -2.0, 0.5}, at::kDouble);
    auto opt = make_optimizer(optimizer_from(c.json), {w});
    for (int step = 0; step < 5; ++step) {
      w.mutable_grad() = a * w;  // gradient of 0.5 * sum(a * w^2)
      opt->step();
    }
    for (int i = 0; i < 3; ++i)
      EXPECT_NEAR(w[i].item<double>(), c.expected[i], 1e-12 * std::max(1.0, std::fabs(c.expected[i]))) << i;
  }
}

TEST(Schedules, FollowPyTorchFormulas) {
  SchedulerConfig s;
  s.type = "step", s.step_size = 2, s.gamma = 0.5;
  LrSchedule st(s, 1.0, 10);
  std::vector<double> got;
  for (int e = 1; e <= 5; ++e) got.push_back(st.after_epoch(e, NAN));
  EXPECT_EQ(got, (std::vector<double>{1.0, 0.5, 0.5, 0.25, 0.25}));

  s.type = "exponential", s.gamma = 0.9;
  LrSchedule ex(s, 0.1, 10);
  EXPECT_DOUBLE_EQ(ex.after_epoch(3, NAN), 0.1 * 0.9 * 0.9 * 0.9);

  s.type = "cosine", s.t_max = 4, s.eta_min = 0.0;
  LrSchedule co(s, 1.0, 10);
  EXPECT_NEAR(co.after_epoch(2, NAN), 0.5, 1e-15);  // half way down
  EXPECT_NEAR(co.after_epoch(4, NAN), 0.0, 1e-15);

  s.type = "plateau", s.patience = 1, s.factor = 0.5, s.monitor = "val_loss", s.threshold = 0;
  LrSchedule pl(s, 1.0, 10);
  EXPECT_EQ(pl.after_epoch(1, 1.0), 1.0);   // first value is the best
  EXPECT_EQ(pl.after_epoch(2, 1.0), 1.0);   // 1 bad epoch: within patience
  EXPECT_EQ(pl.after_epoch(3, 1.0), 0.5);   // 2 bad epochs > patience: reduce
  EXPECT_EQ(pl.after_epoch(4, 0.5), 0.5);   // improved
}

// L1, L2 and clipping change the gradient by what their formulas say, on the weights only.
TEST(Regularisers, ChangeTheGradientByTheirFormulas) {
  at::Tensor flat = at::tensor({0.5f, -2.0f, 0.0f, 3.0f, 1.0f, -1.0f});  // 4 weights, then 2 biases
  at::Tensor grad = at::zeros({6});
  at::Generator gen = at::detail::createCPUGenerator(1);
  TrainingConfig t;
  t.l1 = 0.1, t.l2 = 0.01;
  Regularisers r(t, flat, grad, 4, gen);
  r.add_penalty_gradients();
  // d/dw (l1 |w| + l2 w^2) = l1 sign(w) + 2 l2 w; sign(0) = 0; biases untouched.
  const std::vector<float> want = {0.1f + 0.01f, -0.1f - 0.04f, 0.0f, 0.1f + 0.06f, 0.0f, 0.0f};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(grad[i].item<float>(), want[i], 1e-7) << i;
  // penalty = l1 sum|w| + l2 sum w^2 = 0.1 * 5.5 + 0.01 * 13.25
  EXPECT_NEAR(r.penalty(), 0.1 * 5.5 + 0.01 * 13.25, 1e-6);
  // Clipping scales the whole gradient to the norm asked for (as clip_grad_norm_: max / (norm + 1e-6)).
  TrainingConfig clip;
  clip.clip_grad_norm = 1.0;
  at::Tensor g2 = at::tensor({3.0f, 4.0f, 0.0f, 0.0f, 0.0f, 0.0f});
  Regularisers c(clip, flat, g2, 4, gen);
  c.noise_and_clip();
  EXPECT_NEAR(g2[0].item<float>(), 3.0 / (5.0 + 1e-6), 1e-6);
  EXPECT_NEAR(g2[1].item<float>(), 4.0 / (5.0 + 1e-6), 1e-6);
  // A gradient already within the norm stays as it is.
  at::Tensor g3 = at::tensor({0.3f, 0.4f, 0.0f, 0.0f, 0.0f, 0.0f});
  Regularisers c3(clip, flat, g3, 4, gen);
  c3.noise_and_clip();
  EXPECT_FLOAT_EQ(g3[0].item<float>(), 0.3f);
  // Noise: zero-mean with the standard deviation asked for.
  TrainingConfig noisy;
  noisy.grad_noise_std = 0.5;
  at::Tensor g4 = at::zeros({20000});
  at::Tensor f4 = at::zeros({20000});
  Regularisers n(noisy, f4, g4, 20000, gen);
  n.noise_and_clip();
  EXPECT_NEAR(g4.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(g4.std().item<double>(), 0.5, 0.02);
}

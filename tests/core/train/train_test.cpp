// The trainer end to end on small synthetic data: learning, determinism, early
// stopping, divergence, cancellation, diagnostics, bad devices.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "config/config_json.h"
#include "model/network.h"
#include "train/numbers.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace {

ExperimentConfig config(const std::string& extra_json = "{}") {
  nlohmann::json j = nlohmann::json::parse(R"({
    "version": 1, "name": "t",
    "data": {"dataset": "synthetic", "validation_fraction": 0.2,
             "synthetic": {"kind": "blobs", "classes": 3, "samples": 600, "test_samples": 300, "noise": 0.1}},
    "model": {"mlp": {"hidden": [16], "activation": "relu"}},
    "training": {"epochs": 5, "batch_size": 32, "optimizer": {"type": "adam", "lr": 0.01}, "seed": 3}
  })");
  j.merge_patch(nlohmann::json::parse(extra_json));
  ConfigResult r = parse_config(j);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config;
}

RunResult train(const ExperimentConfig& c, RunCallbacks cb = {}) {
  Trainer t(c);
  return t.run(cb);
}

}  // namespace

TEST(Trainer, LearnsSeparableData) {
  RunResult r = train(config());
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_EQ(r.epochs_run, 5);
  EXPECT_GT(r.test_accuracy, 0.9);  // chance is 1/3
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);
  ASSERT_EQ(r.confusion.size(), 3u);
  int64_t total = 0;
  for (auto& row : r.confusion)
    for (auto v : row) total += v;
  EXPECT_EQ(total, 300);
  EXPECT_EQ(r.per_class_accuracy.size(), 3u);
}

TEST(Trainer, LearnsSpiralsWithADeeperNet) {
  // Two spirals are not linearly separable (a linear model stays near 0.6).
  // The earlier setup (800 points, 32-32, lr 0.02, 60 epochs) reached 0.85 on
  // one CPU and 0.72 on another: it sat on the edge of learning. This one
  // learns with room to spare: over seeds 1-6 and ATEN_CPU_CAPABILITY
  // default, avx2 and avx512 it reached 0.954-0.986 here. Three seeds, and
  // the median must clear 0.9, so one unlucky start cannot fail it either.
  std::vector<double> acc;
  for (int seed : {1, 2, 3}) {
    ExperimentConfig c = config(R"({"data": {"synthetic": {"kind": "spirals", "classes": 2, "samples": 2000,
                                                             "test_samples": 500}},
                                     "model": {"mlp": {"hidden": [64, 64], "activation": "tanh"}},
                                     "training": {"epochs": 100, "optimizer": {"lr": 0.01}}})");
    c.training.seed = seed;
    RunResult r = train(c);
    ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
    acc.push_back(r.test_accuracy);
  }
  std::sort(acc.begin(), acc.end());
  EXPECT_GT(acc[1], 0.9) << "seeds 1-3 reached " << acc[0] << ", " << acc[1] << ", " << acc[2];
}

TEST(Trainer, SmallImageCnnLearns) {
  RunResult r = train(config(R"({"data": {"synthetic": {"kind": "images", "classes": 4, "image_size": 12}},
      "model": {"mlp": null, "layers": [{"type": "conv2d", "out": 4, "kernel": 3, "padding": 1}, {"type": "relu"},
                {"type": "maxpool2d"}, {"type": "batchnorm"}, {"type": "flatten"}, {"type": "dropout", "p": 0.1},
                {"type": "linear", "out": 4}]},
      "training": {"epochs": 8}})"));
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_GT(r.test_accuracy, 0.8);
}

TEST(Trainer, SameConfigAndSeedGiveIdenticalMetrics) {
  ExperimentConfig c = config(R"({"model": {"mlp": {"dropout": 0.2}}, "training": {"grad_noise_std": 0.01}})");
  RunResult a = train(c), b = train(c);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].train_loss, b.history[i].train_loss);  // bit for bit
    EXPECT_EQ(a.history[i].val_loss, b.history[i].val_loss);
    EXPECT_EQ(a.history[i].grad_norms, b.history[i].grad_norms);
  }
  EXPECT_EQ(a.test_loss, b.test_loss);
  c.training.seed = 4;
  EXPECT_NE(train(c).history[0].train_loss, a.history[0].train_loss);
}

TEST(Trainer, EarlyStoppingStopsAndRestoresBest) {
  // lr tiny: the validation loss barely moves, so nothing beats min_delta after epoch 1.
  ExperimentConfig c = config(R"({"training": {"epochs": 20, "optimizer": {"lr": 1e-7},
      "early_stopping": {"monitor": "val_loss", "min_delta": 0.01, "patience": 2, "restore_best": true}}})");
  RunResult r = train(c);
  EXPECT_EQ(r.status, RunStatus::EarlyStopped) << r.reason;
  EXPECT_EQ(r.best_epoch, 1);
  EXPECT_EQ(r.epochs_run, 4);  // best at 1, then 3 epochs without improvement > patience 2
  EXPECT_TRUE(r.history[0].best);
  EXPECT_FALSE(r.history[1].best);
}

TEST(Trainer, TheSelectedEpochIsChosenOnValidationAndTheTestSetOnlyReports) {
  // Noisy blobs and a large step: validation accuracy goes up and down, so the
  // best-validation epoch is often not the last one.
  int selected_before_last = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const std::string extra = R"({"data": {"synthetic": {"noise": 1.2}}, "training": {"epochs": 10,
        "optimizer": {"lr": 0.1}, "evaluate_test": false, "seed": )" + std::to_string(seed) + "}}";
    const ExperimentConfig c = config(extra);
    const RunResult r = train(c);
    ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
    // The best epoch by validation accuracy (the first of equals), and nothing else.
    int want = 1;
    for (int e = 2; e <= r.epochs_run; ++e)
      if (r.history[e - 1].val_accuracy > r.history[want - 1].val_accuracy) want = e;
    EXPECT_EQ(r.best_epoch, want);
    for (const EpochEvent& e : r.history) EXPECT_TRUE(std::isnan(e.test_accuracy));  // evaluate_test false
    // Its test accuracy was measured on that epoch's weights: the same run cut
    // short at that epoch ends with exactly that number.
    ExperimentConfig shorter = c;
    shorter.training.epochs = r.best_epoch;
    const RunResult s = train(shorter);
    EXPECT_EQ(s.final_test_accuracy, r.test_accuracy) << "seed " << seed;
    EXPECT_EQ(s.final_test_loss, r.test_loss) << "seed " << seed;
    // The confusion matrix is the selected model's.
    int64_t diag = 0, total = 0;
    for (size_t i = 0; i < r.confusion.size(); ++i)
      for (size_t j = 0; j < r.confusion[i].size(); ++j) total += r.confusion[i][j], diag += i == j ? r.confusion[i][j] : 0;
    EXPECT_DOUBLE_EQ(double(diag) / total, r.test_accuracy);
    // And every reader gets the same numbers.
    const RunNumbers n = run_numbers(c, r.history, r);
    EXPECT_EQ(n.selected_epoch, r.best_epoch);
    EXPECT_EQ(n.selected_by, "val_accuracy");
    EXPECT_EQ(n.test_accuracy, r.test_accuracy);
    EXPECT_EQ(n.final_test_accuracy, r.final_test_accuracy);
    if (r.best_epoch < r.epochs_run) ++selected_before_last;
  }
  EXPECT_GT(selected_before_last, 0) << "no seed selected an earlier epoch: the test did not test the kept weights";

  // With the test set evaluated every epoch, the numbers are the history's.
  const ExperimentConfig c = config(R"({"data": {"synthetic": {"noise": 1.2}}, "training": {"epochs": 10,
      "optimizer": {"lr": 0.1}}})");
  const RunResult r = train(c);
  const RunNumbers n = run_numbers(c, r.history, r);
  EXPECT_EQ(r.test_accuracy, r.history[r.best_epoch - 1].test_accuracy);
  EXPECT_EQ(r.final_test_accuracy, r.history.back().test_accuracy);
  EXPECT_EQ(n.test_accuracy, r.test_accuracy);

  // Without a validation set nothing selects: the last epoch is the run's, every epoch was "selected" when it ended.
  const ExperimentConfig nv = config(R"({"data": {"validation_fraction": 0}, "training": {"epochs": 4}})");
  const RunResult v = train(nv);
  EXPECT_EQ(v.best_epoch, 4);
  for (const EpochEvent& e : v.history) EXPECT_TRUE(e.best);
  EXPECT_EQ(v.test_accuracy, v.final_test_accuracy);
  EXPECT_EQ(v.test_accuracy, v.history.back().test_accuracy);
  const RunNumbers m = run_numbers(nv, v.history, v);
  EXPECT_EQ(m.selected_by, "");
  EXPECT_NE(m.selection_text().find("last epoch"), std::string::npos) << m.selection_text();
}

// A stop inside an epoch changes the weights after the last whole epoch: the
// run's test numbers and confusion matrix still belong to its selected epoch.
TEST(Trainer, AStopInsideAnEpochReportsTheSelectedEpochsOwnTestNumbers) {
  for (const char* val : {"0.2", "0"}) {
    const ExperimentConfig c = config(std::string(R"({"data": {"validation_fraction": )") + val + R"(,
        "synthetic": {"noise": 1.2}}, "training": {"epochs": 6, "optimizer": {"lr": 0.1}}})");
    RunCallbacks cb;
    cb.on_batch = [](const BatchEvent& b) { return !(b.epoch == 4 && b.batch == 5); };
    const RunResult r = train(c, cb);
    ASSERT_EQ(r.status, RunStatus::Cancelled) << r.reason;
    ASSERT_EQ(r.epochs_run, 3);
    const RunNumbers n = run_numbers(c, r.history, r);
    EXPECT_EQ(r.test_accuracy, r.history[r.best_epoch - 1].test_accuracy) << "validation " << val;
    EXPECT_EQ(n.test_accuracy, r.test_accuracy);
    EXPECT_EQ(r.final_test_accuracy, r.history.back().test_accuracy);
    int64_t diag = 0, total = 0;
    for (size_t i = 0; i < r.confusion.size(); ++i)
      for (size_t j = 0; j < r.confusion[i].size(); ++j) total += r.confusion[i][j], diag += i == j ? r.confusion[i][j] : 0;
    ASSERT_GT(total, 0);
    EXPECT_DOUBLE_EQ(double(diag) / total, r.test_accuracy) << "the confusion matrix is the reported model's";
  }
}

TEST(Trainer, DivergenceStopsAtOnceAndKeepsHistory) {
  ExperimentConfig c = config(R"({"training": {"epochs": 5, "loss": "mse", "optimizer": {"type": "sgd", "lr": 1e12}}})");
  std::vector<double> batch_losses;
  RunCallbacks cb;
  cb.on_batch = [&](const BatchEvent& e) {
    batch_losses.push_back(e.loss);
    return true;
  };
  RunResult r = train(c, cb);
  EXPECT_EQ(r.status, RunStatus::Diverged);
  EXPECT_GE(r.diverged_epoch, 1);
  EXPECT_GE(r.diverged_batch, 1);
  ASSERT_FALSE(batch_losses.empty());
  EXPECT_FALSE(std::isfinite(batch_losses.back()));  // the bad batch is reported...
  EXPECT_EQ(static_cast<int>(batch_losses.size()),
            (r.diverged_epoch - 1) * r.info.batches_per_epoch + r.diverged_batch);  // ...and nothing after it
  EXPECT_EQ(r.history.size(), static_cast<size_t>(r.diverged_epoch - 1));
  EXPECT_NE(r.reason.find("became"), std::string::npos);
}

TEST(Trainer, CallbackAndRequestStopCancelAtABatchBoundary) {
  ExperimentConfig c = config(R"({"training": {"epochs": 50}})");
  int batches = 0;
  RunCallbacks cb;
  cb.on_batch = [&](const BatchEvent&) { return ++batches < 30; };
  RunResult r = train(c, cb);
  EXPECT_EQ(r.status, RunStatus::Cancelled);
  EXPECT_EQ(batches, 30);
  EXPECT_FALSE(std::isnan(r.test_accuracy));  // the model so far is still evaluated

  Trainer t(c);
  std::atomic<int> seen{0};
  RunCallbacks cb2;
  cb2.on_batch = [&](const BatchEvent&) {
    ++seen;
    return true;
  };
  cb2.on_epoch = [&](const EpochEvent& e) {
    if (e.epoch == 2) t.request_stop();
    return true;
  };
  RunResult r2 = t.run(cb2);
  EXPECT_EQ(r2.status, RunStatus::Cancelled);
  EXPECT_EQ(r2.epochs_run, 2);
}

TEST(Trainer, PauseAndResumeFromAnotherThread) {
  ExperimentConfig c = config(R"({"training": {"epochs": 3}})");
  Trainer t(c);
  std::atomic<int> batches{0};
  RunCallbacks cb;
  cb.on_batch = [&](const BatchEvent&) {
    if (++batches == 5) t.pause();
    return true;
  };
  RunResult r;
  std::thread worker([&] { r = t.run(cb); });
  while (batches < 5) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(batches.load(), 5);  // paused at the batch boundary
  EXPECT_TRUE(t.paused());
  t.resume();
  worker.join();
  EXPECT_EQ(r.status, RunStatus::Completed);
  EXPECT_EQ(r.epochs_run, 3);
}

TEST(Trainer, GradientDiagnosticsShowVanishingGradients) {
  // Deep sigmoid net: the first layer's gradient is orders of magnitude smaller
  // than the last one's; the same depth with ReLU + Kaiming keeps it near 1.
  auto ratio = [](const std::string& act, const std::string& init) {
    ExperimentConfig c = config(R"({"training": {"epochs": 1, "optimizer": {"type": "sgd", "lr": 0.01}}})");
    c.model.mlp->hidden = std::vector<int>(8, 30);
    c.model.mlp->activation = act;
    c.model.init.scheme = init;
    RunResult r = train(c);
    EXPECT_EQ(r.history.at(0).grad_norms.size(), 9u);
    EXPECT_EQ(r.info.layer_names.size(), 9u);
    return r.history.at(0).grad_ratio;
  };
  double sig = ratio("sigmoid", "default"), relu = ratio("relu", "kaiming_uniform");
  EXPECT_LT(sig, 1e-3);
  EXPECT_GT(relu, 1e-2);
}

TEST(Trainer, RegularisersAndSchedulesRun) {
  ExperimentConfig c = config(R"({"training": {"epochs": 3, "l1": 1e-4, "l2": 1e-3, "clip_grad_norm": 1.0,
      "optimizer": {"type": "sgd", "lr": 0.1, "momentum": 0.9},
      "scheduler": {"type": "step", "step_size": 1, "gamma": 0.5}}})");
  RunResult r = train(c);
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_DOUBLE_EQ(r.history[0].lr, 0.1);
  EXPECT_DOUBLE_EQ(r.history[2].lr, 0.025);
  EXPECT_GT(r.history[0].penalty, 0);
  EXPECT_GT(r.test_accuracy, 0.8);
}

TEST(Trainer, MissingCudaIsAnInputErrorUnlessFallbackAllowed) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  ExperimentConfig c = config();
  c.training.device = "cuda";
  RunResult r = train(c);
  EXPECT_EQ(r.status, RunStatus::Failed);
  EXPECT_TRUE(r.input_error);
  EXPECT_NE(r.reason.find("training.device is \"cuda\" but"), std::string::npos) << r.reason;
  c.training.allow_cpu_fallback = true;
  RunResult f = train(c);
  EXPECT_EQ(f.status, RunStatus::Completed);
  EXPECT_NE(f.info.device.find("fell back to cpu"), std::string::npos);
}

TEST(Trainer, FashionMnistSmoke) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (sudo apt-get install dataset-fashion-mnist)";
  ExperimentConfig c = config(R"({"data": {"dataset": "fashion-mnist", "train_limit": 3000, "test_limit": 1000,
      "synthetic": null}, "model": {"mlp": {"hidden": [64]}}, "training": {"epochs": 2}})");
  c.data.synthetic = SyntheticConfig{};
  RunResult r = train(c);
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_EQ(r.info.train_size, 2400);
  EXPECT_EQ(r.info.test_size, 1000);
  EXPECT_GT(r.test_accuracy, 0.6);  // chance is 0.1
}

TEST(Snapshot, PointDataGetsADecisionMapThatMatchesTheTestAccuracy) {
  ExperimentConfig c = config(R"({"data": {"validation_fraction": 0}})");
  auto data = load_data(c.data, c.training.seed);
  DataPreview p = preview_data(*data);
  EXPECT_TRUE(p.points);
  EXPECT_EQ(p.train_size, 600);
  EXPECT_EQ(p.test_points.count(), 300);
  EXPECT_LT(p.x_min, p.x_max);
  // every point lies inside the plane
  for (int i = 0; i < p.train_points.count(); ++i) {
    EXPECT_GE(p.train_points.xy[2 * i], p.x_min);
    EXPECT_LE(p.train_points.xy[2 * i + 1], p.y_max);
  }
  EXPECT_EQ(p.summary(), "600 train / 300 test points, 3 classes");

  std::vector<Snapshot> snaps;
  Trainer t(c);
  t.set_data(data);
  RunResult r = t.run({{}, {}, {}, [&](const Snapshot& s) { snaps.push_back(s); }});
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  ASSERT_EQ(snaps.size(), 6u);  // 5 epochs + final
  EXPECT_TRUE(snaps.back().final);
  EXPECT_EQ(snaps[2].epoch, 3);
  const Snapshot& s = snaps.back();
  ASSERT_EQ(s.grid_w * s.grid_h, static_cast<int>(s.grid_class.size()));
  ASSERT_EQ(s.predicted.size(), 300u);
  // The map's class at each test point (nearest cell) agrees with the model's
  // prediction for that point almost everywhere (cells are 1 % of the plane).
  int agree = 0, correct = 0;
  for (int i = 0; i < 300; ++i) {
    double x = p.test_points.xy[2 * i], y = p.test_points.xy[2 * i + 1];
    int cx = std::min(s.grid_w - 1, int((x - p.x_min) / (p.x_max - p.x_min) * s.grid_w));
    int cy = std::min(s.grid_h - 1, int((p.y_max - y) / (p.y_max - p.y_min) * s.grid_h));
    agree += s.grid_class[cy * s.grid_w + cx] == s.predicted[i];
    correct += s.predicted[i] == p.test_points.labels[i];
  }
  EXPECT_GT(agree, 285);
  EXPECT_NEAR(correct / 300.0, r.test_accuracy, 1e-9);
  for (float conf : s.confidence) EXPECT_TRUE(conf >= 1.0f / 3 - 1e-6f && conf <= 1.0f);
  EXPECT_EQ(s.filter_count, 0);  // 2-D inputs are not pictures
}

TEST(Snapshot, ImageModelsShowFirstLayerWeightsAsPictures) {
  ExperimentConfig c = config(R"({"data": {"synthetic": {"kind": "images", "image_size": 8, "classes": 2}},
                                  "training": {"epochs": 2}})");
  c.model.mlp->hidden = {12};
  auto data = load_data(c.data, c.training.seed);
  DataPreview p = preview_data(*data);
  EXPECT_FALSE(p.points);
  ASSERT_EQ(p.train_images.count(), 64);
  EXPECT_EQ(p.train_images.height, 8);
  EXPECT_EQ(p.train_images.pixels.size(), size_t(64 * p.train_images.channels * 8 * 8));
  EXPECT_EQ(p.test_images.count(), 300);

  std::vector<Snapshot> snaps;
  Trainer t(c);
  t.set_data(data);
  RunResult r = t.run({{}, {}, {}, [&](const Snapshot& s) { snaps.push_back(s); }});
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  ASSERT_EQ(snaps.size(), 3u);
  const Snapshot& s = snaps.back();
  EXPECT_EQ(s.filter_count, 12);
  EXPECT_EQ(s.filter_h, 8);
  EXPECT_EQ(s.filters.size(), size_t(12 * s.filter_channels * 64));
  // the weights changed between epochs
  EXPECT_NE(snaps[0].filters, snaps[1].filters);
  EXPECT_EQ(s.grid_w, 0);

  // A conv net's kernels.
  c.model.mlp.reset();
  auto layer = [](const char* type, int out = 0) {
    LayerConfig l;
    l.type = type, l.out = out;
    return l;
  };
  c.model.layers = {layer("conv2d", 5), layer("relu"), layer("flatten"), layer("linear", 2)};
  snaps.clear();
  Trainer t2(c);
  t2.set_data(data);
  r = t2.run({{}, {}, {}, [&](const Snapshot& s) { snaps.push_back(s); }});
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_EQ(snaps.back().filter_count, 5);
  EXPECT_EQ(snaps.back().filter_h, 3);
  EXPECT_EQ(snaps.back().filters.size(), size_t(5 * snaps.back().filter_channels * 9));
}

// ---- checkpoints: an interrupted run, resumed, ends exactly as an uninterrupted one ----

namespace {
ExperimentConfig resumable() {
  ExperimentConfig c = config(R"({"model": {"mlp": {"hidden": [24, 12], "activation": "relu", "dropout": 0.2,
                                                   "batchnorm": true}},
    "training": {"epochs": 6, "optimizer": {"type": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": true},
                 "grad_noise_std": 0.001, "scheduler": {"type": "step", "step_size": 2, "gamma": 0.5},
                 "early_stopping": {"enabled": true, "monitor": "val_loss", "patience": 10, "restore_best": true}}})");
  return c;
}
std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))).string();
}
void expect_same(const RunResult& a, const RunResult& b) {
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].train_loss, b.history[i].train_loss) << "epoch " << i + 1;
    EXPECT_EQ(a.history[i].val_loss, b.history[i].val_loss) << "epoch " << i + 1;
    EXPECT_EQ(a.history[i].test_accuracy, b.history[i].test_accuracy) << "epoch " << i + 1;
    EXPECT_EQ(a.history[i].lr, b.history[i].lr) << "epoch " << i + 1;
  }
  EXPECT_EQ(a.best_epoch, b.best_epoch);
  EXPECT_EQ(a.test_loss, b.test_loss);
  EXPECT_EQ(a.test_accuracy, b.test_accuracy);
  EXPECT_EQ(a.confusion, b.confusion);
}
}  // namespace

TEST(Checkpoint, ResumingAfterAStopGivesTheUninterruptedResult) {
  const ExperimentConfig c = resumable();
  RunResult whole = train(c);
  ASSERT_EQ(whole.status, RunStatus::Completed) << whole.reason;

  const std::string file = temp_file("hl-ckpt.pt");
  RunResult first;
  {
    Trainer t(c);
    t.set_checkpoint_file(file);
    RunCallbacks cb;
    cb.on_epoch = [](const EpochEvent& e) { return e.epoch < 3; };  // stop after epoch 3
    first = t.run(cb);
  }
  ASSERT_EQ(first.status, RunStatus::Cancelled);
  ASSERT_EQ(first.epochs_run, 3);
  EXPECT_EQ(checkpoint_config(file).training.epochs, 6);

  Trainer t(c);
  t.resume_from(file);
  std::vector<int> epochs_seen;
  RunCallbacks cb;
  cb.on_epoch = [&](const EpochEvent& e) {
    epochs_seen.push_back(e.epoch);
    return true;
  };
  RunResult rest = t.run(cb);
  ASSERT_EQ(rest.status, RunStatus::Completed) << rest.reason;
  EXPECT_EQ(epochs_seen, (std::vector<int>{4, 5, 6}));  // it goes on, it does not start over
  expect_same(whole, rest);
  std::remove(file.c_str());
}

TEST(Checkpoint, AStopInsideAnEpochResumesFromTheLastWholeEpoch) {
  const ExperimentConfig c = resumable();
  RunResult whole = train(c);
  const std::string file = temp_file("hl-ckpt2.pt");
  {
    Trainer t(c);
    t.set_checkpoint_file(file);
    RunCallbacks cb;
    cb.on_batch = [](const BatchEvent& b) { return !(b.epoch == 5 && b.batch == 3); };
    RunResult r = t.run(cb);
    ASSERT_EQ(r.status, RunStatus::Cancelled);
    ASSERT_EQ(r.epochs_run, 4);
  }
  Trainer t(c);
  t.resume_from(file);
  expect_same(whole, t.run());
  std::remove(file.c_str());
}

TEST(Checkpoint, AMismatchedOrMissingCheckpointIsRefused) {
  const ExperimentConfig c = resumable();
  const std::string file = temp_file("hl-ckpt3.pt");
  {
    ExperimentConfig two = c;
    two.training.epochs = 2;
    Trainer t(two);
    t.set_checkpoint_file(file);
    ASSERT_EQ(t.run().status, RunStatus::Completed);
  }
  ExperimentConfig other = c;
  other.training.optimizer.lr = 0.1;
  Trainer t(other);
  try {
    t.resume_from(file);
    FAIL() << "resumed a different experiment";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("belongs to a different experiment"), std::string::npos) << e.what();
  }
  // More epochs than were planned is fine: training goes on from epoch 3.
  Trainer more(c);
  EXPECT_NO_THROW(more.resume_from(file));
  RunResult r = more.run();
  EXPECT_EQ(r.status, RunStatus::Completed);
  EXPECT_EQ(r.history.size(), 6u);
  EXPECT_THROW(Trainer(c).resume_from(file + ".nope"), std::runtime_error);
  std::remove(file.c_str());
}

// The flat-parameter network computes what the same layers do in a plain
// torch::nn::Sequential: the same outputs and the same gradients.
TEST(Network, FlatParametersGiveTheOutputsAndGradientsOfAPlainSequential) {
  for (bool conv : {false, true}) {
    std::vector<LayerConfig> layers;
    auto add = [&](const std::string& type, int out = 0, int kernel = 3) {
      LayerConfig l;
      l.type = type, l.out = out, l.kernel = kernel;
      if (type == "maxpool2d") l.stride = 2;
      layers.push_back(l);
    };
    namespace nn = torch::nn;
    nn::Sequential plain;
    if (conv) {
      add("conv2d", 4), add("relu"), add("maxpool2d", 0, 2), add("flatten"), add("linear", 10);
      plain->push_back(nn::Conv2d(nn::Conv2dOptions(1, 4, 3))), plain->push_back(nn::ReLU());
      plain->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2))), plain->push_back(nn::Flatten());
      plain->push_back(nn::Linear(4 * 13 * 13, 10));
    } else {
      add("flatten"), add("linear", 16), add("tanh"), add("linear", 10);
      plain->push_back(nn::Flatten()), plain->push_back(nn::Linear(784, 16)), plain->push_back(nn::Tanh());
      plain->push_back(nn::Linear(16, 10));
    }
    at::Generator gen = at::detail::createCPUGenerator(5);
    Network net(layers, {1, 28, 28}, InitConfig{}, gen);
    // The plain modules get the network's values: weights first in the flat
    // tensor, layer by layer, then the biases in the same order.
    {
      at::NoGradGuard ng;
      at::Tensor flat = net.flat();
      int64_t bias_off = net.weight_numel();
      size_t k = 0;
      for (auto& m : plain->modules(false)) {
        at::Tensor* w = nullptr;
        at::Tensor* b = nullptr;
        if (auto* l = m->as<nn::Linear>()) w = &l->weight, b = &l->bias;
        if (auto* c = m->as<nn::Conv2d>()) w = &c->weight, b = &c->bias;
        if (!w) continue;
        const WeightSlice& s = net.weights().at(k++);
        ASSERT_EQ(s.numel, w->numel());
        w->copy_(flat.narrow(0, s.offset, s.numel).view(w->sizes()));
        b->copy_(flat.narrow(0, bias_off, b->numel()));
        bias_off += b->numel();
      }
      ASSERT_EQ(k, net.weights().size());
      ASSERT_EQ(bias_off, flat.numel());
    }
    at::Tensor x = at::rand({8, 1, 28, 28}, gen);
    at::Tensor y = at::randint(0, 10, {8}, gen);
    at::Tensor a = net.forward(x), b = plain->forward(x);
    EXPECT_TRUE(at::allclose(a, b, 1e-5, 1e-6)) << (conv ? "cnn" : "mlp") << ": outputs differ";
    net.flat_grad().zero_();
    at::cross_entropy_loss(a, y).backward();
    at::cross_entropy_loss(b, y).backward();
    int64_t bias_off = net.weight_numel();
    size_t k = 0;
    for (auto& m : plain->modules(false)) {
      at::Tensor gw, gb;
      if (auto* l = m->as<nn::Linear>()) gw = l->weight.grad(), gb = l->bias.grad();
      if (auto* c = m->as<nn::Conv2d>()) gw = c->weight.grad(), gb = c->bias.grad();
      if (!gw.defined()) continue;
      const WeightSlice& s = net.weights().at(k++);
      EXPECT_TRUE(at::allclose(net.flat_grad().narrow(0, s.offset, s.numel), gw.flatten(), 1e-5, 1e-7))
          << (conv ? "cnn" : "mlp") << ": weight gradient of layer " << k;
      EXPECT_TRUE(at::allclose(net.flat_grad().narrow(0, bias_off, gb.numel()), gb, 1e-5, 1e-7))
          << (conv ? "cnn" : "mlp") << ": bias gradient of layer " << k;
      bias_off += gb.numel();
    }
  }
}

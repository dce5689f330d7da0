// Augmentations of the training batches (data/augment.h): each does what its
// doc says on small known images, the draws are reproducible, and a resumed
// run with augmentation equals the uninterrupted one.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "data/augment.h"
#include "train/events.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace {

at::Tensor aug_images(int64_t b = 8, int64_t c = 2, int64_t h = 6, int64_t w = 7) {
  return (at::arange(b * c * h * w, at::kLong) % 200 + 20).to(at::kByte).view({b, c, h, w});
}
AugmentConfig aug_step(const std::string& json) {
  ExperimentConfig base;
  base.data.dataset = "synthetic", base.data.synthetic.kind = "images";
  base.model.mlp = MlpConfig{{4}};
  nlohmann::json j = nlohmann::json::parse(config_to_text(base));
  j["data"]["augment"] = nlohmann::json::array({nlohmann::json::parse(json)});
  ConfigResult r = parse_config(j);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config.data.augment.at(0);
}
// Image i of x shifted by (dy, dx), with `fill` outside (zero) or reflected.
at::Tensor aug_shifted(const at::Tensor& img, int dy, int dx, bool reflect) {
  const int64_t H = img.size(1), W = img.size(2);
  at::Tensor out = at::zeros_like(img);
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x) {
      int64_t sy = y + dy, sx = x + dx;
      if (reflect) {
        sy = sy < 0 ? -sy : (sy > H - 1 ? 2 * (H - 1) - sy : sy);
        sx = sx < 0 ? -sx : (sx > W - 1 ? 2 * (W - 1) - sx : sx);
      } else if (sy < 0 || sy >= H || sx < 0 || sx >= W) {
        continue;
      }
      out.select(1, y).select(1, x).copy_(img.select(1, sy).select(1, sx));
    }
  return out;
}

}  // namespace

TEST(Augment, AFlipMirrorsEveryImageItChoosesAndNoOther) {
  const at::Tensor x = aug_images();
  EXPECT_TRUE(at::equal(augment_batch(x, {aug_step(R"({"type": "flip", "p": 1})")}, 1, 1, 0), x.flip({3})));
  EXPECT_TRUE(at::equal(augment_batch(x, {aug_step(R"({"type": "flip", "p": 0})")}, 1, 1, 0), x));
  // p = 0.5: each image is either itself or its mirror, and both occur over a few batches.
  int flipped = 0, kept = 0;
  for (int b = 0; b < 4; ++b) {
    const at::Tensor y = augment_batch(x, {aug_step(R"({"type": "flip"})")}, 1, 1, b);
    for (int64_t i = 0; i < x.size(0); ++i) {
      const bool f = at::equal(y[i], x[i].flip({2})), k = at::equal(y[i], x[i]);
      EXPECT_TRUE(f || k);
      flipped += f, kept += k;
    }
  }
  EXPECT_GT(flipped, 4);
  EXPECT_GT(kept, 4);
}

TEST(Augment, ACropIsTheImageShiftedByAtMostThePadding) {
  const at::Tensor x = aug_images(6, 1, 6, 7);
  for (const bool reflect : {false, true}) {
    const AugmentConfig a = aug_step(reflect ? R"({"type": "crop", "padding": 2, "mode": "reflect"})"
                                             : R"({"type": "crop", "padding": 2})");
    const at::Tensor y = augment_batch(x, {a}, 7, 2, 3);
    int moved = 0;
    for (int64_t i = 0; i < x.size(0); ++i) {
      bool found = false;
      for (int dy = -2; dy <= 2 && !found; ++dy)
        for (int dx = -2; dx <= 2 && !found; ++dx)
          if (at::equal(y[i], aug_shifted(x[i], dy, dx, reflect))) found = true, moved += dy != 0 || dx != 0;
      EXPECT_TRUE(found) << "image " << i << (reflect ? " (reflect)" : " (zero)");
    }
    EXPECT_GT(moved, 0);
  }
  EXPECT_TRUE(at::equal(augment_batch(x, {aug_step(R"({"type": "crop", "padding": 0})")}, 7, 2, 3), x));
}

TEST(Augment, NoiseCutoutAndJitterChangeWhatTheySay) {
  const at::Tensor x = at::full({8, 3, 10, 10}, 128, at::kByte);
  EXPECT_TRUE(at::equal(augment_batch(x, {aug_step(R"({"type": "noise", "std": 0})")}, 3, 1, 0), x));
  const at::Tensor n = augment_batch(x, {aug_step(R"({"type": "noise", "std": 8})")}, 3, 1, 0);
  const double mad = (n.to(at::kFloat) - 128).abs().mean().item<double>();
  EXPECT_GT(mad, 8 * 0.6);  // E|N(0, 8)| = 6.4
  EXPECT_LT(mad, 8 * 1.0);
  const at::Tensor c = augment_batch(x, {aug_step(R"({"type": "cutout", "size": 4})")}, 3, 1, 0);
  for (int64_t i = 0; i < 8; ++i) {
    const int64_t zeros = (c[i][0] == 0).sum().item<int64_t>();
    EXPECT_GT(zeros, 0);
    EXPECT_LE(zeros, 16);  // a 4x4 square, cut at the border
    EXPECT_TRUE(at::equal(c[i][0] == 0, c[i][2] == 0)) << "the same square in every channel";
  }
  // Jitter of a flat image: only brightness can change it, by at most 20 %.
  const at::Tensor j = augment_batch(x, {aug_step(R"({"type": "jitter"})")}, 3, 1, 0).to(at::kFloat);
  EXPECT_LE((j - 128).abs().max().item<double>(), 128 * 0.2 + 1);
  EXPECT_GT((j - 128).abs().max().item<double>(), 1);
}

TEST(Augment, ARotationBy90DegreesIsTheTurnedPatternPixelForPixel) {
  const at::Tensor x = aug_images(4, 2, 6, 6);
  const at::Tensor ones = at::ones({4}, at::kDouble), none = at::zeros({4, 2}, at::kDouble);
  // Counter-clockwise on the screen: the top row becomes the left column, read upwards.
  const at::Tensor ccw = x.transpose(2, 3).flip({2});
  for (bool nearest : {true, false}) {
    EXPECT_TRUE(at::equal(affine_images(x, at::full({4}, 90.0, at::kDouble), ones, none, nearest, 0), ccw)) << nearest;
    EXPECT_TRUE(at::equal(affine_images(x, at::full({4}, -90.0, at::kDouble), ones, none, nearest, 0),
                          x.transpose(2, 3).flip({3})))
        << nearest;
  }
  // 180 degrees on a non-square image: both axes mirrored (the turn is in pixels, not in [-1, 1]).
  const at::Tensor r = aug_images(3, 1, 5, 8);
  EXPECT_TRUE(at::equal(affine_images(r, at::full({3}, 180.0, at::kDouble), at::ones({3}, at::kDouble),
                                      at::zeros({3, 2}, at::kDouble), true, 0),
                        r.flip({2, 3})));
  // A shift of 1/7 of a 7-pixel width moves the content one pixel right; the left column is filled.
  const at::Tensor s = aug_images(2, 2, 6, 7);
  at::Tensor shift = at::zeros({2, 2}, at::kDouble);
  shift.select(1, 0).fill_(1.0 / 7);
  const at::Tensor moved = affine_images(s, at::zeros({2}, at::kDouble), at::ones({2}, at::kDouble), shift, true, 0);
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(at::equal(moved[i], aug_shifted(s[i], 0, -1, false))) << i;
  // Through the config: 0 degrees is the image itself; p = 0 changes nothing.
  EXPECT_TRUE(at::equal(augment_batch(x, {aug_step(R"({"type": "rotate", "degrees": 0})")}, 1, 1, 0), x));
  EXPECT_TRUE(at::equal(augment_batch(x, {aug_step(R"({"type": "rotate", "degrees": 90, "p": 0})")}, 1, 1, 0), x));
}

TEST(Augment, SmallRandomRotationsKeepTheCentrePixelAndFillTheCorners) {
  at::Generator g = at::detail::createCPUGenerator(11);
  const at::Tensor x = at::randint(0, 256, {16, 3, 9, 9}, g, at::kLong).to(at::kByte);
  for (const char* interp : {"nearest", "bilinear"}) {
    const AugmentConfig a = aug_step(std::string(R"({"type": "rotate", "degrees": 20, "interpolation": ")") + interp + "\"}");
    const at::Tensor y = augment_batch(x, {a}, 4, 2, 7);
    EXPECT_TRUE(at::equal(y.select(3, 4).select(2, 4), x.select(3, 4).select(2, 4))) << interp;
    EXPECT_FALSE(at::equal(y, x)) << interp;
    // Each image turned by its own angle: many change (with nearest, turns under ~5 degrees move no
    // pixel of a 9x9 image), and the images that change do not all change alike.
    const at::Tensor changed = (y.to(at::kInt) - x.to(at::kInt)).abs().sum({1, 2, 3}) > 0;
    EXPECT_GE(changed.sum().item<int64_t>(), 4) << interp;
    const at::Tensor moved = (y != x).flatten(1).sum(1).masked_select(changed);
    EXPECT_GT(moved.max().item<int64_t>(), moved.min().item<int64_t>()) << interp;
  }
  // 45 degrees leaves the corners without a source: they get the fill.
  const AugmentConfig a = aug_step(R"({"type": "rotate", "degrees": 45, "fill": 77, "interpolation": "nearest"})");
  const at::Tensor turned =
      affine_images(x, at::full({16}, 45.0, at::kDouble), at::ones({16}, at::kDouble), at::zeros({16, 2}, at::kDouble), true, a.fill);
  EXPECT_TRUE((turned.select(3, 0).select(2, 0) == 77).all().item<bool>());
  EXPECT_TRUE((turned.select(3, 8).select(2, 8) == 77).all().item<bool>());
}

TEST(Augment, TheCpuKernelsGiveTheBytesOfTheAtenOpPath) {
  at::Generator g = at::detail::createCPUGenerator(5);
  const at::Tensor x = at::randint(0, 256, {24, 3, 9, 11}, g, at::kLong).to(at::kByte);
  const at::Tensor before = x.clone();
  const std::vector<std::vector<const char*>> recipes = {
      {R"({"type": "crop", "padding": 3, "p": 0.7})", R"({"type": "flip"})", R"({"type": "cutout", "size": 4})"},
      {R"({"type": "flip", "p": 0.6})", R"({"type": "crop", "padding": 2, "mode": "reflect"})",
       R"({"type": "crop", "padding": 1})"},
      {R"({"type": "cutout", "size": 5, "p": 0.5})", R"({"type": "crop", "padding": 4})", R"({"type": "noise", "std": 5})",
       R"({"type": "flip"})", R"({"type": "jitter"})"},
      {R"({"type": "crop", "padding": 0})", R"({"type": "flip", "p": 0})"},
  };
  for (size_t r = 0; r < recipes.size(); ++r) {
    std::vector<AugmentConfig> steps;
    for (const char* j : recipes[r]) steps.push_back(aug_step(j));
    for (int b = 0; b < 3; ++b)
      EXPECT_TRUE(at::equal(augment_batch(x, steps, 9, 2, b), augment_batch_ops(x, steps, 9, 2, b))) << "recipe " << r;
  }
  EXPECT_TRUE(at::equal(x, before)) << "the input batch is left as it was";
}

TEST(Augment, TheCpuAffineKernelAgreesWithGridSample) {
  at::Generator g = at::detail::createCPUGenerator(8);
  const int64_t B = 32;
  const at::Tensor x = at::randint(0, 256, {B, 3, 10, 13}, g, at::kLong).to(at::kByte);
  const at::Tensor deg = (at::rand({B}, g, at::kDouble) * 2 - 1) * 40;
  const at::Tensor zoom = 1 + (at::rand({B}, g, at::kDouble) * 2 - 1) * 0.3;
  const at::Tensor shift = (at::rand({B, 2}, g, at::kDouble) * 2 - 1) * 0.2;
  for (const double fill : {0.0, 77.0, 37.6}) {
    // Nearest: the same source pixel, except where float rounding in grid_sample's path puts a
    // coordinate on the other side of a rounding boundary (allowed: 1 pixel in 1000).
    const at::Tensor n = affine_images(x, deg, zoom, shift, true, fill), ng = affine_images_grid(x, deg, zoom, shift, true, fill);
    EXPECT_LE((n != ng).sum().item<int64_t>(), x.numel() / 1000) << "fill " << fill;
    EXPECT_TRUE((n == std::nearbyint(fill)).any().item<bool>()) << "some corners are filled";
    // Bilinear: the same weights up to float rounding, so at most 1 level apart.
    const at::Tensor l = affine_images(x, deg, zoom, shift, false, fill), lg = affine_images_grid(x, deg, zoom, shift, false, fill);
    EXPECT_LE((l.to(at::kInt) - lg.to(at::kInt)).abs().max().item<int>(), 1) << "fill " << fill;
    EXPECT_LT((l != lg).sum().item<int64_t>(), x.numel() / 20) << "fill " << fill;
  }
  // Through the config, with p < 1: the images left alone are the input's.
  const std::vector<AugmentConfig> steps = {aug_step(R"({"type": "crop", "padding": 2})"),
      aug_step(R"({"type": "rotate", "degrees": 25, "scale": 0.1, "translate": 0.1, "p": 0.6})")};
  const at::Tensor y = augment_batch(x, steps, 3, 1, 4), yo = augment_batch_ops(x, steps, 3, 1, 4);
  EXPECT_LE((y != yo).sum().item<int64_t>(), x.numel() / 1000);
}

TEST(Augment, ThePreviewIsTheAugmentedImagesAndEachDrawIsAnother) {
  ImageBatch b;
  b.channels = 3, b.height = 8, b.width = 8;
  const at::Tensor x = aug_images(16, 3, 8, 8);
  b.pixels.assign(x.data_ptr<uint8_t>(), x.data_ptr<uint8_t>() + x.numel());
  b.labels.assign(16, 1);
  const std::vector<AugmentConfig> steps = {aug_step(R"({"type": "rotate", "degrees": 40})"), aug_step(R"({"type": "flip"})")};
  const ImageBatch p1 = augment_preview(b, steps, 1), p1b = augment_preview(b, steps, 1), p2 = augment_preview(b, steps, 2);
  const at::Tensor y = augment_batch(x, steps, 1, 0, 0).contiguous();
  ASSERT_EQ(p1.pixels.size(), b.pixels.size());
  EXPECT_EQ(p1.pixels, std::vector<uint8_t>(y.data_ptr<uint8_t>(), y.data_ptr<uint8_t>() + y.numel()));
  EXPECT_EQ(p1.pixels, p1b.pixels);
  EXPECT_NE(p1.pixels, p2.pixels);
  EXPECT_NE(p1.pixels, b.pixels);
  EXPECT_EQ(p1.labels, b.labels);
  EXPECT_EQ(augment_preview(b, {}, 3).pixels, b.pixels);
}

TEST(Augment, TheSameSeedEpochAndBatchGiveTheSameImagesAndOthersDoNot) {
  const at::Tensor x = aug_images();
  const std::vector<AugmentConfig> steps = {aug_step(R"({"type": "crop", "padding": 2})"),
                                            aug_step(R"({"type": "rotate", "degrees": 30, "scale": 0.1, "translate": 0.1})"),
                                            aug_step(R"({"type": "noise", "std": 4})")};
  EXPECT_TRUE(at::equal(augment_batch(x, steps, 5, 3, 2), augment_batch(x, steps, 5, 3, 2)));
  EXPECT_FALSE(at::equal(augment_batch(x, steps, 5, 3, 2), augment_batch(x, steps, 5, 3, 3)));
  EXPECT_FALSE(at::equal(augment_batch(x, steps, 5, 3, 2), augment_batch(x, steps, 5, 4, 2)));
  EXPECT_FALSE(at::equal(augment_batch(x, steps, 5, 3, 2), augment_batch(x, steps, 6, 3, 2)));
}

TEST(Augment, AResumedRunSeesTheSameBatchesAsAnUninterruptedOne) {
  ConfigResult r = parse_config_text(R"({"version": 1, "data": {"dataset": "synthetic",
      "synthetic": {"kind": "images", "samples": 400, "test_samples": 100, "classes": 3, "image_size": 8},
      "augment": [{"type": "crop", "padding": 2, "mode": "reflect"}, {"type": "flip"}, {"type": "noise", "std": 6},
                  {"type": "rotate", "degrees": 20, "p": 0.5}]},
    "model": {"mlp": {"hidden": [16]}}, "training": {"epochs": 4, "batch_size": 32, "threads": 1,
      "optimizer": {"type": "adam", "lr": 0.01}}})");
  ASSERT_TRUE(r.ok()) << r.error_text();
  RunResult whole = Trainer(r.config).run({});
  ASSERT_EQ(whole.status, RunStatus::Completed) << whole.reason;
  const std::string file =
      (std::filesystem::temp_directory_path() / ("hl-aug-ckpt-" + std::to_string(::getpid()) + ".pt")).string();
  {
    Trainer t(r.config);
    t.set_checkpoint_file(file);
    RunCallbacks cb;
    cb.on_epoch = [](const EpochEvent& e) { return e.epoch < 2; };
    ASSERT_EQ(t.run(cb).epochs_run, 2);
  }
  Trainer t(r.config);
  t.resume_from(file);
  RunResult rest = t.run({});
  ASSERT_EQ(rest.history.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(whole.history[i].train_loss, rest.history[i].train_loss) << "epoch " << i + 1;
  // And the augmentation changed the run: without it the losses differ.
  ExperimentConfig plain = r.config;
  plain.data.augment.clear();
  EXPECT_NE(Trainer(plain).run({}).history[0].train_loss, whole.history[0].train_loss);
  std::remove(file.c_str());
}

TEST(Augment, DocsConfigMdShowsTheTable) {
  FILE* f = std::fopen((std::string(HYPERLAB_TEST_DATA) + "/../../docs/config.md").c_str(), "rb");
  ASSERT_TRUE(f);
  std::string page;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) page.append(buf, n);
  std::fclose(f);
  EXPECT_NE(page.find(augment_markdown()), std::string::npos)
      << "docs/config.md should contain the augmentation table, as made from data/augment.cpp:\n"
      << augment_markdown();
}

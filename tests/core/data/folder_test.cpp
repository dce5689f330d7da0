// data.dataset "folder": class subfolders of PNG and JPEG files the tests
// write themselves (libpng, libjpeg), loaded, resized, cached, skipped when
// broken, refused when unusable, and trained on.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>

#include <png.h>
#include <jpeglib.h>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "config/config_json.h"
#include "config/shapes.h"
#include "data/dataset.h"
#include "data/folder.h"
#include "train/trainer.h"

using namespace hyperlab;
namespace fs = std::filesystem;

namespace {

// Pixel (x, y) -> RGB.
using Paint = std::function<void(int x, int y, uint8_t* rgb)>;

std::vector<uint8_t> paint(int w, int h, const Paint& p) {
  std::vector<uint8_t> px(size_t(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) p(x, y, &px[(size_t(y) * w + x) * 3]);
  return px;
}

void write_png(const std::string& file, int w, int h, const Paint& p, bool grey = false) {
  std::vector<uint8_t> px = paint(w, h, p);
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = w, img.height = h;
  img.format = PNG_FORMAT_RGB;
  if (grey) {  // the red channel as grey
    std::vector<uint8_t> g(size_t(w) * h);
    for (size_t i = 0; i < g.size(); ++i) g[i] = px[3 * i];
    img.format = PNG_FORMAT_GRAY;
    ASSERT_TRUE(png_image_write_to_file(&img, file.c_str(), 0, g.data(), 0, nullptr)) << img.message;
    return;
  }
  ASSERT_TRUE(png_image_write_to_file(&img, file.c_str(), 0, px.data(), 0, nullptr)) << img.message;
}

void write_jpeg(const std::string& file, int w, int h, const Paint& p, int quality = 95, int orientation = 0) {
  std::vector<uint8_t> px = paint(w, h, p);
  FILE* f = std::fopen(file.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  jpeg_stdio_dest(&c, f);
  c.image_width = w, c.image_height = h, c.input_components = 3, c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  jpeg_start_compress(&c, TRUE);
  if (orientation > 0) {  // an EXIF block, little-endian, with the one tag
    const uint8_t exif[] = {'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0,
                            1, 0, 0, 0, uint8_t(orientation), 0, 0, 0, 0, 0, 0, 0};
    jpeg_write_marker(&c, JPEG_APP0 + 1, exif, sizeof exif);
  }
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = &px[size_t(c.next_scanline) * w * 3];
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::fclose(f);
}

Paint solid(uint8_t r, uint8_t g, uint8_t b) {
  return [=](int, int, uint8_t* o) { o[0] = r, o[1] = g, o[2] = b; };
}

// Each test gets its own cache folder, so no test sees another's files.
struct FolderFixture : ::testing::Test {
  TempDir tmp, cache;
  void SetUp() override { ::setenv("XDG_CACHE_HOME", cache.path.c_str(), 1); }
  void TearDown() override { ::unsetenv("XDG_CACHE_HOME"); }
  std::string dir(const std::string& sub) {
    fs::create_directories(tmp.file(sub));
    return tmp.file(sub);
  }
  DataConfig data(int size = 8, int channels = 0) {
    DataConfig d;
    d.dataset = "folder", d.path = tmp.path, d.image_size = size, d.channels = channels;
    return d;
  }
  // Three classes of five: red PNGs, green JPEGs, blue half PNG, half JPEG; sizes vary.
  void three_colours() {
    for (int i = 0; i < 5; ++i) {
      write_png(dir("red") + "/r" + std::to_string(i) + ".png", 20 + i, 16, solid(250, 10, 10));
      write_jpeg(dir("green") + "/g" + std::to_string(i) + ".jpg", 16, 24 + i, solid(10, 240, 10));
      if (i % 2) write_png(dir("blue") + "/b" + std::to_string(i) + ".PNG", 30, 30, solid(10, 10, 245));
      else write_jpeg(dir("blue") + "/b" + std::to_string(i) + ".jpeg", 30, 30, solid(10, 10, 245));
    }
  }
};

// Mean of channel c over image i of a [N,C,S,S] block.
double mean_of(const std::vector<uint8_t>& x, int C, int S, int64_t i, int c) {
  double s = 0;
  for (int k = 0; k < S * S; ++k) s += x[(size_t(i) * C + c) * S * S + k];
  return s / (S * S);
}

}  // namespace

TEST_F(FolderFixture, LoadsClassesShapesAndColours) {
  three_colours();
  FolderImages im = load_folder(data(8));
  EXPECT_EQ(im.classes, (std::vector<std::string>{"blue", "green", "red"}));  // sorted names
  EXPECT_EQ(im.channels, 3);                                                  // colour images: RGB
  // 5 per class, 0.2 held out per class: 1 test image each.
  ASSERT_EQ(im.train_y.size(), 12u);
  ASSERT_EQ(im.test_y.size(), 3u);
  EXPECT_EQ(im.train_x.size(), 12u * 3 * 8 * 8);
  EXPECT_TRUE(im.skipped.empty());
  const uint8_t want[3][3] = {{10, 10, 245}, {10, 240, 10}, {250, 10, 10}};
  for (size_t i = 0; i < im.train_y.size(); ++i)
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 64; ++k)  // every pixel, within JPEG's error on flat colour
        ASSERT_NEAR(im.train_x[(i * 3 + c) * 64 + k], want[im.train_y[i]][c], 6) << "image " << i << " class "
                                                                              << im.train_y[i] << " channel " << c;
  std::vector<int> per_class(3, 0);
  for (int64_t y : im.test_y) ++per_class[y];
  EXPECT_EQ(per_class, (std::vector<int>{1, 1, 1}));
  // The classes are mixed in the training order (train_limit takes the first N).
  EXPECT_FALSE(std::is_sorted(im.train_y.begin(), im.train_y.end()));

  // The same through the dataset dispatch and the config: tensors, spec, names.
  std::shared_ptr<const LoadedData> D = load_data(data(8), 1);
  EXPECT_EQ(D->train.x.sizes(), (at::IntArrayRef{12, 3, 8, 8}));
  EXPECT_EQ(D->train.x.scalar_type(), at::kByte);
  EXPECT_EQ(D->test.size(), 3);
  EXPECT_EQ(D->spec.class_names, im.classes);
  EXPECT_EQ(D->spec.classes, 3);
  const DataSpec spec = data_spec(data(8));
  EXPECT_EQ(spec.input, (Shape{3, 8, 8}));
  EXPECT_EQ(spec.class_names, im.classes);
}

TEST_F(FolderFixture, GreyImagesGiveOneChannelAndColourConvertsToLuma) {
  for (int i = 0; i < 3; ++i) {
    write_png(dir("dark") + "/" + std::to_string(i) + ".png", 10, 10, solid(40, 40, 40), true);
    write_png(dir("light") + "/" + std::to_string(i) + ".png", 10, 10, solid(200, 200, 200), true);
  }
  FolderImages grey = load_folder(data(4));
  EXPECT_EQ(grey.channels, 1);  // no colour image: grey
  for (size_t i = 0; i < grey.train_y.size(); ++i)
    EXPECT_EQ(mean_of(grey.train_x, 1, 4, i, 0), grey.train_y[i] == 0 ? 40 : 200);
  EXPECT_EQ(data_spec(data(4)).input, (Shape{1, 4, 4}));

  // One colour image makes the default RGB; data.channels 1 turns it to luma.
  write_png(dir("dark") + "/red.png", 10, 10, solid(255, 0, 0));
  EXPECT_EQ(load_folder(data(4)).channels, 3);
  FolderImages luma = load_folder(data(4, 1));
  ASSERT_EQ(luma.channels, 1);
  bool seen = false;
  for (size_t i = 0; i < luma.train_y.size() + luma.test_y.size(); ++i) {
    const bool train = i < luma.train_y.size();
    const double m = mean_of(train ? luma.train_x : luma.test_x, 1, 4, train ? i : i - luma.train_y.size(), 0);
    if (m != 40 && m != 200) {
      EXPECT_EQ(m, 76);  // 0.299 * 255 = 76.2
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

TEST(FolderResize, AreaAverageBilinearAndCentreCrop) {
  // 8x8 of 2x2 blocks, each its own value: halving averages each block exactly.
  DecodedImage a;
  a.width = a.height = 8, a.channels = 3;
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x)
      for (int c = 0; c < 3; ++c) a.pixels.push_back(uint8_t((y / 2) * 40 + (x / 2) * 10 + c + ((x + y) % 2)));
  std::vector<uint8_t> out(3 * 16);
  crop_resize(a, 4, 3, out.data());
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < 4; ++r)
      for (int q = 0; q < 4; ++q) EXPECT_EQ(out[c * 16 + r * 4 + q], r * 40 + q * 10 + c + 1) << r << "," << q;  // 2 of 4 have +1: x.5 rounds up

  // 3 -> 2 columns: each output covers 1.5 source pixels. [0, 90, 180] -> [(0 + 45)/1.5, (45 + 180)/1.5].
  DecodedImage b;
  b.width = b.height = 3, b.channels = 1;
  for (int y = 0; y < 3; ++y)
    for (int v : {0, 90, 180}) b.pixels.push_back(uint8_t(v));
  std::vector<uint8_t> o2(4);
  crop_resize(b, 2, 1, o2.data());
  EXPECT_EQ(o2, (std::vector<uint8_t>{30, 150, 30, 150}));

  // Enlarging is bilinear between pixel centres: [0, 100] -> [0, 25, 75, 100].
  DecodedImage u;
  u.width = u.height = 2, u.channels = 1;
  u.pixels = {0, 100, 0, 100};
  std::vector<uint8_t> o4(16);
  crop_resize(u, 4, 1, o4.data());
  EXPECT_EQ(std::vector<uint8_t>(o4.begin(), o4.begin() + 4), (std::vector<uint8_t>{0, 25, 75, 100}));

  // A wide image is cut to its centre square: the white side bands go.
  DecodedImage w;
  w.width = 12, w.height = 8, w.channels = 3;
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 12; ++x)
      for (int c = 0; c < 3; ++c) w.pixels.push_back(x < 2 || x >= 10 ? 255 : 20);
  std::vector<uint8_t> o8(3 * 16);
  crop_resize(w, 4, 3, o8.data());
  for (uint8_t v : o8) EXPECT_EQ(v, 20);
}

TEST_F(FolderFixture, ResizesAFileOfAKnownPattern) {
  // 16x16 PNG, checkerboard of 4x4 squares: at 4x4 each output pixel is one square.
  auto board = [](int x, int y, uint8_t* o) { o[0] = o[1] = o[2] = ((x / 4 + y / 4) % 2) ? 255 : 0; };
  for (const char* c : {"a", "b"})
    for (int i = 0; i < 2; ++i) write_png(dir(c) + "/" + std::to_string(i) + ".png", 16, 16, board, true);
  FolderImages im = load_folder(data(4));
  ASSERT_EQ(im.channels, 1);
  ASSERT_FALSE(im.train_y.empty());
  for (int r = 0; r < 4; ++r)
    for (int q = 0; q < 4; ++q) EXPECT_EQ(im.train_x[r * 4 + q], ((r + q) % 2) ? 255 : 0);
}

TEST_F(FolderFixture, SecondLoadReadsTheCacheAndAChangedFileIsReadAgain) {
  three_colours();
  const int64_t before = folder_decode_count();
  FolderImages first = load_folder(data(8));
  EXPECT_FALSE(first.from_cache);
  EXPECT_EQ(folder_decode_count() - before, 15);
  ASSERT_FALSE(first.cache_file.empty());
  EXPECT_EQ(first.cache_file.rfind(cache.path + "/hyperlab/folder-cache/", 0), 0u) << first.cache_file;
  EXPECT_TRUE(fs::exists(first.cache_file));

  const int64_t mid = folder_decode_count();
  FolderImages second = load_folder(data(8));
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(folder_decode_count(), mid);  // nothing decoded
  EXPECT_EQ(second.train_x, first.train_x);
  EXPECT_EQ(second.train_y, first.train_y);
  EXPECT_EQ(second.test_y, first.test_y);
  EXPECT_EQ(second.classes, first.classes);

  // Another size is another cache entry.
  EXPECT_FALSE(load_folder(data(6)).from_cache);

  // A red image repainted white (new size and time): read again, and its pixels change.
  const std::string f = tmp.file("red/r0.png");
  write_png(f, 21, 17, solid(255, 255, 255));
  FolderImages third = load_folder(data(8));
  EXPECT_FALSE(third.from_cache);
  EXPECT_EQ(folder_decode_count() - mid, 15 + 15);  // size 6, then this
  bool white = false;
  for (size_t i = 0; i < third.train_y.size(); ++i) white |= mean_of(third.train_x, 3, 8, int64_t(i), 2) == 255;
  for (size_t i = 0; i < third.test_y.size(); ++i) white |= mean_of(third.test_x, 3, 8, int64_t(i), 2) == 255;
  EXPECT_TRUE(white);
  EXPECT_TRUE(load_folder(data(8)).from_cache);

  // A damaged cache file is not trusted: read again from the images.
  { std::ofstream(third.cache_file, std::ios::binary | std::ios::trunc) << "HLFOLD01 broken"; }
  FolderImages fourth = load_folder(data(8));
  EXPECT_FALSE(fourth.from_cache);
  EXPECT_EQ(fourth.train_x, third.train_x);
}

TEST_F(FolderFixture, CorruptAndTruncatedImagesAreSkippedAndNamed) {
  three_colours();
  tmp.write("red/notes.jpg", "these are not pixels");
  // A PNG cut in half, and a JPEG cut before its end.
  write_png(tmp.file("green/cut.png"), 64, 64, [](int x, int y, uint8_t* o) { o[0] = uint8_t(x * y), o[1] = uint8_t(x), o[2] = uint8_t(y); });
  fs::resize_file(tmp.file("green/cut.png"), fs::file_size(tmp.file("green/cut.png")) / 2);
  write_jpeg(tmp.file("blue/cut.jpg"), 64, 64, [](int x, int y, uint8_t* o) { o[0] = uint8_t(x * y), o[1] = uint8_t(x), o[2] = uint8_t(y); });
  fs::resize_file(tmp.file("blue/cut.jpg"), fs::file_size(tmp.file("blue/cut.jpg")) / 2);
  tmp.write("red/readme.txt", "ignored: not an image name");

  FolderImages im = load_folder(data(8));
  EXPECT_EQ(im.files, 18);
  ASSERT_EQ(im.skipped.size(), 3u);
  EXPECT_EQ(im.train_y.size() + im.test_y.size(), 15u);
  const std::string note = im.note();
  EXPECT_NE(note.find("skipped 3 of 18 images: "), std::string::npos) << note;
  EXPECT_NE(note.find("red/notes.jpg (not a PNG or JPEG file"), std::string::npos) << note;
  EXPECT_NE(note.find("green/cut.png (corrupt or truncated PNG"), std::string::npos) << note;
  EXPECT_NE(note.find("blue/cut.jpg (truncated JPEG"), std::string::npos) << note;
  EXPECT_NE(note.find("red/readme.txt"), std::string::npos) << note;
  // The cache keeps what was skipped, and the run tells it.
  EXPECT_EQ(load_folder(data(8)).note(), note);
  EXPECT_EQ(load_data(data(8), 1)->note, note);
}

TEST_F(FolderFixture, UnusableFoldersAreConfigErrorsNamingTheKey) {
  auto errors = [&](const std::string& path) {
    nlohmann::json j = {{"version", 1},
                        {"data", {{"dataset", "folder"}, {"path", path}, {"image_size", 8}}},
                        {"model", {{"mlp", {{"hidden", {8}}}}}}};
    return parse_config(j).error_text();
  };
  EXPECT_NE(errors(tmp.path).find("data.path: " + tmp.path + " has no PNG or JPEG images"), std::string::npos)
      << errors(tmp.path);
  write_png(dir("cats") + "/a.png", 8, 8, solid(1, 2, 3));
  write_png(dir("cats") + "/b.png", 8, 8, solid(1, 2, 3));
  EXPECT_NE(errors(tmp.path).find("data.path: " + tmp.path + " has one class (cats)"), std::string::npos)
      << errors(tmp.path);
  EXPECT_NE(errors(tmp.file("nowhere")).find("data.path: " + tmp.file("nowhere") + ": folder not found"),
            std::string::npos);
  EXPECT_NE(errors("").find("data.path: required for the folder dataset"), std::string::npos) << errors("");
  EXPECT_THROW(load_data(data(8), 1), DataError);
  write_png(dir("dogs") + "/a.png", 8, 8, solid(9, 9, 9));
  write_png(dir("dogs") + "/b.png", 8, 8, solid(9, 9, 9));
  EXPECT_EQ(errors(tmp.path), "");
  // Its settings belong to the folder dataset only.
  nlohmann::json j = {{"version", 1}, {"data", {{"dataset", "mnist"}, {"path", tmp.path}, {"image_size", 8}}},
                      {"model", {{"mlp", {{"hidden", {8}}}}}}};
  EXPECT_NE(parse_config(j).error_text().find("data.image_size: not used"), std::string::npos)
      << parse_config(j).error_text();
}

TEST_F(FolderFixture, OwnTrainAndTestSubfoldersAreTheSplit) {
  for (int i = 0; i < 4; ++i) {
    write_png(dir("train/a") + "/" + std::to_string(i) + ".png", 8, 8, solid(0, 0, 0));
    write_png(dir("train/b") + "/" + std::to_string(i) + ".png", 8, 8, solid(255, 255, 255));
  }
  write_png(dir("test/b") + "/t.png", 8, 8, solid(255, 255, 255));
  FolderImages im = load_folder(data(4));
  EXPECT_EQ(im.classes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(im.train_y.size(), 8u);
  ASSERT_EQ(im.test_y, (std::vector<int64_t>{1}));
  write_png(dir("test/c") + "/t.png", 8, 8, solid(1, 1, 1));
  EXPECT_THROW(load_folder(data(4)), FolderError);
}

TEST_F(FolderFixture, TrainsOnPhotosFromAFolder) {
  // Three classes told apart by colour and pattern, with noise and varied sizes: chance is 1/3.
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 25);
  auto px = [&](double v) { return uint8_t(std::clamp(v + noise(rng), 0.0, 255.0)); };
  for (int i = 0; i < 40; ++i) {
    const int w = 20 + i % 9, h = 18 + i % 7;
    const std::string n = std::to_string(i);
    write_png(dir("stripes") + "/" + n + ".png", w, h, [&](int, int y, uint8_t* o) { o[0] = o[1] = o[2] = px(y % 4 < 2 ? 220 : 30); });
    write_jpeg(dir("sunset") + "/" + n + ".jpg", w, h, [&](int, int y, uint8_t* o) { o[0] = px(200), o[1] = px(60 + 4 * y), o[2] = px(40); });
    write_jpeg(dir("sea") + "/" + n + ".jpg", w, h, [&](int x, int, uint8_t* o) { o[0] = px(30), o[1] = px(90 + 3 * x), o[2] = px(190); });
  }
  nlohmann::json j = {{"version", 1},
                      {"name", "folder"},
                      {"data", {{"dataset", "folder"}, {"path", tmp.path}, {"image_size", 8}, {"validation_fraction", 0.1}}},
                      {"model", {{"mlp", {{"hidden", {16}}}}}},
                      {"training", {{"epochs", 8}, {"batch_size", 16}, {"seed", 2}, {"optimizer", {{"type", "adam"}, {"lr", 0.01}}}}}};
  ConfigResult c = parse_config(j);
  ASSERT_TRUE(c.ok()) << c.error_text();
  EXPECT_EQ(summarize(c.config).layers.back().output, (Shape{3}));
  Trainer t(c.config);
  RunResult r = t.run({});
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  EXPECT_GT(r.test_accuracy, 0.8);  // 24 test images
  ASSERT_EQ(r.confusion.size(), 3u);
}

TEST(FolderDocs, ConfigMdRowsCarryTheDefaults) {
  std::ifstream in(std::string(HYPERLAB_TEST_DATA) + "/../../docs/config.md");
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const DataConfig d;
  char frac[32];
  std::snprintf(frac, sizeof frac, "%g", d.test_fraction);
  for (const std::string& row : {"| `image_size` | `" + std::to_string(d.image_size) + "` | `folder` only",
                                 "| `channels` | `" + std::to_string(d.channels) + "` | `folder` only",
                                 "| `test_fraction` | `" + std::string(frac) + "` | `folder` only",
                                 std::string("`synthetic`, `folder`")})
    EXPECT_NE(page.find(row), std::string::npos) << "docs/config.md should have: " << row;
}

TEST_F(FolderFixture, JpegsAreTurnedAsTheirExifOrientationSays) {
  // 16x8, red left half, blue right half. Orientation 6: shown turned 90 degrees
  // clockwise, 8 wide and 16 high, red on top; 8: anticlockwise, blue on top.
  auto halves = [](int x, int, uint8_t* o) { o[0] = x < 8 ? 240 : 10, o[1] = 10, o[2] = x < 8 ? 10 : 240; };
  for (int o : {1, 6, 8}) {
    const std::string f = tmp.file("o" + std::to_string(o) + ".jpg");
    write_jpeg(f, 16, 8, halves, 95, o);
    const DecodedImage im = decode_image(f);
    const bool turned = o != 1;
    ASSERT_EQ(im.width, turned ? 8 : 16) << o;
    ASSERT_EQ(im.height, turned ? 16 : 8) << o;
    const uint8_t* first = &im.pixels[0];                                          // top left
    const uint8_t* last = &im.pixels[(size_t(im.height) * im.width - 1) * 3];       // bottom right
    const bool red_first = o != 8;
    EXPECT_GT(first[red_first ? 0 : 2], 200) << o;
    EXPECT_GT(last[red_first ? 2 : 0], 200) << o;
  }
}

// IDX and CIFAR-10 readers on small files the tests write, good and corrupt;
// synthetic data; splits and limits.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "data/dataset.h"
#include "train/trainer.h"

using namespace hyperlab;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes idx(const std::vector<uint32_t>& dims, uint8_t fill_mod, uint8_t type = 0x08) {
  Bytes b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  size_t n = 1;
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
    n *= d;
  }
  for (size_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(i % fill_mod));
  return b;
}

void write(const fs::path& p, const Bytes& b, bool gz = false) {
  if (gz) {
    gzFile g = gzopen(p.c_str(), "wb");
    gzwrite(g, b.data(), static_cast<unsigned>(b.size()));
    gzclose(g);
  } else {
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
  }
}

}  // namespace

// Outside the anonymous namespace: gtest derives named test classes from it.
class DataFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("hyperlab_data_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  // A tiny MNIST-format set: n train and m test images of 28x28.
  void mnist(int n, int m, bool gz) {
    std::string ext = gz ? ".gz" : "";
    write(dir / ("train-images-idx3-ubyte" + ext), idx({uint32_t(n), 28, 28}, 251), gz);
    write(dir / ("train-labels-idx1-ubyte" + ext), idx({uint32_t(n)}, 10), gz);
    write(dir / ("t10k-images-idx3-ubyte" + ext), idx({uint32_t(m), 28, 28}, 253), gz);
    write(dir / ("t10k-labels-idx1-ubyte" + ext), idx({uint32_t(m)}, 10), gz);
  }
  std::string load_error(DataConfig d) {
    try {
      load_data(d, 1);
    } catch (const DataError& e) {
      return e.what();
    }
    return "";
  }
  DataConfig cfg(const std::string& dataset = "mnist") {
    DataConfig d;
    d.dataset = dataset;
    d.path = dir.string();
    return d;
  }
  fs::path dir;
};

TEST_F(DataFiles, ReadsPlainAndGzipIdx) {
  for (bool gz : {false, true}) {
    mnist(30, 12, gz);
    auto D = load_data(cfg(), 1);
    EXPECT_EQ(D->train.x.sizes(), (std::vector<int64_t>{30, 1, 28, 28}));
    EXPECT_EQ(D->train.x.scalar_type(), at::kByte);  // held as bytes, converted per batch
    EXPECT_EQ(D->test.size(), 12);
    EXPECT_EQ(D->train.x[0][0][0][5].item<int>(), 5);
    EXPECT_EQ(D->train.y[13].item<int64_t>(), 3);
    fs::remove_all(dir), fs::create_directories(dir);
  }
}

TEST_F(DataFiles, CacheReadsFilesOnceAndSharesEachSplitWhileInUse) {
  mnist(100, 20, false);
  DataConfig d = cfg();
  d.validation_fraction = 0.25;
  DataCache cache;
  auto a = cache.get(d, 7), b = cache.get(d, 7), c = cache.get(d, 8);
  EXPECT_EQ(a.get(), b.get()) << "same config and seed: the same loaded data";
  EXPECT_NE(a.get(), c.get());
  EXPECT_EQ(a->test.x.data_ptr(), c->test.x.data_ptr()) << "the files are read once for every seed";
  EXPECT_FALSE(a->val.y.equal(c->val.y) && a->val.x.equal(c->val.x)) << "each seed has its own split";
  // Equal to loading without the cache.
  auto direct = load_data(d, 8);
  EXPECT_TRUE(direct->train.x.equal(c->train.x));
  EXPECT_TRUE(direct->val.y.equal(c->val.y));
  EXPECT_TRUE(direct->scale.equal(c->scale));
  // Files removed after the first read: the cache still has them; a fresh load fails.
  fs::remove_all(dir), fs::create_directories(dir);
  EXPECT_NO_THROW(cache.get(d, 9));
  EXPECT_THROW(load_data(d, 9), std::exception);
}

TEST_F(DataFiles, ValidationSplitAndLimitsAreDeterministic) {
  mnist(100, 20, false);
  DataConfig d = cfg();
  d.validation_fraction = 0.25, d.train_limit = 80, d.test_limit = 10;
  auto a = load_data(d, 7), b = load_data(d, 7), c = load_data(d, 8);
  EXPECT_EQ(a->train.size(), 60);
  EXPECT_EQ(a->val.size(), 20);
  EXPECT_EQ(a->test.size(), 10);
  EXPECT_TRUE(a->val.y.equal(b->val.y));
  EXPECT_TRUE(a->val.x.equal(b->val.x));
  EXPECT_FALSE(a->val.x.equal(c->val.x));  // another seed, another split
}

TEST_F(DataFiles, CorruptIdxFilesGetClearErrors) {
  mnist(10, 5, false);
  std::string f = (dir / "train-images-idx3-ubyte").string();
  Bytes good = idx({10, 28, 28}, 251);

  Bytes wrong_magic = good;
  wrong_magic[2] = 0x0D;
  write(f, wrong_magic);
  EXPECT_EQ(load_error(cfg()), f + ": not an IDX file of unsigned bytes (wrong magic number)");

  Bytes truncated(good.begin(), good.end() - 100);
  write(f, truncated);
  EXPECT_EQ(load_error(cfg()), f + ": truncated: the header promises 7840 bytes of data, found 7740");

  write(f, Bytes{0, 0});
  EXPECT_EQ(load_error(cfg()), f + ": truncated (2 bytes, no IDX header)");

  write(f, idx({9, 28, 28}, 251));
  EXPECT_EQ(load_error(cfg()), f + " has 9 images but " + (dir / "train-labels-idx1-ubyte").string() + " has 10 labels");

  write(f, good);
  Bytes bad_label = idx({10}, 10);
  bad_label.back() = 42;
  write(dir / "train-labels-idx1-ubyte", bad_label);
  EXPECT_EQ(load_error(cfg()), (dir / "train-labels-idx1-ubyte").string() + ": label 42 is outside 0-9");

  fs::remove(dir / "t10k-labels-idx1-ubyte");
  write(dir / "train-labels-idx1-ubyte", idx({10}, 10));
  EXPECT_EQ(load_error(cfg()), dir.string() + ": missing t10k-labels-idx1-ubyte (or t10k-labels-idx1-ubyte.gz)");

  DataConfig nowhere = cfg();
  nowhere.path = (dir / "nope").string();
  EXPECT_EQ(load_error(nowhere), nowhere.path + ": folder not found");
}

TEST_F(DataFiles, TruncatedGzipIsReported) {
  mnist(10, 5, true);
  fs::path f = dir / "train-images-idx3-ubyte.gz";
  std::ifstream in(f, std::ios::binary);
  Bytes b((std::istreambuf_iterator<char>(in)), {});
  b.resize(b.size() / 2);
  write(f, b);
  std::string e = load_error(cfg());
  EXPECT_EQ(e.rfind(f.string() + ": corrupt or truncated compressed data", 0), 0u) << "got: " << e;
}

TEST_F(DataFiles, Cifar10BinaryGoodAndCorrupt) {
  auto batch = [&](const std::string& name, int n, int label_mod) {
    Bytes b;
    for (int i = 0; i < n; ++i) {
      b.push_back(static_cast<uint8_t>(i % label_mod));
      for (int k = 0; k < 3072; ++k) b.push_back(static_cast<uint8_t>((i + k) % 256));
    }
    write(dir / name, b);
  };
  for (int i = 1; i <= 5; ++i) batch("data_batch_" + std::to_string(i) + ".bin", 4, 10);
  batch("test_batch.bin", 3, 10);
  auto D = load_data(cfg("cifar10"), 1);
  EXPECT_EQ(D->train.x.sizes(), (std::vector<int64_t>{20, 3, 32, 32}));
  EXPECT_EQ(D->test.size(), 3);
  EXPECT_EQ(D->train.x[1][0][0][0].item<int>(), 1);

  std::string f = (dir / "data_batch_3.bin").string();
  fs::resize_file(f, 3073 * 2 + 100);
  EXPECT_EQ(load_error(cfg("cifar10")),
            f + ": size 6246 is not a whole number of CIFAR-10 records (3073 bytes each): truncated or not CIFAR-10 binary");
  batch("data_batch_3.bin", 12, 12);  // record 10 has label 10
  EXPECT_EQ(load_error(cfg("cifar10")), f + ": record 10 has label 10 (CIFAR-10 labels are 0-9)");
  batch("data_batch_3.bin", 4, 10);
  fs::remove(dir / "test_batch.bin");
  EXPECT_EQ(load_error(cfg("cifar10")), (dir / "test_batch.bin").string() + ": missing");
}

TEST(Synthetic, SameSeedSameDataAndAllKinds) {
  for (const char* kind : {"spirals", "circles", "xor", "blobs", "images"}) {
    SCOPED_TRACE(kind);
    SyntheticConfig s;
    s.kind = kind, s.classes = 3;
    at::Tensor x1, y1, x2, y2, x3, y3;
    make_synthetic(s, 200, 5, x1, y1);
    make_synthetic(s, 200, 5, x2, y2);
    make_synthetic(s, 200, 6, x3, y3);
    EXPECT_TRUE(x1.equal(x2));
    EXPECT_TRUE(y1.equal(y2));
    EXPECT_FALSE(x1.equal(x3));
    int k = (std::string(kind) == "xor" || std::string(kind) == "circles") ? 2 : 3;
    EXPECT_EQ(y1.max().item<int64_t>(), k - 1);
    EXPECT_EQ(y1.min().item<int64_t>(), 0);
  }
}

TEST(FashionMnist, LoadsWhenInstalled) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (sudo apt-get install dataset-fashion-mnist)";
  DataConfig d;
  auto D = load_data(d, 1);
  EXPECT_EQ(D->train.size(), 60000);
  EXPECT_EQ(D->test.size(), 10000);
  EXPECT_EQ(D->train.x.scalar_type(), at::kByte);
  EXPECT_EQ(D->spec.class_names[9], "Ankle boot");
}

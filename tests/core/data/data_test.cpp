// IDX and CIFAR-10 readers on small files the tests write, good and corrupt;
// synthetic data; splits and limits.
#include <gtest/gtest.h>

#include <cmath>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config/config_json.h"
#include "data/dataset.h"
#include "train/evaluate.h"
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

// An IDX header alone (unsigned bytes), for headers that lie about the data.
Bytes header(const std::vector<uint32_t>& dims) {
  Bytes b = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
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

// A load of its own splits the training file in place: the validation rows
// sit behind the training rows in the one buffer read from the file (no copy
// of either), and the rows are those the shared cache gathers into a copy.
TEST_F(DataFiles, ValidationSplitIsMadeInPlaceWithTheCachesRows) {
  mnist(100, 20, false);
  DataConfig d = cfg();
  d.validation_fraction = 0.3;
  auto own = load_data(d, 5);
  DataCache cache;
  auto shared = cache.get(d, 5);
  ASSERT_EQ(own->train.size(), 70);
  ASSERT_EQ(own->val.size(), 30);
  EXPECT_TRUE(own->val.x.is_alias_of(own->train.x)) << "one buffer for both splits";
  EXPECT_EQ(own->val.x.data_ptr<uint8_t>(), own->train.x.data_ptr<uint8_t>() + 70 * 28 * 28);
  EXPECT_TRUE(own->train.x.equal(shared->train.x));
  EXPECT_TRUE(own->train.y.equal(shared->train.y));
  EXPECT_TRUE(own->val.x.equal(shared->val.x));
  EXPECT_TRUE(own->val.y.equal(shared->val.y));
  // Every file row is in exactly one split.
  at::Tensor all = at::cat({own->train.x, own->val.x}).reshape({100, -1}).to(at::kLong).sum(1);
  at::Tensor file = load_data(cfg(), 5)->train.x.reshape({100, -1}).to(at::kLong).sum(1);
  EXPECT_TRUE(std::get<0>(all.sort()).equal(std::get<0>(file.sort())));
  // The cache's files are never rearranged: another seed's split from them is a fresh load's.
  auto other = cache.get(d, 6), fresh = load_data(d, 6);
  EXPECT_TRUE(other->train.x.equal(fresh->train.x));
  EXPECT_TRUE(other->val.x.equal(fresh->val.x));
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

// standardize uses the training split's statistics only (never validation or test):
// training inputs come out with mean 0 and standard deviation 1.
TEST_F(DataFiles, StandardizeUsesTheTrainingStatisticsOnly) {
  mnist(100, 20, false);
  DataConfig d = cfg();
  d.validation_fraction = 0.25, d.normalization = "standardize";
  auto D = load_data(d, 7);
  BatchMath math(*D, at::kCPU, "cross_entropy", 10);
  at::Tensor x = math.input(D->train.x).to(at::kDouble);
  EXPECT_NEAR(x.mean().item<double>(), 0.0, 1e-5);
  EXPECT_NEAR(x.std().item<double>(), 1.0, 1e-4);  // unbiased, as torch.std
  // By hand from the training pixels alone.
  at::Tensor raw = D->train.x.to(at::kDouble) / 255.0;
  const double mean = raw.mean().item<double>(), sd = raw.std().item<double>();
  EXPECT_NEAR(D->shift.item<float>(), -mean / sd, 1e-4);
  EXPECT_NEAR(D->scale.item<float>(), 1.0 / 255.0 / sd, 1e-7);
  // With the validation images in, the numbers would differ: they are left out.
  at::Tensor all = at::cat({D->train.x, D->val.x}).to(at::kDouble) / 255.0;
  const double with_val = -all.mean().item<double>() / all.std().item<double>();
  ASSERT_GT(std::fabs(with_val - (-mean / sd)), 1e-3) << "the data cannot tell the two apart";
  EXPECT_GT(std::fabs(D->shift.item<float>() - with_val), 1e-3);
}

TEST_F(DataFiles, CorruptIdxFilesGetClearErrors) {
  mnist(10, 5, false);
  std::string f = (dir / "train-images-idx3-ubyte").string();
  Bytes good = idx({10, 28, 28}, 251);

  Bytes wrong_magic = good;
  wrong_magic[2] = 0x0D;
  write(f, wrong_magic);
  EXPECT_EQ(load_error(cfg()),
            f + ": not an IDX file of unsigned bytes (wrong magic number: it starts with 00 00 0d 03, expected 00 00 08 03)");

  Bytes truncated(good.begin(), good.end() - 100);
  write(f, truncated);
  EXPECT_EQ(load_error(cfg()), f + ": truncated: the header says 10 images of 28x28 (7840 bytes) but the file holds "
                                   "7740 bytes after its 16-byte header");

  write(f, Bytes{0, 0});
  EXPECT_EQ(load_error(cfg()), f + ": truncated (2 bytes, no IDX header)");

  write(f, idx({9, 28, 28}, 251));
  EXPECT_EQ(load_error(cfg()), f + " has 9 images but " + (dir / "train-labels-idx1-ubyte").string() + " has 10 labels");

  write(f, good);
  Bytes bad_label = idx({10}, 10);
  bad_label.back() = 42;
  write(dir / "train-labels-idx1-ubyte", bad_label);
  EXPECT_EQ(load_error(cfg()), (dir / "train-labels-idx1-ubyte").string() + ": label 42 at position 9 is outside 0-9");

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

TEST_F(DataFiles, HeaderSizesAreCheckedAgainstTheFileBeforeAllocating) {
  mnist(10, 5, false);
  const std::string f = (dir / "train-images-idx3-ubyte").string();
  // 60,000,000 images of 28x28 (47 GB) in a 1.2 MB file: refused by the file's
  // size (allocating 47 GB first would fail on most machines with the allocator's message).
  Bytes b = header({60000000, 28, 28});
  b.resize(16 + 1200000, 7);
  write(f, b);
  EXPECT_EQ(load_error(cfg()), f + ": truncated: the header says 60000000 images of 28x28 (47 GB) but the file holds "
                                   "1.2 MB after its 16-byte header");
  // The same compressed: the header is never trusted, the stream is counted.
  fs::remove(f);
  write(f + ".gz", b, true);
  EXPECT_EQ(load_error(cfg()), f + ".gz: truncated: the header says 60000000 images of 28x28 (47 GB) but the file "
                                   "holds 1.2 MB (decompressed) after its 16-byte header");
  fs::remove(f + ".gz");
  // Dimensions whose product overflows 64 bits.
  b = header({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF});
  b.resize(100);
  write(f, b);
  EXPECT_EQ(load_error(cfg()), f + ": the header says 4294967295 images of 4294967295x4294967295, more bytes than any "
                                   "file holds (a corrupt header)");
  // 4 billion labels in a 20-byte file.
  write(f, idx({10, 28, 28}, 251));
  const std::string fl = (dir / "train-labels-idx1-ubyte").string();
  b = header({0xFFFFFFFF});
  b.resize(20);
  write(fl, b);
  EXPECT_EQ(load_error(cfg()), fl + ": truncated: the header says 4294967295 labels (4.3 GB) but the file holds 12 "
                                    "bytes after its 8-byte header");
}

TEST_F(DataFiles, GzipShortOrLongPayloadIsReported) {
  mnist(10, 5, true);
  const std::string f = (dir / "t10k-images-idx3-ubyte.gz").string();
  Bytes good = idx({5, 28, 28}, 253);
  Bytes shorter(good.begin(), good.end() - 784);  // a whole, valid gzip stream of too little data
  write(f, shorter, true);
  EXPECT_EQ(load_error(cfg()), f + ": truncated: the header says 5 images of 28x28 (3920 bytes) but the file holds "
                                   "3136 bytes (decompressed) after its 16-byte header");
  Bytes longer = good;
  longer.resize(good.size() + 7, 1);
  write(f, longer, true);
  EXPECT_EQ(load_error(cfg()), f + ": unexpected bytes after the data (the header says 5 images of 28x28, 3920 "
                                   "bytes): not this header's file, or two files in one");
  Bytes raw_longer = good;
  raw_longer.resize(good.size() + 7, 1);
  fs::remove(f);
  write(dir / "t10k-images-idx3-ubyte", raw_longer);
  EXPECT_EQ(load_error(cfg()), (dir / "t10k-images-idx3-ubyte").string() +
                                   ": 7 unexpected bytes after the data (the header says 5 images of 28x28, 3920 "
                                   "bytes): not this header's file, or two files in one");
}

TEST_F(DataFiles, EmptyFilesFoldersAndSwappedFilesAreNamed) {
  mnist(10, 5, false);
  const std::string labels = (dir / "train-labels-idx1-ubyte").string();
  write(labels, Bytes{});
  EXPECT_EQ(load_error(cfg()), labels + ": the file is empty (0 bytes)");
  write(labels, idx({10, 28, 28}, 251));  // the images file under the labels' name
  EXPECT_EQ(load_error(cfg()), labels + ": expected 1 dimensions, the header says 3 (an images file?)");
  write(labels, idx({10}, 10));

  const fs::path images = dir / "t10k-images-idx3-ubyte";
  fs::remove(images);
  fs::create_directory(images);
  EXPECT_EQ(load_error(cfg()), images.string() + ": is a folder, not a file");
  fs::remove(images);
  fs::create_directory(images.string() + ".gz");
  EXPECT_EQ(load_error(cfg()), images.string() + ".gz: is a folder, not a file");

  DataConfig not_a_folder = cfg();
  not_a_folder.path = labels;
  EXPECT_EQ(load_error(not_a_folder), labels + ": is a file, not a folder (data.path is the folder with the files)");
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
            f + ": size 6246 bytes is not a whole number of CIFAR-10 records (3073 bytes each: a label and 3x32x32 "
                "pixels): truncated or not CIFAR-10 binary");
  batch("data_batch_3.bin", 12, 12);  // record 10 has label 10
  EXPECT_EQ(load_error(cfg("cifar10")), f + ": record 10 has label 10 (CIFAR-10 labels are 0-9)");
  batch("data_batch_3.bin", 4, 10);
  write(dir / "data_batch_4.bin", Bytes{});
  EXPECT_EQ(load_error(cfg("cifar10")), (dir / "data_batch_4.bin").string() + ": the file is empty (0 bytes)");
  batch("data_batch_4.bin", 4, 10);
  // Compressed batches are read too; their size is that of the data inside.
  std::ifstream in(dir / "data_batch_5.bin", std::ios::binary);
  Bytes b5((std::istreambuf_iterator<char>(in)), {});
  in.close();
  write(dir / "data_batch_5.bin", b5, true);
  EXPECT_EQ(load_data(cfg("cifar10"), 1)->train.size(), 20);
  b5.resize(b5.size() - 1);
  write(dir / "data_batch_5.bin", b5, true);
  EXPECT_EQ(load_error(cfg("cifar10")),
            (dir / "data_batch_5.bin").string() + ": size 12291 bytes (decompressed) is not a whole number of CIFAR-10 "
                                                  "records (3073 bytes each: a label and 3x32x32 pixels): truncated or "
                                                  "not CIFAR-10 binary");
  batch("data_batch_5.bin", 4, 10);
  fs::remove(dir / "test_batch.bin");
  fs::create_directory(dir / "test_batch.bin");
  EXPECT_EQ(load_error(cfg("cifar10")), (dir / "test_batch.bin").string() + ": is a folder, not a file");
  fs::remove(dir / "test_batch.bin");
  EXPECT_EQ(load_error(cfg("cifar10")), (dir / "test_batch.bin").string() +
                                            ": not found (data.path is the folder of CIFAR-10's binary version, "
                                            "cifar-10-batches-bin)");
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

TEST(Synthetic, MoreThanThisMachineHoldsIsRefusedBeforeAllocating) {
  DataConfig d;
  d.dataset = "synthetic";
  d.synthetic.kind = "images", d.synthetic.samples = 10000000, d.synthetic.image_size = 256;
  try {
    load_data(d, 1);
    FAIL() << "10,000,000 images of 256x256 (655 GB) loaded";
  } catch (const DataError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("data.synthetic: 10000000 + 500 images of 256x256 need about 655 GB; this machine has ", 0), 0u) << m;
    EXPECT_NE(m.find(" of memory available"), std::string::npos) << m;
  }
}

// The trainer checks the memory itself before it allocates (the GUI and
// sweeps call it without the CLI's check), naming the key: a bad-input result.
TEST(TrainerMemory, RefusesAModelTooLargeForThisMachineBeforeAllocating) {
  ExperimentConfig c;
  c.data.dataset = "synthetic";
  c.model.mlp = MlpConfig{};
  c.model.mlp->hidden = {1000000, 1600000};
  c.training.epochs = 1;
  ConfigResult parsed = check_config(c);
  ASSERT_FALSE(parsed.ok());
  Trainer t(c);
  RunResult r = t.run();
  EXPECT_EQ(r.status, RunStatus::Failed);
  EXPECT_TRUE(r.input_error);
  EXPECT_EQ(r.reason.rfind("model: 1.6e12 parameters need about 19 TB (", 0), 0u) << r.reason;
  EXPECT_EQ(r.reason.find("frame #"), std::string::npos);
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

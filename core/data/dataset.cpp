#include "data/dataset.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <random>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "train/trainer.h"

namespace hyperlab {

namespace {

bool file_exists(const std::string& f) {
  struct stat st;
  return ::stat(f.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// An open file, plain or gzip, read in pieces; errors name the file.
class GzReader {
 public:
  explicit GzReader(const std::string& file) : file_(file), g_(gzopen(file.c_str(), "rb")) {
    if (!g_) throw DataError(file + ": cannot open (" + std::strerror(errno) + ")");
    gzbuffer(g_, 1 << 17);
  }
  ~GzReader() { gzclose(g_); }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;
  /// Reads up to n bytes; returns how many (fewer only at the end of the data).
  size_t read(void* dst, size_t n) {
    size_t done = 0;
    auto* p = static_cast<uint8_t*>(dst);
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
      int got = gzread(g_, p + done, chunk);
      if (got < 0) fail();
      if (got == 0) break;
      done += static_cast<size_t>(got);
    }
    if (done < n) check_end();
    return done;
  }
  /// Throws if the stream ended inside a compressed block (a truncated .gz).
  void check_end() {
    int code = 0;
    gzerror(g_, &code);
    if (code != Z_OK) fail();
  }

 private:
  [[noreturn]] void fail() {
    int code = 0;
    const char* msg = gzerror(g_, &code);
    throw DataError(file_ + ": corrupt or truncated compressed data (" + std::string(msg ? msg : "") + ")");
  }
  std::string file_;
  gzFile g_;
};

// Reads a whole file, transparently gunzipping.
std::vector<uint8_t> read_maybe_gz(const std::string& file) {
  GzReader in(file);
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = in.read(buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  return out;
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

}  // namespace

std::string find_idx(const std::string& dir, const std::string& name) {
  for (const std::string& f : {dir + "/" + name, dir + "/" + name + ".gz"})
    if (file_exists(f)) return f;
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw DataError(dir + ": folder not found");
  throw DataError(dir + ": missing " + name + " (or " + name + ".gz)");
}

at::Tensor read_idx(const std::string& file, int expected_dims) {
  // Straight into the tensor: no whole-file buffer, so loading needs no more
  // memory than the data itself.
  GzReader in(file);
  uint8_t head[4];
  size_t got = in.read(head, 4);
  if (got < 4) throw DataError(file + ": truncated (" + std::to_string(got) + " bytes, no IDX header)");
  if (head[0] != 0 || head[1] != 0 || head[2] != 0x08)
    throw DataError(file + ": not an IDX file of unsigned bytes (wrong magic number)");
  int dims = head[3];
  if (dims != expected_dims)
    throw DataError(file + ": expected " + std::to_string(expected_dims) + " dimensions, the header says " +
                    std::to_string(dims));
  std::vector<uint8_t> sizes(4 * size_t(dims));
  if (in.read(sizes.data(), sizes.size()) < sizes.size()) throw DataError(file + ": truncated header");
  std::vector<int64_t> shape;
  size_t n = 1;
  for (int i = 0; i < dims; ++i) {
    uint32_t v = be32(&sizes[4 * i]);
    shape.push_back(v);
    n *= v;
  }
  if (n > (size_t(1) << 36)) throw DataError(file + ": the header promises " + std::to_string(n) + " bytes");
  at::Tensor t = at::empty(shape, at::kByte);
  got = in.read(t.data_ptr<uint8_t>(), n);
  if (got < n)
    throw DataError(file + ": truncated: the header promises " + std::to_string(n) + " bytes of data, found " +
                    std::to_string(got));
  uint8_t extra[4096];
  size_t more = 0, k;
  while ((k = in.read(extra, sizeof extra)) > 0) more += k;
  if (more > 0) throw DataError(file + ": " + std::to_string(more) + " unexpected bytes after the data");
  return t;
}

void read_cifar_batch(const std::string& file, at::Tensor& x, at::Tensor& y) {
  if (!file_exists(file)) throw DataError(file + ": missing");
  std::vector<uint8_t> b = read_maybe_gz(file);
  const size_t rec = 1 + 3072;
  if (b.empty() || b.size() % rec != 0)
    throw DataError(file + ": size " + std::to_string(b.size()) +
                    " is not a whole number of CIFAR-10 records (3073 bytes each): truncated or not CIFAR-10 binary");
  int64_t n = b.size() / rec;
  x = at::empty({n, 3, 32, 32}, at::kByte);
  y = at::empty({n}, at::kLong);
  auto* xp = x.data_ptr<uint8_t>();
  auto* yp = y.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    uint8_t label = b[i * rec];
    if (label > 9)
      throw DataError(file + ": record " + std::to_string(i) + " has label " + std::to_string(label) +
                      " (CIFAR-10 labels are 0-9)");
    yp[i] = label;
    std::memcpy(xp + i * 3072, &b[i * rec + 1], 3072);
  }
}

void make_synthetic(const SyntheticConfig& s, int n, uint64_t seed, at::Tensor& x, at::Tensor& y) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  y = at::empty({n}, at::kLong);
  auto* yp = y.data_ptr<int64_t>();
  const double noise = s.noise;
  if (s.kind == "images") {
    // Class k: a bright bar at an angle k*pi/classes, plus noise; uint8 like real images.
    const int S = s.image_size;
    x = at::empty({n, 1, S, S}, at::kByte);
    auto* xp = x.data_ptr<uint8_t>();
    for (int i = 0; i < n; ++i) {
      int k = static_cast<int>(rng() % s.classes);
      yp[i] = k;
      double ang = M_PI * k / s.classes, c = std::cos(ang), sn = std::sin(ang);
      double ox = (unif(rng) - 0.5) * S * 0.3, oy = (unif(rng) - 0.5) * S * 0.3;
      for (int r = 0; r < S; ++r)
        for (int q = 0; q < S; ++q) {
          double px = q - (S - 1) / 2.0 - ox, py = r - (S - 1) / 2.0 - oy;
          double dist = std::fabs(-sn * px + c * py);
          double v = std::exp(-dist * dist / 2.0) + noise * gauss(rng);
          xp[(size_t(i) * S + r) * S + q] = static_cast<uint8_t>(std::clamp(v, 0.0, 1.0) * 255.0 + 0.5);
        }
    }
    return;
  }
  x = at::empty({n, 2}, at::kFloat);
  auto* xp = x.data_ptr<float>();
  const int k = (s.kind == "xor" || s.kind == "circles") ? 2 : s.classes;
  for (int i = 0; i < n; ++i) {
    int c = static_cast<int>(rng() % k);
    double px = 0, py = 0;
    if (s.kind == "spirals") {
      double t = unif(rng);                        // position along the arm
      double r = 0.05 + 0.95 * t, a = 1.75 * 2 * M_PI * t + 2 * M_PI * c / k;
      px = r * std::cos(a) + noise * 0.5 * gauss(rng);
      py = r * std::sin(a) + noise * 0.5 * gauss(rng);
    } else if (s.kind == "circles") {
      double r = c == 0 ? 0.5 * unif(rng) : 0.7 + 0.3 * unif(rng), a = 2 * M_PI * unif(rng);
      px = r * std::cos(a) + noise * 0.5 * gauss(rng);
      py = r * std::sin(a) + noise * 0.5 * gauss(rng);
    } else if (s.kind == "xor") {
      px = unif(rng) * 2 - 1, py = unif(rng) * 2 - 1;
      px += px > 0 ? 0.05 : -0.05, py += py > 0 ? 0.05 : -0.05;  // a small gap at the axes
      c = (px > 0) != (py > 0) ? 1 : 0;
      px += noise * 0.5 * gauss(rng), py += noise * 0.5 * gauss(rng);
    } else {  // blobs: centres on a circle
      double a = 2 * M_PI * c / k;
      px = 0.6 * std::cos(a) + (0.1 + noise) * gauss(rng);
      py = 0.6 * std::sin(a) + (0.1 + noise) * gauss(rng);
    }
    yp[i] = c;
    xp[2 * i] = static_cast<float>(px);
    xp[2 * i + 1] = static_cast<float>(py);
  }
}

namespace {

void check_labels(const at::Tensor& y, int classes, const std::string& file) {
  if (y.numel() == 0) return;
  int64_t mx = y.max().item<int64_t>(), mn = y.min().item<int64_t>();
  if (mn < 0 || mx >= classes)
    throw DataError(file + ": label " + std::to_string(mx >= classes ? mx : mn) + " is outside 0-" +
                    std::to_string(classes - 1));
}

void load_idx_pair(const std::string& dir, const std::string& prefix, Split& s, const DataSpec& spec) {
  std::string fx = find_idx(dir, prefix + "-images-idx3-ubyte");
  std::string fy = find_idx(dir, prefix + "-labels-idx1-ubyte");
  at::Tensor x = read_idx(fx, 3), y = read_idx(fy, 1);
  if (x.size(1) != spec.input[1] || x.size(2) != spec.input[2])
    throw DataError(fx + ": images are " + std::to_string(x.size(1)) + "x" + std::to_string(x.size(2)) +
                    ", expected " + std::to_string(spec.input[1]) + "x" + std::to_string(spec.input[2]));
  if (x.size(0) != y.size(0))
    throw DataError(fx + " has " + std::to_string(x.size(0)) + " images but " + fy + " has " +
                    std::to_string(y.size(0)) + " labels");
  s.x = x.unsqueeze(1);
  s.y = y.to(at::kLong);
  check_labels(s.y, spec.classes, fy);
}

}  // namespace

// The files of a dataset as read (before limits, split and normalisation).
struct RawData {
  DataSpec spec;
  std::string dir;
  Split train, test;
};

namespace {

RawData read_raw(const DataConfig& d, uint64_t seed) {
  RawData R;
  R.spec = data_spec(d);
  std::string& dir = R.dir;
  dir = d.path.empty() ? default_data_path(d.dataset) : d.path;
  Split& train = R.train;
  if (d.dataset == "fashion-mnist" || d.dataset == "mnist") {
    try {
      load_idx_pair(dir, "train", train, R.spec);
      load_idx_pair(dir, "t10k", R.test, R.spec);
    } catch (const DataError& e) {
      if (d.dataset == "fashion-mnist" && d.path.empty())
        throw DataError(std::string(e.what()) + " (install it with: sudo apt-get install dataset-fashion-mnist)");
      throw;
    }
  } else if (d.dataset == "cifar10") {
    std::vector<at::Tensor> xs, ys;
    for (int i = 1; i <= 5; ++i) {
      at::Tensor x, y;
      read_cifar_batch(dir + "/data_batch_" + std::to_string(i) + ".bin", x, y);
      xs.push_back(x), ys.push_back(y);
    }
    train.x = at::cat(xs), train.y = at::cat(ys);
    read_cifar_batch(dir + "/test_batch.bin", R.test.x, R.test.y);
  } else {
    make_synthetic(d.synthetic, d.synthetic.samples, seed * 2 + 1, train.x, train.y);
    make_synthetic(d.synthetic, d.synthetic.test_samples, seed * 2 + 2, R.test.x, R.test.y);
  }
  return R;
}

// Limits, the seed's validation split and the normalisation. Never writes
// into R's tensors (they may be shared by other runs).
std::shared_ptr<const LoadedData> finish_data(const DataConfig& d, uint64_t seed, const RawData& R) {
  auto out = std::make_shared<LoadedData>();
  LoadedData& D = *out;
  D.spec = R.spec;
  const std::string& dir = R.dir;
  Split train = R.train;
  D.test = R.test;

  // Deterministic validation split and size limits.
  int64_t n = train.size();
  if (d.train_limit > 0 && d.train_limit < n) {
    train.x = train.x.narrow(0, 0, d.train_limit).clone();
    train.y = train.y.narrow(0, 0, d.train_limit).clone();
    n = d.train_limit;
  }
  if (d.test_limit > 0 && d.test_limit < D.test.size()) {
    D.test.x = D.test.x.narrow(0, 0, d.test_limit).clone();
    D.test.y = D.test.y.narrow(0, 0, d.test_limit).clone();
  }
  int64_t nval = static_cast<int64_t>(std::floor(n * d.validation_fraction));
  if (nval > 0) {
    if (n - nval < 1) throw DataError("data.validation_fraction leaves no training samples");
    at::Generator g = at::detail::createCPUGenerator(seed ^ 0x9E3779B97F4A7C15ull);
    at::Tensor perm = at::randperm(n, g, at::kLong);
    at::Tensor vi = std::get<0>(perm.narrow(0, 0, nval).sort());
    at::Tensor ti = std::get<0>(perm.narrow(0, nval, n - nval).sort());
    D.val.x = train.x.index_select(0, vi), D.val.y = train.y.index_select(0, vi);
    D.train.x = train.x.index_select(0, ti), D.train.y = train.y.index_select(0, ti);
  } else {
    D.train = train;
  }
  if (D.train.size() == 0) throw DataError(dir + ": the training set is empty");

  // Normalisation, applied per batch.
  const bool bytes = D.train.x.scalar_type() == at::kByte;
  const int64_t ch = D.spec.input[0];
  std::vector<int64_t> bshape = D.spec.input.size() == 3 ? std::vector<int64_t>{ch, 1, 1}
                                                         : std::vector<int64_t>{ch};
  double base = bytes ? 1.0 / 255.0 : 1.0;
  if (d.normalization == "standardize") {
    // Per-channel mean and std over the training set, in double and in chunks
    // (a float copy of CIFAR-10 would be 600 MB).
    std::vector<int64_t> dims = {0};
    if (D.spec.input.size() == 3) dims = {0, 2, 3};
    at::Tensor sum = at::zeros({ch}, at::kDouble), sq = at::zeros({ch}, at::kDouble);
    const int64_t N = D.train.size(), chunk = 4096;
    for (int64_t i = 0; i < N; i += chunk) {
      at::Tensor xc = D.train.x.narrow(0, i, std::min(chunk, N - i)).to(at::kDouble).mul_(base);
      sum.add_(xc.sum(dims)), sq.add_(xc.square().sum(dims));
    }
    const double count = double(N) * (D.spec.input.size() == 3 ? D.spec.input[1] * D.spec.input[2] : 1);
    at::Tensor mean = sum / count;
    at::Tensor var = (sq - sum * mean) / std::max(count - 1, 1.0);  // unbiased, as torch.std
    at::Tensor sd = var.clamp_min(0).sqrt().clamp_min(1e-6);
    mean = mean.to(at::kFloat), sd = sd.to(at::kFloat);
    D.scale = (base / sd).reshape(bshape).contiguous();
    D.shift = (-mean / sd).reshape(bshape).contiguous();
  } else {
    double s = d.normalization == "none" ? 1.0 : base;
    D.unit_scale_only = true;
    D.scalar_scale = s;
    D.scale = at::full(bshape, s, at::kFloat);
    D.shift = at::zeros(bshape, at::kFloat);
  }
  return out;
}

}  // namespace

std::shared_ptr<const LoadedData> load_data(const DataConfig& d, uint64_t seed) {
  return finish_data(d, seed, read_raw(d, seed));
}

struct DataCache::Impl {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const RawData>> raw;       // files: read once
  std::map<std::string, std::weak_ptr<const LoadedData>> loaded;  // per data config and seed, while in use
};

DataCache::DataCache() : d_(std::make_shared<Impl>()) {}

std::shared_ptr<const LoadedData> DataCache::get(const DataConfig& d, uint64_t seed) {
  ExperimentConfig c;
  c.data = d;
  const std::string data_key = config_to_json(c)["data"].dump();
  const std::string key = data_key + "#" + std::to_string(seed);
  std::lock_guard<std::mutex> lock(d_->mu);
  if (auto hit = d_->loaded[key].lock()) return hit;
  // Files are the same for every seed; generated data depends on it.
  const std::string raw_key = d.dataset == "synthetic" ? key : d.dataset + "|" + (d.path.empty() ? default_data_path(d.dataset) : d.path);
  std::shared_ptr<const RawData>& raw = d_->raw[raw_key];
  if (!raw) raw = std::make_shared<const RawData>(read_raw(d, seed));
  auto data = finish_data(d, seed, *raw);
  if (d.dataset == "synthetic") d_->raw.erase(raw_key);
  d_->loaded[key] = data;
  return data;
}

}  // namespace hyperlab

#include "data/dataset.h"
#include "data/download.h"
#include "data/folder.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <random>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "config/resources.h"
#include "config/textfile.h"
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
    std::string msg = gzerror(g_, &code);
    if (msg.rfind(file_ + ": ", 0) == 0) msg.erase(0, file_.size() + 2);  // zlib names the file too
    throw DataError(file_ + ": corrupt or truncated compressed data (" + msg + ")");
  }
  std::string file_;
  gzFile g_;
};

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

// What a data file is before anything is read from it: its size on disk,
// gzip or plain (by its first bytes), and the gzip trailer's ISIZE (the
// decompressed length modulo 2^32).
struct FileInfo {
  uint64_t size = 0;
  bool gz = false;
  uint32_t isize = 0;
};

// Throws unless `file` is a readable regular file (file_problem's "not found",
// "is a folder, not a file", "cannot read the file (why)") that is not empty.
FileInfo inspect(const std::string& file) {
  std::string problem = file_problem(file);
  if (!problem.empty()) throw DataError(problem);
  struct stat st {};
  ::stat(file.c_str(), &st);
  FileInfo fi;
  fi.size = static_cast<uint64_t>(st.st_size);
  if (fi.size == 0) throw DataError(file + ": the file is empty (0 bytes)");
  if (FILE* f = std::fopen(file.c_str(), "rb")) {
    uint8_t b[4] = {0, 0, 0, 0};
    fi.gz = std::fread(b, 1, 2, f) == 2 && b[0] == 0x1f && b[1] == 0x8b;
    if (fi.gz && fi.size >= 18 && std::fseek(f, -4, SEEK_END) == 0 && std::fread(b, 1, 4, f) == 4)
      fi.isize = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
    std::fclose(f);
  }
  return fi;
}

// Deflate expands at most 1032:1; a gzip file claiming more cannot hold it.
uint64_t gz_bound(const FileInfo& fi) { return fi.size * 1100 + (64u << 10); }

// The bytes a file holds (decompressed, for gzip), compared with what the
// caller expects (`want`, 0 = unknown): a plain file by its size; a gzip file
// by its trailer when that agrees with `want` and is possible at all, else by
// decompressing and counting, never past `limit` (a gzip bomb is not unpacked
// to its end: the result is then limit + 1). Nothing is kept, so nothing is
// allocated on the strength of a header. Throws on corrupt or truncated data.
uint64_t content_size(const std::string& file, const FileInfo& fi, uint64_t want, uint64_t limit) {
  if (!fi.gz) return fi.size;
  if (want > 0 && fi.isize == uint32_t(want) && want <= gz_bound(fi)) return want;  // the read verifies it
  GzReader in(file);
  std::vector<uint8_t> buf(1 << 16);
  uint64_t total = 0;
  size_t n;
  while ((n = in.read(buf.data(), buf.size())) > 0) {
    total += n;
    if (total > limit) return limit + 1;
  }
  return total;
}

// Refuses `bytes` more than this machine has free ("WHAT need about 655 GB; ...").
void check_room(double bytes, const std::string& what) {
  const double avail = memory_available();
  if (avail > 0 && bytes > avail)
    throw DataError(what + " need about " + human_bytes(bytes) + "; this machine has " + human_bytes(avail) +
                    " of memory available");
}

// at::empty, with an allocation failure said in words.
at::Tensor allocate(const std::vector<int64_t>& shape, at::ScalarType type, const std::string& what) {
  try {
    return at::empty(shape, type);
  } catch (const std::exception&) {  // c10::Error or std::bad_alloc
    throw DataError(what + ": out of memory while allocating it");
  }
}

std::string hex_bytes(const uint8_t* p, size_t n) {
  std::string r;
  char b[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    r += (i ? " " : "") + std::string(b);
  }
  return r;
}

// "60000000 images of 28x28", "60000 labels", "a 2x3 array".
std::string idx_what(const std::vector<int64_t>& shape) {
  auto dims = [&](size_t from) {
    std::string r;
    for (size_t i = from; i < shape.size(); ++i) r += (i > from ? "x" : "") + std::to_string(shape[i]);
    return r;
  };
  if (shape.size() == 3) return std::to_string(shape[0]) + " images of " + dims(1);
  if (shape.size() == 1) return std::to_string(shape[0]) + " labels";
  return "a " + dims(0) + " array";
}

void check_folder(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) throw DataError(dir + ": folder not found");
  if (!S_ISDIR(st.st_mode)) throw DataError(dir + ": is a file, not a folder (data.path is the folder with the files)");
}

}  // namespace

std::string find_idx(const std::string& dir, const std::string& name) {
  check_folder(dir);
  struct stat st {};
  const std::string plain = dir + "/" + name, gz = plain + ".gz";
  for (const std::string& f : {plain, gz})
    if (file_exists(f)) return f;
  for (const std::string& f : {plain, gz})  // there, but a folder or unreadable: read_idx says which
    if (::stat(f.c_str(), &st) == 0) return f;
  throw DataError(dir + ": missing " + name + " (or " + name + ".gz)");
}

at::Tensor read_idx(const std::string& file, int expected_dims) {
  const FileInfo fi = inspect(file);
  GzReader in(file);
  uint8_t head[4];
  size_t got = in.read(head, 4);
  if (got < 4) throw DataError(file + ": truncated (" + std::to_string(got) + " bytes, no IDX header)");
  if (head[0] != 0 || head[1] != 0 || head[2] != 0x08)
    throw DataError(file + ": not an IDX file of unsigned bytes (wrong magic number: it starts with " +
                    hex_bytes(head, 4) + ", expected 00 00 08 0" + std::to_string(expected_dims) + ")");
  int dims = head[3];
  if (dims != expected_dims)
    throw DataError(file + ": expected " + std::to_string(expected_dims) + " dimensions, the header says " +
                    std::to_string(dims) + (expected_dims == 3 && dims == 1 ? " (a labels file?)" : "") +
                    (expected_dims == 1 && dims == 3 ? " (an images file?)" : ""));
  const uint64_t header = 4 + 4 * uint64_t(dims);
  std::vector<uint8_t> sizes(4 * size_t(dims));
  if (in.read(sizes.data(), sizes.size()) < sizes.size()) throw DataError(file + ": truncated header");
  std::vector<int64_t> shape;
  uint64_t n = 1;
  bool overflow = false;
  for (int i = 0; i < dims; ++i) {
    uint32_t v = be32(&sizes[4 * i]);
    shape.push_back(v);
    overflow |= __builtin_mul_overflow(n, uint64_t(v), &n);
  }
  const std::string what = idx_what(shape);
  // Sizes from the header are checked against what the file holds before
  // anything is allocated: a 16-byte file may claim 60,000,000 images.
  if (overflow || n > (uint64_t(1) << 62))
    throw DataError(file + ": the header says " + what + ", more bytes than any file holds (a corrupt header)");
  const uint64_t want = header + n;
  const uint64_t holds = content_size(file, fi, want, want);
  const std::string unpacked = fi.gz ? " (decompressed)" : "";
  if (holds < want)
    throw DataError(file + ": truncated: the header says " + what + " (" + human_bytes(double(n)) +
                    ") but the file holds " + human_bytes(double(holds - std::min(holds, header))) + unpacked +
                    " after its " + std::to_string(header) + "-byte header");
  if (holds > want)
    throw DataError(file + ": " + (fi.gz ? "" : std::to_string(holds - want) + " ") +
                    "unexpected bytes after the data (the header says " + what + ", " + human_bytes(double(n)) +
                    "): not this header's file, or two files in one");
  check_room(double(n), file + ": " + what);
  // Straight into the tensor: no whole-file buffer.
  at::Tensor t = allocate(shape, at::kByte, file);
  got = in.read(t.data_ptr<uint8_t>(), n);
  if (got < n)
    throw DataError(file + ": truncated: the header says " + what + " (" + human_bytes(double(n)) +
                    ") but the file holds " + human_bytes(double(got)) + unpacked + " after its header");
  uint8_t extra[1];
  if (in.read(extra, 1) > 0)
    throw DataError(file + ": unexpected bytes after the data (the header says " + what + ")");
  return t;
}

void read_cifar_batch(const std::string& file, at::Tensor& x, at::Tensor& y) {
  std::string problem = file_problem(file);
  if (problem == file + ": not found")
    throw DataError(problem + " (data.path is the folder of CIFAR-10's binary version, cifar-10-batches-bin)");
  const FileInfo fi = inspect(file);
  const uint64_t rec = 1 + 3072;
  // A gzip file's trailer as a first guess (checked by the read), else counted.
  const bool trust = fi.gz && fi.isize > 0 && fi.isize % rec == 0 && fi.isize <= gz_bound(fi);
  const double avail = memory_available();
  const uint64_t limit = avail > 0 ? static_cast<uint64_t>(avail) : uint64_t(1) << 40;
  const uint64_t len = trust ? fi.isize : content_size(file, fi, 0, limit);
  if (len > limit) check_room(double(len), file + ": the decompressed records");
  if (len % rec != 0)
    throw DataError(file + ": size " + std::to_string(len) + " bytes" + (fi.gz ? " (decompressed)" : "") +
                    " is not a whole number of CIFAR-10 records (3073 bytes each: a label and 3x32x32 pixels): "
                    "truncated or not CIFAR-10 binary");
  const int64_t n = static_cast<int64_t>(len / rec);
  check_room(double(n) * (3072 + 8), file + ": " + std::to_string(n) + " images of 32x32");
  x = allocate({n, 3, 32, 32}, at::kByte, file);
  y = allocate({n}, at::kLong, file);
  auto* xp = x.data_ptr<uint8_t>();
  auto* yp = y.data_ptr<int64_t>();
  GzReader in(file);
  const int64_t per_read = 256;
  std::vector<uint8_t> b(per_read * rec);
  for (int64_t i0 = 0; i0 < n; i0 += per_read) {
    const int64_t k = std::min(per_read, n - i0);
    const size_t got = in.read(b.data(), size_t(k) * rec);
    if (got < size_t(k) * rec)
      throw DataError(file + ": truncated: " + std::to_string(i0 * rec + got) + " bytes where " + std::to_string(len) +
                      " were expected");
    for (int64_t j = 0; j < k; ++j) {
      const int64_t i = i0 + j;
      uint8_t label = b[j * rec];
      if (label > 9)
        throw DataError(file + ": record " + std::to_string(i) + " has label " + std::to_string(label) +
                        " (CIFAR-10 labels are 0-9)");
      yp[i] = label;
      std::memcpy(xp + i * 3072, &b[j * rec + 1], 3072);
    }
  }
  uint8_t extra[1];
  if (in.read(extra, 1) > 0)
    throw DataError(file + ": size is not a whole number of CIFAR-10 records (3073 bytes each): more data than its "
                    "gzip trailer says");
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
  const at::Tensor c = y.contiguous();
  const int64_t* p = c.data_ptr<int64_t>();
  for (int64_t i = 0; i < c.numel(); ++i)
    if (p[i] < 0 || p[i] >= classes)
      throw DataError(file + ": label " + std::to_string(p[i]) + " at position " + std::to_string(i) +
                      " is outside 0-" + std::to_string(classes - 1));
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
  std::string note;  ///< what the reader skipped
};

namespace {

RawData read_raw(const DataConfig& d, uint64_t seed) {
  RawData R;
  R.spec = data_spec(d);
  std::string& dir = R.dir;
  dir = d.path.empty() ? default_data_path(d.dataset) : d.path;
  if (const DatasetDownload* dl = dataset_download(d.dataset); dl && d.path.empty() && !is_downloaded(*dl, dir))
    throw DataError(dir + ": " + d.dataset + " is not downloaded yet (download it with: hyperlab-cli data download " +
                    d.dataset + ", or give data.path)");
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
    check_folder(dir);
    std::vector<at::Tensor> xs, ys;
    for (int i = 1; i <= 5; ++i) {
      at::Tensor x, y;
      read_cifar_batch(dir + "/data_batch_" + std::to_string(i) + ".bin", x, y);
      xs.push_back(x), ys.push_back(y);
    }
    train.x = at::cat(xs), train.y = at::cat(ys);
    read_cifar_batch(dir + "/test_batch.bin", R.test.x, R.test.y);
  } else if (d.dataset == "folder") {
    FolderImages f;
    try {
      f = load_folder(d);
    } catch (const FolderError& e) {
      throw DataError(e.what());
    }
    const int64_t S = f.size, C = f.channels;
    auto block = [&](std::vector<uint8_t>& x, std::vector<int64_t>& y, Split& s) {
      const int64_t n = int64_t(y.size());
      s.x = allocate({n, C, S, S}, at::kByte, dir);
      s.y = allocate({n}, at::kLong, dir);
      if (n > 0) std::memcpy(s.x.data_ptr<uint8_t>(), x.data(), x.size());
      if (n > 0) std::memcpy(s.y.data_ptr<int64_t>(), y.data(), y.size() * 8);
      std::vector<uint8_t>().swap(x);
    };
    block(f.train_x, f.train_y, train);
    block(f.test_x, f.test_y, R.test);
    R.spec.input = {C, S, S};
    R.spec.class_names = f.classes;
    R.spec.classes = static_cast<int>(f.classes.size());
    R.note = f.note();
  } else {
    // Generated data is allocated whole: refused here when it cannot fit.
    const SyntheticConfig& y = d.synthetic;
    const bool images = y.kind == "images";
    const double per = (images ? double(y.image_size) * y.image_size : 2.0 * 4) + 8;
    check_room(per * (double(y.samples) + y.test_samples),
               "data.synthetic: " + std::to_string(y.samples) + " + " + std::to_string(y.test_samples) +
                   (images ? " images of " + std::to_string(y.image_size) + "x" + std::to_string(y.image_size)
                           : " points"));
    make_synthetic(d.synthetic, d.synthetic.samples, seed * 2 + 1, train.x, train.y);
    make_synthetic(d.synthetic, d.synthetic.test_samples, seed * 2 + 2, R.test.x, R.test.y);
  }
  return R;
}

// Rows `order` of t (a permutation of all of them): gathered into a new
// tensor, or, when t is this call's alone (`own`), rearranged in place (by
// following the permutation's cycles, one row held aside), so that the
// training set is never held twice while it is split: the training rows end
// up in front of the validation rows in one buffer (Fashion-MNIST: 42 MB less
// at the peak, and the 4.7 MB validation copy gone).
at::Tensor permute_rows(const at::Tensor& t, const at::Tensor& order, bool own) {
  if (!own || !t.is_contiguous() || !t.device().is_cpu()) return t.index_select(0, order);
  const int64_t n = order.size(0), row = t.numel() / std::max<int64_t>(t.size(0), 1) * int64_t(t.element_size());
  char* p = static_cast<char*>(t.data_ptr());
  const int64_t* from = order.data_ptr<int64_t>();  // row d receives row from[d]
  std::vector<char> held(static_cast<size_t>(row));
  std::vector<bool> placed(static_cast<size_t>(n));
  for (int64_t start = 0; start < n; ++start) {
    if (placed[start]) continue;
    std::memcpy(held.data(), p + start * row, size_t(row));
    int64_t d = start;
    for (; from[d] != start; d = from[d]) {
      std::memcpy(p + d * row, p + from[d] * row, size_t(row));
      placed[d] = true;
    }
    std::memcpy(p + d * row, held.data(), size_t(row));
    placed[d] = true;
  }
  return t;
}

// Limits, the seed's validation split and the normalisation. Never writes
// into R's tensors (they may be shared by other runs) unless `own_raw`: R is
// a temporary of this load alone.
std::shared_ptr<const LoadedData> finish_data(const DataConfig& d, uint64_t seed, const RawData& R, bool own_raw) {
  auto out = std::make_shared<LoadedData>();
  LoadedData& D = *out;
  D.spec = R.spec;
  D.note = R.note;
  const std::string& dir = R.dir;
  Split train = R.train;
  D.test = R.test;

  // Deterministic validation split and size limits.
  int64_t n = train.size();
  bool own = own_raw;
  if (d.train_limit > 0 && d.train_limit < n) {
    train.x = train.x.narrow(0, 0, d.train_limit).clone();
    train.y = train.y.narrow(0, 0, d.train_limit).clone();
    n = d.train_limit, own = true;
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
    // The training rows (ascending), then the validation rows (ascending), in one buffer.
    const at::Tensor order = at::cat({ti, vi});
    const at::Tensor x = permute_rows(train.x, order, own), y = permute_rows(train.y, order, own);
    D.train.x = x.narrow(0, 0, n - nval), D.train.y = y.narrow(0, 0, n - nval);
    D.val.x = x.narrow(0, n - nval, nval), D.val.y = y.narrow(0, n - nval, nval);
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
  } else if (d.normalization == "imagenet") {
    // The statistics torchvision's ImageNet weights were trained with (on [0,1] pixels); grey images take their mean.
    const std::vector<float> mean3 = {0.485f, 0.456f, 0.406f}, std3 = {0.229f, 0.224f, 0.225f};
    at::Tensor mean = at::tensor(mean3), sd = at::tensor(std3);
    if (ch != 3) mean = mean.mean().expand({ch}).contiguous(), sd = sd.mean().expand({ch}).contiguous();
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
  return finish_data(d, seed, read_raw(d, seed), true);
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
  std::string raw_key = d.dataset == "synthetic" ? key : d.dataset + "|" + (d.path.empty() ? default_data_path(d.dataset) : d.path);
  if (d.dataset == "folder") {  // its size and channels, and the files as they are now (a changed file is read again)
    std::string listing;
    try {
      listing = scan_folder(d).key;
    } catch (const FolderError& e) {
      throw DataError(e.what());
    }
    raw_key = "folder|" + listing;
  }
  std::shared_ptr<const RawData>& raw = d_->raw[raw_key];
  if (!raw) raw = std::make_shared<const RawData>(read_raw(d, seed));
  auto data = finish_data(d, seed, *raw, false);
  if (d.dataset == "synthetic") d_->raw.erase(raw_key);
  d_->loaded[key] = data;
  return data;
}

}  // namespace hyperlab

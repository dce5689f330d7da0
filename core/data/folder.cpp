#include "data/folder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>


namespace hyperlab {

namespace fs = std::filesystem;

namespace {


uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_image_name(const std::string& name) {
  const std::string e = lower(fs::path(name).extension().string());
  return e == ".png" || e == ".jpg" || e == ".jpeg";
}

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Subfolders of dir that are not hidden, sorted by name (byte order, as Python's sorted()).
std::vector<std::string> subfolders(const std::string& dir) {
  std::vector<std::string> r;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (is_dir(it->path().string())) r.push_back(name);
  }
  std::sort(r.begin(), r.end());
  return r;
}

// Image files below dir (recursively, hidden ones left out), named "prefix/...".
void collect(const std::string& dir, const std::string& prefix, std::vector<FolderFile>& out,
             std::vector<std::string>& ignored, int depth = 0) {
  std::error_code ec;
  std::vector<std::pair<std::string, bool>> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    entries.emplace_back(name, is_dir(it->path().string()));
  }
  std::sort(entries.begin(), entries.end());
  for (const auto& [name, sub] : entries) {
    const std::string path = dir + "/" + name, rel = prefix + "/" + name;
    if (sub) {
      if (depth < 16) collect(path, rel, out, ignored, depth + 1);
      continue;
    }
    if (!is_image_name(name)) {
      ignored.push_back(rel);
      continue;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    FolderFile f;
    f.rel = rel;
    f.size = static_cast<uint64_t>(st.st_size);
    f.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    out.push_back(f);
  }
}

// Whether an image file's header says colour: 1 colour, 0 grey, -1 unknown
// (not readable: the decoder says why later). PNG: the IHDR colour type;
// JPEG: the number of components in its frame header.
int header_colour(const std::string& file) {
  FILE* f = std::fopen(file.c_str(), "rb");
  if (!f) return -1;
  std::unique_ptr<FILE, int (*)(FILE*)> closer(f, std::fclose);
  uint8_t b[32];
  if (std::fread(b, 1, 4, f) != 4) return -1;
  if (b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
    if (std::fread(b + 4, 1, 22, f) != 22) return -1;
    return (b[25] & 2) ? 1 : 0;  // 2 RGB, 3 palette, 6 RGBA; 0 grey, 4 grey + alpha
  }
  if (b[0] != 0xFF || b[1] != 0xD8) return -1;
  long pos = 2;
  for (int guard = 0; guard < 1000; ++guard) {
    if (std::fseek(f, pos, SEEK_SET) != 0 || std::fread(b, 1, 4, f) != 4 || b[0] != 0xFF) return -1;
    const int marker = b[1];
    const long len = (long(b[2]) << 8) | b[3];
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (std::fread(b, 1, 6, f) != 6) return -1;
      return b[5] >= 3 ? 1 : 0;
    }
    if (marker == 0xD9 || marker == 0xDA || len < 2) return -1;
    pos += 2 + len;
  }
  return -1;
}

// The colour flag of each file, remembered by path, size and time.
int cached_colour(const std::string& path, const FolderFile& f) {
  static std::mutex mu;
  static std::map<std::string, int> memo;
  const std::string k = path + "|" + std::to_string(f.size) + "|" + std::to_string(f.mtime_ns);
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = memo.find(k); it != memo.end()) return it->second;
  }
  const int c = header_colour(path);
  std::lock_guard<std::mutex> lock(mu);
  if (memo.size() > 200000) memo.clear();
  memo[k] = c;
  return c;
}

std::string hex64(uint64_t v) {
  char b[20];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}


// Per output pixel of one axis: the first source pixel and the weights from there.
struct Taps {
  int first = 0;
  std::vector<double> w;
};

std::vector<Taps> axis_taps(int len, int size) {
  std::vector<Taps> t(size);
  const double scale = double(len) / size;
  for (int i = 0; i < size; ++i) {
    if (scale >= 1.0) {  // area average: each source pixel by the part of it the output pixel covers
      const double lo = i * scale, hi = (i + 1) * scale;
      const int j0 = static_cast<int>(std::floor(lo));
      const int j1 = std::min(len - 1, static_cast<int>(std::ceil(hi)) - 1);
      t[i].first = j0;
      for (int j = j0; j <= j1; ++j) t[i].w.push_back((std::min(hi, j + 1.0) - std::max(lo, double(j))) / scale);
    } else {  // bilinear, pixel centres aligned (align_corners=false), edges clamped
      const double c = std::max(0.0, (i + 0.5) * scale - 0.5);
      const int j0 = std::min(len - 1, static_cast<int>(std::floor(c)));
      const double f = c - j0;
      t[i].first = j0;
      if (j0 + 1 < len && f > 0) t[i].w = {1 - f, f};
      else t[i].w = {1.0};
    }
  }
  return t;
}

struct Header {
  int channels = 0, size = 0;
  std::vector<std::string> classes;
};

// The cache file: magic, sizes, class names, skipped names, labels, pixels, end mark.
constexpr char kMagic[8] = {'H', 'L', 'F', 'O', 'L', 'D', '0', '1'};
constexpr char kEnd[8] = {'H', 'L', 'F', 'E', 'N', 'D', '0', '1'};

void put_u64(std::string& s, uint64_t v) { s.append(reinterpret_cast<const char*>(&v), 8); }
void put_str(std::string& s, const std::string& v) {
  put_u64(s, v.size());
  s += v;
}

bool write_cache(const std::string& file, const FolderImages& im) {
  std::string h(kMagic, 8);
  put_u64(h, uint64_t(im.channels));
  put_u64(h, uint64_t(im.size));
  put_u64(h, im.classes.size());
  for (const std::string& c : im.classes) put_str(h, c);
  put_u64(h, im.skipped.size());
  for (const std::string& c : im.skipped) put_str(h, c);
  put_u64(h, uint64_t(im.files));
  put_u64(h, im.train_y.size());
  put_u64(h, im.test_y.size());
  std::error_code ec;
  fs::create_directories(fs::path(file).parent_path(), ec);
  static std::atomic<int> writes{0};  // two runs of one process may write the same entry at once
  const std::string tmp = file + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(++writes);
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(h.data(), 1, h.size(), f) == h.size();
  auto put = [&](const void* p, size_t n) { ok = ok && (n == 0 || std::fwrite(p, 1, n, f) == n); };
  put(im.train_y.data(), im.train_y.size() * 8);
  put(im.test_y.data(), im.test_y.size() * 8);
  put(im.train_x.data(), im.train_x.size());
  put(im.test_x.data(), im.test_x.size());
  put(kEnd, 8);
  ok = std::fflush(f) == 0 && ok;
  ok = ::fsync(fileno(f)) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  if (ok) ok = std::rename(tmp.c_str(), file.c_str()) == 0;
  if (!ok) std::remove(tmp.c_str());
  return ok;
}

// Reads a cache file; false (and nothing trusted) on any mismatch.
bool read_cache(const std::string& file, const FolderScan& scan, FolderImages& im) {
  std::vector<uint8_t> b;
  try {
    b = read_file_bytes(file);
  } catch (const std::exception&) {
    return false;
  }
  size_t pos = 0;
  auto u64 = [&](uint64_t& v) {
    if (pos + 8 > b.size()) return false;
    std::memcpy(&v, &b[pos], 8), pos += 8;
    return true;
  };
  auto str = [&](std::string& s) {
    uint64_t n = 0;
    if (!u64(n) || n > b.size() - pos) return false;
    s.assign(reinterpret_cast<const char*>(&b[pos]), n), pos += n;
    return true;
  };
  if (b.size() < 16 || std::memcmp(b.data(), kMagic, 8) != 0) return false;
  pos = 8;
  uint64_t ch = 0, sz = 0, nc = 0, ns = 0, files = 0, ntr = 0, nte = 0;
  if (!u64(ch) || !u64(sz) || !u64(nc) || nc != scan.classes.size()) return false;
  im.classes.resize(nc);
  for (std::string& c : im.classes)
    if (!str(c)) return false;
  if (im.classes != scan.classes || !u64(ns) || ns > b.size()) return false;
  im.skipped.resize(ns);
  for (std::string& c : im.skipped)
    if (!str(c)) return false;
  if (!u64(files) || !u64(ntr) || !u64(nte)) return false;
  const uint64_t per = ch * sz * sz;
  if (ch != uint64_t(scan.channels) || per == 0 || ntr > b.size() || nte > b.size()) return false;
  if (b.size() != pos + (ntr + nte) * (8 + per) + 8 || std::memcmp(&b[b.size() - 8], kEnd, 8) != 0) return false;
  im.channels = int(ch), im.size = int(sz), im.files = int64_t(files);
  im.train_y.resize(ntr), im.test_y.resize(nte);
  std::memcpy(im.train_y.data(), &b[pos], ntr * 8), pos += ntr * 8;
  std::memcpy(im.test_y.data(), &b[pos], nte * 8), pos += nte * 8;
  im.train_x.assign(b.begin() + pos, b.begin() + pos + ntr * per), pos += ntr * per;
  im.test_x.assign(b.begin() + pos, b.begin() + pos + nte * per);
  for (const auto* ys : {&im.train_y, &im.test_y})
    for (int64_t y : *ys)
      if (y < 0 || y >= int64_t(nc)) return false;
  return true;
}

}  // namespace

std::string folder_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  std::string base;
  if (xdg && *xdg) base = xdg;
  else if (const char* home = std::getenv("HOME"); home && *home) base = std::string(home) + "/.cache";
  else base = "/tmp";
  return base + "/hyperlab/folder-cache";
}


void crop_resize(const DecodedImage& in, int size, int channels, uint8_t* out) {
  const int L = std::min(in.width, in.height);
  const int x0 = (in.width - L) / 2, y0 = (in.height - L) / 2;
  const int ic = in.channels;
  const std::vector<Taps> t = axis_taps(L, size);
  // Rows first (the crop's L rows to `size` columns), then columns.
  std::vector<double> rows(size_t(L) * size * ic, 0.0);
  for (int y = 0; y < L; ++y) {
    const uint8_t* src = in.pixels.data() + (size_t(y0 + y) * in.width + x0) * ic;
    double* dst = rows.data() + size_t(y) * size * ic;
    for (int i = 0; i < size; ++i)
      for (size_t k = 0; k < t[i].w.size(); ++k) {
        const uint8_t* p = src + size_t(t[i].first + int(k)) * ic;
        for (int c = 0; c < ic; ++c) dst[i * ic + c] += t[i].w[k] * p[c];
      }
  }
  const size_t plane = size_t(size) * size;
  std::vector<double> v(ic);
  for (int r = 0; r < size; ++r)
    for (int i = 0; i < size; ++i) {
      std::fill(v.begin(), v.end(), 0.0);
      for (size_t k = 0; k < t[r].w.size(); ++k) {
        const double* p = rows.data() + (size_t(t[r].first + int(k)) * size + i) * ic;
        for (int c = 0; c < ic; ++c) v[c] += t[r].w[k] * p[c];
      }
      auto byte = [](double x) { return static_cast<uint8_t>(std::clamp(std::lround(x), 0L, 255L)); };
      const size_t at = size_t(r) * size + i;
      if (channels == 1) out[at] = byte(ic == 3 ? 0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2] : v[0]);
      else
        for (int c = 0; c < 3; ++c) out[c * plane + at] = byte(v[ic == 3 ? c : 0]);
    }
}

FolderScan scan_folder(const DataConfig& d) {
  FolderScan s;
  s.dir = d.path;
  while (s.dir.size() > 1 && s.dir.back() == '/') s.dir.pop_back();
  const std::string& dir = s.dir;
  if (dir.empty())
    throw FolderError("data.path: required for the folder dataset: the folder with one subfolder of images per class");
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) throw FolderError("data.path: " + dir + ": folder not found");
  if (!S_ISDIR(st.st_mode)) throw FolderError("data.path: " + dir + ": is a file, not a folder of class subfolders");
  const std::string expect = " (expected " + dir + "/<class>/<image>.jpg or .png, one subfolder per class)";
  s.own_split = is_dir(dir + "/train") && is_dir(dir + "/test");
  const std::string base = s.own_split ? dir + "/train" : dir;
  std::vector<std::string> empty;
  for (const std::string& c : subfolders(base)) {
    std::vector<FolderFile> f;
    collect(base + "/" + c, s.own_split ? "train/" + c : c, f, s.ignored);
    if (f.empty()) {
      empty.push_back(c);
      continue;
    }
    for (FolderFile& x : f) x.label = int(s.classes.size());
    s.classes.push_back(c);
    s.files.insert(s.files.end(), f.begin(), f.end());
  }
  if (s.files.empty()) {
    std::string more;
    if (!s.ignored.empty())
      more = "; it has " + std::to_string(s.ignored.size()) + " other files, e.g. " + s.ignored.front();
    throw FolderError("data.path: " + base + " has no PNG or JPEG images in class subfolders" + expect + more);
  }
  if (s.classes.size() < 2)
    throw FolderError("data.path: " + base + " has one class (" + s.classes.front() +
                      "); a classifier needs at least two class subfolders with images" + expect);
  for (const std::string& c : empty) s.ignored.push_back((s.own_split ? "train/" : "") + c + "/ (no images)");
  if (s.own_split) {
    for (const std::string& c : subfolders(dir + "/test")) {
      auto it = std::find(s.classes.begin(), s.classes.end(), c);
      std::vector<FolderFile> f;
      collect(dir + "/test/" + c, "test/" + c, f, s.ignored);
      if (f.empty()) continue;
      if (it == s.classes.end())
        throw FolderError("data.path: " + dir + "/test/" + c + " is a class that " + dir + "/train does not have");
      for (FolderFile& x : f) x.label = int(it - s.classes.begin()), x.test = true;
      s.files.insert(s.files.end(), f.begin(), f.end());
    }
  } else {
    // Per class, the first test_fraction of its images in the order of a hash
    // of their names: the same split every run, whatever the seed, and adding
    // photos moves few others.
    for (int c = 0; c < int(s.classes.size()); ++c) {
      std::vector<FolderFile*> mine;
      for (FolderFile& f : s.files)
        if (f.label == c) mine.push_back(&f);
      std::sort(mine.begin(), mine.end(), [](const FolderFile* a, const FolderFile* b) {
        const uint64_t ha = fnv1a(a->rel), hb = fnv1a(b->rel);
        return ha != hb ? ha < hb : a->rel < b->rel;
      });
      const int n = int(mine.size());
      int k = n >= 2 ? int(std::lround(d.test_fraction * n)) : 0;
      k = n >= 2 ? std::clamp(k, 1, n - 1) : 0;
      for (int i = 0; i < k; ++i) mine[i]->test = true;
    }
  }
  if (std::none_of(s.files.begin(), s.files.end(), [](const FolderFile& f) { return f.test; }))
    throw FolderError(s.own_split ? "data.path: " + dir + "/test has no images of the classes in " + dir + "/train"
                                  : "data.test_fraction: leaves no test images (a class needs at least two images)");
  if (d.channels > 0) {
    s.channels = d.channels;
  } else {
    s.channels = 1;
    for (const FolderFile& f : s.files)
      if (cached_colour(dir + "/" + f.rel, f) == 1) {
        s.channels = 3;
        break;
      }
  }
  char frac[40];
  std::snprintf(frac, sizeof frac, "%.17g", s.own_split ? 0.0 : d.test_fraction);
  std::error_code ec;
  const fs::path canon = fs::weakly_canonical(dir, ec);
  std::string sig = "hyperlab-folder-v2|" + (ec ? dir : canon.string()) + "|" + std::to_string(d.image_size) + "|" +
                    std::to_string(s.channels) + "|" + frac + "|" + std::to_string(s.own_split);
  uint64_t h = fnv1a(sig);
  for (const std::string& c : s.classes) h = fnv1a("|c|" + c, h);
  for (const FolderFile& f : s.files)
    h = fnv1a("|" + f.rel + "|" + std::to_string(f.size) + "|" + std::to_string(f.mtime_ns) + "|" +
                  std::to_string(f.label) + (f.test ? "t" : "r"),
              h);
  s.key = hex64(h);
  return s;
}

FolderSpec folder_spec(const DataConfig& d) {
  FolderSpec r;
  try {
    const FolderScan s = scan_folder(d);
    r.input = {s.channels, d.image_size, d.image_size};
    r.classes = s.classes;
    for (const FolderFile& f : s.files) ++(f.test ? r.test : r.train);
  } catch (const FolderError& e) {
    r.input = {d.channels > 0 ? d.channels : 3, d.image_size, d.image_size};
    r.error = e.what();
  }
  return r;
}

std::string FolderImages::note() const {
  std::string s;
  if (!skipped.empty()) {
    s = "skipped " + std::to_string(skipped.size()) + " of " + std::to_string(files) + " images: ";
    for (size_t i = 0; i < skipped.size() && i < 10; ++i) s += (i ? ", " : "") + skipped[i];
    if (skipped.size() > 10) s += ", and " + std::to_string(skipped.size() - 10) + " more";
  }
  if (!ignored.empty()) {
    s += std::string(s.empty() ? "" : "; ") + "ignored " + std::to_string(ignored.size()) +
         " files or folders that are not PNG or JPEG images: ";
    for (size_t i = 0; i < ignored.size() && i < 5; ++i) s += (i ? ", " : "") + ignored[i];
    if (ignored.size() > 5) s += ", ...";
  }
  return s;
}

FolderImages load_folder(const DataConfig& d) {
  const FolderScan scan = scan_folder(d);
  FolderImages im;
  im.cache_file = folder_cache_dir() + "/" + scan.key + ".bin";
  im.ignored = scan.ignored;
  if (read_cache(im.cache_file, scan, im) && im.size == d.image_size) {
    im.from_cache = true;
    return im;
  }
  im = FolderImages{};
  im.cache_file = folder_cache_dir() + "/" + scan.key + ".bin";
  im.ignored = scan.ignored;
  im.channels = scan.channels, im.size = d.image_size, im.classes = scan.classes;
  im.files = int64_t(scan.files.size());
  // Each split in the order of a hash of the names, so classes are mixed
  // (data.train_limit takes the first N).
  std::vector<const FolderFile*> order;
  for (const FolderFile& f : scan.files) order.push_back(&f);
  std::stable_sort(order.begin(), order.end(),
                   [](const FolderFile* a, const FolderFile* b) { return fnv1a(a->rel) < fnv1a(b->rel); });
  const size_t per = size_t(im.channels) * im.size * im.size;
  std::vector<uint8_t> px(per);
  for (const FolderFile* f : order) {
    try {
      const DecodedImage img = decode_file(scan.dir + "/" + f->rel, im.size);
      crop_resize(img, im.size, im.channels, px.data());
    } catch (const std::exception& e) {
      im.skipped.push_back(f->rel + " (" + e.what() + ")");
      continue;
    }
    auto& x = f->test ? im.test_x : im.train_x;
    x.insert(x.end(), px.begin(), px.end());
    (f->test ? im.test_y : im.train_y).push_back(f->label);
  }
  if (im.train_y.empty())
    throw FolderError("data.path: " + scan.dir + ": none of its " + std::to_string(im.files) +
                      " images could be read: " + im.note());
  if (im.test_y.empty())
    throw FolderError("data.path: " + scan.dir + ": none of the test images could be read: " + im.note());
  if (!write_cache(im.cache_file, im)) im.cache_file.clear();
  return im;
}

}  // namespace hyperlab

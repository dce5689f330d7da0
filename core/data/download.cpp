#include "data/download.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "config/registry.h"

#if HYPERLAB_DOWNLOADS
#include <curl/curl.h>
#include <openssl/evp.h>
#else
// Built without libcurl and OpenSSL (cmake -DHYPERLAB_DOWNLOADS=OFF, e.g. on a
// GPU machine without their headers): the table and the folders stay, every
// transfer stops with this.
static const char* const kNoDownloads =
    "this Hyperlab was built without libcurl (HYPERLAB_DOWNLOADS=OFF), so it cannot download: "
    "download on another machine and copy the folder, or set data.path";
#endif

namespace hyperlab {

namespace {

const std::vector<DatasetDownload>& table() {
  static const std::vector<DatasetDownload> t = {
      {"mnist",
       {"https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/"},
       {{"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
        {"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"},
        {"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"},
        {"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"}},
       "",
       {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz"}},
      {"cifar10",
       {"https://www.cs.toronto.edu/~kriz/",
        "https://storage.googleapis.com/s4tf-hosted-binaries/datasets/CIFAR10/"},
       {{"cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530"}},
       "cifar-10-binary.tar.gz",
       {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin",
        "test_batch.bin", "batches.meta.txt"}},
  };
  return t;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}
int64_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

void make_dirs(const std::string& dir) {
  std::string cur;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if ((i == dir.size() || dir[i] == '/') && !cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
      throw DownloadError(cur + ": cannot create the folder (" + std::strerror(errno) + ")");
    if (i < dir.size()) cur += dir[i];
  }
}

std::string write_failure(const std::string& path, int err) {
  if (err == ENOSPC || err == EDQUOT) return "the disk is full (writing " + path + ")";
  return "cannot write " + path + " (" + std::strerror(err) + ")";
}

std::string host_of(const std::string& url) {
  const size_t a = url.find("://");
  const size_t from = a == std::string::npos ? 0 : a + 3;
  return url.substr(from, url.find('/', from) - from);
}

/// How a transfer ended: done; broken part-way (try the same URL again: it
/// resumes); failed at this mirror (try the next); or stop (cancelled, disk).
struct Outcome {
  enum What { Done, Retry, NextMirror, Stop } what = Done;
  std::string cause;
};

#if HYPERLAB_DOWNLOADS
/// One transfer into `part`, resuming from its size.
struct Transfer {
  std::string url, part;
  const DownloadObserver* observe;
  DownloadProgress progress;
  FILE* out = nullptr;
  int64_t offset = 0;
  int write_errno = 0;
  bool cancelled = false;
  CURL* curl = nullptr;

  static size_t on_data(char* p, size_t size, size_t n, void* self) {
    auto* t = static_cast<Transfer*>(self);
    if (std::fwrite(p, size, n, t->out) != n) {
      t->write_errno = errno ? errno : EIO;
      return 0;
    }
    return size * n;
  }
  static int on_progress(void* self, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(self);
    t->progress.done = t->offset + now;
    t->progress.total = total > 0 ? t->offset + total : 0;
    if (*t->observe && !(*t->observe)(t->progress)) t->cancelled = true;
    return t->cancelled ? 1 : 0;
  }

  Outcome run() {
    offset = std::max<int64_t>(file_size(part), 0);
    out = std::fopen(part.c_str(), offset > 0 ? "ab" : "wb");
    if (!out) return {Outcome::Stop, write_failure(part, errno)};
    curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);  // a stalled transfer fails after a minute
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "hyperlab/" HYPERLAB_VERSION);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Transfer::on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &Transfer::on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
    if (offset > 0) curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(offset));
    char err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
    const CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(curl);
    if (std::fclose(out) != 0 && !write_errno) write_errno = errno;
    if (write_errno) return {Outcome::Stop, write_failure(part, write_errno)};
    if (rc == CURLE_OK) return {};
    if (cancelled) return {Outcome::Stop, "the download was cancelled (it resumes next time)"};
    const std::string host = host_of(url);
    if (rc == CURLE_COULDNT_RESOLVE_HOST) return {Outcome::NextMirror, "cannot find " + host + " (no network?)"};
    if (rc == CURLE_COULDNT_CONNECT)
      return {Outcome::NextMirror, "cannot connect to " + host + " (no network, or the server is down)"};
    if (rc == CURLE_HTTP_RETURNED_ERROR)
      return {Outcome::NextMirror, url + ": the server answered HTTP " + std::to_string(code)};
    if (rc == CURLE_RANGE_ERROR && offset > 0) {  // the server cannot resume: start over
      ::unlink(part.c_str());
      return {Outcome::Retry, url + ": the server cannot resume a transfer (partial file dropped)"};
    }
    const bool broken = rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_OPERATION_TIMEDOUT ||
                        rc == CURLE_GOT_NOTHING;
    return {broken ? Outcome::Retry : Outcome::NextMirror, url + ": " + (err[0] ? err : curl_easy_strerror(rc))};
  }
};
#else
struct Transfer {
  std::string url, part;
  const DownloadObserver* observe;
  DownloadProgress progress;
  Outcome run() const { return {Outcome::Stop, kNoDownloads}; }
};
#endif

void place(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw DownloadError(to + ": cannot move into place (" + std::strerror(errno) + ")");
}

/// The members of a .tar.gz named in `wanted` (folders dropped), written into `dir` as NAME.tmp then renamed.
void unpack(const std::string& archive, const std::vector<std::string>& wanted, const std::string& dir) {
  gzFile in = gzopen(archive.c_str(), "rb");
  if (!in) throw DownloadError(archive + ": cannot open the archive");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> close_in(in, gzclose);
  char block[512];
  std::vector<char> buf(1 << 16);
  while (gzread(in, block, 512) == 512 && block[0] != 0) {
    std::string name(block, strnlen(block, 100));
    const std::string prefix(block + 345, strnlen(block + 345, 155));
    if (!prefix.empty() && std::memcmp(block + 257, "ustar", 5) == 0) name = prefix + "/" + name;
    const int64_t size = std::strtoll(std::string(block + 124, 12).c_str(), nullptr, 8);
    const std::string base = name.substr(name.rfind('/') + 1);
    const bool keep = (block[156] == '0' || block[156] == 0) &&
                      std::find(wanted.begin(), wanted.end(), base) != wanted.end();
    FILE* out = nullptr;
    if (keep && !(out = std::fopen((dir + "/" + base + ".tmp").c_str(), "wb"))) throw DownloadError(write_failure(dir + "/" + base, errno));
    for (int64_t left = (size + 511) / 512 * 512, data = size; left > 0;) {
      const int n = gzread(in, buf.data(), static_cast<unsigned>(std::min<int64_t>(left, buf.size())));
      if (n <= 0) {
        if (out) std::fclose(out);
        throw DownloadError(archive + ": the archive ends early (" + base + " is cut short)");
      }
      const int64_t useful = std::min<int64_t>(n, data);
      if (out && useful > 0 && std::fwrite(buf.data(), 1, useful, out) != static_cast<size_t>(useful)) {
        const int err = errno;
        std::fclose(out);
        throw DownloadError(write_failure(dir + "/" + base, err));
      }
      left -= n, data -= useful;
    }
    if (out && std::fclose(out) != 0) throw DownloadError(write_failure(dir + "/" + base, errno));
  }
  for (const std::string& w : wanted)
    if (!exists(dir + "/" + w + ".tmp")) throw DownloadError(archive + ": the archive has no " + w);
}

/// Fetches one file into `work` from the first mirror that gives the right bytes.
void fetch(const DatasetDownload& d, const RemoteFile& f, const std::string& work, DownloadProgress p,
           const DownloadObserver& observe) {
  const std::string path = work + "/" + f.name, part = path + ".part";
  if (exists(path) && md5_file(path) == f.md5) return;  // fetched by an earlier, interrupted call
  std::string causes;
  for (const std::string& mirror : d.mirrors) {
    Transfer t{mirror + f.name, part, &observe, p};
    t.progress.url = t.url;
    Outcome o = t.run();
    for (int retry = 0; retry < 3 && o.what == Outcome::Retry; ++retry) o = Transfer{t.url, part, &observe, t.progress}.run();
    if (o.what == Outcome::Stop) throw DownloadError(f.name + ": " + o.cause);
    std::string cause = o.cause;
    if (o.what == Outcome::Done) {
      const std::string got = md5_file(part);
      if (got == f.md5) return place(part, path);
      ::unlink(part.c_str());
      cause = t.url + ": checksum mismatch (MD5 " + got + ", published " + f.md5 + ")";
    }
    causes += (causes.empty() ? "" : "; ") + cause;
  }
  throw DownloadError(f.name + ": no mirror gave it: " + causes);
}

}  // namespace

const DatasetDownload* dataset_download(const std::string& dataset) { return find_named(table(), dataset); }
std::vector<std::string> downloadable_datasets() { return names_of(table()); }

std::string download_folder(const std::string& dataset) {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  const char* home = std::getenv("HOME");
  const std::string base = xdg && *xdg ? xdg : std::string(home ? home : ".") + "/.local/share";
  return base + "/hyperlab/datasets/" + dataset;
}

bool is_downloaded(const DatasetDownload& d, const std::string& dir) {
  for (const std::string& f : d.contents)
    if (!exists(dir + "/" + f)) return false;
  return !d.contents.empty();
}

void download_dataset(const DatasetDownload& entry, const std::string& dir, const DownloadObserver& observe) {
  DatasetDownload d = entry;
  if (const char* env = std::getenv("HYPERLAB_DATASET_MIRRORS"); env && *env) {  // a school's own mirror, or a test's
    d.mirrors.clear();
    std::string m;
    for (const char* c = env;; ++c) {
      if (*c == ' ' || *c == '\0') {
        if (!m.empty()) d.mirrors.push_back(m.back() == '/' ? m : m + "/");
        m.clear();
        if (!*c) break;
      } else {
        m += *c;
      }
    }
  }
#if HYPERLAB_DOWNLOADS
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!curl_ready) throw DownloadError("libcurl could not start");
#else
  throw DownloadError(kNoDownloads);
#endif
  const std::string work = dir + "/.download";  // partial files stay here between attempts
  make_dirs(work);
  DownloadProgress p;
  p.count = static_cast<int>(d.files.size());
  for (const RemoteFile& f : d.files) {
    ++p.index, p.file = f.name;
    fetch(d, f, work, p, observe);
  }
  if (!d.archive.empty()) {
    p.file = d.archive, p.url.clear();
    if (observe && !observe(p)) throw DownloadError("the download was cancelled before unpacking");
    unpack(work + "/" + d.archive, d.contents, work);
    for (const std::string& c : d.contents) place(work + "/" + c + ".tmp", dir + "/" + c);
    ::unlink((work + "/" + d.archive).c_str());
  } else {
    for (const RemoteFile& f : d.files) place(work + "/" + f.name, dir + "/" + f.name);
  }
  ::rmdir(work.c_str());
}

#if HYPERLAB_DOWNLOADS
namespace {
std::string hex(const unsigned char* md, unsigned n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < n; ++i) s += digits[md[i] >> 4], s += digits[md[i] & 15];
  return s;
}
}  // namespace

std::string md5_hex(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_md5(), nullptr);
  return hex(md, n);
}

std::string md5_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw DownloadError(path + ": cannot read (" + std::strerror(errno) + ")");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr);
  std::vector<char> buf(1 << 16);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) EVP_DigestUpdate(ctx.get(), buf.data(), n);
  std::fclose(f);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return hex(md, len);
}
#else
std::string md5_hex(const std::string&) { throw DownloadError(kNoDownloads); }
std::string md5_file(const std::string&) { throw DownloadError(kNoDownloads); }
#endif

}  // namespace hyperlab

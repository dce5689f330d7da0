// Dataset downloads against a local HTTP server (tests/common/http_server.h):
// checksums, mirrors, broken transfers resumed, archives unpacked, causes named.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/http_server.h"
#include "common/temp_dir.h"
#include "data/download.h"

using namespace hyperlab;
using hyperlab::test::LocalHttpServer;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string bytes(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 7919 + (i >> 7)) & 0xff);
  return s;
}

DatasetDownload two_files(const std::vector<std::string>& mirrors, const std::string& a, const std::string& b) {
  DatasetDownload d;
  d.name = "test";
  d.mirrors = mirrors;
  d.files = {{"a.bin", md5_hex(a)}, {"b.bin", md5_hex(b)}};
  d.contents = {"a.bin", "b.bin"};
  return d;
}

// A ustar archive of (name, body) pairs, gzipped.
std::string tar_gz(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string tar;
  for (const auto& [name, body] : files) {
    char h[512] = {};
    std::snprintf(h, 100, "%s", name.c_str());
    std::snprintf(h + 100, 8, "%07o", 0644);
    std::snprintf(h + 108, 8, "%07o", 0);
    std::snprintf(h + 116, 8, "%07o", 0);
    std::snprintf(h + 124, 12, "%011o", static_cast<unsigned>(body.size()));
    std::snprintf(h + 136, 12, "%011o", 0);
    h[156] = '0';
    std::memcpy(h + 257, "ustar", 6);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char ch : h) sum += ch;
    std::snprintf(h + 148, 8, "%06o", sum);
    tar.append(h, 512);
    tar += body;
    tar.append((512 - body.size() % 512) % 512, '\0');
  }
  tar.append(1024, '\0');
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // +16: a gzip header
  std::string out(deflateBound(&z, tar.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(tar.data()), z.avail_in = static_cast<uInt>(tar.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data()), z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

TEST(Download, Md5IsTheStandardOne) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");  // RFC 1321's test suite
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
}

TEST(Download, FilesArriveCheckedAndInPlace) {
  LocalHttpServer s;
  const std::string a = bytes(70000, 1), b = bytes(123, 2);
  s.serve("/a.bin", {a}), s.serve("/b.bin", {b});
  TempDir t;
  const std::string dir = t.path + "/mnist";
  int calls = 0;
  int64_t last_done = 0;
  download_dataset(two_files({s.url()}, a, b), dir, [&](const DownloadProgress& p) {
    ++calls, last_done = p.done;
    return true;
  });
  EXPECT_EQ(read_file(dir + "/a.bin"), a);
  EXPECT_EQ(read_file(dir + "/b.bin"), b);
  EXPECT_TRUE(is_downloaded(two_files({}, a, b), dir));
  EXPECT_FALSE(exists(dir + "/.download")) << "the work folder is removed at the end";
  EXPECT_GT(calls, 0);
  EXPECT_EQ(last_done, 123);
}

TEST(Download, ACorruptFileIsRefusedAndTheNextMirrorGivesIt) {
  LocalHttpServer bad, good;
  const std::string a = bytes(5000, 3), b = bytes(4000, 4);
  std::string corrupt = a;
  corrupt[100] ^= 1;
  bad.serve("/a.bin", {corrupt}), bad.serve("/b.bin", {b});
  good.serve("/a.bin", {a}), good.serve("/b.bin", {b});
  TempDir t;
  // Only the bad mirror: a named checksum error, and nothing placed in the folder.
  try {
    download_dataset(two_files({bad.url()}, a, b), t.path + "/one");
    FAIL() << "a corrupt file was accepted";
  } catch (const DownloadError& e) {
    EXPECT_NE(std::string(e.what()).find("a.bin: no mirror gave it: " + bad.url() + "a.bin: checksum mismatch"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(exists(t.path + "/one/a.bin"));
  EXPECT_FALSE(exists(t.path + "/one/b.bin"));
  // Both: the second mirror's copy is taken.
  download_dataset(two_files({bad.url(), good.url()}, a, b), t.path + "/two");
  EXPECT_EQ(read_file(t.path + "/two/a.bin"), a);
}

TEST(Download, ADroppedConnectionResumesWhereItBroke) {
  LocalHttpServer s;
  const std::string a = bytes(200000, 5), b = bytes(10, 6);
  s.serve("/a.bin", {a, 50000, 1}), s.serve("/b.bin", {b});
  TempDir t;
  download_dataset(two_files({s.url()}, a, b), t.path + "/d");
  EXPECT_EQ(read_file(t.path + "/d/a.bin"), a);
  const auto req = s.requests();
  ASSERT_GE(req.size(), 3u);
  EXPECT_EQ(req[0], "GET /a.bin");
  EXPECT_EQ(req[1], "GET /a.bin bytes=50000-") << "the second request asks only for the rest";
}

TEST(Download, AServerThatCannotResumeSendsItAllAgainAndTheFileIsStillRight) {
  LocalHttpServer s;
  const std::string a = bytes(100000, 7), b = bytes(10, 8);
  LocalHttpServer::File f{a, 30000, 1};
  f.ranges = false;
  s.serve("/a.bin", f), s.serve("/b.bin", {b});
  TempDir t;
  download_dataset(two_files({s.url()}, a, b), t.path + "/d");
  EXPECT_EQ(read_file(t.path + "/d/a.bin"), a);
}

TEST(Download, NoServerAndAMissingFileNameTheirCause) {
  TempDir t;
  try {
    download_dataset(two_files({"http://127.0.0.1:1/"}, "x", "y"), t.path + "/d");
    FAIL();
  } catch (const DownloadError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect to 127.0.0.1:1 (no network, or the server is down)"),
              std::string::npos)
        << e.what();
  }
  LocalHttpServer s;
  try {
    download_dataset(two_files({s.url()}, "x", "y"), t.path + "/d");
    FAIL();
  } catch (const DownloadError& e) {
    EXPECT_NE(std::string(e.what()).find("the server answered HTTP 404"), std::string::npos) << e.what();
  }
}

TEST(Download, AnArchiveIsUnpackedIntoTheFolderWithoutItsSubfolder) {
  const std::string b1 = bytes(3073 * 3, 9), tb = bytes(3073 * 2, 10), meta = "airplane\nautomobile\n";
  const std::string archive = tar_gz({{"cifar-10-batches-bin/data_batch_1.bin", b1},
                                      {"cifar-10-batches-bin/readme.html", "<html>"},
                                      {"cifar-10-batches-bin/test_batch.bin", tb},
                                      {"cifar-10-batches-bin/batches.meta.txt", meta}});
  LocalHttpServer s;
  s.serve("/cifar.tar.gz", {archive});
  DatasetDownload d;
  d.name = "cifar-test", d.mirrors = {s.url()};
  d.files = {{"cifar.tar.gz", md5_hex(archive)}};
  d.archive = "cifar.tar.gz";
  d.contents = {"data_batch_1.bin", "test_batch.bin", "batches.meta.txt"};
  TempDir t;
  download_dataset(d, t.path + "/c");
  EXPECT_EQ(read_file(t.path + "/c/data_batch_1.bin"), b1);
  EXPECT_EQ(read_file(t.path + "/c/test_batch.bin"), tb);
  EXPECT_EQ(read_file(t.path + "/c/batches.meta.txt"), meta);
  EXPECT_FALSE(exists(t.path + "/c/readme.html"));
  EXPECT_FALSE(exists(t.path + "/c/cifar.tar.gz")) << "the archive is removed once unpacked";
  // An archive without a file the dataset needs: named, and nothing placed.
  d.contents.push_back("data_batch_2.bin");
  try {
    download_dataset(d, t.path + "/e");
    FAIL();
  } catch (const DownloadError& e) {
    EXPECT_NE(std::string(e.what()).find("the archive has no data_batch_2.bin"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(exists(t.path + "/e/data_batch_1.bin"));
}

TEST(Download, TheRealDatasetsArePublishedWithTheirChecksums) {
  for (const std::string& name : downloadable_datasets()) {
    const DatasetDownload* d = dataset_download(name);
    ASSERT_TRUE(d);
    EXPECT_GE(d->mirrors.size(), 2u) << name << ": more than one mirror";
    for (const RemoteFile& f : d->files) EXPECT_EQ(f.md5.size(), 32u) << f.name;
  }
  EXPECT_EQ(dataset_download("fashion-mnist"), nullptr) << "it ships in Debian";
  setenv("XDG_DATA_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(download_folder("mnist"), "/tmp/xdg-test/hyperlab/datasets/mnist");
  unsetenv("XDG_DATA_HOME");
}

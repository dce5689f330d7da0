// hyperlab-cli data download NAME [--dir DIR]: MNIST or CIFAR-10 from their
// public mirrors into the folder a config without data.path reads.
#include <chrono>
#include <cstdio>

#include "cli.h"
#include "data/download.h"

namespace hyperlab::cli {

int cmd_data(const Args& a) {
  std::string names;
  for (const std::string& n : downloadable_datasets()) names += (names.empty() ? "" : "|") + n;
  if (a.positionals.size() != 2 || a.positionals[0] != "download")
    return bad_input("usage: hyperlab-cli data download " + names + " [--dir DIR]");
  const std::string& name = a.positionals[1];
  const DatasetDownload* d = dataset_download(name);
  if (!d)
    return bad_input(name == "fashion-mnist" ? "fashion-mnist ships in Debian: sudo apt-get install dataset-fashion-mnist"
                                             : "cannot download \"" + name + "\" (datasets: " + names + ")");
  const std::string dir = a.dir.empty() ? download_folder(name) : a.dir;
  if (is_downloaded(*d, dir)) {
    std::printf("%s is already in %s\n", name.c_str(), dir.c_str());
    return kExitOk;
  }
  auto last = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  std::string last_file;
  try {
    download_dataset(*d, dir, [&](const DownloadProgress& p) {
      const auto now = std::chrono::steady_clock::now();
      if (p.file != last_file || now - last > std::chrono::seconds(1)) {
        last = now, last_file = p.file;
        if (p.url.empty()) std::fprintf(stderr, "unpacking %s\n", p.file.c_str());
        else if (p.total > 0)
          std::fprintf(stderr, "[%d/%d] %s: %.1f of %.1f MB (%s)\n", p.index, p.count, p.file.c_str(), p.done / 1e6,
                       p.total / 1e6, p.url.c_str());
        else std::fprintf(stderr, "[%d/%d] %s (%s)\n", p.index, p.count, p.file.c_str(), p.url.c_str());
      }
      return !g_interrupted;
    });
  } catch (const DownloadError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return g_interrupted ? kExitCancelled : kExitFailed;
  }
  std::printf("%s: downloaded and checked into %s\n", name.c_str(), dir.c_str());
  if (a.dir.empty()) std::printf("configs with data.dataset \"%s\" and no data.path now read it\n", name.c_str());
  else std::printf("use it with --set data.path=%s\n", dir.c_str());
  return kExitOk;
}

}  // namespace hyperlab::cli

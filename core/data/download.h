// Downloading the datasets Debian does not ship (MNIST, CIFAR-10) when the
// user asks: from their usual public mirrors, one after another, resuming a
// broken transfer, checking the published MD5 of every file, unpacking, and
// placing each file into the folder with a rename, so the folder never holds
// a half-written one. Every failure names its cause. Torch-free (libcurl).
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hyperlab {

struct RemoteFile {
  std::string name;  ///< as on the mirrors: "train-images-idx3-ubyte.gz"
  std::string md5;   ///< the published checksum, lower-case hex
};

/// Where a dataset comes from and what its folder holds once it is there.
struct DatasetDownload {
  std::string name;                  ///< the dataset: "mnist"
  std::vector<std::string> mirrors;  ///< base URLs, each ending in '/', tried in order
  std::vector<RemoteFile> files;
  /// A .tar.gz among `files` to unpack (its members' folders dropped); empty: keep the files as they are.
  std::string archive;
  /// What the dataset's folder must hold (the archive's members, or `files`).
  std::vector<std::string> contents;
};

/// The dataset's entry, or null when it cannot be downloaded (fashion-mnist ships in Debian).
const DatasetDownload* dataset_download(const std::string& dataset);
std::vector<std::string> downloadable_datasets();
/// $XDG_DATA_HOME/hyperlab/datasets/NAME (~/.local/share/hyperlab/datasets/NAME).
std::string download_folder(const std::string& dataset);
/// Whether `dir` holds everything in d.contents.
bool is_downloaded(const DatasetDownload& d, const std::string& dir);

struct DownloadProgress {
  std::string file;          ///< the file being fetched, or unpacked
  std::string url;           ///< "" while unpacking
  int64_t done = 0, total = 0;  ///< bytes (total 0: not known yet)
  int index = 0, count = 0;  ///< file index (1-based) of how many
};
/// Called as bytes arrive; return false to cancel the download.
using DownloadObserver = std::function<bool(const DownloadProgress&)>;

/// A failure: the file and its cause (for each mirror tried).
struct DownloadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Downloads, checks and unpacks `d` into `dir` (created if needed). A partial
/// file from an earlier, broken attempt is resumed. Throws DownloadError.
/// HYPERLAB_DATASET_MIRRORS (base URLs separated by spaces), when set, is
/// tried instead of the entry's mirrors.
void download_dataset(const DatasetDownload& d, const std::string& dir, const DownloadObserver& observe = {});

/// The MD5 of a file, lower-case hex (throws DownloadError if unreadable).
std::string md5_file(const std::string& path);
std::string md5_hex(const std::string& bytes);

}  // namespace hyperlab

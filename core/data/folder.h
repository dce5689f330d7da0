// data.dataset "folder": your own photos, one subfolder per class (the layout
// of torchvision's ImageFolder), PNG and JPEG decoded with libpng and
// libjpeg-turbo, centre-cropped to a square, resized and kept as one uint8
// block per split ([N,C,S,S]), cached on disk after the first read.
// No LibTorch and no Qt here: the config's shape inference uses folder_spec.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "data/imagefile.h"

namespace hyperlab {

/// A folder that cannot be used; the message starts with the config key ("data.path: ...").
struct FolderError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One image file found by the scan.
struct FolderFile {
  std::string rel;  ///< path below data.path, "cats/x.jpg" or "train/cats/x.jpg"
  int label = 0;
  bool test = false;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

/// The folder as listed (no image decoded): classes, files and their split.
struct FolderScan {
  std::string dir;
  std::vector<std::string> classes;  ///< sorted subfolder names
  std::vector<FolderFile> files;     ///< by class, then name
  bool own_split = false;            ///< train/ and test/ subfolders
  std::vector<std::string> ignored;  ///< files that are not .png/.jpg/.jpeg
  int channels = 3;                  ///< data.channels, or 3 if any header says colour, else 1
  std::string key;                   ///< hash of everything the images depend on (cache file name)
};

/// Lists data.path (d.path). Throws FolderError naming the key when the folder
/// is missing, holds no images or only one class. Memoised per listing.
FolderScan scan_folder(const DataConfig& d);

/// What a folder feeds the model (input shape, classes) and its sample counts.
struct FolderSpec {
  std::vector<int64_t> input;  ///< [C,S,S]
  std::vector<std::string> classes;
  int64_t train = 0, test = 0;
  std::string error;  ///< the scan's FolderError message, "" if fine
};
FolderSpec folder_spec(const DataConfig& d);

/// The images, decoded (or from the cache), as interleaved bytes [N,C,S,S].
struct FolderImages {
  int channels = 3, size = 32;
  std::vector<std::string> classes;
  std::vector<uint8_t> train_x, test_x;
  std::vector<int64_t> train_y, test_y;
  std::vector<std::string> skipped;  ///< "cats/x.jpg (not a JPEG: ...)"
  int64_t files = 0;                 ///< image files found (decoded + skipped)
  std::vector<std::string> ignored;  ///< files with other extensions, empty class folders
  bool from_cache = false;
  std::string cache_file;            ///< "" when the cache could not be written
  /// "skipped 2 of 503 images: cats/x.jpg (...), ...; ignored 3 files that are not PNG or JPEG (...)"; "" if none.
  std::string note() const;
};
/// Reads the folder d.path with d.image_size, d.channels, d.test_fraction.
/// Throws FolderError (naming the key) when nothing usable is left.
FolderImages load_folder(const DataConfig& d);

/// $XDG_CACHE_HOME/hyperlab/folder-cache (else ~/.cache/hyperlab/folder-cache).
std::string folder_cache_dir();

/// Centre square crop, then area average (shrinking) or bilinear (enlarging)
/// to size x size, and to `channels` (grey = ITU-R 601 luma, as PIL's "L").
/// Writes planar [C,S,S] to out.
void crop_resize(const DecodedImage& in, int size, int channels, uint8_t* out);

}  // namespace hyperlab

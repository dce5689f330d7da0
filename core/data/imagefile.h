// Image files (PNG and JPEG) decoded with Debian's libpng and libjpeg-turbo,
// for data.dataset "folder" (data/folder.h). No LibTorch here.
// Built with HYPERLAB_IMAGE_FILES=OFF (no image libraries, e.g. on a GPU
// machine), every decode throws a runtime_error that says so.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hyperlab {

/// One decoded image, interleaved RGB (3 channels) or grey (1).
struct DecodedImage {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};
/// Decodes a PNG or JPEG (by its first bytes) to 8-bit RGB; throws
/// std::runtime_error with the reason ("not a PNG or JPEG file", "PNG: ...").
DecodedImage decode_image(const std::string& file);
/// The same; at_least > 0 lets a JPEG decode at a reduced scale while its shorter side stays >= at_least.
DecodedImage decode_file(const std::string& file, int at_least);
/// A whole file's bytes; throws std::runtime_error with the reason.
std::vector<uint8_t> read_file_bytes(const std::string& file);
/// Images decoded by this process so far (tests: a cache hit decodes none).
int64_t folder_decode_count();

}  // namespace hyperlab

#include "data/imagefile.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#if HYPERLAB_IMAGE_FILES
#include <csetjmp>

#include <png.h>
// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>
#include <jerror.h>
#endif

namespace hyperlab {

namespace {

std::atomic<int64_t> g_decoded{0};

#if HYPERLAB_IMAGE_FILES
// Larger images are refused before their pixels are allocated (a 20-byte
// header may claim 60000x60000).
constexpr uint64_t kMaxPixels = uint64_t(1) << 28;

DecodedImage decode_png(const std::vector<uint8_t>& data) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, data.data(), data.size()))
    throw std::runtime_error(std::string("not a readable PNG: ") + img.message);
  if (uint64_t(img.width) * img.height > kMaxPixels) {
    png_image_free(&img);
    throw std::runtime_error("PNG of " + std::to_string(img.width) + "x" + std::to_string(img.height) +
                             " pixels: too large");
  }
  img.format = PNG_FORMAT_RGB;
  DecodedImage out;
  out.width = static_cast<int>(img.width), out.height = static_cast<int>(img.height), out.channels = 3;
  out.pixels.resize(PNG_IMAGE_SIZE(img));
  const png_color white{255, 255, 255};  // transparent parts show as white, as on a page
  if (!png_image_finish_read(&img, &white, out.pixels.data(), 0, nullptr)) {
    std::string why = img.message;
    png_image_free(&img);
    throw std::runtime_error("corrupt or truncated PNG: " + why);
  }
  return out;
}

struct JpegErr {
  jpeg_error_mgr pub;
  jmp_buf jump;
  char msg[JMSG_LENGTH_MAX] = {0};
  bool eof = false;
};

void jpeg_fail(j_common_ptr c) {
  auto* e = reinterpret_cast<JpegErr*>(c->err);
  (*c->err->format_message)(c, e->msg);
  std::longjmp(e->jump, 1);
}

void jpeg_note(j_common_ptr c, int level) {
  auto* e = reinterpret_cast<JpegErr*>(c->err);
  // Minor warnings (extraneous bytes) are common in camera files and harmless;
  // the end of the data before the image's end is a truncated file.
  if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) e->eof = true;
}

// The EXIF orientation (1-8) of a JPEG, from its APP1 "Exif" segment; 1 when there is none.
int exif_orientation(const std::vector<uint8_t>& d) {
  size_t pos = 2;
  while (pos + 4 <= d.size() && d[pos] == 0xFF) {
    const int marker = d[pos + 1];
    if (marker == 0xDA || marker == 0xD9) break;  // image data: no more metadata
    const size_t len = (size_t(d[pos + 2]) << 8) | d[pos + 3];
    if (len < 2 || pos + 2 + len > d.size()) break;
    if (marker == 0xE1 && len >= 8 + 8 && std::memcmp(&d[pos + 4], "Exif\0\0", 6) == 0) {
      const uint8_t* t = &d[pos + 10];
      const size_t n = len - 8;
      const bool le = t[0] == 'I' && t[1] == 'I';
      if (!le && !(t[0] == 'M' && t[1] == 'M')) return 1;
      auto u16 = [&](size_t o) { return o + 2 > n ? 0u : le ? unsigned(t[o] | t[o + 1] << 8) : unsigned(t[o] << 8 | t[o + 1]); };
      auto u32 = [&](size_t o) {
        return o + 4 > n ? 0u : le ? (u16(o) | u16(o + 2) << 16) : (u16(o) << 16 | u16(o + 2));
      };
      const size_t ifd = u32(4);
      const unsigned entries = u16(ifd);
      for (unsigned i = 0; i < entries && i < 512; ++i) {
        const size_t e = ifd + 2 + 12 * size_t(i);
        if (e + 12 > n) break;
        if (u16(e) == 0x0112) {
          const unsigned v = u16(e + 8);
          return v >= 1 && v <= 8 ? int(v) : 1;
        }
      }
      return 1;
    }
    pos += 2 + len;
  }
  return 1;
}

// Turns a decoded image the way its EXIF orientation says it is shown.
void apply_orientation(DecodedImage& im, int o) {
  if (o <= 1 || o > 8) return;
  const int W = im.width, H = im.height, C = im.channels;
  const bool swap = o >= 5;
  const int W2 = swap ? H : W, H2 = swap ? W : H;
  std::vector<uint8_t> out(im.pixels.size());
  for (int y2 = 0; y2 < H2; ++y2)
    for (int x2 = 0; x2 < W2; ++x2) {
      int x = x2, y = y2;
      switch (o) {
        case 2: x = W - 1 - x2; break;
        case 3: x = W - 1 - x2, y = H - 1 - y2; break;
        case 4: y = H - 1 - y2; break;
        case 5: x = y2, y = x2; break;
        case 6: x = y2, y = H - 1 - x2; break;           // shown turned 90 degrees clockwise
        case 7: x = W - 1 - y2, y = H - 1 - x2; break;
        case 8: x = W - 1 - y2, y = x2; break;           // turned 90 degrees anticlockwise
      }
      std::memcpy(&out[(size_t(y2) * W2 + x2) * C], &im.pixels[(size_t(y) * W + x) * C], size_t(C));
    }
  im.pixels.swap(out);
  im.width = W2, im.height = H2;
}

// at_least > 0: decode at a reduced DCT scale (n/8) while the shorter side stays >= at_least.
DecodedImage decode_jpeg(const std::vector<uint8_t>& data, int at_least) {
  jpeg_decompress_struct cinfo;
  JpegErr jerr;
  DecodedImage out;
  cinfo.err = jpeg_std_error(&jerr.pub);
  jerr.pub.error_exit = jpeg_fail;
  jerr.pub.emit_message = jpeg_note;
  if (setjmp(jerr.jump)) {
    jpeg_destroy_decompress(&cinfo);
    throw std::runtime_error(std::string("corrupt JPEG: ") + jerr.msg);
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data.data(), static_cast<unsigned long>(data.size()));
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.num_components == 4) {
    jpeg_destroy_decompress(&cinfo);
    throw std::runtime_error("a CMYK JPEG (not supported: save it as an RGB JPEG)");
  }
  if (uint64_t(cinfo.image_width) * cinfo.image_height > kMaxPixels) {
    jpeg_destroy_decompress(&cinfo);
    throw std::runtime_error("JPEG of " + std::to_string(cinfo.image_width) + "x" +
                             std::to_string(cinfo.image_height) + " pixels: too large");
  }
  cinfo.out_color_space = JCS_RGB;
  if (at_least > 0) {
    const uint64_t side = std::min(cinfo.image_width, cinfo.image_height);
    unsigned num = 8;
    while (num > 1 && (side * (num - 1) + 7) / 8 >= uint64_t(at_least)) --num;
    cinfo.scale_num = num, cinfo.scale_denom = 8;
  }
  jpeg_start_decompress(&cinfo);
  out.width = static_cast<int>(cinfo.output_width), out.height = static_cast<int>(cinfo.output_height);
  out.channels = cinfo.output_components;
  out.pixels.resize(size_t(out.width) * out.height * out.channels);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.pixels.data() + size_t(cinfo.output_scanline) * out.width * out.channels;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (jerr.eof) throw std::runtime_error("truncated JPEG (the data ends before the image does)");
  apply_orientation(out, exif_orientation(data));  // phones store portrait photos turned, with this tag
  return out;
}
#else
// Built without libpng and libjpeg (cmake -DHYPERLAB_IMAGE_FILES=OFF, as on a
// GPU machine with no image headers): every image file is refused, by name.
const char* const kNoCodecs = "this Hyperlab was built without libpng and libjpeg (HYPERLAB_IMAGE_FILES=OFF), so it cannot read image files";
DecodedImage decode_png(const std::vector<uint8_t>&) { throw std::runtime_error(kNoCodecs); }
DecodedImage decode_jpeg(const std::vector<uint8_t>&, int) { throw std::runtime_error(kNoCodecs); }
#endif

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& file) {
  FILE* f = std::fopen(file.c_str(), "rb");
  if (!f) throw std::runtime_error(std::string("cannot read it: ") + std::strerror(errno));
  std::unique_ptr<FILE, int (*)(FILE*)> closer(f, std::fclose);
  std::vector<uint8_t> data;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.insert(data.end(), buf, buf + n);
  if (std::ferror(f)) throw std::runtime_error(std::string("cannot read it: ") + std::strerror(errno));
  return data;
}

DecodedImage decode_file(const std::string& file, int at_least) {
  const std::vector<uint8_t> data = read_file_bytes(file);
  if (data.empty()) throw std::runtime_error("an empty file (0 bytes)");
  ++g_decoded;
  if (data.size() >= 8 && data[0] == 0x89 && data[1] == 'P' && data[2] == 'N' && data[3] == 'G') return decode_png(data);
  if (data.size() >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return decode_jpeg(data, at_least);
  char b[32];
  std::snprintf(b, sizeof b, "%02x %02x %02x %02x", data[0], data.size() > 1 ? data[1] : 0,
                data.size() > 2 ? data[2] : 0, data.size() > 3 ? data[3] : 0);
  throw std::runtime_error(std::string("not a PNG or JPEG file (it starts with ") + b + ")");
}

DecodedImage decode_image(const std::string& file) { return decode_file(file, 0); }

int64_t folder_decode_count() { return g_decoded.load(); }

}  // namespace hyperlab

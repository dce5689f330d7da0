#include "data/augment.h"

#include "data/augment_cpu.h"

#include <ATen/ATen.h>
#include <ATen/core/DistributionsHelper.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "train/events.h"

#include "config/registry.h"

namespace hyperlab {

using namespace setting_makers;

namespace {

using A = AugmentConfig;

const std::vector<std::string>& pad_modes() {
  static const std::vector<std::string> m = {"zero", "reflect"};
  return m;
}
const std::vector<std::string>& interpolations() {
  static const std::vector<std::string> m = {"nearest", "bilinear"};
  return m;
}

}  // namespace

const std::vector<AugmentSetting>& augment_settings() {
  static const std::vector<AugmentSetting> s = [] {
    AugmentSetting mode;
    mode.key = "mode", mode.kind = AugmentSetting::Choice, mode.text = &A::mode, mode.choices = pad_modes;
    mode.label = "Pad with", mode.doc = "crop: zero | reflect padding (default zero)";
    AugmentSetting interp;
    interp.key = "interpolation", interp.kind = AugmentSetting::Choice, interp.text = &A::interpolation,
    interp.choices = interpolations;
    interp.label = "Interpolation";
    interp.doc = "rotate: nearest (each pixel copies one source pixel) | bilinear (smoother, about 3x the time) (default nearest)";
    return std::vector<AugmentSetting>{
        number<A>("p", &A::p, "Probability", "the chance each image is changed (default 1; flip 0.5)", 0, 1, 1, 0.05),
        integer<A>("padding", &A::padding, "Padding", "crop: pixels added on each side before a random crop back to size (default 4)", 0),
        mode,
        number<A>("std", &A::std, "Noise std", "noise: Gaussian noise's standard deviation in pixel levels, 0..255 (default 8)", 0,
                  255, 255, 1),
        integer<A>("size", &A::size, "Square", "cutout: side of the square set to 0, in pixels (default 8)", 1),
        number<A>("brightness", &A::brightness, "Brightness", "jitter: pixels × a factor in [1-b, 1+b] (default 0.2)", 0, 1, 1, 0.05),
        number<A>("contrast", &A::contrast, "Contrast", "jitter: distance to the image's mean × a factor in [1-c, 1+c] (default 0.2)",
                  0, 1, 1, 0.05),
        number<A>("degrees", &A::degrees, "Max degrees", "rotate: an angle drawn from [-degrees, degrees], counter-clockwise (default 15)",
                  0, 180, 180, 5),
        number<A>("scale", &A::scale, "Zoom", "rotate: zoomed by a factor in [1-s, 1+s] (default 0: no zoom)", 0, 0.9, 0.9, 0.05),
        number<A>("translate", &A::translate, "Shift", "rotate: shifted by up to this fraction of the side on each axis (default 0)",
                  0, 0.5, 0.5, 0.05),
        interp,
        number<A>("fill", &A::fill, "Fill", "rotate: the pixel level (0..255) of areas outside the source image (default 0)", 0,
                  255, 255, 1),
    };
  }();
  return s;
}

const std::vector<AugmentKind>& augment_kinds() {
  static const std::vector<AugmentKind> k = {
      {"crop", "a random crop of the image padded on each side (shifts of up to `padding` pixels)", {"padding", "mode"}, 1.0},
      {"flip", "a horizontal mirror image", {}, 0.5},
      {"noise", "Gaussian noise on every pixel, rounded and clipped to 0..255", {"std"}, 1.0},
      {"cutout", "a square of the image set to 0 at a random place (DeVries & Taylor 2017)", {"size"}, 1.0},
      {"jitter", "random brightness and contrast", {"brightness", "contrast"}, 1.0},
      {"rotate", "a random rotation about the centre, optionally zoomed and shifted (one affine map per image)",
       {"degrees", "scale", "translate", "interpolation", "fill"}, 1.0},
  };
  return k;
}

bool AugmentKind::uses(const std::string& key) const {
  return key == "p" || std::find(keys.begin(), keys.end(), key) != keys.end();
}
std::vector<std::string> AugmentKind::written_keys() const {
  std::vector<std::string> w = {"p"};
  w.insert(w.end(), keys.begin(), keys.end());
  return w;
}
const AugmentKind* find_augment(const std::string& name) { return find_named(augment_kinds(), name); }
std::vector<std::string> augment_names() { return names_of(augment_kinds()); }

std::string augment_markdown() {
  std::string s = "| type | fields (default) | what it does |\n|---|---|---|\n";
  for (const AugmentKind& k : augment_kinds()) {
    std::string cell = "`p` (" + std::string(k.default_p == 1 ? "1" : "0.5") + ")";
    A a;
    for (const std::string& key : k.keys) {
      const AugmentSetting& f = *find_setting(augment_settings(), key);
      std::string v = f.kind == AugmentSetting::Choice ? a.*f.text
                      : f.kind == AugmentSetting::Integer ? std::to_string(a.*f.integer)
                                                          : std::to_string(a.*f.number);
      if (f.kind == AugmentSetting::Number) v.erase(v.find_last_not_of('0') + 1), v.erase(v.find_last_not_of('.') + 1);
      cell += ", `" + key + "` (" + v + ")";
    }
    s += "| `" + k.name + "` | " + cell + " | " + k.doc + " |\n";
  }
  return s;
}

namespace {

// A small CPU tensor (a step's random draws) to the batch's device without
// waiting for the device: through pinned memory, copied asynchronously (a
// plain copy from pageable memory would wait for the device's queue at every
// batch). On the CPU it is the tensor itself.
at::Tensor to_device(const at::Tensor& t, const at::Device& dev) {
  if (dev.is_cpu()) return t;
  return t.pin_memory().to(at::TensorOptions().device(dev), /*non_blocking=*/true);
}

uint64_t mix(uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Which images of the batch the step changes: [B] bool on the batch's device.
at::Tensor chosen(int64_t b, double p, at::Generator& g, const at::Device& dev) {
  return to_device(at::rand({b}, g) < p, dev);
}

// Rows (or columns) of a crop shifted by `shift` per image: [B, n] indices into the
// padded image (zero mode) or reflected back into the image (reflect mode).
at::Tensor crop_index(const at::Tensor& shift, int64_t n, int pad, bool reflect) {
  at::Tensor i = at::arange(n, at::kLong).unsqueeze(0) + shift.unsqueeze(1);  // -pad .. n-1+pad
  if (!reflect) return i + pad;
  i = at::where(i < 0, -i, i);
  return at::where(i > n - 1, 2 * (n - 1) - i, i);
}

at::Tensor crop(const at::Tensor& x, const A& a, at::Generator& g) {
  const int64_t B = x.size(0), H = x.size(2), W = x.size(3);
  const int P = a.padding;
  const bool reflect = a.mode == "reflect";
  if (P == 0) return x;
  at::Tensor keep = at::rand({B}, g) >= a.p;
  at::Tensor dy = at::randint(-P, P + 1, {B}, g, at::kLong).masked_fill(keep, 0);
  at::Tensor dx = at::randint(-P, P + 1, {B}, g, at::kLong).masked_fill(keep, 0);
  const at::Device dev = x.device();
  at::Tensor rows = to_device(crop_index(dy, H, P, reflect), dev), cols = to_device(crop_index(dx, W, P, reflect), dev);
  const at::Tensor src = reflect ? x : at::constant_pad_nd(x, {P, P, P, P}, 0);
  using at::indexing::Slice;
  at::Tensor b = at::arange(B, at::TensorOptions().dtype(at::kLong).device(dev)).view({B, 1, 1});
  return src.index({b, Slice(), rows.unsqueeze(2), cols.unsqueeze(1)}).permute({0, 3, 1, 2}).contiguous();
}

at::Tensor as_pixels(const at::Tensor& f) { return f.round_().clamp_(0, 255).to(at::kByte); }

at::Tensor rotate(const at::Tensor& x, const A& a, at::Generator& g) {
  const int64_t B = x.size(0);
  at::Tensor keep = at::rand({B}, g) >= a.p;
  at::Tensor deg = ((at::rand({B}, g) * 2 - 1) * a.degrees).masked_fill(keep, 0);
  at::Tensor zoom = (1 + (at::rand({B}, g) * 2 - 1) * a.scale).masked_fill(keep, 1);
  at::Tensor shift = ((at::rand({B, 2}, g) * 2 - 1) * a.translate).masked_fill(keep.unsqueeze(1), 0);
  at::Tensor out = affine_images_grid(x, deg, zoom, shift, a.interpolation == "nearest", a.fill);
  if (a.p >= 1) return out;  // every image chosen (rand() < 1)
  return at::where(to_device(keep, x.device()).view({B, 1, 1, 1}), x, out);
}

at::Tensor apply(const at::Tensor& x, const A& a, at::Generator& g) {
  const int64_t B = x.size(0);
  const at::Device dev = x.device();
  if (a.type == "crop") return crop(x, a, g);
  if (a.type == "rotate") return rotate(x, a, g);
  at::Tensor m = chosen(B, a.p, g, dev).view({B, 1, 1, 1});
  if (a.type == "flip") return at::where(m, x.flip({3}), x);
  if (a.type == "noise") {
    at::Tensor n = to_device(at::randn(x.sizes(), g), dev);
    return at::where(m, as_pixels(x.to(at::kFloat) + n * a.std), x);
  }
  if (a.type == "cutout") {
    const int64_t H = x.size(2), W = x.size(3), s = a.size;
    at::Tensor cy = at::randint(0, H, {B, 1}, g, at::kLong), cx = at::randint(0, W, {B, 1}, g, at::kLong);
    at::Tensor y = at::arange(H, at::kLong).unsqueeze(0), xs = at::arange(W, at::kLong).unsqueeze(0);
    at::Tensor in_y = (y >= cy - s / 2) & (y < cy - s / 2 + s), in_x = (xs >= cx - s / 2) & (xs < cx - s / 2 + s);
    at::Tensor box = to_device(in_y.unsqueeze(2) & in_x.unsqueeze(1), dev).unsqueeze(1) & m;
    return x.masked_fill(box, 0);
  }
  // jitter
  at::Tensor bf = to_device(1 + (at::rand({B, 1, 1, 1}, g) * 2 - 1) * a.brightness, dev);
  at::Tensor cf = to_device(1 + (at::rand({B, 1, 1, 1}, g) * 2 - 1) * a.contrast, dev);
  at::Tensor f = x.to(at::kFloat) * bf;
  at::Tensor mean = f.mean({1, 2, 3}, true);
  return at::where(m, as_pixels((f - mean) * cf + mean), x);
}

// Image b's inverse map in pixel indices (augment_cpu::affine's coefficients), the same map as
// affine_images_grid's theta: the output pixel at p (from the centre, y down) reads the input at
// R(a)·p / zoom - shift·side.
std::vector<double> affine_coefficients(const at::Tensor& degrees, const at::Tensor& zoom, const at::Tensor& shift,
                                        int64_t H, int64_t W) {
  const at::Tensor d = degrees.to(at::kDouble).contiguous(), z = zoom.to(at::kDouble).contiguous();
  const at::Tensor sh = shift.to(at::kDouble).contiguous();
  const double *dp = d.data_ptr<double>(), *zp = z.data_ptr<double>(), *sp = sh.data_ptr<double>();
  const double cx = 0.5 - double(W) / 2, cy = 0.5 - double(H) / 2;
  std::vector<double> a;
  for (int64_t b = 0; b < d.size(0); ++b) {
    const double r = dp[b] * (M_PI / 180.0), c = std::cos(r) / zp[b], s = std::sin(r) / zp[b];
    a.insert(a.end(), {c, -s, c * cx - s * cy + double(W - 1) / 2 - sp[2 * b] * double(W), s, c,
                       s * cx + c * cy + double(H - 1) / 2 - sp[2 * b + 1] * double(H)});
  }
  return a;
}

std::vector<uint8_t> bytes_of(const at::Tensor& mask) {
  const at::Tensor m = mask.to(at::kByte).contiguous();
  return std::vector<uint8_t>(m.data_ptr<uint8_t>(), m.data_ptr<uint8_t>() + m.numel());
}

// Row (column) i of a crop shifted by d: the source index, -1 for zero padding.
int32_t shifted(int64_t i, int64_t n, bool reflect) {
  if (!reflect) return i < 0 || i >= n ? -1 : int32_t(i);
  const int64_t r = i < 0 ? -i : (i > n - 1 ? 2 * (n - 1) - i : i);
  if (r < 0 || r >= n)
    throw std::invalid_argument("data.augment: crop with reflect padding needs images larger than the padding (" +
                                std::to_string(n) + " pixels)");
  return int32_t(r);
}

// The CPU path of augment_batch: a batch in the making. Crops and flips compose into one pending
// gather of rows and columns per image, done when another step needs the pixels. Each step draws
// exactly what apply() draws, in its order, so both paths give the same images.
class CpuBatch {
 public:
  explicit CpuBatch(const at::Tensor& x) : x_(x), B_(x.size(0)), H_(x.size(2)), W_(x.size(3)) {}
  void step(const A& a, at::Generator& g) {
    if (a.type == "crop") return crop(a, g);
    if (a.type == "flip") return flip(a, g);
    flush();
    if (a.type == "cutout") return cutout(a, g);
    if (a.type == "rotate") return rotate(a, g);
    x_ = apply(x_, a, g), owned_ = true;
  }
  at::Tensor result() {
    flush();
    return x_;
  }

 private:
  void begin() {
    if (!rows_.empty()) return;
    rows_.resize(size_t(B_ * H_)), cols_.resize(size_t(B_ * W_));
    for (int64_t b = 0; b < B_; ++b) {
      for (int64_t i = 0; i < H_; ++i) rows_[size_t(b * H_ + i)] = int32_t(i);
      for (int64_t j = 0; j < W_; ++j) cols_[size_t(b * W_ + j)] = int32_t(j);
    }
  }
  // Image b's map becomes map[m(i)] (-1 where m or map says -1).
  template <typename F>
  static void compose(int32_t* map, int64_t n, F m) {
    std::vector<int32_t> old(map, map + n);
    for (int64_t i = 0; i < n; ++i) {
      const int32_t k = m(i);
      map[i] = k < 0 ? -1 : old[size_t(k)];
    }
  }
  void crop(const A& a, at::Generator& g) {
    const int P = a.padding;
    if (P == 0) return;
    const bool reflect = a.mode == "reflect";
    at::Tensor keep = at::rand({B_}, g) >= a.p;
    at::Tensor dy = at::randint(-P, P + 1, {B_}, g, at::kLong).masked_fill(keep, 0);
    at::Tensor dx = at::randint(-P, P + 1, {B_}, g, at::kLong).masked_fill(keep, 0);
    begin();
    const int64_t *py = dy.data_ptr<int64_t>(), *px = dx.data_ptr<int64_t>();
    for (int64_t b = 0; b < B_; ++b) {
      compose(&rows_[size_t(b * H_)], H_, [&](int64_t i) { return shifted(i + py[b], H_, reflect); });
      compose(&cols_[size_t(b * W_)], W_, [&](int64_t j) { return shifted(j + px[b], W_, reflect); });
    }
  }
  void flip(const A& a, at::Generator& g) {
    const std::vector<uint8_t> m = bytes_of(at::rand({B_}, g) < a.p);
    begin();
    for (int64_t b = 0; b < B_; ++b)
      if (m[size_t(b)]) std::reverse(cols_.begin() + b * W_, cols_.begin() + (b + 1) * W_);
  }
  void cutout(const A& a, at::Generator& g) {
    const std::vector<uint8_t> m = bytes_of(at::rand({B_}, g) < a.p);
    const int64_t s = a.size;
    at::Tensor cy = at::randint(0, H_, {B_}, g, at::kLong) - s / 2, cx = at::randint(0, W_, {B_}, g, at::kLong) - s / 2;
    if (!owned_) x_ = x_.clone(at::MemoryFormat::Contiguous), owned_ = true;
    augment_cpu::cutout(x_, std::vector<int64_t>(cy.data_ptr<int64_t>(), cy.data_ptr<int64_t>() + B_),
                        std::vector<int64_t>(cx.data_ptr<int64_t>(), cx.data_ptr<int64_t>() + B_), s, m);
  }
  void rotate(const A& a, at::Generator& g) {
    at::Tensor keep = at::rand({B_}, g) >= a.p;
    at::Tensor deg = ((at::rand({B_}, g) * 2 - 1) * a.degrees).masked_fill(keep, 0);
    at::Tensor zoom = (1 + (at::rand({B_}, g) * 2 - 1) * a.scale).masked_fill(keep, 1);
    at::Tensor shift = ((at::rand({B_, 2}, g) * 2 - 1) * a.translate).masked_fill(keep.unsqueeze(1), 0);
    x_ = augment_cpu::affine(x_, affine_coefficients(deg, zoom, shift, H_, W_), bytes_of(keep),
                             a.interpolation == "nearest", a.fill);
    owned_ = true;
  }
  void flush() {
    if (rows_.empty()) return;
    x_ = augment_cpu::gather(x_, rows_, cols_), owned_ = true;
    rows_.clear(), cols_.clear();
  }

  at::Tensor x_;
  int64_t B_, H_, W_;
  bool owned_ = false;  ///< x_ is ours to change in place (not the caller's batch)
  std::vector<int32_t> rows_, cols_;  ///< the pending gather ([B*H], [B*W]); empty: none
};

at::Tensor augment_on_cpu(const at::Tensor& x, const std::vector<AugmentConfig>& steps, at::Generator& g) {
  CpuBatch b(x);
  for (const AugmentConfig& a : steps) b.step(a, g);
  return b.result();
}

}  // namespace

at::Tensor affine_images(const at::Tensor& x, const at::Tensor& degrees, const at::Tensor& zoom, const at::Tensor& shift,
                         bool nearest, double fill) {
  if (!x.device().is_cpu()) return affine_images_grid(x, degrees, zoom, shift, nearest, fill);
  return augment_cpu::affine(x, affine_coefficients(degrees, zoom, shift, x.size(2), x.size(3)),
                             std::vector<uint8_t>(size_t(x.size(0)), 0), nearest, fill);
}

at::Tensor affine_images_grid(const at::Tensor& x, const at::Tensor& degrees, const at::Tensor& zoom,
                              const at::Tensor& shift, bool nearest, double fill) {
  const int64_t B = x.size(0), H = x.size(2), W = x.size(3);
  // theta maps each output pixel to where it is read from, in grid_sample's coordinates ([-1, 1] across
  // each side): the output pixel at p (from the centre, y down) reads the input at R(a)·p / zoom - shift·side,
  // so the content turns by a counter-clockwise on the screen, grows by zoom and moves by shift.
  // Rotating in pixels, not in [-1, 1], keeps a non-square image's shapes.
  at::Tensor r = degrees.to(at::kDouble) * (M_PI / 180.0);
  at::Tensor c = r.cos() / zoom.to(at::kDouble), s = r.sin() / zoom.to(at::kDouble);
  const double hw = double(H) / double(W), wh = double(W) / double(H);
  at::Tensor sh = shift.to(at::kDouble) * 2;  // a fraction of the side, in [-1, 1] units
  at::Tensor theta = at::stack({at::stack({c, -s * hw, -sh.select(1, 0)}, 1), at::stack({s * wh, c, -sh.select(1, 1)}, 1)}, 1);
  const at::Device dev = x.device();
  // What affine_grid builds, with less work: the output's pixel centres (u, v, 1), one matrix
  // product with each image's theta.
  at::Tensor u = (at::arange(W, at::kFloat) * 2 + 1) / double(W) - 1, v = (at::arange(H, at::kFloat) * 2 + 1) / double(H) - 1;
  at::Tensor base = at::stack({u.view({1, W}).expand({H, W}), v.view({H, 1}).expand({H, W}), at::ones({H, W}, at::kFloat)}, 2);
  at::Tensor grid = at::matmul(to_device(base.view({1, H * W, 3}), dev), to_device(theta.to(at::kFloat).transpose(1, 2).contiguous(), dev)).view({B, H, W, 2});
  // Sampling x - fill with zeros outside, then adding fill back, fills the outside with `fill`.
  at::Tensor f = x.to(at::kFloat);
  if (fill != 0) f.sub_(float(fill));
  at::Tensor y = at::grid_sampler(f, grid, nearest ? 1 : 0, 0, false);
  if (fill != 0) y.add_(float(fill));
  return nearest && fill == std::floor(fill) ? y.to(at::kByte) : as_pixels(y);  // nearest copies whole levels
}

at::Tensor augment_batch(const at::Tensor& x, const std::vector<AugmentConfig>& steps, uint64_t seed, int epoch,
                         int batch) {
  at::Generator g = at::detail::createCPUGenerator(mix(seed ^ mix(0x417547ull + uint64_t(epoch) * 1000003ull + batch)));
  if (x.device().is_cpu() && x.scalar_type() == at::kByte && x.dim() == 4) return augment_on_cpu(x, steps, g);
  return augment_batch_ops(x, steps, seed, epoch, batch);
}

at::Tensor augment_batch_ops(const at::Tensor& x, const std::vector<AugmentConfig>& steps, uint64_t seed, int epoch,
                             int batch) {
  at::Generator g = at::detail::createCPUGenerator(mix(seed ^ mix(0x417547ull + uint64_t(epoch) * 1000003ull + batch)));
  at::Tensor out = x;
  for (const AugmentConfig& a : steps) out = apply(out, a, g);
  return out;
}

ImageBatch augment_preview(const ImageBatch& images, const std::vector<AugmentConfig>& steps, uint64_t draw) {
  ImageBatch out = images;
  const int n = images.count();
  if (n == 0 || steps.empty() || images.pixels.size() != size_t(n) * images.channels * images.height * images.width)
    return out;
  at::Tensor x = at::from_blob(const_cast<uint8_t*>(images.pixels.data()),
                               {n, images.channels, images.height, images.width}, at::kByte);
  at::Tensor y = augment_batch(x, steps, draw, 0, 0).contiguous();
  std::memcpy(out.pixels.data(), y.data_ptr<uint8_t>(), out.pixels.size());
  return out;
}

}  // namespace hyperlab

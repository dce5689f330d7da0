#include "data/augment.h"

#include <ATen/ATen.h>
#include <ATen/core/DistributionsHelper.h>

#include <algorithm>
#include <cmath>
#include <cstring>

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

uint64_t mix(uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Which images of the batch the step changes: [B] bool on the batch's device.
at::Tensor chosen(int64_t b, double p, at::Generator& g, const at::Device& dev) {
  return (at::rand({b}, g) < p).to(dev);
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
  at::Tensor rows = crop_index(dy, H, P, reflect).to(dev), cols = crop_index(dx, W, P, reflect).to(dev);
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
  at::Tensor out = affine_images(x, deg, zoom, shift, a.interpolation == "nearest", a.fill);
  if (a.p >= 1) return out;  // every image chosen (rand() < 1)
  return at::where(keep.to(x.device()).view({B, 1, 1, 1}), x, out);
}

at::Tensor apply(const at::Tensor& x, const A& a, at::Generator& g) {
  const int64_t B = x.size(0);
  const at::Device dev = x.device();
  if (a.type == "crop") return crop(x, a, g);
  if (a.type == "rotate") return rotate(x, a, g);
  at::Tensor m = chosen(B, a.p, g, dev).view({B, 1, 1, 1});
  if (a.type == "flip") return at::where(m, x.flip({3}), x);
  if (a.type == "noise") {
    at::Tensor n = at::randn(x.sizes(), g).to(dev);
    return at::where(m, as_pixels(x.to(at::kFloat) + n * a.std), x);
  }
  if (a.type == "cutout") {
    const int64_t H = x.size(2), W = x.size(3), s = a.size;
    at::Tensor cy = at::randint(0, H, {B, 1}, g, at::kLong), cx = at::randint(0, W, {B, 1}, g, at::kLong);
    at::Tensor y = at::arange(H, at::kLong).unsqueeze(0), xs = at::arange(W, at::kLong).unsqueeze(0);
    at::Tensor in_y = (y >= cy - s / 2) & (y < cy - s / 2 + s), in_x = (xs >= cx - s / 2) & (xs < cx - s / 2 + s);
    at::Tensor box = (in_y.unsqueeze(2) & in_x.unsqueeze(1)).to(dev).unsqueeze(1) & m;
    return x.masked_fill(box, 0);
  }
  // jitter
  at::Tensor bf = (1 + (at::rand({B, 1, 1, 1}, g) * 2 - 1) * a.brightness).to(dev);
  at::Tensor cf = (1 + (at::rand({B, 1, 1, 1}, g) * 2 - 1) * a.contrast).to(dev);
  at::Tensor f = x.to(at::kFloat) * bf;
  at::Tensor mean = f.mean({1, 2, 3}, true);
  return at::where(m, as_pixels((f - mean) * cf + mean), x);
}

}  // namespace

at::Tensor affine_images(const at::Tensor& x, const at::Tensor& degrees, const at::Tensor& zoom, const at::Tensor& shift,
                         bool nearest, double fill) {
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
  at::Tensor grid = at::matmul(base.view({1, H * W, 3}).to(dev), theta.to(at::kFloat).transpose(1, 2).to(dev)).view({B, H, W, 2});
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

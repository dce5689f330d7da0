#include "train/snapshot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "model/layers.h"

namespace hyperlab {

namespace {

constexpr int kTrainPreviewImages = 64;
constexpr int kMaxFilters = 64;
constexpr int kGrid = 100;
constexpr int kMaxPoints = 2000;

ImageBatch images_of(const Split& s, int n) {
  ImageBatch b;
  n = static_cast<int>(std::min<int64_t>(n, s.size()));
  if (n == 0 || s.x.dim() != 4) return b;
  at::Tensor x = s.x.narrow(0, 0, n).to(at::kCPU).to(at::kByte).contiguous();
  b.channels = static_cast<int>(x.size(1)), b.height = static_cast<int>(x.size(2)), b.width = static_cast<int>(x.size(3));
  b.pixels.assign(x.data_ptr<uint8_t>(), x.data_ptr<uint8_t>() + x.numel());
  at::Tensor y = s.y.narrow(0, 0, n).to(at::kCPU).contiguous();
  b.labels.assign(y.data_ptr<int64_t>(), y.data_ptr<int64_t>() + n);
  return b;
}

PointCloud points_of(const Split& s) {
  PointCloud p;
  int n = static_cast<int>(std::min<int64_t>(kMaxPoints, s.size()));
  if (n == 0) return p;
  at::Tensor x = s.x.narrow(0, 0, n).to(at::kCPU).to(at::kFloat).contiguous();
  at::Tensor y = s.y.narrow(0, 0, n).to(at::kCPU).contiguous();
  p.xy.assign(x.data_ptr<float>(), x.data_ptr<float>() + 2 * n);
  p.labels.assign(y.data_ptr<int64_t>(), y.data_ptr<int64_t>() + n);
  return p;
}

bool is_points(const LoadedData& d) { return d.spec.input.size() == 1 && d.spec.input[0] == 2 && d.train.size() > 0; }

// The plane shown by decision maps: the points' bounding box, 10 % margin, square cells.
void plane_bounds(const LoadedData& d, double& x0, double& x1, double& y0, double& y1) {
  at::Tensor all = d.test.size() > 0 ? at::cat({d.train.x.to(at::kFloat), d.test.x.to(at::kFloat)})
                                     : d.train.x.to(at::kFloat);
  at::Tensor lo = std::get<0>(all.min(0)), hi = std::get<0>(all.max(0));
  x0 = lo[0].item<double>(), y0 = lo[1].item<double>(), x1 = hi[0].item<double>(), y1 = hi[1].item<double>();
  double span = std::max({x1 - x0, y1 - y0, 1e-6}) * 1.1;
  double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  x0 = cx - span / 2, x1 = cx + span / 2, y0 = cy - span / 2, y1 = cy + span / 2;
}

std::string thousands(int64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

}  // namespace

std::string DataPreview::summary() const {
  std::string what = points ? "points" : "images";
  std::string s = thousands(train_size) + " train";
  if (val_size > 0) s += " / " + thousands(val_size) + " validation";
  s += " / " + thousands(test_size) + " test " + what;
  s += ", " + std::to_string(class_names.size()) + " classes";
  return s;
}

DataPreview preview_data(const LoadedData& d) {
  DataPreview p;
  p.train_size = d.train.size(), p.val_size = d.val.size(), p.test_size = d.test.size();
  p.class_names = d.spec.class_names;
  if (is_points(d)) {
    p.points = true;
    p.train_points = points_of(d.train);
    p.test_points = points_of(d.test);
    plane_bounds(d, p.x_min, p.x_max, p.y_min, p.y_max);
  } else {
    p.train_images = images_of(d.train, kTrainPreviewImages);
    p.test_images = images_of(d.test, kPreviewTestImages);
  }
  return p;
}

SnapshotMaker::SnapshotMaker(const LoadedData& d, const std::vector<LayerConfig>& layers, const at::Device& dev) {
  if (is_points(d)) {
    double x0, x1, y0, y1;
    plane_bounds(d, x0, x1, y0, y1);
    grid_ = kGrid;
    // Cell centres; row 0 at the top (y1), as an image.
    at::Tensor xs = at::linspace(x0 + (x1 - x0) / (2 * kGrid), x1 - (x1 - x0) / (2 * kGrid), kGrid);
    at::Tensor ys = at::linspace(y1 - (y1 - y0) / (2 * kGrid), y0 + (y1 - y0) / (2 * kGrid), kGrid);
    at::Tensor gx = xs.repeat({kGrid}), gy = ys.repeat_interleave(kGrid);
    grid_x_ = at::stack({gx, gy}, 1).to(d.train.x.scalar_type()).to(dev);
  }
  if (d.test.size() > 0) {
    test_x_ = d.test.x.narrow(0, 0, std::min<int64_t>(kPreviewTestImages, d.test.size())).to(dev);
    test_y_ = d.test.y.narrow(0, 0, test_x_.size(0)).to(at::kCPU);
  }
  layers_ = layers, classes_ = d.spec.classes;

  // First layer with weights, seen as pictures when its fan-in has a picture's
  // shape (each layer type's registry entry says how).
  const FilterView f = first_filters(layers, d.spec.input);
  if (f.kind == FilterView::Show) {
    filter_layer_ = f.layer;
    filter_count_ = std::min(f.count, kMaxFilters);
    filter_c_ = f.channels, filter_h_ = f.height, filter_w_ = f.width;
  }
}

Snapshot SnapshotMaker::make(Network& net, const Convert& convert, int epoch, bool final, int activation_image) {
  Snapshot s;
  s.epoch = epoch, s.final = final;
  at::NoGradGuard ng;
  net.train(false);
  auto predict = [&](const at::Tensor& x, std::vector<int>& cls, std::vector<float>& conf) {
    std::vector<at::Tensor> ps, cs;
    for (int64_t i = 0; i < x.size(0); i += 1000) {
      at::Tensor out = net.forward(convert(x.narrow(0, i, std::min<int64_t>(1000, x.size(0) - i))));
      auto mx = out.softmax(1).max(1);
      cs.push_back(std::get<0>(mx)), ps.push_back(std::get<1>(mx));
    }
    at::Tensor p = at::cat(ps).to(at::kCPU).to(at::kInt).contiguous();
    at::Tensor c = at::cat(cs).to(at::kCPU).to(at::kFloat).contiguous();
    cls.assign(p.data_ptr<int>(), p.data_ptr<int>() + p.numel());
    conf.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  };
  if (test_x_.defined()) predict(test_x_, s.predicted, s.confidence);
  if (grid_ > 0) {
    std::vector<int> cls;
    predict(grid_x_, cls, s.grid_confidence);
    s.grid_w = s.grid_h = grid_;
    s.grid_class.assign(cls.begin(), cls.end());
  }
  s.filters = filters_of(net);
  if (!s.filters.empty()) {
    s.filter_layer = filter_layer_;
    s.filter_count = filter_count_, s.filter_channels = filter_c_, s.filter_h = filter_h_, s.filter_w = filter_w_;
    if (start_filters_.size() == s.filters.size()) s.start_filters = start_filters_;
  }
  if (activation_image >= 0 && test_x_.defined() && test_x_.dim() == 4 && activation_image < test_x_.size(0)) {
    s.activations = layer_activations(net, layers_, convert(test_x_.narrow(0, activation_image, 1)), classes_);
    s.activations.image = activation_image, s.activations.label = static_cast<int>(test_y_[activation_image].item<int64_t>());
    s.activations.epoch = epoch, s.activations.final = final;
  }
  net.train(true);
  return s;
}

std::vector<float> SnapshotMaker::filters_of(Network& net) const {
  if (filter_count_ == 0 || net.weights().empty()) return {};
  const WeightSlice& w = net.weights()[0];
  const int64_t per = int64_t(filter_c_) * filter_h_ * filter_w_;
  if (per != w.fan_in || w.numel < per * filter_count_) return {};
  at::NoGradGuard ng;
  at::Tensor f = net.flat().narrow(0, w.offset, per * filter_count_).to(at::kCPU).contiguous();
  return std::vector<float>(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
}

void SnapshotMaker::remember_start(Network& net) { start_filters_ = filters_of(net); }

}  // namespace hyperlab

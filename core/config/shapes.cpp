#include "config/shapes.h"

#include "data/download.h"

#include <cstdio>
#include <initializer_list>
#include <limits>
#include <sstream>

#include "config/config_json.h"

namespace hyperlab {

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

std::string default_data_path(const std::string& dataset) {
  if (dataset == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  if (dataset_download(dataset)) return download_folder(dataset);  // where a download puts it
  return "";
}

DataSpec data_spec(const DataConfig& d) {
  DataSpec s;
  if (d.dataset == "fashion-mnist") {
    s.input = {1, 28, 28};
    s.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                     "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  } else if (d.dataset == "mnist") {
    s.input = {1, 28, 28};
    for (int i = 0; i < 10; ++i) s.class_names.push_back(std::to_string(i));
  } else if (d.dataset == "cifar10") {
    s.input = {3, 32, 32};
    s.class_names = {"airplane", "automobile", "bird", "cat", "deer",
                     "dog", "frog", "horse", "ship", "truck"};
  } else {  // synthetic
    const auto& y = d.synthetic;
    int k = (y.kind == "xor" || y.kind == "circles") ? 2 : y.classes;
    if (y.kind == "images") s.input = {1, y.image_size, y.image_size};
    else s.input = {2};
    for (int i = 0; i < k; ++i) s.class_names.push_back("class " + std::to_string(i));
  }
  s.classes = static_cast<int>(s.class_names.size());
  return s;
}

namespace {

// Sizes of absurd configs (a conv2d with 2^31 channels, a linear layer after it)
// must not wrap around: products and sums of these non-negative counts
// saturate at kSaturated, which the memory check then refuses.
constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();
int64_t mul(int64_t a, int64_t b) {
  int64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? kSaturated : r;
}
int64_t mul(std::initializer_list<int64_t> xs) {
  int64_t r = 1;
  for (int64_t x : xs) r = mul(r, x);
  return r;
}
int64_t add(int64_t a, int64_t b) {
  int64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? kSaturated : r;
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (auto v : s) n = mul(n, v);
  return n;
}

bool is_activation(const std::string& t) {
  return t == "relu" || t == "leaky_relu" || t == "elu" || t == "selu" || t == "gelu" ||
         t == "sigmoid" || t == "tanh";
}

}  // namespace

ModelSummary summarize(const std::vector<LayerConfig>& layers, const Shape& input, int classes) {
  ModelSummary m;
  Shape cur = input;
  bool broken = false;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerConfig& L = layers[i];
    const std::string where = "model.layers[" + std::to_string(i) + "]";
    LayerSummary s;
    s.name = L.type;
    auto fail = [&](const std::string& why) {
      m.errors.push_back(where + ": " + L.type + " " + why);
      broken = true;
    };
    if (broken) break;
    if (L.type == "linear") {
      s.name = "linear(" + std::to_string(L.out) + ")";
      if (cur.size() != 1) {
        fail("needs a flat [features] input, got " + shape_str(cur) + " (add a flatten layer before it)");
        break;
      }
      s.params = add(mul(cur[0], L.out), L.bias ? L.out : 0);
      s.flops = mul({2, cur[0], L.out});
      cur = {L.out};
    } else if (L.type == "conv2d" || L.type == "maxpool2d" || L.type == "avgpool2d") {
      const bool conv = L.type == "conv2d";
      if (cur.size() != 3) {
        fail("needs [C,H,W] input, got " + shape_str(cur));
        break;
      }
      int64_t k = L.kernel, st = L.stride, pad = L.padding;
      int64_t h = (cur[1] + 2 * pad - k) / st + 1, w = (cur[2] + 2 * pad - k) / st + 1;
      if (cur[1] + 2 * pad < k || cur[2] + 2 * pad < k || h < 1 || w < 1) {
        fail("kernel " + std::to_string(k) + " does not fit input " + shape_str(cur) +
             " with padding " + std::to_string(pad));
        break;
      }
      if (!conv && 2 * pad > k) {
        fail("padding must be at most half the kernel, got padding " + std::to_string(pad) +
             " for kernel " + std::to_string(k));
        break;
      }
      if (conv) {
        s.name = "conv2d(" + std::to_string(L.out) + ", " + std::to_string(k) + "x" +
                 std::to_string(k) + ")";
        s.params = add(mul({cur[0], L.out, k, k}), L.bias ? L.out : 0);
        s.flops = mul({2, cur[0], k, k, L.out, h, w});
        cur = {L.out, h, w};
      } else {
        s.name = L.type + "(" + std::to_string(k) + ")";
        cur = {cur[0], h, w};
      }
    } else if (L.type == "flatten") {
      cur = {numel(cur)};
    } else if (L.type == "dropout") {
      char b[32];
      std::snprintf(b, sizeof b, "dropout(%g)", L.p);
      s.name = b;
    } else if (L.type == "batchnorm") {
      if (cur.size() != 1 && cur.size() != 3) {
        fail("needs [features] or [C,H,W] input, got " + shape_str(cur));
        break;
      }
      s.name = cur.size() == 1 ? "batchnorm1d" : "batchnorm2d";
      s.params = mul(2, cur[0]);
    } else if (L.type == "layernorm") {
      s.params = mul(2, numel(cur));
    } else if (is_activation(L.type)) {
      // shape unchanged
    } else {
      fail("is not a known layer type");
      break;
    }
    s.output = cur;
    m.total_params = add(m.total_params, s.params);
    m.forward_flops = add(m.forward_flops, s.flops);
    m.layers.push_back(s);
  }
  if (!broken) {
    if (layers.empty()) {
      m.errors.push_back("model.layers: the model has no layers");
    } else if (cur != Shape{classes}) {
      m.errors.push_back("model.layers[" + std::to_string(layers.size() - 1) +
                         "]: the model must end with [" + std::to_string(classes) +
                         "] outputs (one per class), got " + shape_str(cur));
    }
  }
  return m;
}

ModelSummary summarize(const ExperimentConfig& c) {
  DataSpec d = data_spec(c.data);
  return summarize(expanded_layers(c), d.input, d.classes);
}

std::string ModelSummary::table() const {
  std::ostringstream o;
  char line[160];
  std::snprintf(line, sizeof line, "%-4s %-22s %-16s %12s\n", "#", "layer", "output", "parameters");
  o << line;
  for (size_t i = 0; i < layers.size(); ++i) {
    std::snprintf(line, sizeof line, "%-4zu %-22s %-16s %12lld\n", i, layers[i].name.c_str(),
                  shape_str(layers[i].output).c_str(), static_cast<long long>(layers[i].params));
    o << line;
  }
  std::snprintf(line, sizeof line, "total parameters: %lld, forward FLOPs per sample: %lld\n",
                static_cast<long long>(total_params), static_cast<long long>(forward_flops));
  o << line;
  for (const auto& e : errors) o << "error: " << e << "\n";
  return o.str();
}

}  // namespace hyperlab

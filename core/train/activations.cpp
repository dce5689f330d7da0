#include "train/activations.h"

#include <algorithm>
#include <stdexcept>

#include <ATen/ATen.h>

#include "config/config_json.h"
#include "config/shapes.h"
#include "data/dataset.h"
#include "model/layers.h"
#include "model/network.h"
#include "model/transfer.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/snapshot.h"
#include "train/trainer.h"

namespace hyperlab {

namespace {

// Layers shown in the row of the layer before them: elementwise ones and those
// that only reshape or (in evaluation mode) pass their input on.
bool folds(const std::string& type) {
  const LayerType* t = find_layer_type(type);
  return (t && t->activation) || type == "dropout" || type == "flatten" || type == "batchnorm" || type == "layernorm";
}
// Nothing to show of their own: a leading flatten (or dropout) shows the image again.
bool passes(const std::string& type) { return type == "flatten" || type == "dropout"; }

std::vector<float> floats(const at::Tensor& t) {
  at::Tensor c = t.to(at::kCPU).to(at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// One sample's output [C,H,W] (maps) or anything else (values, flattened).
void fill(LayerActivation& a, const at::Tensor& out) {
  at::Tensor o = out[0].to(at::kCPU).to(at::kFloat).contiguous();
  a.shape.assign(o.sizes().begin(), o.sizes().end());
  a.min = o.numel() ? o.min().item<float>() : 0.f;
  a.max = o.numel() ? o.max().item<float>() : 0.f;
  if (o.dim() == 3 && o.numel() > 0) {
    const int64_t c = o.size(0), n = std::min<int64_t>(c, kMaxActivationMaps);
    a.maps = static_cast<int>(n), a.height = static_cast<int>(o.size(1)), a.width = static_cast<int>(o.size(2));
    at::Tensor m = o.narrow(0, 0, n).reshape({n, -1});
    at::Tensor lo = std::get<0>(m.min(1, true)), hi = std::get<0>(m.max(1, true));
    at::Tensor q = ((m - lo) / (hi - lo).clamp_min(1e-30) * 255.0).round_().clamp_(0, 255).to(at::kByte).contiguous();
    a.pixels.assign(q.data_ptr<uint8_t>(), q.data_ptr<uint8_t>() + q.numel());
    a.map_min = floats(lo.reshape(-1)), a.map_max = floats(hi.reshape(-1));
    a.left_out = c - n;
  } else {
    at::Tensor v = o.reshape(-1);
    const int64_t n = std::min<int64_t>(v.numel(), kMaxActivationValues);
    a.values = floats(v.narrow(0, 0, n));
    a.left_out = v.numel() - n;
  }
}

// The model summary's names of the top-level layers (its depth-0 rows), else their types.
std::vector<std::string> top_level_names(const std::vector<LayerConfig>& layers, const Shape& input, int classes) {
  const ModelSummary s = summarize(layers, input, classes);
  std::vector<std::string> names;
  for (const LayerSummary& row : s.layers)
    if (row.depth == 0) names.push_back(row.name);
  for (size_t i = names.size(); i < layers.size(); ++i) names.push_back(layers[i].type);
  return names;
}

void add_probabilities(Activations& A, const at::Tensor& logits, int classes) {
  if (logits.dim() != 2 || logits.size(1) != classes || classes < 2) return;
  at::Tensor p = logits[0].to(at::kFloat).softmax(0);
  A.probabilities = floats(p);
  A.predicted = static_cast<int>(p.argmax().item<int64_t>());
}

}  // namespace

Activations layer_activations(Network& net, const std::vector<LayerConfig>& layers, const at::Tensor& x, int classes) {
  Activations A;
  const Shape input(x.sizes().begin() + 1, x.sizes().end());
  const std::vector<std::string> names = top_level_names(layers, input, classes);
  const bool was_training = net.training();
  at::NoGradGuard no_grad;
  net.train(false);
  at::Tensor h = x, shown;
  const std::vector<Network::Span>& spans = net.spans();
  for (size_t i = 0; i < spans.size() && i < layers.size(); ++i) {
    h = net.forward_modules(h, spans[i].m0, spans[i].m1);
    const std::string& type = layers[i].type;
    if (folds(type) && !A.layers.empty()) {
      A.layers.back().then.push_back(type);
      if (type != "flatten") shown = h;
      continue;
    }
    if (passes(type) && A.layers.empty()) continue;
    if (!A.layers.empty()) fill(A.layers.back(), shown);
    LayerActivation row;
    row.layer = names[i], row.type = type;
    A.layers.push_back(std::move(row));
    shown = h;
  }
  if (!A.layers.empty()) fill(A.layers.back(), shown);
  add_probabilities(A, h, classes);
  net.train(was_training);
  return A;
}

namespace {

// The network a run of `c` starts with (or a checkpoint's), on the CPU, in evaluation mode.
Activations run_request(const ActivationRequest& r) {
  if (!r.data) throw std::runtime_error("no data is loaded yet");
  const LoadedData& D = *r.data;
  const int64_t n = std::min<int64_t>(kPreviewTestImages, D.test.size());
  if (n == 0) throw std::runtime_error("the data has no test images to show");
  if (D.test.x.dim() != 4) throw std::runtime_error("the data are not images (layer outputs are shown for images)");
  if (r.image < 0 || r.image >= n)
    throw std::runtime_error("test image " + std::to_string(r.image) + " is out of range (0 to " + std::to_string(n - 1) + ")");
  const ExperimentConfig& c = r.config;
  if (ModelSummary s = summarize(c); !s.ok()) throw std::runtime_error(s.errors.front());
  const std::vector<LayerConfig> layers = expanded_layers(c);
  at::Generator gen = at::detail::createCPUGenerator(c.training.seed);
  Network net(layers, model_input(c.data), c.model.init, gen);
  int epoch = 0;
  if (!r.checkpoint.empty()) epoch = load_checkpoint_weights(r.checkpoint, net);
  else if (!c.model.init_from.file.empty()) load_initial_weights(c, layers, net, "");
  const BatchMath math(D, at::kCPU, c.training.loss, D.spec.classes, c.data.resize);
  at::NoGradGuard no_grad;
  const at::Tensor x = math.input(D.test.x.narrow(0, r.image, 1));
  Activations A = layer_activations(net, layers, x, D.spec.classes);
  A.image = r.image;
  A.label = static_cast<int>(D.test.y[r.image].item<int64_t>());
  A.epoch = epoch, A.final = !r.checkpoint.empty();
  return A;
}

}  // namespace

Activations compute_activations(const ActivationRequest& r) {
  try {
    return run_request(r);
  } catch (const std::exception& e) {
    Activations A;
    A.image = r.image;
    A.error = error_message(e);
    return A;
  } catch (...) {
    Activations A;
    A.image = r.image;
    A.error = "unknown error";
    return A;
  }
}

}  // namespace hyperlab

#include "config/shapes.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "config/config_json.h"
#include "data/download.h"
#include "data/folder.h"
#include "model/layers.h"

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
  } else if (d.dataset == "folder") {  // read from the folder's listing (data/folder.h)
    FolderSpec f = folder_spec(d);
    s.input = f.input;
    s.class_names = f.classes;
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

ModelSummary summarize(const std::vector<LayerConfig>& layers, const Shape& input, int classes) {
  ModelSummary m;
  Shape out;
  if (!infer_layers(layers, input, "model.layers", m, out)) return m;
  if (layers.empty()) {
    m.errors.push_back("model.layers: the model has no layers");
  } else if (out != Shape{classes}) {
    m.errors.push_back("model.layers[" + std::to_string(layers.size() - 1) + "]: the model must end with [" +
                       std::to_string(classes) + "] outputs (one per class), got " + shape_str(out));
  }
  return m;
}

Shape model_input(const DataConfig& d) {
  Shape s = data_spec(d).input;
  if (d.resize > 0 && s.size() == 3) s[1] = s[2] = d.resize;
  return s;
}

ModelSummary summarize(const ExperimentConfig& c) {
  DataSpec d = data_spec(c.data);
  return summarize(expanded_layers(c), model_input(c.data), d.classes);
}

std::string ModelSummary::table() const {
  std::ostringstream o;
  char line[256];
  // The layer column fits the longest name (blocks indent their body by two spaces a level).
  int width = 22;
  for (const LayerSummary& l : layers) width = std::max(width, static_cast<int>(2 * l.depth + l.name.size()));
  width = std::min(width, 120);
  std::snprintf(line, sizeof line, "%-4s %-*s %-16s %12s\n", "#", width, "layer", "output", "parameters");
  o << line;
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string name = std::string(2 * layers[i].depth, ' ') + layers[i].name;
    std::snprintf(line, sizeof line, "%-4zu %-*s %-16s %12lld\n", i, width, name.c_str(),
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

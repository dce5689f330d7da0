#include "model/shorthands.h"

#include "model/layers.h"

namespace hyperlab {

std::vector<LayerConfig> expand_mlp(const MlpConfig& m, int classes) {
  std::vector<LayerConfig> out;
  auto add = [&](const std::string& type) {
    out.push_back(default_layer(type));
    return &out.back();
  };
  add("flatten");
  for (int h : m.hidden) {
    add("linear")->out = h;
    if (m.batchnorm) add("batchnorm");
    add(m.activation);
    if (m.dropout > 0) add("dropout")->p = m.dropout;
  }
  add("linear")->out = classes;
  return out;
}

bool resnet_is_cifar(int depth) { return depth != 18 && depth != 34; }

bool resnet_depth_ok(int depth) {
  return depth == 18 || depth == 34 || (depth >= 8 && depth <= 6 * 200 + 2 && (depth - 2) % 6 == 0);
}

namespace {

LayerConfig conv(int out, int kernel, int stride, int padding) {
  LayerConfig l = default_layer("conv2d");
  l.out = out, l.kernel = kernel, l.stride = stride, l.padding = padding, l.bias = false;
  return l;
}

void basic_block(std::vector<LayerConfig>& layers, int out, int stride) {
  LayerConfig r = default_layer("residual");
  r.body = {conv(out, 3, stride, 1), default_layer("batchnorm"), default_layer("relu"), conv(out, 3, 1, 1),
            default_layer("batchnorm")};
  layers.push_back(r);
  layers.push_back(default_layer("relu"));
}

}  // namespace

std::vector<LayerConfig> expand_resnet(const ResNetConfig& r, int classes) {
  std::vector<LayerConfig> layers;
  std::vector<int> widths, blocks;
  if (resnet_is_cifar(r.depth)) {
    const int n = (r.depth - 2) / 6;
    widths = {16, 32, 64}, blocks = {n, n, n};
    layers.push_back(conv(16, 3, 1, 1));
  } else {
    widths = {64, 128, 256, 512};
    blocks = r.depth == 18 ? std::vector<int>{2, 2, 2, 2} : std::vector<int>{3, 4, 6, 3};
    layers.push_back(r.stem == "small" ? conv(64, 3, 1, 1) : conv(64, 7, 2, 3));
  }
  layers.push_back(default_layer("batchnorm"));
  layers.push_back(default_layer("relu"));
  if (!resnet_is_cifar(r.depth) && r.stem != "small") {
    LayerConfig pool = default_layer("maxpool2d");
    pool.kernel = 3, pool.stride = 2, pool.padding = 1;
    layers.push_back(pool);
  }
  for (size_t s = 0; s < widths.size(); ++s)
    for (int b = 0; b < blocks[s]; ++b) basic_block(layers, widths[s], s > 0 && b == 0 ? 2 : 1);
  layers.push_back(default_layer("global_avgpool"));
  LayerConfig head = default_layer("linear");
  head.out = classes;
  layers.push_back(head);
  return layers;
}

std::vector<std::string> layer_blocks(const ModelConfig& m, const std::vector<LayerConfig>& layers) {
  std::vector<std::string> out(layers.size(), "head");
  if (m.resnet) {
    std::vector<int> blocks = resnet_is_cifar(m.resnet->depth)
                                  ? std::vector<int>(3, (m.resnet->depth - 2) / 6)
                                  : (m.resnet->depth == 18 ? std::vector<int>{2, 2, 2, 2} : std::vector<int>{3, 4, 6, 3});
    size_t stage = 0;
    int in_stage = 0;
    bool started = false;
    for (size_t i = 0; i < layers.size(); ++i) {
      const std::string& t = layers[i].type;
      if (t == "residual") {
        if (started && in_stage == blocks[stage]) ++stage, in_stage = 0;
        started = true, ++in_stage;
      }
      if (t == "global_avgpool" || t == "linear") break;  // head from here
      out[i] = !started ? "stem" : "layer" + std::to_string(stage + 1);
    }
    return out;
  }
  size_t head = layers.empty() ? 0 : layers.size() - 1;
  for (size_t i = layers.size(); i-- > 0;)
    if (layers[i].type == "linear") {
      head = i;
      break;
    }
  for (size_t i = 0; i < head; ++i) out[i] = "body";
  return out;
}

std::vector<std::string> block_names(const ModelConfig& m, const std::vector<LayerConfig>& layers) {
  std::vector<std::string> names;
  for (const std::string& b : layer_blocks(m, layers))
    if (names.empty() || names.back() != b) names.push_back(b);
  return names;
}

std::string resnet_brief(const ResNetConfig& r) {
  return "resnet" + std::to_string(r.depth) + (resnet_is_cifar(r.depth) ? "" : " " + r.stem + "-stem");
}

}  // namespace hyperlab

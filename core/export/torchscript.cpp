#include "export/torchscript.h"

#include <cctype>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/script.h>
#include <torch/serialize/input-archive.h>

#include "config/config_json.h"
#include "config/shapes.h"
#include "data/dataset.h"
#include "export/model_code.h"
#include "model/layer_modules.h"
#include "model/layers.h"
#include "model/scripted.h"
#include "model/transfer.h"
#include "train/checkpoint.h"
#include "train/report.h"
#include "train/trainer.h"

namespace hyperlab {

namespace {

namespace jit = torch::jit;
namespace nn = torch::nn;

// The TorchScript twin of a network: one jit module per layer, named as the
// LibTorch modules are (so parameters keep their names), each with the forward
// its registry entry's template gives.
class ScriptBuilder {
 public:
  jit::Module make(const std::string& kind) {
    std::string cls = kind;
    for (char& c : cls)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    jit::Module m(c10::QualifiedName("__torch__.hyperlab." + cls + "_" + std::to_string(++classes_)), cu_);
    m.register_attribute("training", c10::BoolType::get(), true);  // what Module.train()/eval() set
    return m;
  }

  // `layers` on input `in`, whose LibTorch modules `seq` holds in order, into `m` as "0", "1", ...
  // with a forward that runs `code` first.
  void chain(jit::Module& m, const std::vector<LayerConfig>& layers, Shape in, const nn::Sequential& seq,
             std::string code) {
    for (size_t i = 0; i < layers.size(); ++i) {
      m.register_module(std::to_string(i), layer(layers[i], in, *seq->ptr(i)));
      code += "    x = getattr(self, \"" + std::to_string(i) + "\").forward(x)\n";
      ModelSummary scratch;
      Shape out;
      infer_layers({layers[i]}, in, "", scratch, out);
      in = out;
    }
    m.define(code + "    return x\n");
  }

  jit::Module layer(const LayerConfig& l, const Shape& in, const nn::Module& built) {
    if (const auto* s = dynamic_cast<const ScriptedImpl*>(&built)) return s->copy();  // as it is
    const LayerType* t = find_layer_type(l.type);
    if (!t || t->torchscript.empty()) throw std::logic_error("layer type " + l.type + " has no TorchScript form");
    jit::Module m = make(l.type);
    copy_tensors(built, m);
    for (const auto& child : built.named_children()) {
      auto seq = std::dynamic_pointer_cast<nn::SequentialImpl>(child.value());
      if (!seq) throw std::logic_error(l.type + "." + child.key() + " is not a sequence of layers");
      std::vector<LayerConfig> inner = l.body;
      if (child.key() == "shortcut") {
        inner.clear();
        if (auto p = residual_projection(l, in)) inner = {*p, default_layer("batchnorm")};
      }
      jit::Module sub = make("Sequential");
      chain(sub, inner, in, nn::Sequential(seq), "def forward(self, x):\n");
      m.register_module(child.key(), sub);
    }
    m.define("def forward(self, x):\n    return " + pycode::layer(t->torchscript, l, in) + "\n");
    return m;
  }

  static void copy_tensors(const nn::Module& from, jit::Module& to) {
    for (const auto& p : from.named_parameters(false)) to.register_parameter(p.key(), p.value().detach().clone(), false);
    for (const auto& b : from.named_buffers(false)) to.register_buffer(b.key(), b.value().detach().clone());
  }

 private:
  std::shared_ptr<jit::CompilationUnit> cu_ = std::make_shared<jit::CompilationUnit>();
  int classes_ = 0;
};

// The root: raw values to the normalised (and resized) input, then the layers, named "0", "1", ...
jit::Module script_model(const ExperimentConfig& cfg, const std::vector<LayerConfig>& layers, const LoadedData& D,
                         const nn::Sequential& seq) {
  ScriptBuilder b;
  jit::Module root = b.make("HyperlabModel");
  root.register_buffer("input_scale", D.scale.clone());
  root.register_buffer("input_shift", D.shift.clone());
  std::string code = "def forward(self, x):\n    x = x.float() * self.input_scale + self.input_shift\n";
  if (cfg.data.resize > 0) {
    const std::string r = std::to_string(cfg.data.resize);
    code += "    if x.size(2) != " + r + " or x.size(3) != " + r + ":\n        x = torch.upsample_bilinear2d(x, [" + r +
            ", " + r + "], False, None, None)\n";
  }
  b.chain(root, layers, model_input(cfg.data), seq, code);
  root.eval();
  return root;
}

std::string input_text(const ExperimentConfig& cfg, const LoadedData& D) {
  Shape s = D.spec.input;
  s.insert(s.begin(), -1);
  std::string shape = shape_str(s);
  shape.replace(1, 2, "N");
  if (D.train.x.scalar_type() == at::kByte)
    return "uint8 or float " + shape + ", pixel values 0..255 (normalisation " + cfg.data.normalization + " inside)";
  return "float " + shape + ", the features as the dataset gives them";
}

// The network's tensors by name, as a dict torch.load reads (torch::pickle_save writes torch.save's zip format).
void write_state_dict(const Network& net, const std::string& file) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, t] : net.named_tensors()) dict.insert(name, t.detach().cpu().clone());
  const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(dict));
  write_file_atomic(file, std::string(bytes.begin(), bytes.end()));
}

}  // namespace

ModelExportResult export_model(const ModelExportOptions& o) {
  ModelExportResult r;
  try {
    torch::serialize::InputArchive in;
    CheckpointMeta meta;
    try {
      meta = read_checkpoint(o.checkpoint, &in);
    } catch (const std::exception& e) {
      r.input_error = true;
      throw;
    }
    const ExperimentConfig& cfg = meta.config;
    r.run_name = cfg.name, r.epoch = meta.epoch;
    std::shared_ptr<const LoadedData> data;
    try {
      data = load_data(cfg.data, cfg.training.seed);  // the normalisation's statistics, the class names
    } catch (const DataError&) {
      r.input_error = true;
      throw;
    }
    const std::vector<LayerConfig> layers = expanded_layers(cfg);
    Network net(layers, model_input(cfg.data), cfg.model.init, at::detail::createCPUGenerator(cfg.training.seed));
    r.selected_epoch = read_selected_weights(in, meta, net, o.checkpoint);
    r.parameters = net.flat().numel();
    r.input = data->spec.input, r.input_text = input_text(cfg, *data);
    if (!o.torchscript.empty()) {
      jit::Module m = script_model(cfg, layers, *data, net.modules());
      nlohmann::json input = {{"shape", data->spec.input}, {"dtype", r.input_text},
                              {"normalization", cfg.data.normalization}, {"resize", cfg.data.resize}};
      jit::ExtraFilesMap extra{{"config.json", config_to_text(cfg)},
                               {"class_names.json", nlohmann::json(data->spec.class_names).dump()},
                               {"input.json", input.dump(2)}};
      m.save(o.torchscript, extra);
    }
    if (!o.weights.empty()) write_state_dict(net, o.weights);
    r.ok = true;
  } catch (const std::exception& e) {
    r.error = error_message(e);
  }
  return r;
}

void write_initial_weights(const ExperimentConfig& c, const std::string& file) {
  const std::vector<LayerConfig> layers = expanded_layers(c);
  Network net(layers, model_input(c.data), c.model.init, at::detail::createCPUGenerator(c.training.seed));
  if (c.model.init_from.run > 0)
    throw std::runtime_error("model.init_from.run: export that run's weights (hyperlab-cli export DIR --weights)");
  if (!c.model.init_from.file.empty()) load_initial_weights(c, layers, net, "");
  write_state_dict(net, file);
}

}  // namespace hyperlab

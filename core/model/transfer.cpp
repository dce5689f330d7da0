#include "model/transfer.h"

#include <filesystem>
#include <map>
#include <set>

#include <torch/script.h>
#include <torch/serialize/input-archive.h>

#include "config/config_json.h"
#include "config/shapes.h"
#include "model/scripted.h"
#include "model/shorthands.h"
#include "train/checkpoint.h"

namespace hyperlab {

namespace {

std::string shape_text(const at::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// "4.body.0.weight" of a resnet's top-level layer 4 -> "layer1.0.conv1.weight".
std::string resnet_name(const std::string& name, const std::vector<LayerConfig>& layers,
                        const std::vector<std::string>& blocks) {
  const auto dot = name.find('.');
  if (dot == std::string::npos) return name;
  const size_t i = std::stoul(name.substr(0, dot));
  if (i >= layers.size()) return name;
  std::string rest = name.substr(dot + 1);
  const std::string& type = layers[i].type;
  if (blocks[i] == "stem") {
    int convs = 0, norms = 0;
    for (size_t k = 0; k <= i; ++k) convs += layers[k].type == "conv2d", norms += layers[k].type == "batchnorm";
    if (type == "conv2d") return (convs == 1 ? "conv1" : "conv" + std::to_string(convs)) + "." + rest;
    if (type == "batchnorm") return (norms == 1 ? "bn1" : "bn" + std::to_string(norms)) + "." + rest;
    return name;
  }
  if (blocks[i] == "head") return type == "linear" ? "fc." + rest : name;
  if (type != "residual") return name;
  int b = 0;  // the residual's index within its stage
  for (size_t k = 0; k < i; ++k) b += blocks[k] == blocks[i] && layers[k].type == "residual";
  const std::string prefix = blocks[i] + "." + std::to_string(b) + ".";
  static const std::map<std::string, std::string> parts = {{"body.0.", "conv1."},   {"body.1.", "bn1."},
                                                           {"body.3.", "conv2."},   {"body.4.", "bn2."},
                                                           {"shortcut.0.", "downsample.0."},
                                                           {"shortcut.1.", "downsample.1."}};
  for (const auto& [from, to] : parts)
    if (rest.rfind(from, 0) == 0) return prefix + to + rest.substr(from.size());
  return name;
}

// The one-line config that trains a TorchScript file as it is (model/scripted.h), with a new head
// for the data's classes (after a flatten when its output is not flat).
std::string train_as_it_is(const ExperimentConfig& c, const std::string& file) {
  const ScriptedInfo info = scripted_info(file, model_input(c.data));
  const std::string head = "{\"type\": \"linear\", \"out\": " + std::to_string(data_spec(c.data).classes) + "}";
  return "to train the file's own module as it is, with a new head (docs/transfer.md), drop init_from and write "
         "\"layers\": [{\"type\": \"torchscript\", \"file\": \"" + file + "\"}, " +
         (info.error.empty() && info.out.size() > 1 ? "{\"type\": \"flatten\"}, " : "") + head + "]" +
         (info.error.empty() ? "" : " (though " + info.error + ")");
}

}  // namespace

std::string TransferReport::text() const {
  std::string s = "init_from " + source + ": " + std::to_string(mapped.size()) + " tensors mapped";
  if (!mismatched.empty()) s += ", " + std::to_string(mismatched.size()) + " of another shape";
  if (!missing.empty()) s += ", " + std::to_string(missing.size()) + " not in the source (kept their init)";
  if (!unused.empty()) s += ", " + std::to_string(unused.size()) + " of the source unused";
  if (!head_note.empty()) s += "\n  " + head_note;
  for (const std::string& m : mismatched) s += "\n  shape differs: " + m;
  auto list = [&](const char* what, const std::vector<std::string>& v) {
    if (v.empty()) return;
    s += std::string("\n  ") + what + ":";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : " ") + v[i];
  };
  list("mapped", mapped);
  list("not in the source", missing);
  list("unused", unused);
  return s;
}

std::vector<std::pair<std::string, at::Tensor>> transfer_names(const ModelConfig& m, const std::vector<LayerConfig>& layers,
                                                               const Network& net) {
  std::vector<std::pair<std::string, at::Tensor>> out = net.named_tensors();
  if (!m.resnet) return out;
  const std::vector<std::string> blocks = layer_blocks(m, layers);
  for (auto& [name, t] : out) name = resnet_name(name, layers, blocks);
  return out;
}

TransferReport map_weights(const std::vector<std::pair<std::string, at::Tensor>>& source,
                           const std::vector<std::pair<std::string, at::Tensor>>& target) {
  TransferReport r;
  std::map<std::string, at::Tensor> src(source.begin(), source.end());
  std::set<std::string> taken;
  at::NoGradGuard ng;
  for (const auto& [name, t] : target) {
    auto it = src.find(name);
    if (it == src.end()) {
      r.missing.push_back(name);
      continue;
    }
    taken.insert(name);
    if (it->second.sizes() != t.sizes()) {
      r.mismatched.push_back(name + ": " + shape_text(t) + " in the network, " + shape_text(it->second) + " in the source");
      continue;
    }
    at::Tensor dst = t;  // shares the network's storage (the flat tensor for parameters)
    dst.copy_(it->second.to(t.scalar_type()));
    r.mapped.push_back(name);
  }
  for (const auto& [name, t] : source)
    if (!taken.count(name)) r.unused.push_back(name);
  return r;
}

std::vector<std::pair<std::string, at::Tensor>> torchscript_tensors(const std::string& file) {
  torch::jit::Module m;
  try {
    m = load_scripted(file);
  } catch (const std::exception& e) {
    throw TransferError("model.init_from.file", e.what());
  }
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& p : m.named_parameters(true)) out.emplace_back(p.name, p.value.detach());
  for (const auto& b : m.named_buffers(true)) out.emplace_back(b.name, b.value.detach());
  return out;
}

std::vector<std::pair<std::string, at::Tensor>> checkpoint_tensors(const std::string& file) {
  torch::serialize::InputArchive in;
  const ExperimentConfig cfg = read_checkpoint(file, &in).config;
  const std::vector<LayerConfig> layers = expanded_layers(cfg);
  Network net(layers, model_input(cfg.data), cfg.model.init, at::detail::createCPUGenerator(cfg.training.seed));
  read_checkpoint_weights(in, net, file);
  return transfer_names(cfg.model, layers, net);
}

TransferReport load_initial_weights(const ExperimentConfig& c, const std::vector<LayerConfig>& layers, Network& net,
                                    const std::string& run_checkpoint) {
  const InitFromConfig& f = c.model.init_from;
  std::vector<std::pair<std::string, at::Tensor>> source;
  std::string what;
  // A run's checkpoint: the run named, or the pretraining's run (Trainer::set_pretraining found it).
  const std::string key = f.run > 0 ? "model.init_from.run" : !f.pretrain.empty() ? "model.init_from.pretrain" : "model.init_from.file";
  if (f.run > 0 || !f.pretrain.empty()) {
    what = f.run > 0 ? "run " + std::to_string(f.run) : "the pretraining " + f.pretrain;
    if (run_checkpoint.empty() || !std::filesystem::exists(run_checkpoint))
      throw TransferError(key, what + " has no checkpoint" +
                                                     (run_checkpoint.empty() ? "" : " (" + run_checkpoint + " is gone)") +
                                                     ": start from a run that kept one (training.checkpoint_every > 0)");
    try {
      source = checkpoint_tensors(run_checkpoint);
    } catch (const std::exception& e) {
      throw TransferError(key, what + ": " + e.what());
    }
    what += " (" + run_checkpoint + ")";
  } else {
    what = f.file;
    source = torchscript_tensors(f.file);
  }
  const auto target = transfer_names(c.model, layers, net);
  TransferReport r = map_weights(source, target);
  r.source = what;
  if (r.mapped.empty()) {
    std::string theirs;
    for (size_t i = 0; i < source.size() && i < 4; ++i) theirs += (i ? ", " : "") + source[i].first;
    std::string ours;
    for (size_t i = 0; i < target.size() && i < 4; ++i) ours += (i ? ", " : "") + target[i].first;
    std::string msg = what + ": no tensor maps by name and shape (an architecture Hyperlab does not know); the source "
                      "has " + theirs + "..., this model " + ours + "...";
    if (key == "model.init_from.file") msg += "; " + train_as_it_is(c, f.file);
    throw TransferError(key, msg);
  }
  // The head: the last linear's weight, when its shape (the class count) differs.
  for (auto it = target.rbegin(); it != target.rend(); ++it) {
    if (it->second.dim() != 2) continue;
    for (const std::string& m : r.mismatched)
      if (m.rfind(it->first + ":", 0) == 0)
        for (const auto& s : source)
          if (s.first == it->first && s.second.dim() == 2)
            r.head_note = "head replaced: " + std::to_string(s.second.size(0)) + " classes in the source, " +
                          std::to_string(it->second.size(0)) + " here (" + it->first + " freshly initialised)";
    break;
  }
  return r;
}

size_t cacheable_prefix(const ExperimentConfig& c, const std::vector<LayerConfig>& layers, const std::vector<bool>& frozen) {
  if (!c.training.cache_features || !c.data.augment.empty() || layers.empty()) return 0;
  const std::vector<std::string> blocks = layer_blocks(c.model, layers);
  for (size_t i = 0; i < layers.size(); ++i)  // everything before the last block frozen
    if (blocks[i] != blocks.back() && !frozen[i]) return 0;
  size_t k = 0;
  while (k < layers.size() && frozen[k]) ++k;
  static const std::set<std::string> plain = {"global_avgpool", "flatten", "relu", "maxpool2d", "avgpool2d",
                                              "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh"};
  while (k < layers.size() && plain.count(layers[k].type)) ++k;
  return k < layers.size() ? k : 0;  // something must remain to train
}

std::vector<bool> frozen_layers(const ExperimentConfig& c, const std::vector<LayerConfig>& layers) {
  const std::vector<std::string> blocks = layer_blocks(c.model, layers);
  std::vector<bool> out(blocks.size(), false);
  for (size_t i = 0; i < blocks.size(); ++i)
    out[i] = std::find(c.model.freeze.begin(), c.model.freeze.end(), blocks[i]) != c.model.freeze.end();
  return out;
}

}  // namespace hyperlab

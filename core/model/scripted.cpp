#include "model/scripted.h"

#include <filesystem>
#include <map>
#include <mutex>

#include "model/layer_modules.h"

namespace hyperlab {

namespace fs = std::filesystem;

namespace {

std::string error_text(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

// The interpreter's message ends with the Python-like error line ("RuntimeError: ..."): that line.
std::string last_line(const std::string& s) {
  size_t end = s.find_last_not_of(" \n\r\t");
  if (end == std::string::npos) return s;
  const size_t start = s.find_last_of('\n', end);
  return s.substr(start == std::string::npos ? 0 : start + 1, end + 1 - (start == std::string::npos ? 0 : start + 1));
}

// Registers the jit module's parameters and buffers in `into`, its submodules as children of the same names.
void mirror(const torch::jit::Module& from, torch::nn::Module& into) {
  for (const auto& p : from.named_parameters(false))
    if (p.value.defined()) into.register_parameter(p.name, p.value, true);
  for (const auto& b : from.named_buffers(false))
    if (b.value.defined()) into.register_buffer(b.name, b.value);
  for (const auto& c : from.named_children()) {
    auto child = std::make_shared<torch::nn::Module>();
    mirror(c.value, *child);
    into.register_module(c.name, child);
  }
}

ScriptedInfo probe(const std::string& file, const Shape& in) {
  ScriptedInfo r;
  try {
    torch::jit::Module m = load_scripted(file);
    for (const auto& p : m.named_parameters(true)) {
      if (p.value.scalar_type() != at::kFloat) {
        r.error = file + ": parameter " + p.name + " is " + std::string(c10::toString(p.value.scalar_type())) +
                  "; Hyperlab trains float32 (save the module after .float())";
        return r;
      }
      r.params += p.value.numel();
    }
    m.eval();
    Shape dims = in;
    dims.insert(dims.begin(), 1);
    at::NoGradGuard ng;
    c10::IValue y;
    try {
      y = m.forward({at::zeros(dims)});
    } catch (const std::exception& e) {
      r.error = file + ": its forward fails on a " + shape_str(dims) + " input (one sample of the data): " +
                last_line(error_text(e));
      return r;
    }
    if (!y.isTensor()) {
      r.error = file + ": its forward returns " + y.tagKind() + ", not one tensor";
      return r;
    }
    const at::Tensor t = y.toTensor();
    if (t.dim() < 2 || t.size(0) != 1) {
      r.error = file + ": its forward must keep the batch dimension first: " + shape_str(dims) + " gave " +
                shape_str(t.sizes().vec());
      return r;
    }
    r.out = t.sizes().slice(1).vec();
  } catch (const std::exception& e) {
    r.error = error_text(e);
  }
  return r;
}

bool infer_scripted(const LayerConfig& L, const Shape& in, Shape& out, LayerSummary& s, InferContext& ctx) {
  s.name = "torchscript(" + fs::path(L.file).filename().string() + ")";
  InferContext at_file = ctx;
  at_file.path += ".file";
  if (L.file.empty()) return at_file.fail("needs the TorchScript file it runs (torch.jit.save of a module)");
  const ScriptedInfo info = scripted_info(L.file, in);
  if (!info.error.empty()) return at_file.fail(info.error);
  s.params = info.params, out = info.out;
  return true;
}

void build_scripted(const LayerConfig& L, const Shape&, BuildContext& c) {
  Scripted m(load_scripted(L.file));
  // The file's weights are its own (no init); weight matrices and kernels join the weights, the rest the others.
  for (auto& p : m->named_parameters(true)) {
    at::Tensor t = p.value();
    if (t.dim() >= 2) {
      const int64_t fan_in = t.numel() / std::max<int64_t>(1, t.size(0));
      c.weights->push_back({"torchscript " + p.key() + " #" + std::to_string(++*c.weighted), 0, 0, static_cast<int>(fan_in)});
      c.weight_params->push_back(t);
    } else {
      c.other_params->push_back(t);
    }
  }
  c.seq->push_back(m);
}

}  // namespace

torch::jit::Module load_scripted(const std::string& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw std::runtime_error(file + ": no such file (paths are relative to the working folder)");
  try {
    return torch::jit::load(file, at::kCPU);
  } catch (const std::exception& e) {
    throw std::runtime_error(file + ": not a TorchScript file (torch.jit.save of a scripted or traced module): " +
                             last_line(error_text(e)));
  }
}

ScriptedInfo scripted_info(const std::string& file, const Shape& in) {
  static std::mutex mu;
  static std::map<std::string, ScriptedInfo> cache;
  std::error_code ec;
  const auto when = fs::last_write_time(file, ec);
  const auto size = ec ? 0 : fs::file_size(file, ec);
  if (ec) return probe(file, in);  // missing: says so, nothing to cache
  const std::string key = file + "|" + std::to_string(when.time_since_epoch().count()) + "|" + std::to_string(size) +
                          "|" + shape_str(in);
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  ScriptedInfo info = probe(file, in);
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() > 64) cache.clear();
  cache[key] = info;
  return info;
}

ScriptedImpl::ScriptedImpl(torch::jit::Module m) : jit_(std::move(m)) { mirror(jit_, *this); }

at::Tensor ScriptedImpl::forward(const at::Tensor& x) { return jit_.forward({x}).toTensor(); }

namespace {
void copy_tensors(const torch::jit::Module& from, torch::jit::Module& to) {
  for (const auto& p : from.named_parameters(false)) to.setattr(p.name, p.value.detach().clone());
  for (const auto& b : from.named_buffers(false)) to.setattr(b.name, b.value.detach().clone());
  for (const auto& c : from.named_children()) {
    torch::jit::Module sub = to.attr(c.name).toModule();
    copy_tensors(c.value, sub);
  }
}
}  // namespace

torch::jit::Module ScriptedImpl::copy() const {
  torch::jit::Module m = jit_.deepcopy();
  copy_tensors(jit_, m);
  return m;
}

void ScriptedImpl::train(bool on) {
  torch::nn::Module::train(on);
  jit_.train(on);
}

LayerType scripted_layer_type() {
  LayerField file;
  file.key = "file", file.kind = FieldKind::Text, file.s = &LayerConfig::file, file.required = true;
  file.doc = "the TorchScript file (torch.jit.save of a scripted or traced module), relative to the working folder";
  LayerType t{"torchscript", "a TorchScript file's module trained as it is (its own weights, its forward)", {file}};
  t.infer = infer_scripted, t.build = build_scripted;
  t.brief = [](const LayerConfig& L) { return "torchscript(" + fs::path(L.file).filename().string() + ")"; };
  // No pytorch/torchscript templates: export/ embeds the module itself, export-pytorch refuses.
  return t;
}

}  // namespace hyperlab

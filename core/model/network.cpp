#include "model/network.h"

#include "model/layer_modules.h"

namespace hyperlab {

at::Generator& generator_for(const at::Device& dev, at::Generator& cpu, at::Generator& cached) {
  if (dev.is_cpu()) return cpu;
  if (!cached.defined() || cached.device() != dev) {
    cached = at::globalContext().defaultGenerator(dev).clone();
    cached.set_current_seed(cpu.current_seed() ^ 0xD1B54A32D192ED03ull);
  }
  return cached;
}

at::Tensor SeededDropoutImpl::forward(const at::Tensor& x) {
  if (!is_training() || p_ == 0) return x;
  return x * mask(x);
}

at::Tensor SeededDropoutImpl::mask(const at::Tensor& x) {
  // Same distribution as torch.nn.Dropout: keep with probability 1-p, scale by 1/(1-p).
  return at::empty_like(x).bernoulli_(1.0 - p_, generator_for(x.device(), gen_, device_gen_)).div_(1.0 - p_);
}

Network::Network(const std::vector<LayerConfig>& layers, const std::vector<int64_t>& input,
                 const InitConfig& init, at::Generator gen) {
  int weighted = 0;
  BuildContext ctx{std::move(gen), &init, seq_, &weight_params_, &other_params_, &weights_, &weighted};
  Span span;
  build_layers(layers, input, ctx, [&](size_t) {
    span.w1 = weight_params_.size(), span.o1 = other_params_.size(), span.m1 = seq_->size();
    spans_.push_back(span);
    span.w0 = span.w1, span.o0 = span.o1, span.m0 = span.m1;
  });
  frozen_.assign(spans_.size(), false);
  flatten_parameters(at::kCPU);
}

void Network::train(bool on) {
  seq_->train(on);
  for (size_t i = 0; i < spans_.size(); ++i)
    if (frozen_[i])
      for (size_t m = spans_[i].m0; m < spans_[i].m1; ++m) seq_[m]->eval();
}

std::vector<std::pair<std::string, at::Tensor>> Network::named_tensors() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& p : seq_->named_parameters()) out.emplace_back(p.key(), p.value());
  for (const auto& b : seq_->named_buffers()) out.emplace_back(b.key(), b.value());
  return out;
}

void Network::freeze(const std::vector<bool>& layers) {
  frozen_ = layers;
  frozen_.resize(spans_.size(), false);
  for (size_t i = 0; i < spans_.size(); ++i) {
    for (size_t w = spans_[i].w0; w < spans_[i].w1; ++w) weight_params_[w].set_requires_grad(!frozen_[i]);
    for (size_t o = spans_[i].o0; o < spans_[i].o1; ++o) other_params_[o].set_requires_grad(!frozen_[i]);
  }
  train(seq_->is_training());
}

std::vector<std::pair<int64_t, int64_t>> Network::flat_ranges(const std::vector<bool>& layers) const {
  std::vector<std::pair<int64_t, int64_t>> r;
  auto add = [&](int64_t off, int64_t n) {
    if (n == 0) return;
    if (!r.empty() && r.back().first + r.back().second == off) r.back().second += n;
    else r.emplace_back(off, n);
  };
  for (size_t i = 0; i < spans_.size() && i < layers.size(); ++i)  // weights first, as in flat_
    if (layers[i])
      for (size_t w = spans_[i].w0; w < spans_[i].w1; ++w) add(weight_offsets_[w], weight_params_[w].numel());
  for (size_t i = 0; i < spans_.size() && i < layers.size(); ++i)
    if (layers[i])
      for (size_t o = spans_[i].o0; o < spans_[i].o1; ++o) add(other_offsets_[o], other_params_[o].numel());
  return r;
}

at::Tensor Network::forward_modules(const at::Tensor& x, size_t m0, size_t m1) {
  at::Tensor h = x;
  for (size_t m = m0; m < m1 && m < seq_->size(); ++m) h = seq_->begin()[static_cast<std::ptrdiff_t>(m)].forward(h);
  return h;
}

void Network::flatten_parameters(const at::Device& dev) {
  at::NoGradGuard ng;
  int64_t total = 0;
  for (auto& p : weight_params_) total += p.numel();
  weight_numel_ = total;
  for (auto& p : other_params_) total += p.numel();
  at::Tensor flat = at::empty({total}, at::TensorOptions().dtype(at::kFloat).device(dev));
  at::Tensor grad = at::zeros({total}, flat.options());
  int64_t off = 0;
  size_t wi = 0;
  weight_offsets_.clear(), other_offsets_.clear();
  auto place = [&](at::Tensor& p) {
    int64_t n = p.numel();
    (weight_offsets_.size() < weight_params_.size() ? weight_offsets_ : other_offsets_).push_back(off);
    at::Tensor slot = flat.narrow(0, off, n).view(p.sizes());
    slot.copy_(p);
    p.set_data(slot);
    p.mutable_grad() = grad.narrow(0, off, n).view(p.sizes());
    off += n;
  };
  for (auto& p : weight_params_) {
    weights_[wi].offset = off;
    weights_[wi].numel = p.numel();
    ++wi;
    place(p);
  }
  for (auto& p : other_params_) place(p);
  flat_ = flat;
  grad_ = grad;
}

void Network::to(const at::Device& dev) {
  if (flat_.device() == dev) return;
  seq_->to(dev);  // moves buffers (and parameters, which we re-flatten below)
  flatten_parameters(dev);
}

std::vector<at::Tensor> Network::buffers() { return seq_->buffers(); }

}  // namespace hyperlab

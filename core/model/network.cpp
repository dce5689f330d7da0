#include "model/network.h"

#include "model/layer_modules.h"

namespace hyperlab {

at::Tensor SeededDropoutImpl::forward(const at::Tensor& x) {
  if (!is_training() || p_ == 0) return x;
  // Same distribution as torch.nn.Dropout: keep with probability 1-p, scale by 1/(1-p).
  at::Tensor mask = at::empty_like(x).bernoulli_(1.0 - p_, gen_).div_(1.0 - p_);
  return x * mask;
}

Network::Network(const std::vector<LayerConfig>& layers, const std::vector<int64_t>& input,
                 const InitConfig& init, at::Generator gen) {
  int weighted = 0;
  BuildContext ctx{std::move(gen), &init, seq_, &weight_params_, &other_params_, &weights_, &weighted};
  build_layers(layers, input, ctx);
  flatten_parameters(at::kCPU);
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
  auto place = [&](at::Tensor& p) {
    int64_t n = p.numel();
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

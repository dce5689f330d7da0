#include "model/network.h"

#include <cmath>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/pooling.h>

#include "config/shapes.h"

namespace hyperlab {

at::Tensor SeededDropoutImpl::forward(const at::Tensor& x) {
  if (!is_training() || p_ == 0) return x;
  // Same distribution as torch.nn.Dropout: keep with probability 1-p, scale by 1/(1-p).
  at::Tensor mask = at::empty_like(x).bernoulli_(1.0 - p_, gen_).div_(1.0 - p_);
  return x * mask;
}

namespace {

double gain_for(const std::string& nl, double slope) {
  if (nl == "relu") return std::sqrt(2.0);
  if (nl == "leaky_relu") return std::sqrt(2.0 / (1.0 + slope * slope));
  if (nl == "tanh") return 5.0 / 3.0;
  if (nl == "selu") return 0.75;
  return 1.0;  // linear, sigmoid
}

}  // namespace

void init_weight(at::Tensor& w, at::Tensor* bias, const InitConfig& c, at::Generator& gen) {
  at::NoGradGuard ng;
  const int64_t recept = w.dim() > 2 ? w[0][0].numel() : 1;
  const double fan_in = static_cast<double>(w.size(1) * recept), fan_out = static_cast<double>(w.size(0) * recept);
  const double default_bound = 1.0 / std::sqrt(fan_in);  // PyTorch's Linear/Conv default
  const std::string& s = c.scheme;
  if (s == "default") {
    w.uniform_(-default_bound, default_bound, gen);
  } else if (s == "normal") {
    w.normal_(c.mean, c.std, gen);
  } else if (s == "uniform") {
    w.uniform_(c.a, c.b, gen);
  } else if (s == "xavier_normal") {
    w.normal_(0, c.gain * std::sqrt(2.0 / (fan_in + fan_out)), gen);
  } else if (s == "xavier_uniform") {
    double b = c.gain * std::sqrt(6.0 / (fan_in + fan_out));
    w.uniform_(-b, b, gen);
  } else if (s == "kaiming_normal" || s == "kaiming_uniform") {
    double fan = c.mode == "fan_in" ? fan_in : fan_out;
    double sd = gain_for(c.nonlinearity, c.negative_slope) / std::sqrt(fan);
    if (s == "kaiming_normal") w.normal_(0, sd, gen);
    else w.uniform_(-std::sqrt(3.0) * sd, std::sqrt(3.0) * sd, gen);
  } else if (s == "zeros") {
    w.zero_();
  }
  if (bias && bias->defined()) {
    if (c.zero_bias || s == "zeros") bias->zero_();
    else bias->uniform_(-default_bound, default_bound, gen);
  }
}

Network::Network(const std::vector<LayerConfig>& layers, const std::vector<int64_t>& input,
                 const InitConfig& init, at::Generator gen) {
  namespace nn = torch::nn;
  std::vector<int64_t> cur = input;
  int weighted = 0;
  for (const LayerConfig& L : layers) {
    const std::string& t = L.type;
    const InitConfig& ic = L.init ? *L.init : init;
    if (t == "linear") {
      nn::Linear m(nn::LinearOptions(cur[0], L.out).bias(L.bias));
      init_weight(m->weight, L.bias ? &m->bias : nullptr, ic, gen);
      seq_->push_back(m);
      weights_.push_back({"linear(" + std::to_string(L.out) + ") #" + std::to_string(++weighted), 0, 0,
                          static_cast<int>(cur[0])});
      weight_params_.push_back(m->weight);
      if (L.bias) other_params_.push_back(m->bias);
      cur = {L.out};
    } else if (t == "conv2d") {
      nn::Conv2d m(nn::Conv2dOptions(cur[0], L.out, L.kernel).stride(L.stride).padding(L.padding).bias(L.bias));
      init_weight(m->weight, L.bias ? &m->bias : nullptr, ic, gen);
      seq_->push_back(m);
      weights_.push_back({"conv2d(" + std::to_string(L.out) + ") #" + std::to_string(++weighted), 0, 0,
                          static_cast<int>(cur[0] * L.kernel * L.kernel)});
      weight_params_.push_back(m->weight);
      if (L.bias) other_params_.push_back(m->bias);
      int64_t h = (cur[1] + 2 * L.padding - L.kernel) / L.stride + 1;
      int64_t w = (cur[2] + 2 * L.padding - L.kernel) / L.stride + 1;
      cur = {L.out, h, w};
    } else if (t == "maxpool2d" || t == "avgpool2d") {
      if (t == "maxpool2d")
        seq_->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(L.kernel).stride(L.stride).padding(L.padding)));
      else
        seq_->push_back(nn::AvgPool2d(nn::AvgPool2dOptions(L.kernel).stride(L.stride).padding(L.padding)));
      int64_t h = (cur[1] + 2 * L.padding - L.kernel) / L.stride + 1;
      int64_t w = (cur[2] + 2 * L.padding - L.kernel) / L.stride + 1;
      cur = {cur[0], h, w};
    } else if (t == "flatten") {
      seq_->push_back(nn::Flatten());
      int64_t n = 1;
      for (auto v : cur) n *= v;
      cur = {n};
    } else if (t == "dropout") {
      seq_->push_back(SeededDropout(L.p, gen));
    } else if (t == "batchnorm") {
      if (cur.size() == 1) {
        nn::BatchNorm1d m(cur[0]);
        seq_->push_back(m);
        other_params_.push_back(m->weight), other_params_.push_back(m->bias);
      } else {
        nn::BatchNorm2d m(cur[0]);
        seq_->push_back(m);
        other_params_.push_back(m->weight), other_params_.push_back(m->bias);
      }
    } else if (t == "layernorm") {
      nn::LayerNorm m{nn::LayerNormOptions(cur)};
      seq_->push_back(m);
      other_params_.push_back(m->weight), other_params_.push_back(m->bias);
    } else if (t == "relu") {
      seq_->push_back(nn::ReLU());
    } else if (t == "leaky_relu") {
      seq_->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(L.slope)));
    } else if (t == "elu") {
      seq_->push_back(nn::ELU(nn::ELUOptions().alpha(L.alpha)));
    } else if (t == "selu") {
      seq_->push_back(nn::SELU());
    } else if (t == "gelu") {
      seq_->push_back(nn::GELU());
    } else if (t == "sigmoid") {
      seq_->push_back(nn::Sigmoid());
    } else if (t == "tanh") {
      seq_->push_back(nn::Tanh());
    } else {
      throw std::invalid_argument("unknown layer type " + t);
    }
  }
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

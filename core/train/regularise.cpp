#include "train/regularise.h"

#include "model/network.h"

namespace hyperlab {

Regularisers::Regularisers(const TrainingConfig& t, const at::Tensor& flat, const at::Tensor& grad, int64_t weights,
                           at::Generator& gen)
    : l1_(t.l1),
      l2_(t.l2),
      noise_std_(t.grad_noise_std),
      clip_(t.clip_grad_norm),
      grad_(grad),
      wflat_(flat.narrow(0, 0, weights)),
      wgrad_(grad.narrow(0, 0, weights)),
      noise_(t.grad_noise_std > 0 ? at::empty_like(grad) : at::Tensor()),
      gen_(gen) {}

void Regularisers::add_penalty_gradients() {
  at::NoGradGuard ng;
  if (l1_ > 0) wgrad_.add_(wflat_.sign(), l1_);
  if (l2_ > 0) wgrad_.add_(wflat_, 2 * l2_);
}

void Regularisers::noise_and_clip() {
  at::NoGradGuard ng;
  if (noise_std_ > 0) grad_.add_(noise_.normal_(0.0, noise_std_, generator_for(grad_.device(), gen_, device_gen_)));
  if (clip_ > 0) {
    at::Tensor coef = (clip_ / (grad_.norm() + 1e-6)).clamp_max(1.0);
    grad_.mul_(coef);
  }
}

double Regularisers::penalty() const {
  at::NoGradGuard ng;
  double p = 0;
  if (l1_ > 0) p += l1_ * wflat_.abs().sum().item<double>();
  if (l2_ > 0) p += l2_ * wflat_.square().sum().item<double>();
  return p;
}

}  // namespace hyperlab

#include "train/evaluate.h"

#include <algorithm>
#include <vector>

namespace hyperlab {

BatchMath::BatchMath(const LoadedData& data, const at::Device& dev, const std::string& loss, int classes)
    : data_(data), scale_(data.scale.to(dev)), shift_(data.shift.to(dev)), mse_(loss == "mse"), classes_(classes) {}

at::Tensor BatchMath::input(const at::Tensor& xb) const {
  at::Tensor xf = xb.to(at::kFloat);
  if (data_.unit_scale_only) return data_.scalar_scale == 1.0 ? xf : xf.mul_(data_.scalar_scale);
  return xf.mul_(scale_).add_(shift_);
}

at::Tensor BatchMath::loss(const at::Tensor& logits, const at::Tensor& y) const {
  if (mse_) return at::mse_loss(logits, at::one_hot(y, classes_).to(at::kFloat));
  return at::cross_entropy_loss(logits, y);
}

Evaluator::Evaluator(Network& net, const BatchMath& math, bool has_conv, const at::TensorOptions& options)
    : net_(net), math_(math), batch_(has_conv ? 128 : 1000), options_(options) {}

void Evaluator::measure(const Split& s, double& loss, double& acc, at::Tensor* preds) const {
  if (s.size() == 0) return;
  at::NoGradGuard ng;
  net_.train(false);
  at::Tensor lsum = at::zeros({}, options_), correct = at::zeros({}, options_.dtype(at::kLong));
  std::vector<at::Tensor> pv;
  for (int64_t i = 0; i < s.size(); i += batch_) {
    const int64_t b = std::min(batch_, s.size() - i);
    at::Tensor yb = s.y.narrow(0, i, b);
    at::Tensor out = net_.forward(math_.input(s.x.narrow(0, i, b)));
    lsum.add_(math_.loss(out, yb), static_cast<double>(b));
    at::Tensor p = out.argmax(1);
    correct.add_(p.eq(yb).sum());
    if (preds) pv.push_back(p);
  }
  loss = lsum.item<double>() / s.size();
  acc = correct.item<double>() / s.size();
  if (preds) *preds = at::cat(pv);
  net_.train(true);
}

}  // namespace hyperlab

#include "train/evaluate.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hyperlab {

BatchMath::BatchMath(const LoadedData& data, const at::Device& dev, const std::string& loss, int classes, int resize)
    : data_(data), scale_(data.scale.to(dev)), shift_(data.shift.to(dev)), mse_(loss == "mse"), classes_(classes),
      resize_(resize) {}

at::Tensor BatchMath::input(const at::Tensor& xb) const {
  if (features_) return xb;
  at::Tensor x = scaled(xb);
  // Normalising first and then interpolating is the same as the other way round (both are linear, the
  // bilinear weights sum to 1), and the small image is the cheaper one to normalise.
  if (resize_ > 0 && x.dim() == 4 && (x.size(2) != resize_ || x.size(3) != resize_))
    x = at::upsample_bilinear2d(x, {resize_, resize_}, false);
  return x;
}

at::Tensor BatchMath::scaled(const at::Tensor& xb) const {
  at::Tensor xf = xb.to(at::kFloat);
  if (data_.unit_scale_only) return data_.scalar_scale == 1.0 ? xf : xf.mul_(data_.scalar_scale);
  return xf.mul_(scale_).add_(shift_);
}

double BatchMath::unit_scale() const {
  return data_.unit_scale_only && resize_ == 0 && !features_ ? data_.scalar_scale : NAN;
}

at::Tensor BatchMath::loss(const at::Tensor& logits, const at::Tensor& y) const {
  if (mse_) return at::mse_loss(logits, at::one_hot(y, classes_).to(at::kFloat));
  return at::cross_entropy_loss(logits, y);
}

BatchResult batch_result(const at::Tensor& logits, const at::Tensor& yb, const at::Tensor& loss, int C) {
  BatchResult r;
  const int64_t b = yb.size(0);
  r.samples = b;
  if (logits.device().is_cpu()) {
    r.loss = loss.item<double>();
    at::Tensor lc = logits.contiguous();
    const float* lp = lc.data_ptr<float>();  // [b, C]
    const int64_t* yp = yb.data_ptr<int64_t>();
    int64_t correct = 0;
    for (int64_t i = 0; i < b; ++i) {
      const float* row = lp + i * C;
      int arg = 0;
      for (int k = 1; k < C; ++k)
        if (row[k] > row[arg]) arg = k;
      correct += arg == yp[i];
    }
    r.accuracy = double(correct) / b;
    r.correct = double(correct);
  } else {
    // One sync per batch on CUDA; cheap next to the kernels it waits for.
    at::Tensor corr = logits.argmax(1).eq(yb).sum();
    at::Tensor both = at::stack({loss.detach().to(at::kDouble), corr.to(at::kDouble)}).cpu();
    r.loss = both[0].item<double>(), r.accuracy = both[1].item<double>() / b;
    r.correct = r.accuracy * b;
  }
  return r;
}

std::string divergence_reason(double loss, int epoch, int batch) {
  return std::string("training loss became ") + (std::isnan(loss) ? "NaN" : "infinite") + " at epoch " +
         std::to_string(epoch) + ", batch " + std::to_string(batch) + " (try a smaller learning rate or gradient clipping)";
}

Evaluator::Evaluator(Network& net, const BatchMath& math, bool has_conv, const at::TensorOptions& options)
    : net_(net), math_(math), batch_(has_conv ? 128 : 256), options_(options) {}

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

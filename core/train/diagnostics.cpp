#include "train/diagnostics.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace hyperlab {

namespace {

using Clock = std::chrono::steady_clock;

// Sum of squares per weight slice of a CPU float tensor. Small slices in a
// plain loop (no dispatcher overhead, which dominates small models); large
// ones through ATen, which is vectorised and multi-threaded.
void slice_sq_sums(const at::Tensor& t, const std::vector<WeightSlice>& ws, size_t count, double* out) {
  const float* p = t.data_ptr<float>();
  for (size_t i = 0; i < count; ++i) {
    const int64_t n = ws[i].numel;
    if (n >= 32768) {
      double v = t.narrow(0, ws[i].offset, n).norm().item<double>();
      out[i] = v * v;
      continue;
    }
    const float* q = p + ws[i].offset;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t j = 0;
    for (; j + 8 <= n; j += 8)
      for (int k = 0; k < 8; ++k) acc[k] += q[j + k] * q[j + k];
    double s = 0;
    for (; j < n; ++j) s += double(q[j]) * q[j];
    for (float a : acc) s += a;
    out[i] = s;
  }
}

}  // namespace

GradientDiagnostics::GradientDiagnostics(const Network& net, const at::Tensor& flat, const at::Tensor& grad,
                                         int batches)
    : ws_(net.weights()),
      flat_(flat),
      grad_(grad),
      layers_(net.weights().size()),
      cpu_(flat.device().is_cpu()),
      every_(std::max(1, batches / 100)),
      sq_(layers_),
      gsum_(layers_),
      wsum_(layers_) {}

void GradientDiagnostics::epoch_begin() {
  std::fill(gsum_.begin(), gsum_.end(), 0.0), std::fill(wsum_.begin(), wsum_.end(), 0.0);
  ratio_sum_ = 0, samples_ = 0, seconds_ = 0;
  if (!cpu_) {
    dev_gsum_ = at::zeros({(int64_t)layers_}, flat_.options()), dev_wsum_ = at::zeros({(int64_t)layers_}, flat_.options());
    dev_ratio_ = at::zeros({}, flat_.options());
  }
}

void GradientDiagnostics::after_backward(int batch) {
  if (layers_ == 0 || batch % every_ != 0) return;
  at::NoGradGuard ng;
  ++samples_;
  const auto t0 = Clock::now();
  const size_t L = layers_;
  if (cpu_) {
    slice_sq_sums(grad_, ws_, L, sq_.data());
    for (size_t i = 0; i < L; ++i) gsum_[i] += std::sqrt(sq_[i]);
    ratio_sum_ += sq_[L - 1] > 0 ? std::sqrt(sq_[0] / sq_[L - 1]) : NAN;
    slice_sq_sums(flat_, ws_, L, sq_.data());
    for (size_t i = 0; i < L; ++i) wsum_[i] += std::sqrt(sq_[i]);
  } else {
    std::vector<at::Tensor> gn, wn;
    for (size_t i = 0; i < L; ++i) {
      const WeightSlice& w = ws_[i];
      gn.push_back(grad_.narrow(0, w.offset, w.numel).norm());
      wn.push_back(flat_.narrow(0, w.offset, w.numel).norm());
    }
    at::Tensor g = at::stack(gn);
    dev_gsum_.add_(g), dev_wsum_.add_(at::stack(wn));
    dev_ratio_.add_(g[0] / g[L - 1]);
  }
  seconds_ += std::chrono::duration<double>(Clock::now() - t0).count();
}

void GradientDiagnostics::epoch_end(EpochEvent& e) {
  const size_t L = layers_;
  e.diag_seconds = seconds_;
  if (!cpu_ && L > 0) {
    at::Tensor g = dev_gsum_.cpu(), w = dev_wsum_.cpu();
    for (size_t i = 0; i < L; ++i) gsum_[i] = g[i].item<double>(), wsum_[i] = w[i].item<double>();
    ratio_sum_ = dev_ratio_.item<double>();
  }
  for (size_t i = 0; i < L; ++i)
    e.grad_norms.push_back(gsum_[i] / samples_), e.weight_norms.push_back(wsum_[i] / samples_);
  if (L > 0) e.grad_ratio = ratio_sum_ / samples_;
}

}  // namespace hyperlab

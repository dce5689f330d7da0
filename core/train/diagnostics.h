// Gradient diagnostics, as one piece the training loop calls: per layer with
// weights, the L2 norms of the gradient and of the weights, and the ratio of
// the first layer's gradient norm to the last one's (tiny = vanishing
// gradients), averaged over evenly spaced batches of each epoch.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "model/network.h"
#include "train/events.h"

namespace hyperlab {

class GradientDiagnostics {
 public:
  /// `batches`: per epoch. Reads every k-th batch, k = batches / 100 (every
  /// batch in short epochs): at least 100 evenly spaced samples per epoch, at
  /// under 1 % of the epoch's time even for the largest MLP presets
  /// (measured: every batch costs 13-25 %).
  GradientDiagnostics(const Network& net, const at::Tensor& flat, const at::Tensor& grad, int batches);
  void epoch_begin();
  /// After backward, before gradient noise and clipping: the objective's gradient.
  void after_backward(int batch);
  /// The epoch's means into `e` (grad_norms, weight_norms, grad_ratio, diag_seconds).
  void epoch_end(EpochEvent& e);

 private:
  const std::vector<WeightSlice>& ws_;
  at::Tensor flat_, grad_;  // the network's flat parameters and gradients (shared storage)
  const size_t layers_;
  const bool cpu_;
  const int every_;
  int samples_ = 0;
  double seconds_ = 0, ratio_sum_ = 0;
  std::vector<double> sq_, gsum_, wsum_;
  at::Tensor dev_gsum_, dev_wsum_, dev_ratio_;  // CUDA: accumulated on the device
};

}  // namespace hyperlab

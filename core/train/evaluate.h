// What a batch becomes on its way through the network, and the evaluation
// of a split, shared by the training loop, the evaluator and the snapshots:
// a uint8 batch to float with the data's normalisation, the loss, and a
// split's loss and accuracy measured with the loss sum and correct count kept
// on the device and read once.
#pragma once

#include <ATen/ATen.h>

#include <string>

#include "data/dataset.h"
#include "model/network.h"

namespace hyperlab {

class BatchMath {
 public:
  /// `data` must outlive this; `dev`: where batches are.
  /// resize > 0: images are resized to resize x resize (bilinear), per batch (data.resize).
  BatchMath(const LoadedData& data, const at::Device& dev, const std::string& loss, int classes, int resize = 0);
  /// A stored (uint8) batch as the network's input: normalised, then resized.
  at::Tensor input(const at::Tensor& xb) const;
  /// The data loss of a batch (mean over it): cross entropy, or MSE on one-hot targets.
  at::Tensor loss(const at::Tensor& logits, const at::Tensor& y) const;
  int classes() const { return classes_; }
  /// When input(x) is float(x) * unit_scale() for a uint8 batch (one scale, no shift, no resize, no
  /// cached features): that scale; else NaN. The MLP step (train/mlp_step.h) converts batches itself then.
  double unit_scale() const;

 private:
  const LoadedData& data_;
  at::Tensor scale_, shift_;
  bool mse_;
  int classes_;
  int resize_ = 0;
  at::Tensor scaled(const at::Tensor& xb) const;
  bool features_ = false;

 public:
  /// Batches are cached features (float, the network's input already): input() passes them through.
  void use_features() { features_ = true; }
};

/// A training batch's loss and accuracy, read with one sync: `loss_value`, the
/// batch accuracy, and what to add to the epoch's correct count.
/// A batch's mean loss and accuracy. On a GPU the loop reads them once per
/// Loop::read_every batches (a read waits for the device): then they are the
/// means over the batches since the last read, and samples is 0 in between.
struct BatchResult {
  double loss = 0, accuracy = 0, correct = 0;
  int64_t samples = 0;  ///< training samples these cover; 0: not read at this batch
};
BatchResult batch_result(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& loss, int classes);

/// The message of a run whose training loss stopped being finite.
std::string divergence_reason(double loss, int epoch, int batch);

class Evaluator {
 public:
  /// Batches of 1000 (128 with convolutions, whose activations are larger).
  Evaluator(Network& net, const BatchMath& math, bool has_conv, const at::TensorOptions& options);
  /// Loss and accuracy on `s` (nothing when empty), and the predictions when asked;
  /// the network is in evaluation mode meanwhile, in training mode after.
  void measure(const Split& s, double& loss, double& acc, at::Tensor* preds) const;

 private:
  Network& net_;
  const BatchMath& math_;
  int64_t batch_;
  at::TensorOptions options_;
};

}  // namespace hyperlab
